#!/bin/bash
# CI stage: the Debian package.  Called from .ci/run on a Debian 12 machine
# as root; about 2 minutes on 2 CPUs.
#
#  1. Builds pinetd and pinetd-dev with `dpkg-buildpackage -us -uc -b` from a
#     copy of the tracked files (nothing of the build tree is reused), with
#     DEB_BUILD_OPTIONS=nocheck: the suite runs in the other stages.
#  2. lintian: any error or warning fails the stage (the pedantic and
#     experimental tags are printed, not enforced).
#  3. The packages' contents: no .la, no .dist copy, every file under
#     /etc/pinetd a conffile, pinetd.conf reading /etc/inetd.conf.
#  4. Installs both packages with apt (their dependencies too): the _pinetd
#     user exists, /etc/inetd.conf was created, examples/hello builds with
#     its own Makefile against the installed pinetd-dev and its test passes
#     against the installed test kit.
#  5. In a private network and mount namespace (its own loopback, its own
#     /run; a runlevel and an allowing policy-rc.d so that invoke-rc.d acts
#     as on a booted sysvinit system, whatever this machine's init):
#     starts pinetd with `invoke-rc.d pinetd start`; the shipped echo
#     answers, its worker running as _pinetd; `update-inetd --add` a
#     /bin/cat line on port $PORT (update-inetd runs `invoke-rc.d pinetd
#     start`, a no-op on the running pinetd, which reloads by itself as the
#     file changed) and the line answers with exact bytes;
#     `update-inetd --disable` reloads it away (connection refused) and
#     --enable back; `invoke-rc.d pinetd stop`.  Then the unit's own
#     ExecStart= command serves the same configuration in the foreground.
#  6. Purges both packages: none of their files, no /etc/pinetd, no unit or
#     rc link, no /etc/inetd.conf it created; the _pinetd user stays (Debian
#     leaves system users in place) and owns no file.  The user and
#     /etc/inetd.conf are then put back as they were before the stage.
#
# Ports (in the namespace only): 7 (the shipped echo) and 18990.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
PORT=18990

say() { echo "ci-deb: $*"; }
fail() { echo "ci-deb: FAIL: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' pinetd 2>/dev/null | grep -q 'installed'; then
	fail "pinetd is already installed on this machine: not touching it"
fi
[ ! -e /etc/pinetd ] || fail "/etc/pinetd exists: not touching it"

apt-get install -y --no-install-recommends dpkg-dev debhelper fakeroot \
	lintian update-inetd netcat-openbsd iproute2 util-linux >/dev/null

T=$(mktemp -d /tmp/pinetd-deb.XXXXXX)
had_user=no; getent passwd _pinetd >/dev/null && had_user=yes
had_inetd_conf=no
if [ -e /etc/inetd.conf ]; then
	had_inetd_conf=yes
	cp -a /etc/inetd.conf "$T/inetd.conf.orig"
fi
# The machine as it was, whatever happens from here (the package itself
# is purged by step 6, or here if the stage failed before it).
cleanup() {
	dpkg --purge pinetd-dev pinetd >/dev/null 2>&1 || true
	if [ "$had_inetd_conf" = yes ]; then
		cp -a "$T/inetd.conf.orig" /etc/inetd.conf
	else
		rm -f /etc/inetd.conf
	fi
	if [ "$had_user" = no ] && getent passwd _pinetd >/dev/null; then
		userdel _pinetd 2>/dev/null || true
		groupdel _pinetd 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# 1. Build from the tracked files only.
mkdir "$T/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$T/src"
apt-get build-dep -y "$T/src" >/dev/null
say "dpkg-buildpackage -us -uc -b (nocheck)"
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	timeout 900 dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1) ||
	{ tail -n 60 "$T/build.log"; fail "dpkg-buildpackage"; }
changes=$(ls "$T"/pinetd_*.changes)
deb=$(ls "$T"/pinetd_*.deb)
devdeb=$(ls "$T"/pinetd-dev_*.deb)

# 2. lintian.
say "lintian --fail-on error,warning"
lintian --fail-on error,warning "$changes" || fail "lintian"
say "lintian -i -E --pedantic (not enforced):"
lintian -E --pedantic "$changes" || true

# 3. Contents.
dpkg-deb -c "$deb" >"$T/contents"
dpkg-deb -c "$devdeb" >>"$T/contents"
! grep -E '\.la$|\.dist$' "$T/contents" || fail ".la or .dist files in the packages"
dpkg-deb -e "$deb" "$T/control"
for f in $(dpkg-deb -c "$deb" | awk '$6 ~ /^\.\/etc\/pinetd\/.*[^/]$/ { print substr($6, 2) }'); do
	grep -qx "$f" "$T/control/conffiles" || fail "$f is not a conffile"
done
grep -qx /etc/pinetd/services.d/echo.conf "$T/control/conffiles" ||
	fail "no conffiles under /etc/pinetd"
dpkg-deb -f "$deb" Provides | grep -qw inet-superserver || fail "Provides"

# 4. Install.
say "apt-get install ./pinetd ./pinetd-dev"
apt-get install -y "$deb" "$devdeb" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "apt-get install"; }
getent passwd _pinetd >/dev/null || fail "no _pinetd user after install"
[ -f /etc/inetd.conf ] || fail "no /etc/inetd.conf after install"
grep -qx 'inetd_conf = "/etc/inetd.conf"' /etc/pinetd/pinetd.conf ||
	fail "pinetd.conf does not read /etc/inetd.conf"
/usr/sbin/pinetd -t >"$T/t.out" 2>&1 || { cat "$T/t.out"; fail "pinetd -t"; }
if [ -d /run/systemd/system ]; then
	# The usual helpers enabled and started the unit.
	systemctl is-enabled pinetd.service || fail "pinetd.service not enabled"
	systemctl is-active pinetd.service || fail "pinetd.service not active"
fi
plugindir=$(pkg-config --variable=plugindir pinetd)
[ -d "$plugindir" ] && [ -f "$plugindir/echo.so" ] || fail "plugindir $plugindir"
cp -r examples/hello "$T/hello"
make -C "$T/hello" hello.so check >"$T/hello.log" 2>&1 ||
	{ cat "$T/hello.log"; fail "examples/hello against the installed pinetd-dev"; }

# 5. Run it, in namespaces of its own.
runlevel_bin=$(readlink -f /sbin/runlevel 2>/dev/null || echo /sbin/runlevel)
cat >"$T/ns.sh" <<EOF
set -euo pipefail
PORT=$PORT
T=$T
. "\$T/nsfuncs.sh"
ip link set lo up
mount -t tmpfs tmpfs /run
printf '#!/bin/sh\necho N 2\n' >"\$T/runlevel" && chmod 755 "\$T/runlevel"
if [ -e "$runlevel_bin" ]; then mount --bind "\$T/runlevel" "$runlevel_bin"; fi
if [ -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 0\n' >"\$T/policy-rc.d" && chmod 755 "\$T/policy-rc.d"
	mount --bind "\$T/policy-rc.d" /usr/sbin/policy-rc.d
fi
ns_main
EOF
cat >"$T/nsfuncs.sh" <<'EOF'
say() { echo "ci-deb: $*"; }
fail() { echo "ci-deb: FAIL: $*" >&2; [ -f /run/pinetd.pid ] && kill "$(cat /run/pinetd.pid)" 2>/dev/null; exit 1; }

# ask PORT BYTES: what a TCP connection to 127.0.0.1:PORT answers to BYTES.
ask() { printf '%s' "$2" | timeout 10 nc -q1 127.0.0.1 "$1"; }

# expect PORT BYTES WHAT: the answer is exactly BYTES, within 10 s.
expect() {
	local i got
	for i in $(seq 1 50); do
		got=$(ask "$1" "$2" 2>/dev/null | od -An -c) || true
		[ "$got" = "$(printf '%s' "$2" | od -An -c)" ] && { say "ok: $3"; return 0; }
		sleep 0.2
	done
	fail "$3: port $1 answered '$got'"
}

# refused PORT WHAT: nothing listens on the port, within 10 s.
refused() {
	local i
	for i in $(seq 1 50); do
		nc -z 127.0.0.1 "$1" 2>/dev/null || { say "ok: $2"; return 0; }
		sleep 0.2
	done
	fail "$2: port $1 still answers"
}

# worker_users: the users of the processes the supervisor started.
worker_users() { ps -o user= --ppid "$(cat /run/pinetd.pid)" | sort -u | tr '\n' ' '; }

ns_main() {
	invoke-rc.d pinetd start || fail "invoke-rc.d pinetd start"
	[ -s /run/pinetd.pid ] || fail "no /run/pinetd.pid"
	expect 7 "hello pinetd
" "the shipped echo (tcp://127.0.0.1:7) answers"
	case " $(worker_users) " in
	*" _pinetd "*) say "ok: workers run as _pinetd ($(worker_users))" ;;
	*) fail "no pinetd process runs as _pinetd: $(worker_users)" ;;
	esac
	/etc/init.d/pinetd status >/dev/null || fail "/etc/init.d/pinetd status"

	update-inetd --verbose --group OTHER \
		--add "$PORT	stream	tcp	nowait	nobody	/bin/cat	cat" ||
		fail "update-inetd --add"
	grep -q "^$PORT[[:space:]]" /etc/inetd.conf || fail "the line is not in /etc/inetd.conf"
	expect "$PORT" "inetd.conf line
via update-inetd
" "update-inetd --add: /bin/cat on $PORT answers"
	expect 7 "still here
" "echo answers after it"

	update-inetd --verbose --disable "$PORT" || fail "update-inetd --disable"
	refused "$PORT" "update-inetd --disable: $PORT closed (force-reload, SIGHUP)"
	update-inetd --verbose --enable "$PORT" || fail "update-inetd --enable"
	expect "$PORT" "again
" "update-inetd --enable: $PORT answers again"

	invoke-rc.d pinetd stop || fail "invoke-rc.d pinetd stop"
	refused 7 "invoke-rc.d pinetd stop: echo closed"
	[ ! -e /run/pinetd.pid ] || fail "/run/pinetd.pid left after stop"

	# As the unit runs it: its ExecStart=, in the foreground.
	local exec
	exec=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/pinetd.service)
	[ -n "$exec" ] || fail "no ExecStart= in pinetd.service"
	$exec >"$T/unit.log" 2>&1 &
	local pid=$!
	expect 7 "unit
" "the unit's ExecStart ($exec) serves echo"
	expect "$PORT" "unit cat
" "... and the inetd.conf line"
	kill -TERM "$pid"
	wait "$pid" || { cat "$T/unit.log"; fail "the unit's command exited $? on SIGTERM"; }
	# Removed while pinetd is stopped (a package's postrm may): the
	# force-reload update-inetd runs must not fail.
	update-inetd --verbose --remove "$PORT" 2>"$T/remove.err" || fail "update-inetd --remove"
	cat "$T/remove.err" >&2
	! grep -q 'failed' "$T/remove.err" || fail "update-inetd --remove: the init script failed"
	! grep -q "^$PORT[[:space:]]" /etc/inetd.conf || fail "update-inetd --remove left the line"
}
EOF
unshare --mount --net --propagation private bash "$T/ns.sh" ||
	fail "the package at work (namespace)"

# 6. Purge.
dpkg -L pinetd pinetd-dev | sort -u >"$T/files"
say "apt-get purge pinetd pinetd-dev"
apt-get purge -y pinetd pinetd-dev >"$T/purge.log" 2>&1 ||
	{ cat "$T/purge.log"; fail "apt-get purge"; }
left=$(while IFS= read -r f; do
	[ -d "$f" ] && continue	# shared directories (/usr/lib, ...)
	if [ -e "$f" ] || [ -h "$f" ]; then echo "$f"; fi
done <"$T/files")
[ -z "$left" ] || fail "files left after purge: $left"
for d in /etc/pinetd /usr/lib/*/pinetd /usr/include/pinetd /var/lib/pinetd \
	/usr/share/doc/pinetd /usr/share/doc/pinetd-dev; do
	[ ! -e "$d" ] || fail "$d left after purge"
done
links=$(ls /etc/rc?.d/*pinetd /etc/systemd/system/*/pinetd.* \
	/var/lib/systemd/deb-systemd-helper-enabled/*pinetd* 2>/dev/null || true)
[ -z "$links" ] || fail "links left after purge: $links"
if [ "$had_inetd_conf" = no ]; then
	[ ! -e /etc/inetd.conf ] || fail "/etc/inetd.conf (created by pinetd, unchanged) left after purge"
fi
getent passwd _pinetd >/dev/null || fail "the _pinetd user was removed (Debian keeps system users)"
owned=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o -user _pinetd -print 2>/dev/null | head -n 5 || true)
[ -z "$owned" ] || fail "files owned by _pinetd after purge: $owned"
say "purge left nothing but the _pinetd user (Debian policy)"

say "the Debian package passed"
