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
        const number = (n) => (n === null || n === undefined) ? '-' : Number(n).toLocaleString();
        const cell = (value) => $('<td/>').text(value);

        function totals(id, t) {
            const $box = $('#' + id).empty();
            [
                ["{{ lang._('Requests') }}", t.requests],
                ["{{ lang._('Tokens') }}", t.tokens],
                ["{{ lang._('Alerts') }}", t.alerted],
                ["{{ lang._('Blocked') }}", t.blocked]
            ].forEach(function (item) {
                $box.append($('<div class="col-xs-6 col-md-3 text-center"/>')
                    .append($('<h2 style="margin: 0.3em 0;"/>').text(number(item[1])))
                    .append($('<div class="text-muted"/>').text(item[0])));
            });
        }

        function rows(id, list, columns) {
            const $body = $('#' + id + ' tbody').empty();
            if (list.length === 0) {
                $body.append($('<tr/>').append($('<td/>').attr('colspan', columns.length).addClass('text-muted').text("{{ lang._('No AI use recorded.') }}")));
            }
            list.forEach(function (row) {
                const $tr = $('<tr/>');
                columns.forEach(function (column) { $tr.append(cell(column(row))); });
                $body.append($tr);
            });
        }

        function refresh() {
            ajaxGet('/api/yori/dashboard/stats', {}, function (data) {
                if (!data || data.status !== 'ok') {
                    $('#yori_dashboard_error').text((data && data.message) || "{{ lang._('YORI did not answer. Is the service running?') }}").show();
                    return;
                }
                $('#yori_dashboard_error').hide();
                const stats = data.stats;
                totals('yori_today', stats.today.totals);
                totals('yori_24h', stats.last_24h.totals);
                rows('yori_devices', stats.last_24h.devices, [
                    (d) => d.client_name || d.client_ip,
                    (d) => d.person || '',
                    (d) => number(d.requests),
                    (d) => number(d.tokens),
                    (d) => number(d.alerted),
                    (d) => number(d.blocked),
                    (d) => d.last_seen ? new Date(d.last_seen).toLocaleString() : ''
                ]);
                rows('yori_providers', stats.last_24h.providers, [
                    (p) => p.provider,
                    (p) => number(p.requests),
                    (p) => number(p.tokens),
                    (p) => number(p.alerted),
                    (p) => number(p.blocked)
                ]);
                $('#yori_updated').text(new Date(stats.now).toLocaleTimeString());
            });
        }

        refresh();
        setInterval(refresh, 30000);
    });
</script>

<div class="alert alert-warning" id="yori_dashboard_error" style="display: none;"></div>

<div class="content-box">
    <div class="content-box-header" style="padding: 0.5em 1em;"><strong>{{ lang._('Today') }}</strong></div>
    <div class="row" id="yori_today" style="padding: 0.5em 1em;"></div>
</div>
<br/>
<div class="content-box">
    <div class="content-box-header" style="padding: 0.5em 1em;"><strong>{{ lang._('Last 24 hours') }}</strong></div>
    <div class="row" id="yori_24h" style="padding: 0.5em 1em;"></div>
</div>
<br/>
<div class="content-box">
    <table class="table table-striped table-condensed" id="yori_devices">
        <thead>
            <tr>
                <th>{{ lang._('Device') }}</th>
                <th>{{ lang._('Person') }}</th>
                <th>{{ lang._('Requests') }}</th>
                <th>{{ lang._('Tokens') }}</th>
                <th>{{ lang._('Alerts') }}</th>
                <th>{{ lang._('Blocked') }}</th>
                <th>{{ lang._('Last seen') }}</th>
            </tr>
        </thead>
        <tbody></tbody>
    </table>
</div>
<br/>
<div class="content-box">
    <table class="table table-striped table-condensed" id="yori_providers">
        <thead>
            <tr>
                <th>{{ lang._('AI service') }}</th>
                <th>{{ lang._('Requests') }}</th>
                <th>{{ lang._('Tokens') }}</th>
                <th>{{ lang._('Alerts') }}</th>
                <th>{{ lang._('Blocked') }}</th>
            </tr>
        </thead>
        <tbody></tbody>
    </table>
</div>
<p class="text-muted">
    {{ lang._('Tables: the last 24 hours per device and per AI service. Refreshed every 30 seconds; last update:') }}
    <span id="yori_updated"></span>
</p>
