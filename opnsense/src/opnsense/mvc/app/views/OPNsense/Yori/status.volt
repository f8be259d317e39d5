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
        function when(ms) {
            return ms ? new Date(ms).toLocaleString() : "{{ lang._('never') }}";
        }

        function redirectState(data) {
            if (!data.switch) {
                return ['default', "{{ lang._('Off: no traffic is redirected.') }}"];
            }
            if (!data.enabled) {
                return ['warning', "{{ lang._('Paused: the switch is on but the service is disabled.') }}"];
            }
            if (!data.pf.active) {
                return ['warning', "{{ lang._('Paused: no redirect rules are loaded, so AI traffic goes out directly. This is normal while YORI is stopped; the redirect resumes when it starts.') }}"];
            }
            return ['success', "{{ lang._('Active: HTTPS to AI services goes through YORI.') }}"];
        }

        function refresh() {
            updateServiceControlUI('yori');
            ajaxGet('/api/yori/service/pf', {}, function (data) {
                if (!data || data.status !== 'ok') {
                    $('#yori_pf_error').text((data && data.message) || "{{ lang._('pf status unavailable.') }}").show();
                    return;
                }
                $('#yori_pf_error').hide();
                const pf = data.pf;
                const [level, text] = redirectState(data);
                $('#yori_redirect_state').attr('class', 'label label-' + level).text(text);
                $('#yori_table').text(pf.tableEntries === null ? "{{ lang._('not created yet') }}" : pf.tableEntries + " {{ lang._('addresses') }}");
                const last = pf.lastRefresh;
                $('#yori_last_refresh').text(last ? when(last.at) + (last.error ? '' : ' (' + last.addresses + " {{ lang._('addresses') }})") : when(null));
                $('#yori_last_error').text(last && last.error ? last.error : '').toggle(!!(last && last.error));
                $('#yori_rules').text(pf.mainRules.concat(pf.anchorRules).join('\n') || "{{ lang._('none') }}");
            });
        }

        $('#yori_refresh_now').click(function () {
            const $button = $(this).prop('disabled', true);
            ajaxCall('/api/yori/service/refresh', {}, function (data) {
                $button.prop('disabled', false);
                $('#yori_refresh_output').text((data && data.output) || '').show();
                refresh();
            });
        });

        refresh();
        setInterval(refresh, 15000);
    });
</script>

<div class="alert alert-warning" id="yori_pf_error" style="display: none;"></div>

<div class="content-box">
    <table class="table table-condensed">
        <tbody>
            <tr>
                <td style="width: 14em;">{{ lang._('Redirect') }}</td>
                <td><span id="yori_redirect_state"></span></td>
            </tr>
            <tr>
                <td>{{ lang._('AI service addresses') }}</td>
                <td id="yori_table"></td>
            </tr>
            <tr>
                <td>{{ lang._('Last address refresh') }}</td>
                <td>
                    <span id="yori_last_refresh"></span>
                    <div class="text-danger" id="yori_last_error" style="display: none;"></div>
                </td>
            </tr>
            <tr>
                <td>{{ lang._('Firewall rules') }}</td>
                <td><pre id="yori_rules" style="margin: 0;"></pre></td>
            </tr>
        </tbody>
    </table>
    <div style="padding: 0 1em 1em 1em;">
        <button class="btn btn-default" id="yori_refresh_now" type="button"><i class="fa fa-refresh fa-fw"></i> {{ lang._('Refresh addresses now') }}</button>
        <pre id="yori_refresh_output" style="display: none; margin-top: 1em;"></pre>
    </div>
</div>
