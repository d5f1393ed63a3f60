#!/bin/bash
# Isolation: process mode (one child per connection; a crash ends that
# connection only), workers per user (checked in /proc), a worker that
# segfaults is replaced while every listener stays open, and impossible
# execution modes are configuration errors.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=17751
T="$PNTEST"
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to switch users"; exit 77; fi

# The crasher plugin abort()s a process-mode child and segfaults a worker
# on request.
pn_expect_signal SIGABRT SIGSEGV

pn_config <<EOF
plugin_dir = "$PLUGIN_DIR:$TESTPLUGINS"
service echo-proc {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    execution = process
}
service crash-proc {
    plugin = crasher
    listen = { "tcp://127.0.0.1:$((P+1))" }
    execution = process
}
service crash-event {
    plugin = crasher
    listen = { "tcp://127.0.0.1:$((P+2))" }
    user = nobody
}
service calm {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+3))" }
    user = daemon
}
EOF
sed -i '0,/^plugin_dir = .*/{/^plugin_dir = .*/d}' "$PN_CONF"   # the second plugin_dir line wins
pn_start

# Process mode: one child per connection.
for i in 1 2 3; do
	pn_expect "$(printf "p$i\n" | nc -q1 127.0.0.1 $P)" "p$i" "process-mode echo $i"
done
sleep 0.3
pids=$(grep -o "service 'echo-proc': connection from 127.0.0.1:[0-9]*: child [0-9]*" "$PN_LOG" | awk '{print $NF}' | sort -u | wc -l)
pn_expect "$pids" 3 "three connections, three child processes"
pn_expect "$(grep -c "service 'echo-proc': child [0-9]* for 127.0.0.1:[0-9]* exited with status 0" "$PN_LOG")" 3 \
	"each child's exit is logged"

# abort() in a process-mode child ends that connection only.
exec 3<>/dev/tcp/127.0.0.1/$((P+1))
pn_expect "$(pn_line 3 before)" "before" "a second connection is served"
pn_expect "$("$T" try 127.0.0.1 $((P+1)) 127.0.0.1 abort)" "EOF" "the connection that made its child abort() is closed"
pn_expect "$(pn_line 3 after)" "after" "the other connection is untouched"
exec 3>&-
sleep 0.2
grep -q "service 'crash-proc': child [0-9]* for 127.0.0.1:[0-9]* killed by signal 6 (Aborted)" "$PN_LOG" \
	&& pn_pass "the abort is logged with the signal" || pn_fail "no abort log line"

# Workers run as their users; the supervisor does not serve.
uid_of() { awk '/^Uid:/ {print $2 "/" $3 "/" $4 "/" $5}' "/proc/$1/status"; }
workers=$(pgrep -P "$PN_PID")
nobody=$(id -u nobody); daemon_uid=$(id -u daemon)
found_nobody=0; found_daemon=0
for w in $workers; do
	case "$(uid_of "$w")" in
	"$nobody/$nobody/$nobody/$nobody") found_nobody=1 ;;
	"$daemon_uid/$daemon_uid/$daemon_uid/$daemon_uid") found_daemon=1 ;;
	esac
done
pn_expect "$found_nobody:$found_daemon" "1:1" "workers run as nobody and as daemon (/proc/PID/status)"
pn_expect "$(ss -Hlnp "sport >= :$P and sport <= :$((P+3))" | grep -c "pid=$PN_PID,")" 4 "the supervisor holds the 4 listening sockets"

# A segfault in an event-mode worker: listeners stay open, the other
# worker's connection survives, the service answers again quickly.
exec 4<>/dev/tcp/127.0.0.1/$((P+3))
pn_expect "$(pn_line 4 x)" "I got your message" "a connection to the calm service (another worker)"
"$T" try 127.0.0.1 $((P+2)) 127.0.0.1 segv > /dev/null
start=$(date +%s%N)
for i in $(seq 1 200); do
	[ "$("$T" try 127.0.0.1 $((P+2)) 127.0.0.1 back)" = "back" ] && break
	sleep 0.005
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
pn_expect "$("$T" try 127.0.0.1 $((P+2)) 127.0.0.1 alive)" "alive" "the crashed service answers again"
echo "measured: answering again $ms ms after the crash"
[ "$ms" -lt 1000 ] && pn_pass "answering again in $ms ms" || pn_fail "took $ms ms to answer again"
pn_expect "$(ss -Hltn "sport >= :$P and sport <= :$((P+3))" | wc -l)" 4 "every listener stayed open"
pn_expect "$(pn_line 4 y)" "I got your message" "the other worker's connection is untouched"
exec 4>&-

# A supervisor killed outright takes its workers with it (PDEATHSIG):
# nothing keeps serving unsupervised.
workers=$(pgrep -P "$PN_PID")
kill -KILL "$PN_PID"; wait "$PN_PID" 2>/dev/null; PN_PID=
left=1
for i in $(seq 1 100); do
	left=0
	for w in $workers; do kill -0 "$w" 2>/dev/null && left=$((left + 1)); done
	[ "$left" -eq 0 ] && break
	sleep 0.05
done
pn_expect "$left" 0 "workers exit when the supervisor is killed with SIGKILL"
pn_expect "$(ss -Hltn "sport >= :$P and sport <= :$((P+3))" | wc -l)" 0 "and nothing listens any more"

grep -q "worker [0-9]* for .*crash-event (plugin crasher).* (user nobody) killed by signal 11 (Segmentation fault); restarting" "$PN_LOG" \
	&& pn_pass "the crash is logged with service, user and signal" || { pn_fail "no crash log line"; grep worker "$PN_LOG" >&2; }
pn_stop

# Impossible execution modes are configuration errors with file:line.
cat > "$PN_TMP/bad.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service room {
    plugin = chat
    listen = { "tcp://127.0.0.1:$P" }
    execution = process
}
service e {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+1))", "udp://127.0.0.1:$((P+1))" }
    execution = process
    user = no-such-user-here
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/bad.conf" 2>&1); rc=$?
pn_expect "$rc:$out" "1:$PN_TMP/bad.conf:6: service 'room': plugin 'chat' shares state between connections and cannot run in process mode (use execution = event)
$PN_TMP/bad.conf:11: service 'e': plugin 'echo' cannot serve UDP in process mode (it has no on_wait)
$PN_TMP/bad.conf:12: service 'e': unknown user 'no-such-user-here'
pinetd: $PN_TMP/bad.conf: 3 errors" "-t rejects impossible modes and unknown users"
pn_done
