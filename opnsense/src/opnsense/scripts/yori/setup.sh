#!/bin/sh
#
# Prepares the system for YORI; run as root by the package install and before every start.
# Idempotent: creates the unprivileged yori user, its folders with tight modes, and the
# editable policy folder (seeded once from the shipped policy templates).

set -e

YORI_USER=yori
ETC=/usr/local/etc/yori
DATA=/var/db/yori
SHIPPED_POLICIES=/usr/local/yori/app/policies

if ! pw groupshow "${YORI_USER}" >/dev/null 2>&1; then
	pw groupadd "${YORI_USER}"
fi
if ! pw usershow "${YORI_USER}" >/dev/null 2>&1; then
	pw useradd "${YORI_USER}" -g "${YORI_USER}" -c "YORI gateway" -d /nonexistent -s /usr/sbin/nologin
fi

# Configuration: root writes it (configd templates), YORI reads it. Files the templates
# render here take this folder's group and mode without the exec bits (0640).
mkdir -p "${ETC}"
chown root:"${YORI_USER}" "${ETC}"
chmod 0750 "${ETC}"
for file in "${ETC}/yori.conf" "${ETC}/pf_clients"; do
	if [ -f "${file}" ]; then
		chown root:"${YORI_USER}" "${file}"
		chmod 0640 "${file}"
	fi
done

# The CA: created by YORI on first start; the key never leaves this folder.
mkdir -p "${ETC}/ca"
chown -R "${YORI_USER}:${YORI_USER}" "${ETC}/ca"
chmod 0700 "${ETC}/ca"

# Audit database and pf table state.
mkdir -p "${DATA}"
chown "${YORI_USER}:${YORI_USER}" "${DATA}"
chmod 0750 "${DATA}"

if [ ! -d "${ETC}/policies" ] && [ -d "${SHIPPED_POLICIES}" ]; then
	cp -R "${SHIPPED_POLICIES}" "${ETC}/policies"
	chown -R root:"${YORI_USER}" "${ETC}/policies"
	chmod -R u=rwX,g=rX,o= "${ETC}/policies"
fi
