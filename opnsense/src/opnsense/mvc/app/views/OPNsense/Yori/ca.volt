{#
 # Copyright (C) 2025 YORI contributors
 # All rights reserved.
 #
 # Redistribution and use in source and binary forms, with or without
 # modification, are permitted provided that the following conditions are met:
 #
 # 1. Redistributions of source code must retain the above copyright notice,
 #    this list of conditions and the following disclaimer.
 #
 # 2. Redistributions in binary form must reproduce the above copyright
 #    notice, this list of conditions and the following disclaimer in the
 #    documentation and/or other materials provided with the distribution.
 #
 # THIS SOFTWARE IS PROVIDED ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES,
 # INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY
 # AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 # AUTHOR BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY,
 # OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
 # SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
 # INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
 # CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 # ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
 # POSSIBILITY OF SUCH DAMAGE.
 #}

<script>
    $(document).ready(function () {
        ajaxGet('/api/yori/ca/info', {}, function (data) {
            if (!data || data.status !== 'ok') {
                $('#yori_ca_missing').text((data && data.message) || "{{ lang._('The CA could not be read.') }}").show();
                $('.yori-ca-download').addClass('disabled');
                return;
            }
            $('#yori_ca_subject').text(data.subject);
            $('#yori_ca_until').text(data.valid_until);
            $('#yori_ca_sha256').text(data.sha256);
        });
    });
</script>

<div class="alert alert-warning" id="yori_ca_missing" style="display: none;"></div>

<div class="content-box" style="padding: 1em;">
    <p>
        {{ lang._('YORI reads conversations with AI services only on devices that trust its certificate authority (CA). Install it on each device you want YORI to see; the CA stays on this router and its private key never leaves it.') }}
    </p>
    <table class="table table-condensed">
        <tbody>
            <tr><td style="width: 12em;">{{ lang._('Name') }}</td><td id="yori_ca_subject"></td></tr>
            <tr><td>{{ lang._('Valid until') }}</td><td id="yori_ca_until"></td></tr>
            <tr><td>{{ lang._('SHA-256 fingerprint') }}</td><td><code id="yori_ca_sha256"></code></td></tr>
        </tbody>
    </table>
    <a class="btn btn-primary yori-ca-download" href="/api/yori/ca/download/mobileconfig"><i class="fa fa-apple fa-fw"></i> {{ lang._('iPhone, iPad, Mac (.mobileconfig)') }}</a>
    <a class="btn btn-primary yori-ca-download" href="/api/yori/ca/download/der"><i class="fa fa-windows fa-fw"></i> {{ lang._('Windows, Android (.cer)') }}</a>
    <a class="btn btn-default yori-ca-download" href="/api/yori/ca/download/pem"><i class="fa fa-download fa-fw"></i> {{ lang._('Other systems (.pem)') }}</a>
    <p class="text-muted" style="margin-top: 1em;">
        {{ lang._('Download on this computer and send the file to the device, or, when the YORI web interface listens on the LAN, open its /install page on the device itself. After installing, compare the fingerprint the device shows with the one above.') }}
    </p>
</div>
<br/>
<div class="content-box" style="padding: 1em;">
    <h3>{{ lang._('iPhone and iPad') }}</h3>
    <ol>
        <li>{{ lang._('Open the .mobileconfig file on the device (Safari, Mail or AirDrop). The device says "Profile Downloaded".') }}</li>
        <li>{{ lang._('Settings > Profile Downloaded > Install, enter the device passcode, Install again.') }}</li>
        <li>{{ lang._('Settings > General > About > Certificate Trust Settings: turn on full trust for the YORI CA. Without this step the profile is installed but not trusted.') }}</li>
    </ol>
    <h3>{{ lang._('Mac') }}</h3>
    <ol>
        <li>{{ lang._('Open the .mobileconfig file, then System Settings > Privacy & Security > Profiles (or General > Device Management): double-click the YORI profile and choose Install.') }}</li>
        <li>{{ lang._('Check in Keychain Access > System > Certificates that the YORI CA is marked as trusted.') }}</li>
    </ol>
    <h3>{{ lang._('Android') }}</h3>
    <ol>
        <li>{{ lang._('Copy the .cer file to the device.') }}</li>
        <li>{{ lang._('Settings > Security & privacy > More security settings > Encryption & credentials > Install a certificate > CA certificate, confirm, then pick the file. Menu names differ a little between makers.') }}</li>
        <li>{{ lang._('Browsers use the certificate; most apps trust only the system CAs, and YORI observes AI apps without decrypting them anyway.') }}</li>
    </ol>
    <h3>{{ lang._('Windows') }}</h3>
    <ol>
        <li>{{ lang._('Double-click the .cer file, choose Install Certificate, Local Machine.') }}</li>
        <li>{{ lang._('Choose "Place all certificates in the following store", Browse, Trusted Root Certification Authorities, then Finish.') }}</li>
    </ol>
    <h3>{{ lang._('Chromebook') }}</h3>
    <ol>
        <li>{{ lang._('Settings > Privacy and security > Security > Manage certificates > Authorities > Import, pick the .pem file.') }}</li>
        <li>{{ lang._('Tick "Trust this certificate for identifying websites".') }}</li>
    </ol>
    <h3>{{ lang._('Linux') }}</h3>
    <ol>
        <li>{{ lang._('Debian, Ubuntu: copy the .pem file to /usr/local/share/ca-certificates/yori-ca.crt and run sudo update-ca-certificates.') }}</li>
        <li>{{ lang._('Fedora: copy it to /etc/pki/ca-trust/source/anchors/ and run sudo update-ca-trust.') }}</li>
    </ol>
    <h3>{{ lang._('Firefox and developer tools') }}</h3>
    <ol>
        <li>{{ lang._('Firefox on Windows and macOS uses the system store; elsewhere: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import, trust it for websites.') }}</li>
        <li>{{ lang._('Python, Node.js and curl keep their own lists: point them at the .pem file (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, CURL_CA_BUNDLE).') }}</li>
    </ol>
</div>
