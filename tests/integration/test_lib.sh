#!/bin/bash
# The check that makes failures loud (lib.sh's pn_check_logs and its EXIT
# trap) can fail: fabricated logs with an AddressSanitizer, LeakSanitizer,
# UBSan or valgrind report, or with a worker killed by a signal the test
# did not declare, are flagged, in PN_LOG, in any other *.log under PN_TMP
# and in the sanitizer's own report files; a declared signal and clean logs
# pass; a script that exits 0 (or skips with 77) after a report exits 1.
# No daemon runs here.
. "$srcdir/integration/lib.sh"

ASAN_UAF='==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55 bp 0x7f sp 0x7f
READ of size 8 at 0x602000000010 thread T0
    #0 0x55d1 in pn_loop_run ../daemon/common/loop.c:200
SUMMARY: AddressSanitizer: heap-use-after-free ../daemon/common/loop.c:200 in pn_loop_run'
LEAK_SUMMARY='SUMMARY: AddressSanitizer: 24 byte(s) leaked in 1 allocation(s).'
UBSAN='../daemon/worker/conn.c:88:5: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type int'
SEGV_LINE="pinetd: error: worker 4711 for services crash-event (plugin crasher) (user nobody) killed by signal 11 (Segmentation fault); restarting"
KILL_LINE="pinetd: warning: service 'crash-proc': child 4712 for 127.0.0.1:40000 killed by signal 9 (Killed)"
CLEAN='pinetd: notice: serving 1 services in 1 worker process
pinetd: info: worker for echo (plugin echo) exited with status 0'

# case NAME: a fresh fabricated test directory for one case, in $D.
N=0
fresh() {
	N=$((N + 1))
	D=$PN_TMP/case$N
	mkdir -p "$D/sanitizer"
}

# judge SIGNALS...: run pn_check_logs on $D in a subshell, with the given
# signals declared; print "rc" and keep its messages in $D.err.
judge() {
	(
		PN_TMP=$D PN_LOG=$D/pinetd.log PN_SAN_DIR=$D/sanitizer PN_SIGNALS_OK=" "
		[ $# -gt 0 ] && pn_expect_signal "$@"
		pn_check_logs
	) 2> "$D.err"
	echo $?
}

# flagged WHAT PATTERN SIGNALS...: the check fails and says PATTERN.
flagged() {
	local what=$1 pat=$2
	shift 2
	local rc
	rc=$(judge "$@")
	if [ "$rc" = 1 ] && grep -q -- "$pat" "$D.err"; then
		pn_pass "$what"
	else
		pn_fail "$what (rc $rc)"
		cat "$D.err" >&2
	fi
}

# passes WHAT SIGNALS...: the check passes silently.
passes() {
	local what=$1
	shift
	local rc
	rc=$(judge "$@")
	if [ "$rc" = 0 ] && [ ! -s "$D.err" ]; then
		pn_pass "$what"
	else
		pn_fail "$what (rc $rc)"
		cat "$D.err" >&2
	fi
}

fresh; echo "$CLEAN" > "$D/pinetd.log"
passes "a clean log passes"

fresh; printf '%s\n%s\n' "$CLEAN" "$ASAN_UAF" > "$D/pinetd.log"
flagged "an AddressSanitizer report in PN_LOG fails" "heap-use-after-free on address"

fresh; echo "$CLEAN" > "$D/pinetd.log"; echo "$LEAK_SUMMARY" > "$D/second.log"
flagged "a LeakSanitizer summary in a second daemon's *.log fails" "leaked in 1 allocation"

fresh; mkdir "$D/sub"; echo "$UBSAN" > "$D/sub/reload.log"
flagged "a UBSan runtime error in a *.log below PN_TMP fails" "runtime error: signed integer overflow"

fresh; echo "$CLEAN" > "$D/pinetd.log"; echo "$ASAN_UAF" > "$D/sanitizer/asan.4242"
flagged "a report in the sanitizer's own file (log_path) fails" "ERROR: AddressSanitizer"

fresh; echo '==99== ERROR SUMMARY: 2 errors from 2 contexts (suppressed: 0 from 0)' > "$D/pinetd.log"
flagged "valgrind's nonzero error count fails" "ERROR SUMMARY: 2 errors"
fresh; echo '==99== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)' > "$D/pinetd.log"
passes "valgrind's zero error count passes"

fresh; printf '%s\n%s\n' "$CLEAN" "$SEGV_LINE" > "$D/pinetd.log"
flagged "a worker killed by an undeclared SIGSEGV fails" "killed by signal 11, which the test did not send"
passes "the same log passes with pn_expect_signal SIGSEGV" SIGSEGV
passes "... and with pn_expect_signal 11" 11
passes "... and with pn_expect_signal SEGV" SEGV
flagged "... but not with only SIGABRT declared" "killed by signal 11" SIGABRT

fresh; printf '%s\n%s\n' "$KILL_LINE" "$SEGV_LINE" > "$D/other.log"
flagged "a child killed by SIGKILL fails when only SIGSEGV is declared" "killed by signal 9" SIGSEGV
passes "both declared (pn_expect_signal 9 SIGSEGV): passes" 9 SIGSEGV

fresh; printf '%s\n' "$SEGV_LINE" "$ASAN_UAF" > "$D/pinetd.log"
flagged "a declared signal does not excuse a sanitizer report" "ERROR: AddressSanitizer" SIGSEGV

fresh; printf 'binary \001\002\377 bytes\n%s\n' "$ASAN_UAF" > "$D/pinetd.log"
flagged "a report after binary bytes in the log is still found" "ERROR: AddressSanitizer"

fresh; echo "$ASAN_UAF" > "$D/notes.txt"
passes "files that are not logs are not scanned"

rc=$( (pn_expect_signal SIGNOSUCH) 2>/dev/null; echo $?)
pn_expect "$rc" 1 "pn_expect_signal refuses an unknown signal"

# The EXIT trap: a script that sourced lib.sh and exits 0, via pn_done, or
# with 77 after a report in its log exits 1; a clean one keeps its status.
script() {
	env -u ASAN_OPTIONS -u UBSAN_OPTIONS bash -c ". \"$srcdir/integration/lib.sh\"; $1" > /dev/null 2>&1
	echo $?
}
pn_expect "$(script "echo '$CLEAN' > \"\$PN_LOG\"; exit 0")" 0 "trap: a clean test keeps exit 0"
pn_expect "$(script "echo '$CLEAN' > \"\$PN_LOG\"; exit 77")" 77 "trap: a clean skip keeps 77"
pn_expect "$(script "echo '$LEAK_SUMMARY' > \"\$PN_LOG\"; exit 0")" 1 "trap: exit 0 after a leak report exits 1"
pn_expect "$(script "echo '$UBSAN' > \"\$PN_TMP/b.log\"; pn_done")" 1 "trap: pn_done after a UBSan report in b.log exits 1"
pn_expect "$(script "echo '$SEGV_LINE' > \"\$PN_LOG\"; exit 77")" 1 "trap: a skip after an undeclared signal exits 1"
pn_expect "$(script "pn_expect_signal SIGSEGV; echo '$SEGV_LINE' > \"\$PN_LOG\"; pn_done")" 0 \
	"trap: a declared signal keeps exit 0"
pn_expect "$(script "echo \"\$PN_TMP\" > '$PN_TMP/child-tmp'; echo '$ASAN_UAF' > \"\$PN_LOG\"; exit 0")" 1 \
	"trap: a report fails the test ..."
[ -e "$(cat "$PN_TMP/child-tmp")" ] && pn_fail "... and the test's PN_TMP is left behind" \
	|| pn_pass "... and the test's PN_TMP is removed all the same"

# Sanitizer reports go to PN_SAN_DIR; options the caller set are kept.
pn_expect "$(script "echo \"\$PN_TMP \$ASAN_OPTIONS \$UBSAN_OPTIONS\" > '$PN_TMP/child-env'")" 0 \
	"trap: a script with no logs passes"
read -r t a u < "$PN_TMP/child-env"
pn_expect "$a $u" "log_path=$t/sanitizer/asan log_path=$t/sanitizer/ubsan" "ASAN_OPTIONS and UBSAN_OPTIONS send reports to PN_SAN_DIR"
ASAN_OPTIONS=detect_leaks=1:handle_segv=0 bash -c ". \"$srcdir/integration/lib.sh\"; echo \"\$PN_TMP \$ASAN_OPTIONS\"" \
	> "$PN_TMP/child-env"
read -r t a < "$PN_TMP/child-env"
pn_expect "$a" "detect_leaks=1:handle_segv=0:log_path=$t/sanitizer/asan" "the caller's ASAN_OPTIONS are kept"
# The fabricated cases are under this test's own PN_TMP: left there, its
# EXIT trap would (rightly) fail this test too.
rm -rf "$PN_TMP"/case* "$PN_TMP"/case*.err
pn_done
