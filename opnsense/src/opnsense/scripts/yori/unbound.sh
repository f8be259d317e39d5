#!/bin/sh
#
# Adds or removes the Unbound settings that keep the server name of AI connections readable
# (DNS HTTPS answers without Encrypted Client Hello keys or HTTP/3 for AI hostnames), as set
# by "Hide encrypted-name hints" (yori_dns in rc.conf.d). Restarts Unbound only on a change.

TARGET=/usr/local/etc/unbound.opnsense.d/yori.conf
yori_dns=NO
yori_config=/usr/local/etc/yori/yori.conf
if [ -f /etc/rc.conf.d/yori ]; then
	. /etc/rc.conf.d/yori
fi

if [ "${yori_dns}" = YES ]; then
	NEW=$(mktemp -t yori-unbound) || exit 1
	trap 'rm -f "${NEW}"' EXIT
	/usr/local/bin/yori pf render --format unbound --config "${yori_config}" > "${NEW}" || exit 1
	if cmp -s "${NEW}" "${TARGET}"; then
		exit 0
	fi
	mkdir -p "$(dirname "${TARGET}")"
	install -m 0644 "${NEW}" "${TARGET}"
elif [ -f "${TARGET}" ]; then
	rm -f "${TARGET}"
else
	exit 0
fi

/usr/local/sbin/configctl unbound restart
