#!/bin/bash
# Runtime 2, what watches the workers: a worker stopped with SIGSTOP is
# killed and replaced within the watchdog period, with an error line; a
# service removed while its worker is in crash backoff stops answering
# and nothing listens on its port, then or later.  Ports 18131-18140.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=18131
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs
# The crasher's segmentation faults are this test's doing.
if type pn_expect_signal >/dev/null 2>&1; then pn_expect_signal 11; fi

worker_on() {
	ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*,' | grep -v "pid=$PN_PID," | tr -d , | sort -u | head -1 | cut -d= -f2
}

conf() { # $1: with the crasher or not
	{
		echo "plugin_dir = \"$PLUGIN_DIR:$TESTPLUGINS\""
		echo "watchdog = 1"
		printf 'service echo {\n    plugin = echo\n    listen = { "tcp://127.0.0.1:%s" }\n}\n' $P
		[ "$1" = yes ] && printf 'service crash {\n    plugin = crasher\n    listen = { "tcp://127.0.0.1:%s" }\n}\n' $((P+1))
	} | pn_config
	sed -i '0,/^plugin_dir = .*/{/^plugin_dir = .*/d}' "$PN_CONF"
}

conf yes
pn_start

# ---- SIGSTOP: the watchdog replaces the worker ----
old=$(worker_on $P)
kill -STOP "$old"
start=$(date +%s%N)
new=$old
for i in $(seq 1 100); do
	new=$(worker_on $P)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$new" != "$old" ] && [ "$ms" -lt 3000 ] && pn_pass "a stopped worker is replaced in $ms ms (watchdog = 1 s)" \
	|| pn_fail "the stopped worker $old is still in place after $ms ms"
kill -0 "$old" 2>/dev/null && pn_fail "the stopped worker still exists" || pn_pass "the stopped worker is gone"
grep -q "pinetd: error: worker $old for echo (plugin echo) sent no heartbeat for 1 s (stopped, or stuck in plugin code); killing it" "$PN_LOG" \
	&& pn_pass "the watchdog logs an error naming the worker" || pn_fail "no watchdog error line"
grep -q "pinetd: error: worker $old for echo (plugin echo) (user [a-z]*) was killed by the watchdog; restarting" "$PN_LOG" \
	&& pn_pass "the restart is logged as an error" || pn_fail "no restart error line"
pn_expect "$(printf 'back\n' | nc -q1 127.0.0.1 $P)" "back" "echo answers again"

# ---- removal during crash backoff ----
crashes() { grep -c "for crash (plugin crasher) .*killed by signal 11" "$PN_LOG"; }
for n in 1 2 3 4 5; do
	printf 'segv\n' | nc -w3 127.0.0.1 $((P+1)) >/dev/null 2>&1
	for i in $(seq 1 60); do [ "$(crashes)" -ge "$n" ] && break; sleep 0.05; done
done
pn_expect "$(crashes)" 5 "the crasher crashed five times"
grep -q "for crash (plugin crasher) .*restarting with backoff" "$PN_LOG" \
	&& pn_pass "it is in crash backoff" || pn_fail "no backoff"
conf no
pn_reload || pn_fail "removing the crashing service was refused"
restarts=$(grep -c "worker for crash (plugin crasher) restarted" "$PN_LOG")
pn_expect "$(ss -Hltn "sport = :$((P+1))" | wc -l)" 0 "nothing listens on the removed service's port"
sleep 3 # past the backoff: a restart timer of the removed service must not fire
pn_expect "$(ss -Hltn "sport = :$((P+1))" | wc -l)" 0 "nothing listens there after the backoff either"
pn_expect "$(grep -c "worker for crash (plugin crasher) restarted" "$PN_LOG")" "$restarts" \
	"no worker of the removed service was restarted after the reload"
if nc -z -w1 127.0.0.1 $((P+1)) 2>/dev/null; then pn_fail "the removed port answers"; else pn_pass "the removed port refuses connections"; fi
pn_expect "$(printf 'still\n' | nc -q1 127.0.0.1 $P)" "still" "echo kept serving"
pn_stop
pn_done
