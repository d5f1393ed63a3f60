#!/bin/bash
# exec: one process per connection, the program itself, started by the
# worker; programs die with their worker and at max_duration; the log gives
# how and when each ended.  Through the real daemon and real clients:
#   (a) 20 clients hold /bin/cat open: exactly 20 children of the worker,
#       all cat, no pinetd process per connection; each echoes its line;
#   (b) SIGKILL of the worker with the 20 open: none of the cats is alive
#       2 s later and every client sees the end of the stream;
#   (c) max_duration = 1 ends a program that runs too long (SIGTERM), and
#       one that ignores SIGTERM (SIGKILL 2 s later), each logged with its
#       real run time, the client's socket closed;
#   (d) the end-of-connection line gives the exit status or the signal.
. "$srcdir/integration/lib.sh"
pn_need nc ps pgrep
# SIGKILL of the worker, SIGTERM and SIGKILL at max_duration, a program
# that kills itself with SIGSEGV: all on purpose.
pn_expect_signal SIGKILL SIGTERM SIGSEGV

P=17820     # /bin/cat
PD=$((P + 1)) # sleep 30 with max_duration = 1
PI=$((P + 2)) # sleep 30 ignoring SIGTERM, max_duration = 1
PX=$((P + 3)) # exit 7
PS=$((P + 4)) # killed by SIGSEGV

pn_config <<EOF2
shutdown_timeout = 1
service cat {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$P" }
    program = "/bin/cat"
}
service slow {
    plugin       = exec
    listen       = { "tcp://127.0.0.1:$PD" }
    program      = "/bin/sleep"
    args         = "sleep 30"
    max_duration = 1
}
service stubborn {
    plugin       = exec
    listen       = { "tcp://127.0.0.1:$PI" }
    program      = "/bin/sh"
    args         = "sh -c \"trap '' TERM; exec sleep 30\""
    max_duration = 1
}
service seven {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PX" }
    program = "/bin/sh"
    args    = "sh -c \"echo bye; exit 7\""
}
service segv {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PS" }
    program = "/bin/sh"
    args    = "sh -c \"echo boom; kill -SEGV \$\$\""
}
EOF2
pn_start

# The workers: one per service; the cat service's is the one on its port.
pn_expect "$(pgrep -P "$PN_PID" | wc -w)" 5 "one worker process per service"
worker=$(ss -Hltnp "sport = :$P" | grep -o 'pid=[0-9]*,' | grep -v "pid=$PN_PID," | tr -d 'pid=,' | sort -u)
pn_expect "$(echo "$worker" | wc -w)" 1 "one worker serves cat"

# ---- (a) 20 connections, 20 programs ----
fds=()
for i in $(seq 1 20); do
	exec {fd}<>/dev/tcp/127.0.0.1/$P || pn_fail "connect $i"
	fds+=("$fd")
done
bad=0
for i in $(seq 1 20); do
	reply=$(pn_line "${fds[$((i - 1))]}" "line $i from client $i")
	[ "$reply" = "line $i from client $i" ] || bad=$((bad + 1))
done
pn_expect "$bad" 0 "20 clients each get their own line back from /bin/cat"
kids=$(ps -o comm= --ppid "$worker" | sort | uniq -c | sed 's/^ *//')
pn_expect "$kids" "20 cat" "exactly 20 children of the worker, all cat"
tree=$(ps -e -o ppid=,comm= | awk -v w="$worker" '$1 == w && $2 == "pinetd"' | wc -l)
pn_expect "$tree" 0 "no pinetd process per connection (the worker's children are all cat)"
cats=$(pgrep -P "$worker" -d ' ')

# ---- (b) SIGKILL of the worker: no program survives ----
kill -KILL "$worker"
alive=
for i in $(seq 1 20); do
	alive=
	# Running or sleeping; a zombie has died (init reaps it).
	for c in $cats; do
		st=$(awk '{ print $3 }' "/proc/$c/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && alive="$alive $c:$st"
	done
	[ -z "$alive" ] && break
	sleep 0.1
done
pn_expect "${alive:-none}" none "2 s after SIGKILL of the worker none of its 20 programs is alive"
eofs=0
for fd in "${fds[@]}"; do
	IFS= read -r -t 3 rest <&"$fd"; rc=$?
	[ "$rc" -eq 1 ] && [ -z "$rest" ] && eofs=$((eofs + 1))
	exec {fd}<&-
done
pn_expect "$eofs" 20 "every client sees the end of its stream"
# The supervisor starts a new worker on the same sockets.
for i in $(seq 1 100); do
	w2=$(ss -Hltnp "sport = :$P" | grep -o 'pid=[0-9]*,' | grep -v "pid=$PN_PID," | tr -d 'pid=,' | sort -u)
	[ -n "$w2" ] && [ "$w2" != "$worker" ] && break
	sleep 0.05
done
pn_expect "$(printf 'again\n' | timeout 5 nc -N 127.0.0.1 $P)" "again" "a new worker serves cat again"

# ---- (c) max_duration ----
start=$(date +%s%N)
out=$(timeout 10 nc 127.0.0.1 $PD < /dev/null; echo "rc=$?")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
pn_expect "$out" "rc=0" "the client of a program stopped at max_duration sees EOF"
[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ] && pn_pass "closed after $ms ms (max_duration = 1)" \
	|| pn_fail "closed after $ms ms, expected about 1000"
sleep 0.2
line=$(grep "service 'slow': 127.0.0.1:[0-9]*: sleep\[[0-9]*\] killed" "$PN_LOG")
case "$line" in
*"killed by signal 15 (Terminated) after 1."[0-9][0-9][0-9]" s (max_duration)")
	pn_pass "logged: SIGTERM after 1.x s (max_duration)" ;;
*) pn_fail "max_duration line: '$line'" ;;
esac
grep -q "service 'slow': 127.0.0.1:[0-9]* closed (session limit) after 1\.[0-9]* s" "$PN_LOG" \
	&& pn_pass "the connection ends with the reason 'session limit'" \
	|| pn_fail "no 'closed (session limit)' line"

start=$(date +%s%N)
timeout 15 nc 127.0.0.1 $PI < /dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 2900 ] && [ "$ms" -lt 5000 ] && pn_pass "a program ignoring SIGTERM is killed 2 s later ($ms ms)" \
	|| pn_fail "stubborn program: closed after $ms ms, expected about 3000"
sleep 0.2
line=$(grep "service 'stubborn': 127.0.0.1:[0-9]*: sh\[[0-9]*\] killed" "$PN_LOG")
case "$line" in
*"killed by signal 9 (Killed) after 3."[0-9][0-9][0-9]" s (max_duration)")
	pn_pass "logged: SIGKILL after 3.x s (max_duration)" ;;
*) pn_fail "stubborn line: '$line'" ;;
esac
grep -q "service 'stubborn': 127.0.0.1:[0-9]*: sh\[[0-9]*\] still running 2 s after SIGTERM: SIGKILL$" "$PN_LOG" \
	&& pn_pass "the SIGKILL is logged" || pn_fail "no SIGKILL line"

# ---- (d) exit status and signal in the end-of-connection line ----
pn_expect "$(timeout 5 nc -N 127.0.0.1 $PX < /dev/null)" "bye" "exit 7: the output reaches the client"
pn_expect "$(timeout 5 nc -N 127.0.0.1 $PS < /dev/null)" "boom" "SIGSEGV: the output reaches the client"
sleep 0.3
grep -q "^pinetd: warning: service 'seven': 127.0.0.1:[0-9]*: sh\[[0-9]*\] exited with status 7 after 0\.[0-9]\{3\} s$" "$PN_LOG" \
	&& pn_pass "logged: exited with status 7 and its run time" || pn_fail "no 'exited with status 7' line"
grep -q "^pinetd: warning: service 'segv': 127.0.0.1:[0-9]*: sh\[[0-9]*\] killed by signal 11 (Segmentation fault)\(, core dumped\)\? after 0\.[0-9]\{3\} s$" "$PN_LOG" \
	&& pn_pass "logged: killed by signal 11 and its run time" || pn_fail "no 'killed by signal 11' line"

pn_stop
pn_done
