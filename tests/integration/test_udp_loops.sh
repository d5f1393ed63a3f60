#!/bin/bash
# The hostile suite's UDP loop cases (issue 12, items 1 and 9).  One forged
# datagram from one UDP service to another starts a loop that, unguarded,
# runs until a restart (about 50,000 datagrams a second).  Here:
#   - within one daemon, every pair of the reflecting builtins (and a
#     service with itself): the guard refuses a source port the daemon
#     serves over UDP, so the forged datagram is the only one;
#   - two daemons in one namespace, which know nothing of each other's
#     ports: the reply budget (udp_reply_rate, on by default for echo)
#     ends the loop within its burst.
# Needs a second address on lo (a wildcard listener refuses loopback
# sources), so the test runs in a network namespace of its own: skipped
# (77) where unshare -n is not allowed.  Ports 18701-18719.
if [ -z "${PN_UDP_NS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n not allowed"; exit 77; }
	PN_UDP_NS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up && ip addr add 10.200.0.1/32 dev lo || exit 99
. "$srcdir/integration/lib.sh"
UDPLOOP=$abs_top_builddir/tests/tools/udploop
A=10.200.0.1
SECS=2

pn_config <<CONF
log_level = notice
service echo { plugin = echo  listen = { "udp://*:18701" } }
service chargen { plugin = chargen  listen = { "udp://*:18702" } }
service daytime { plugin = daytime  listen = { "udp://*:18703" } }
service ack { plugin = ack  listen = { "udp://*:18704" } }
service time { plugin = time  listen = { "udp://*:18705" } }
CONF
pn_start

# A forged datagram from port $1 to port $2: at most the one sent.
loop_case() {
	local n
	n=$("$UDPLOOP" $A "$1" $A "$2" $SECS)
	[ $? -eq 77 ] && { echo "SKIP: no raw sockets"; exit 77; }
	if [ "$n" -le 1 ]; then
		pn_pass "one daemon: $3: $n datagram(s) in $SECS s"
	else
		pn_fail "one daemon: $3: $n datagrams in $SECS s (a loop)"
	fi
}
loop_case 18702 18701 "chargen -> echo"
loop_case 18701 18701 "echo -> echo"
loop_case 18703 18701 "daytime -> echo"
loop_case 18704 18704 "ack -> ack"
loop_case 18703 18702 "daytime -> chargen"
loop_case 18705 18701 "time -> echo"

# Every worker knows the other workers' ports, and says which pair it was.
grep -q "service 'echo': dropped a datagram from $A:18702 to $A:18701: source port served by this daemon over UDP (a reply loop)" "$PN_LOG" \
	&& pn_pass "the log names the pair" || pn_fail "no log line naming the pair"
kill -USR1 "$PN_PID"
sleep 0.5
grep -q "service 'echo': 0 open, 0 refused, 4 datagrams dropped (4 from served ports)" "$PN_LOG" \
	&& pn_pass "counted in the statistics" || pn_fail "not counted in the statistics"

# Clients still get answers (from the address they asked).
pn_expect "$("$UDPLOOP" ask $A $A 18701 hello)" "hello" "echo answers a client"

# A second daemon whose ports the first does not know: the budget.
B_CONF=$PN_TMP/b.conf
printf 'plugin_dir = "%s"\nservices_dir = ""\nlog_level = notice\n%s\n' "$PLUGIN_DIR" \
	'service echo2 { plugin = echo  listen = { "udp://*:18711" } }' > "$B_CONF"
"$PINETD" -f -c "$B_CONF" > "$PN_TMP/b.log" 2>&1 &
B_PID=$!
pn_wait_port udp 18711 || pn_fail "second daemon did not start"
n=$("$UDPLOOP" $A 18711 $A 18701 $SECS)
# Each side answers its burst (20), then refuses: the loop is over.
if [ "$n" -le 50 ]; then
	pn_pass "two daemons: echo -> echo: $n datagrams in $SECS s"
else
	pn_fail "two daemons: echo -> echo: $n datagrams in $SECS s (a loop)"
fi
grep -q "no reply from $A:18711 to $A:18701: over its source's budget of 20 replies a second (udp_reply_rate; a reply loop?)" "$PN_LOG" \
	&& pn_pass "the budget's log line names the pair" || pn_fail "no budget log line"
kill -USR1 "$PN_PID"
sleep 0.5
grep -q "service 'echo': .* replies over budget" "$PN_LOG" && ! grep -q "service 'echo': .* 0 replies over budget" <(tail -n 5 "$PN_LOG") \
	&& pn_pass "replies over budget counted" || pn_fail "replies over budget not counted"
# The budget refills: a client of that address is answered a second later.
sleep 1
pn_expect "$("$UDPLOOP" ask $A $A 18701 again)" "again" "answered once the budget refilled"

kill -TERM "$B_PID"
wait "$B_PID" || pn_fail "second daemon exited with $?"
pn_stop
pn_done
