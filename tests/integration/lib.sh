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
#   pn_done                      # exit with the verdict
#
# Failures are loud without the test asking: when the script exits, however
# it exits, every log it left under $PN_TMP (PN_LOG, any *.log, and the
# sanitizer reports collected in $PN_SAN_DIR) is scanned, and a sanitizer
# or valgrind report, or a worker or child "killed by signal N" that the
# test did not declare with pn_expect_signal, turns the verdict into a
# failure (pn_check_logs).

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
# The signals this test sends or provokes on purpose (pn_expect_signal).
PN_SIGNALS_OK=" "

# Sanitizer reports go to files of their own, one per process, wherever the
# process's stderr goes: a detached daemon's is /dev/null, `pinetd -t`'s is
# captured by the test.  Workers run as other users (nobody, daemon), so the
# directory is writable by all, and PN_TMP can be traversed (not listed).
PN_SAN_DIR=$PN_TMP/sanitizer
mkdir -m 1733 "$PN_SAN_DIR" && chmod 711 "$PN_TMP" || exit 1
case ${ASAN_OPTIONS:-} in
*log_path=*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$PN_SAN_DIR/asan" ;;
esac
case ${UBSAN_OPTIONS:-} in
*log_path=*) ;;
*) export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$PN_SAN_DIR/ubsan" ;;
esac

# pn_expect_signal SIG...: the test kills or crashes a worker or a child on
# purpose with these signals (names with or without SIG, or numbers):
# "killed by signal N (NAME)" log lines for them are not failures.  Every
# other such line is.
pn_expect_signal() {
	local s n
	for s in "$@"; do
		case $s in
		'' | *[!0-9]*) n=$(kill -l "${s#SIG}" 2>/dev/null) ;;
		*) n=$s ;;
		esac
		case $n in
		'' | *[!0-9]*) echo "pn_expect_signal: unknown signal '$s'" >&2; exit 1 ;;
		esac
		PN_SIGNALS_OK="$PN_SIGNALS_OK$n "
	done
}

# pn_expect_worker_exit: the test makes a worker exit with a nonzero
# status on purpose ("worker N for S exited with status M; restarting").
pn_expect_worker_exit() {
	PN_WORKER_EXIT_OK=1
}

# Lines that are a failure wherever they appear: AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer reports, a sanitizer that
# could not run, valgrind's error count.
PN_REPORT_RE='ERROR: [A-Za-z]*Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|runtime error:'
PN_REPORT_RE="$PN_REPORT_RE|Sanitizer has encountered a fatal error|ERROR SUMMARY: [1-9]"

# pn_log_files: every log the test produced: PN_LOG, each *.log under
# PN_TMP (tests that start several daemons name their logs), each file in
# PN_SAN_DIR.
pn_log_files() {
	{
		[ -f "$PN_LOG" ] && printf '%s\n' "$PN_LOG"
		[ -d "$PN_TMP" ] && find "$PN_TMP" -type f -name '*.log' -print
		[ -d "$PN_SAN_DIR" ] && find "$PN_SAN_DIR" -type f -print
	} | sort -u
}

# pn_check_log FILE: print what in FILE is a failure -- a sanitizer or
# valgrind report (with the lines that follow it), a "killed by signal N"
# for a signal not declared with pn_expect_signal -- and return 1; return
# 0 when there is nothing.
pn_check_log() {
	local f=$1 bad=0 first line n
	first=$(grep -a -n -m1 -E "$PN_REPORT_RE" "$f" | cut -d: -f1)
	if [ -n "$first" ]; then
		echo "FAIL: a sanitizer or valgrind report in $f:" >&2
		sed -n "$first,$((first + 40))p" "$f" | sed 's/^/  /' | cat -v >&2
		bad=1
	fi
	while IFS= read -r line; do
		n=$(printf '%s\n' "$line" | sed -n 's/.*killed by signal \([0-9][0-9]*\).*/\1/p')
		case $PN_SIGNALS_OK in
		*" $n "*) ;;
		*)
			echo "FAIL: killed by signal $n, which the test did not send (pn_expect_signal), in $f:" >&2
			echo "  $line" >&2
			bad=1
			;;
		esac
	done < <(grep -a 'killed by signal [0-9]' "$f")
	# A worker that exits unasked (an ASan abort, a failed start) is an
	# error too, unless the test provokes it (pn_expect_worker_exit).
	if [ -z "${PN_WORKER_EXIT_OK:-}" ] &&
		grep -a -q -E 'error: worker [0-9]+ for .* exited with status [1-9][0-9]*; restarting' "$f"; then
		echo "FAIL: a worker exited unasked, in $f:" >&2
		grep -a -E 'error: worker [0-9]+ for .* exited with status' "$f" | head -5 | sed 's/^/  /' >&2
		bad=1
	fi
	return $bad
}

# pn_check_logs: pn_check_log over every log of the test; 1 if any failed.
pn_check_logs() {
	local f bad=0
	while IFS= read -r f; do
		pn_check_log "$f" || bad=1
	done < <(pn_log_files)
	return $bad
}

# pn_cleanup: the EXIT trap.  A daemon still running is killed and its
# workers are given time to exit (they may still write to the log), then
# the logs are checked: a report in any of them fails the test whatever
# its exit status was.  A test that replaces the trap calls pn_cleanup last.
pn_cleanup() {
	local workers= w i left
	if [ -n "$PN_PID" ] && kill -0 "$PN_PID" 2>/dev/null; then
		workers=$(cat /proc/"$PN_PID"/task/*/children 2>/dev/null)
		kill -KILL "$PN_PID" 2>/dev/null
		wait "$PN_PID" 2>/dev/null
		for i in $(seq 1 100); do
			left=0
			for w in $workers; do
				kill -0 "$w" 2>/dev/null && left=1
			done
			[ "$left" -eq 0 ] && break
			sleep 0.05
		done
	fi
	if ! pn_check_logs; then
		echo "FAIL: the logs above fail the test" >&2
		rm -rf "$PN_TMP"
		exit 1
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
		echo "control_socket = \"\""  # not /run/pinetd: tests run side by side
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
	# A daemon started before in this test keeps its log for the check.
	if [ -s "$PN_LOG" ]; then
		PN_STARTS=$((${PN_STARTS:-0} + 1))
		mv "$PN_LOG" "$PN_TMP/pinetd.$PN_STARTS.log"
	fi
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
