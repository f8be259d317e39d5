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
        const $redirect = $('#yori_redirect');

        mapDataToFormUI({'frm_general': '/api/yori/settings/get'}).done(function (data) {
            $('.selectpicker').selectpicker('refresh');
            $redirect.prop('checked', data.frm_general.yori.general.redirect === '1');
        });
        updateServiceControlUI('yori');

        /* the switch applies at once: rules, address table and cron job follow it */
        $redirect.change(function () {
            const on = $redirect.is(':checked');
            $redirect.prop('disabled', true);
            ajaxCall('/api/yori/service/redirect', {'enabled': on ? '1' : '0'}, function (data) {
                $redirect.prop('disabled', false);
                if (!data || data.status !== 'ok') {
                    $redirect.prop('checked', !on);
                    BootstrapDialog.show({
                        type: BootstrapDialog.TYPE_DANGER,
                        title: "{{ lang._('Redirect') }}",
                        message: "{{ lang._('The redirect could not be changed; see the system log.') }}",
                        buttons: [{label: "{{ lang._('Close') }}", action: function (dialog) { dialog.close(); }}]
                    });
                }
            });
        });

        $('#reconfigureAct').SimpleActionButton({
            onPreAction: function () {
                const dfObj = new $.Deferred();
                saveFormToEndpoint('/api/yori/settings/set', 'frm_general', function () { dfObj.resolve(); }, true, function () { dfObj.reject(); });
                return dfObj;
            },
            onAction: function () {
                updateServiceControlUI('yori');
            }
        });
    });
</script>

<div class="content-box" style="padding: 1em;">
    <div class="checkbox" style="margin: 0;">
        <label>
            <input type="checkbox" id="yori_redirect">
            <strong>{{ lang._('Redirect HTTPS to AI services through YORI') }}</strong>
        </label>
    </div>
    <p class="text-muted" style="margin: 0.5em 0 0 0;">
        {{ lang._('On: the selected devices reach AI services only through YORI, which audits them and applies your policies. Everything else on the network is untouched. Takes effect at once; install the CA certificate on the devices first (Services: YORI: CA Certificate). The redirect pauses by itself while YORI is stopped.') }}
    </p>
</div>

<div class="content-box">
    {{ partial('layout_partials/base_form', ['fields': generalForm, 'id': 'frm_general']) }}
</div>

<section class="page-content-main">
    <div class="content-box">
        <div class="col-md-12">
            <br/>
            <button class="btn btn-primary" id="reconfigureAct"
                    data-endpoint="/api/yori/service/reconfigure"
                    data-label="{{ lang._('Apply') }}"
                    data-error-title="{{ lang._('Error reconfiguring YORI') }}"
                    type="button"
            ></button>
            <br/><br/>
        </div>
    </div>
</section>
