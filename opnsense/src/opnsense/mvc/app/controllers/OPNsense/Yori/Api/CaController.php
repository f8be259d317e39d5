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

use OPNsense\Base\ApiControllerBase;
use OPNsense\Core\Backend;

/**
 * YORI's CA certificate (never its key), for installing on the family's devices. The
 * certificate is exported by YORI through configd; DER is converted here from the PEM.
 */
class CaController extends ApiControllerBase
{
    private const FORMATS = [
        'pem' => ['application/x-pem-file', 'yori-ca.pem'],
        'der' => ['application/x-x509-ca-cert', 'yori-ca.cer'],
        'mobileconfig' => ['application/x-apple-aspen-config', 'yori-ca.mobileconfig'],
    ];

    /**
     * GET /api/yori/ca/info: subject, expiry and SHA-256 fingerprint, to compare on the device.
     */
    public function infoAction()
    {
        $this->sessionClose();
        $pem = $this->exportPem();
        $cert = $pem === null ? false : openssl_x509_parse($pem);
        if ($cert === false) {
            return ['status' => 'failed', 'message' => gettext('No CA yet: start YORI once, it creates the CA on first start.')];
        }

        return [
            'status' => 'ok',
            'subject' => $cert['subject']['CN'] ?? '',
            'valid_until' => date('Y-m-d', $cert['validTo_time_t']),
            'sha256' => implode(':', str_split(strtoupper(openssl_x509_fingerprint($pem, 'sha256')), 2)),
        ];
    }

    /**
     * GET /api/yori/ca/download/pem|der|mobileconfig
     */
    public function downloadAction($format = 'pem')
    {
        $this->sessionClose();
        if (!isset(self::FORMATS[$format])) {
            return ['status' => 'failed', 'message' => gettext('Unknown format.')];
        }
        if ($format === 'mobileconfig') {
            $body = (new Backend())->configdpRun('yori ca export', ['mobileconfig']);
            $body = strpos($body ?? '', '<plist') !== false ? $body : null;
        } else {
            $body = $this->exportPem();
            if ($body !== null && $format === 'der') {
                $body = base64_decode(preg_replace('/-----[^-]+-----|\s+/', '', $body));
            }
        }
        if (empty($body)) {
            return ['status' => 'failed', 'message' => gettext('No CA yet: start YORI once, it creates the CA on first start.')];
        }
        [$type, $filename] = self::FORMATS[$format];
        $this->response->setContentType($type);
        $this->response->setRawHeader('Content-Disposition: attachment; filename="' . $filename . '"');
        $this->response->setRawHeader('Cache-Control: no-store');
        $this->response->setContent($body);
    }

    private function exportPem()
    {
        $pem = (new Backend())->configdpRun('yori ca export', ['pem']) ?? '';
        if (!preg_match('/-----BEGIN CERTIFICATE-----[A-Za-z0-9+\/=\s]+-----END CERTIFICATE-----/', $pem, $match)) {
            return null;
        }
        return $match[0] . "\n";
    }
}
