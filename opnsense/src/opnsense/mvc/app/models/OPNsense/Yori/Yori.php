<?php

/*
 * Copyright (C) 2025 YORI contributors
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions are met:
 *
 * 1. Redistributions of source code must retain the above copyright notice,
 *    this list of conditions and the following disclaimer.
 *
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES,
 * INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY
 * AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 * AUTHOR BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY,
 * OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
 * SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
 * INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
 * CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 * ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
 * POSSIBILITY OF SUCH DAMAGE.
 */

namespace OPNsense\Yori;

use OPNsense\Base\BaseModel;
use OPNsense\Base\Messages\Message;

/**
 * YORI settings (//OPNsense/yori). Checks what YORI itself would refuse to start with, so the
 * mistake shows on the form instead of in the log.
 */
class Yori extends BaseModel
{
    public function performValidation($validateFullModel = false)
    {
        $messages = parent::performValidation($validateFullModel);
        $general = $this->general;
        $alerts = $this->alerts;

        $address = (string)$general->admin_address;
        $loopback = $address === '::1' || strpos($address, '127.') === 0;
        if (
            ($validateFullModel || $general->admin_address->isFieldChanged() || $general->admin_password->isFieldChanged()) &&
            !$loopback && (string)$general->admin_password === ''
        ) {
            $messages->appendMessage(new Message(
                gettext('Set an admin password before YORI\'s own web interface listens beyond this router.'),
                'general.admin_password'
            ));
        }

        if (
            ($validateFullModel || $alerts->email_enabled->isFieldChanged() || $alerts->email_host->isFieldChanged() ||
                $alerts->email_to->isFieldChanged()) &&
            (string)$alerts->email_enabled === '1'
        ) {
            foreach (['email_host' => gettext('Name the mail server.'), 'email_to' => gettext('Name at least one recipient.')] as $field => $text) {
                if ((string)$alerts->$field === '') {
                    $messages->appendMessage(new Message($text, 'alerts.' . $field));
                }
            }
        }

        if (($validateFullModel || $alerts->ntfy_url->isFieldChanged() || $alerts->ntfy_topic->isFieldChanged()) &&
            (string)$alerts->ntfy_url !== '' && (string)$alerts->ntfy_topic === ''
        ) {
            $messages->appendMessage(new Message(gettext('Name the ntfy topic to publish to.'), 'alerts.ntfy_topic'));
        }

        return $messages;
    }
}
