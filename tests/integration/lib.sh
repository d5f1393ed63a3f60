# lib.sh -- shared helpers for the integration tests (sourced).
#
# Each test script starts the real daemon from the build tree on loopback
# ports of its own (PORT_BASE, distinct per script, so `make check -j`
# can run scripts side by side), talks to it with real clients and
# asserts exact bytes.  Exit 0 pass, 77 skip, 1 fail (automake's rules).
#
#   . "$srcdir/integration/lib.sh"
#   pn_config <<EOF ... EOF      # body of a config; plugin_dir is added
#   pn_start                     # start pinetd -f on it, wait until ready
#   pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $P)" "x" "what it checks"
#   pn_stop                      # SIGTERM, wait, check exit status 0

set -u

: "${srcdir:=.}"
: "${top_builddir:=..}"
abs_top_builddir=$(cd "$top_builddir" && pwd)
PINETD=${PINETD:-$abs_top_builddir/daemon/pinetd}
PNTEST=${PNTEST:-$abs_top_builddir/tests/tools/pntest}
PLUGIN_DIR=${PLUGIN_DIR:-$abs_top_builddir/plugins/.libs}
# Under valgrind: PINETD_WRAPPER="valgrind --error-exitcode=99 ...".
PINETD_WRAPPER=${PINETD_WRAPPER:-}

PN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pinetd-test.XXXXXX")
PN_CONF=$PN_TMP/pinetd.conf
PN_LOG=$PN_TMP/pinetd.log
PN_PID=
PN_FAILS=0

pn_cleanup() {
	if [ -n "$PN_PID" ] && kill -0 "$PN_PID" 2>/dev/null; then
		kill -KILL "$PN_PID" 2>/dev/null
	fi
	rm -rf "$PN_TMP"
}
trap pn_cleanup EXIT

pn_fail() {
	echo "FAIL: $*" >&2
	PN_FAILS=$((PN_FAILS + 1))
}

pn_pass() {
	echo "ok: $*"
}

# pn_config: the config body on stdin; plugin_dir and services_dir added.
pn_config() {
	{
		echo "plugin_dir = \"$PLUGIN_DIR\""
		echo "services_dir = \"\""
		cat
	} > "$PN_CONF"
}

# pn_wait_port PROTO PORT [HOST]: wait up to 10 s until something listens.
pn_wait_port() {
	local proto=$1 port=$2 i
	for i in $(seq 1 200); do
		if [ "$proto" = tcp ]; then
			ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		else
			ss -Hlun "sport = :$port" 2>/dev/null | grep -q . && return 0
		fi
		sleep 0.05
	done
	return 1
}

# pn_start [ARGS...]: start the daemon in the foreground mode in the
# background and wait until every tcp/udp address of the config listens.
pn_start() {
	$PINETD_WRAPPER "$PINETD" -f -c "$PN_CONF" "$@" >"$PN_LOG" 2>&1 &
	PN_PID=$!
	local addr proto port
	for addr in $(grep -o '"\(tcp\|udp\)://[^"]*"' "$PN_CONF" | tr -d '"'); do
		proto=${addr%%://*}
		port=${addr##*:}
		if ! pn_wait_port "$proto" "$port"; then
			echo "daemon did not listen on $addr; log:" >&2
			cat "$PN_LOG" >&2
			exit 1
		fi
	done
}

# pn_stop: SIGTERM and expect a clean exit 0.
pn_stop() {
	[ -n "$PN_PID" ] || return 0
	kill -TERM "$PN_PID"
	local rc=0
	wait "$PN_PID" || rc=$?
	PN_PID=
	if [ "$rc" -ne 0 ]; then
		pn_fail "daemon exited with status $rc; log:"
		cat "$PN_LOG" >&2
	fi
}

# pn_expect ACTUAL EXPECTED WHAT
pn_expect() {
	if [ "$1" = "$2" ]; then
		pn_pass "$3"
	else
		pn_fail "$3"
		printf '  expected: %s\n  actual:   %s\n' "$(printf '%s' "$2" | od -c | head -5)" \
			"$(printf '%s' "$1" | od -c | head -5)" >&2
	fi
}

# pn_done: exit with the verdict.
pn_done() {
	if [ "$PN_FAILS" -gt 0 ]; then
		echo "$PN_FAILS check(s) failed" >&2
		exit 1
	fi
	exit 0
}

# pn_need CMD...: skip (77) when a client program is missing.
pn_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c not installed"; exit 77; }
	done
}

# pn_reload: SIGHUP and wait until the daemon logged the outcome
# ("reloaded" or "reload refused"); returns 0 when it reloaded.
pn_reload() {
	local ok bad i
	ok=$(grep -c 'reloaded ' "$PN_LOG")
	bad=$(grep -c 'reload refused' "$PN_LOG")
	kill -HUP "$PN_PID"
	for i in $(seq 1 200); do
		[ "$(grep -c 'reloaded ' "$PN_LOG")" -gt "$ok" ] && return 0
		[ "$(grep -c 'reload refused' "$PN_LOG")" -gt "$bad" ] && return 1
		sleep 0.05
	done
	echo "no reload outcome logged" >&2
	return 1
}

# pn_line FD TEXT: send TEXT and a newline on fd FD, print the reply line.
pn_line() {
	local reply=
	printf '%s\n' "$2" >&"$1"
	IFS= read -r -t 3 reply <&"$1" || true
	printf '%s' "$reply"
}
