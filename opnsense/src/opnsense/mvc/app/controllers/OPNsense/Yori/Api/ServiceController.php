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

namespace OPNsense\Yori\Api;

use OPNsense\Base\ApiMutableServiceControllerBase;
use OPNsense\Core\Backend;
use OPNsense\Core\Config;

/**
 * Service control (start, stop, restart, status, reconfigure), the redirect switch and the
 * pf status. The redirect rules come from yori_firewall() in plugins.inc.d/yori.inc, so every
 * change ends in a filter reload.
 */
class ServiceController extends ApiMutableServiceControllerBase
{
    protected static $internalServiceClass = '\OPNsense\Yori\Yori';
    protected static $internalServiceTemplate = 'OPNsense/Yori';
    protected static $internalServiceEnabled = 'general.enabled';
    protected static $internalServiceName = 'yori';

    /**
     * Apply: restart with the new settings, then bring the redirect (interfaces, clients and
     * port may have changed), its cron job and the Unbound settings in line.
     */
    public function reconfigureAction()
    {
        $result = parent::reconfigureAction();
        if ($this->request->isPost()) {
            $this->applyRedirect();
            (new Backend())->configdRun('yori dns');
        }
        return $result;
    }

    /**
     * The redirect switch. POST enabled=1 or enabled=0; takes effect at once.
     */
    public function redirectAction()
    {
        if (!$this->request->isPost()) {
            return ['status' => 'failed'];
        }
        $this->sessionClose();
        $model = $this->getModel();
        $model->general->redirect = $this->request->getPost('enabled') === '1' ? '1' : '0';
        $model->serializeToConfig();
        Config::getInstance()->save();
        $this->applyRedirect();

        return ['status' => 'ok', 'redirect' => (string)$model->general->redirect];
    }

    /**
     * What pf does right now (`yori pf status --json`): rules loaded, table size, last refresh.
     */
    public function pfAction()
    {
        $this->sessionClose();
        $general = $this->getModel()->general;
        $output = (new Backend())->configdRun('yori pf status');
        $pf = json_decode($output ?? '', true);

        return [
            'status' => is_array($pf) ? 'ok' : 'failed',
            'message' => is_array($pf) ? '' : trim($output ?? ''),
            'pf' => is_array($pf) ? $pf : null,
            'switch' => (string)$general->redirect === '1',
            'enabled' => (string)$general->enabled === '1',
        ];
    }

    /**
     * POST: look the AI hostnames up again and replace the address table now.
     */
    public function refreshAction()
    {
        if (!$this->request->isPost()) {
            return ['status' => 'failed'];
        }
        $this->sessionClose();

        return ['status' => 'ok', 'output' => trim((new Backend())->configdRun('yori pf refresh') ?? '')];
    }

    private function applyRedirect()
    {
        $backend = new Backend();
        /* the clients table file and rc.conf.d follow the model */
        $backend->configdpRun('template reload', [static::$internalServiceTemplate]);
        $backend->configdRun('filter reload');
        if ((string)$this->getModel()->general->redirect === '1') {
            /* fill the table now instead of at the next cron run */
            $backend->configdRun('yori pf refresh');
        }
        /* yori_cron() schedules the refresh only while the redirect is on */
        $backend->configdRun('cron restart');
    }
}
