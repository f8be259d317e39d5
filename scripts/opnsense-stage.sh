#!/bin/sh
#
# Assembles the OPNsense plugin (opnsense/) and the built YORI application into a package
# staging folder, OUT/security/yori, ready to be copied into an opnsense/plugins checkout and
# built there with `make package` (docs/INSTALL-OPNSENSE.md).
#
# Everything under the plugin's src/ installs into /usr/local, so the application lands in
# src/yori/app (/usr/local/yori/app) and a bundled runtime in src/yori/bin/node
# (/usr/local/yori/bin/node). node_modules hold better-sqlite3, a native addon: they must be
# installed on a FreeBSD host of the same major version as the router's OPNsense, with the
# very node that will run them.
#
# usage: scripts/opnsense-stage.sh (--node FILE | --system-node | --no-modules) [--out DIR] [--no-build]
#   --node FILE     bundle this FreeBSD node executable (self-contained build, see the docs)
#   --system-node   bundle no runtime; the package then depends on FreeBSD's node22 and the
#                   modules are built with /usr/local/bin/node
#   --no-modules    leave node_modules out: a tree to inspect on any host, not to install
#   --out DIR       staging folder (default: $TMPDIR/yori-opnsense-stage)
#   --no-build      use the existing dist/ instead of running `npm run build`

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="${TMPDIR:-/tmp}/yori-opnsense-stage"
NODE_FILE=
SYSTEM_NODE=no
MODULES=yes
BUILD=yes

die() {
	echo "opnsense-stage: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--node) [ $# -ge 2 ] || die "--node needs a file"; NODE_FILE=$2; shift ;;
	--system-node) SYSTEM_NODE=yes ;;
	--no-modules) MODULES=no ;;
	--out) [ $# -ge 2 ] || die "--out needs a folder"; OUT=$2; shift ;;
	--no-build) BUILD=no ;;
	*) die "unknown argument: $1 (see the usage at the top of this script)" ;;
	esac
	shift
done

if [ -n "${NODE_FILE}" ] && [ "${SYSTEM_NODE}" = yes ]; then
	die "choose either --node FILE or --system-node"
fi
if [ "${MODULES}" = yes ]; then
	if [ -z "${NODE_FILE}" ] && [ "${SYSTEM_NODE}" = no ]; then
		die "name the runtime: --node FILE (bundled) or --system-node (FreeBSD's node22); --no-modules stages a tree for inspection only"
	fi
	if [ "$(uname -s)" != FreeBSD ]; then
		die "node_modules include better-sqlite3, a native addon that must be compiled on FreeBSD; run this on the FreeBSD build host, or pass --no-modules to stage a tree for inspection only"
	fi
fi
if [ -n "${NODE_FILE}" ] && [ ! -f "${NODE_FILE}" ]; then
	die "no such node executable: ${NODE_FILE}"
fi

cd "${ROOT}"
if [ "${BUILD}" = yes ]; then
	npm run build
fi
[ -f dist/bin/yori.js ] || die "dist/bin/yori.js is missing: run npm run build first"

DEST="${OUT}/security/yori"
APP="${DEST}/src/yori/app"
rm -rf "${DEST}"
mkdir -p "${DEST}"
cp -R opnsense/. "${DEST}/"

mkdir -p "${APP}"
cp -R dist "${APP}/dist"
find "${APP}/dist" -name '*.map' -type f -exec rm -f {} +
cp package.json package-lock.json "${APP}/"
# the development scripts (prepare runs tsc) have no business on the router
(cd "${APP}" && npm pkg delete scripts)
for extra in policies pf lib/web/static; do
	if [ -d "${extra}" ]; then
		mkdir -p "${APP}/$(dirname "${extra}")"
		cp -R "${extra}" "${APP}/${extra}"
	fi
done

if [ "${MODULES}" = yes ]; then
	if [ "${SYSTEM_NODE}" = yes ]; then
		BUILD_NODE=/usr/local/bin/node
	else
		BUILD_NODE=$(cd "$(dirname "${NODE_FILE}")" && pwd)/$(basename "${NODE_FILE}")
	fi
	# node-gyp compiles better-sqlite3 for the node found first on PATH, with that node's
	# own headers when its install tree has them (no download)
	NODE_DIR=$(dirname "${BUILD_NODE}")
	if [ -d "${NODE_DIR}/../include/node" ]; then
		npm_config_nodedir=$(cd "${NODE_DIR}/.." && pwd)
		export npm_config_nodedir
	fi
	(cd "${APP}" && PATH="${NODE_DIR}:${PATH}" npm ci --omit=dev --no-audit --no-fund)
	rm -rf "${APP}/node_modules/.bin"
	(cd "${APP}" && "${BUILD_NODE}" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") ||
		die "better-sqlite3 does not load with ${BUILD_NODE}"
fi

if [ -n "${NODE_FILE}" ]; then
	mkdir -p "${DEST}/src/yori/bin"
	install -m 0755 "${NODE_FILE}" "${DEST}/src/yori/bin/node"
	if command -v file >/dev/null 2>&1 && ! file -L "${NODE_FILE}" | grep -q FreeBSD; then
		echo "opnsense-stage: warning: ${NODE_FILE} is not a FreeBSD executable" >&2
	fi
	if [ "$(uname -s)" = FreeBSD ]; then
		# The router has OPNsense's packages, not FreeBSD's: the runtime may need base libraries only.
		FOREIGN=$(ldd -f '%p\n' "${NODE_FILE}" | grep -v -e '^/lib/' -e '^/usr/lib/' || true)
		[ -z "${FOREIGN}" ] || die "${NODE_FILE} needs libraries outside the base system: ${FOREIGN}"
	fi
fi

# plugins.mk installs src/ with `find -type f` (links are dropped) and rewrites *.in and
# *.shadow files; the application must contain neither.
MANGLED=$(find "${DEST}/src/yori" \( -type l -o -name '*.in' -o -name '*.shadow' \) -print)
[ -z "${MANGLED}" ] || die "files the plugin build would drop or rewrite: ${MANGLED}"

if [ -f "${DEST}/src/yori/bin/node" ]; then
	RUNTIME="bundled Node.js ($("${DEST}/src/yori/bin/node" --version 2>/dev/null || echo 'not runnable here'))"
else
	RUNTIME="no bundled runtime: the package depends on node22"
fi
echo "staged ${DEST}"
echo "  runtime: ${RUNTIME}"
echo "  modules: $([ "${MODULES}" = yes ] && echo installed || echo 'left out (inspection only)')"
echo "next: copy it to <opnsense/plugins checkout>/security/yori and run 'make package' there"
