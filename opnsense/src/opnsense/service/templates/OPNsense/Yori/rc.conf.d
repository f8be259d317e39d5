{#
   rc(8) settings for /usr/local/etc/rc.d/yori. yori_redirect lets the rc script reload the
   filter after start and stop (the redirect follows the service); yori_dns is read by
   /usr/local/opnsense/scripts/yori/unbound.sh.
#}
{% if not helpers.empty('OPNsense.yori.general.enabled') %}
yori_enable="YES"
{% else %}
yori_enable="NO"
{% endif %}
yori_config="/usr/local/etc/yori/yori.conf"
yori_redirect="{{ 'YES' if not helpers.empty('OPNsense.yori.general.redirect') else 'NO' }}"
yori_dns="{{ 'YES' if not helpers.empty('OPNsense.yori.general.hide_dns_hints') else 'NO' }}"
