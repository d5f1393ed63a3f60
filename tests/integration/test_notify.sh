#!/bin/bash
# sd_notify(3) on a test NOTIFY_SOCKET (a python3 AF_UNIX datagram
# listener): READY=1 with the STATUS= summary at start, STATUS= when the
# connection count changes, WATCHDOG=1 every half of WATCHDOG_USEC and
# withheld while a worker (SIGSTOPped) answers no heartbeat until the
# supervisor's own watchdog replaced it, RELOADING=1 then READY=1 with the
# reload's outcome in STATUS=, STOPPING=1.
. "$srcdir/integration/lib.sh"
pn_need ss python3
grep -q '^#define HAVE_LIBSYSTEMD 1' "$abs_top_builddir/config.h" ||
	{ echo "SKIP: built without libsystemd: no sd_notify"; exit 77; }
P=19611 # echo P, P+1, P+2
pn_expect_signal STOP KILL

SOCK=$PN_TMP/notify.sock
NOTES=$PN_TMP/notify.txt
# Each datagram's assignments, one a line: "SECONDS.FRACTION ASSIGNMENT".
python3 - "$SOCK" "$NOTES" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = s.recv(4096).decode()
        t = time.time()
        for line in data.split("\n"):
            if line:
                out.write("%.3f %s\n" % (t, line))
PY
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; pn_cleanup' EXIT
for i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done

svc() { printf 'service %s {\n    plugin = echo\n    listen = { "tcp://127.0.0.1:%s" }\n}\n' "$1" "$2"; }
{ echo "watchdog = 3"; svc one $P; svc two $((P + 1)); } | pn_config
export NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=600000
unset WATCHDOG_PID
pn_start
unset NOTIFY_SOCKET WATCHDOG_USEC

# wait_note REGEX [SECONDS]: wait until an assignment matches (extended).
wait_note() {
	local i
	for i in $(seq 1 $((${2:-5} * 20))); do
		grep -q -E "$1" "$NOTES" && return 0
		sleep 0.05
	done
	return 1
}
# pings FROM TO: the times of WATCHDOG=1 in [FROM, TO).
pings() { awk -v a="$1" -v b="$2" '$2 == "WATCHDOG=1" && $1 >= a && $1 < b { print $1 }' "$NOTES"; }
# max_gap: the longest interval between consecutive times on stdin.
max_gap() { awk 'NR > 1 { d = $1 - p; if (d > m) m = d } { p = $1 } END { printf "%.3f\n", m + 0 }'; }
now() { date +%s.%N; }

wait_note '^[0-9.]+ READY=1$' && pn_pass "READY=1 at start" || pn_fail "no READY=1"
grep -q -E '^[0-9.]+ STATUS=2 services in 2 workers, 0 connections$' "$NOTES" \
	&& pn_pass "STATUS= at start: 2 services in 2 workers, 0 connections" \
	|| { pn_fail "no start STATUS="; cat "$NOTES" >&2; }
first=$(grep -n -m1 'READY=1' "$NOTES" | cut -d: -f1)
sline=$(grep -n -m1 'STATUS=' "$NOTES" | cut -d: -f1)
[ "$first" -lt "$sline" ] && pn_pass "READY=1 comes before the first STATUS=" || pn_fail "STATUS= before READY=1"

# The connection count reaches STATUS= on the heartbeats.
exec 3<>/dev/tcp/127.0.0.1/$P
pn_expect "$(pn_line 3 hi)" "hi" "a held connection"
wait_note 'STATUS=2 services in 2 workers, 1 connection$' 6 \
	&& pn_pass "STATUS= follows the open connections" \
	|| { pn_fail "STATUS= did not count the connection"; cat "$NOTES" >&2; }

# WATCHDOG=1 every 300 ms while every worker answers.
t0=$(now); sleep 2; t1=$(now)
n=$(pings "$t0" "$t1" | wc -l)
gap=$(pings "$t0" "$t1" | max_gap)
[ "$n" -ge 5 ] && [ "$n" -le 8 ] && pn_pass "$n WATCHDOG=1 in 2 s (WATCHDOG_USEC=600000: every 300 ms)" \
	|| pn_fail "$n WATCHDOG=1 in 2 s, expected about 6"
awk -v g="$gap" 'BEGIN { exit !(g > 0.2 && g < 0.6) }' && pn_pass "the longest interval is $gap s" \
	|| pn_fail "the longest interval between WATCHDOG=1 is $gap s"

# A stopped worker: heartbeats stop; WATCHDOG=1 is withheld until the
# supervisor's watchdog (3 s) killed and replaced it, then resumes.
# The worker of service two (the supervisor holds its listener too).
victim=$(ss -Hltnp "sport = :$((P + 1))" | grep -o 'pid=[0-9]*' | cut -d= -f2 | grep -v -x "$PN_PID" | head -1)
[ -n "$victim" ] || pn_fail "no worker found"
ts=$(now)
kill -STOP "$victim"
for i in $(seq 1 200); do grep -q 'serving again as process' "$PN_LOG" && break; sleep 0.05; done
grep -q "worker $victim for .* was killed by the watchdog; restarting" "$PN_LOG" \
	&& pn_pass "the supervisor's watchdog killed the stopped worker" || { pn_fail "no watchdog kill"; cat "$PN_LOG" >&2; }
sleep 1.5
te=$(now)
gap=$(pings "$ts" "$te" | max_gap)
awk -v g="$gap" 'BEGIN { exit !(g >= 1.2) }' && pn_pass "WATCHDOG=1 withheld for $gap s while the worker was silent" \
	|| { pn_fail "WATCHDOG=1 was not withheld (longest interval $gap s)"; cat "$NOTES" >&2; }
last=$(pings "$ts" "$te" | tail -1)
n=$(awk -v a="$(awk -v t="$te" 'BEGIN { printf "%.3f", t - 1.0 }')" -v b="$te" \
	'$2 == "WATCHDOG=1" && $1 >= a && $1 < b' "$NOTES" | wc -l)
[ "$n" -ge 2 ] && pn_pass "WATCHDOG=1 resumed once the worker was replaced ($n in the last second)" \
	|| pn_fail "WATCHDOG=1 did not resume (last at $last, $n in the last second)"
grep -q 'WATCHDOG=1 withheld until it is replaced' "$PN_LOG" && grep -q 'service manager watchdog resumed' "$PN_LOG" \
	&& pn_pass "the withholding and the recovery are logged" || pn_fail "no withheld/resumed log lines"

# A reload: RELOADING=1, then READY=1 with the outcome in STATUS=.
svc three $((P + 2)) >> "$PN_CONF"
mark=$(wc -l < "$NOTES")
pn_reload || pn_fail "the reload was refused"
wait_note 'STATUS=3 services in 3 workers, 1 connection; reloaded at [0-9:]{8}$' \
	&& pn_pass "STATUS= after a reload: 3 services in 3 workers, 1 connection; reloaded at ..." \
	|| { pn_fail "no STATUS= after the reload"; cat "$NOTES" >&2; }
pn_expect "$(tail -n +$((mark + 1)) "$NOTES" | grep -v WATCHDOG | awk '{ sub(/ at [0-9:]+$/, ""); print $2, $3, $4, $5, $6, $7, $8, $9 }' | sed 's/ *$//')" \
"RELOADING=1
READY=1
STATUS=3 services in 3 workers, 1 connection; reloaded" "RELOADING=1, then READY=1 and STATUS= in one datagram"
echo "service broken {" >> "$PN_CONF"
pn_reload && pn_fail "a broken configuration was accepted"
wait_note 'STATUS=3 services in 3 workers, 1 connection; reload refused at [0-9:]{8}: the running configuration is unchanged \(see the log\)$' \
	&& pn_pass "STATUS= says a reload was refused" || { pn_fail "no STATUS= for the refused reload"; cat "$NOTES" >&2; }
exec 3>&-

pn_stop
wait_note 'STOPPING=1$' && pn_pass "STOPPING=1 on the way out" || pn_fail "no STOPPING=1"
pn_done
