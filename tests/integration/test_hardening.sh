#!/bin/bash
# Hardening of the workers (issue 12, item 8):
#   every worker runs with no_new_privs and without core dumps (soft
#   RLIMIT_CORE 0, not dumpable); an exec'd program inherits both;
#   `core_dumps = true` gives the limit back;
#   a worker past its service's memory_max (a plugin that leaks 4 MiB per
#   line) is killed and restarted with an error line naming the service
#   and the size;
#   an exec service's program is not ended by idle_timeout (pinetd never
#   sees its bytes; pinetd-exec(8)) but is by max_duration;
#   in process mode, a fork that fails (RLIMIT_NPROC of the worker's
#   user) gives back the connection's max_per_source slot.
. "$srcdir/integration/lib.sh"
pn_need ss nc
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to switch users"; exit 77; fi
P=18831   # echo, as nobody
PX=18832  # exec: a shell that reports its own status
PF=18835  # process-mode echo, max_per_source = 1, forks refused
PM=18836  # the leaker, memory_max = 64 MiB
PN=18837  # echo in the same daemon, no limit
PI=18839  # exec, idle_timeout = 1: a program silent for 2 s
PD=18840  # exec, max_duration = 1: a program that would run 3 s
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs
# max_duration stops a program with SIGTERM on purpose.
pn_expect_signal SIGTERM

# A soft core limit for the daemon to start with, so that the workers'
# 0 shows (a sanitizer runtime may set the supervisor's own to 0 anyway:
# core_dumps = true is compared with the supervisor's).
ulimit -S -c unlimited 2>/dev/null || ulimit -S -c "$(ulimit -H -c)"

conf() {
	pn_config <<EOC
$1
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    user   = nobody
}
service status {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PX" }
    user    = nobody
    program = "/bin/sh"
    args    = 'sh -c "grep ^NoNewPrivs: /proc/self/status; ulimit -c"'
}
EOC
}
worker_of() { ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | grep -vx "$PN_PID" | head -1; }
nnp() { awk '/^NoNewPrivs:/ {print $2}' "/proc/$1/status"; }
core_soft() { awk '/^Max core file size/ {print $5}' "/proc/$1/limits"; }

conf ""
pn_start
w=$(worker_of $P)
[ -n "$w" ] || pn_fail "no worker found for port $P"
echo "measured: worker $w: NoNewPrivs $(nnp "$w"), soft core limit $(core_soft "$w")"
pn_expect "$(nnp "$w")" 1 "a worker runs with NoNewPrivs: 1"
pn_expect "$(core_soft "$w")" 0 "a worker's soft core limit is 0"
pn_expect "$(nc -q1 127.0.0.1 $PX </dev/null | tr '\t' ' ')" "NoNewPrivs: 1
0" "an exec'd program inherits no_new_privs and the core limit"
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $P)" "x" "echo serves"
pn_stop

conf "core_dumps = true"
pn_start
w=$(worker_of $P)
pn_expect "$(nnp "$w")" 1 "core_dumps = true: still NoNewPrivs: 1"
echo "measured: core_dumps = true: worker's soft core limit $(core_soft "$w"), supervisor's $(core_soft "$PN_PID")"
pn_expect "$(core_soft "$w")" "$(core_soft "$PN_PID")" "core_dumps = true: the supervisor's soft core limit"
pn_stop

# ---- memory_max ----
MAX=$((64 << 20))
pn_config <<EOC
plugin_dir = "$PLUGIN_DIR:$TESTPLUGINS"
service leak {
    plugin = leaker
    listen = { "tcp://127.0.0.1:$PM" }
    memory_max = $MAX
}
service calm {
    plugin = echo
    listen = { "tcp://127.0.0.1:$PN" }
    memory_max = $MAX
}
EOC
sed -i '0,/^plugin_dir = .*/{/^plugin_dir = .*/d}' "$PN_CONF"   # the second plugin_dir line wins
pn_start
old=$(worker_of $PM)
exec 5<>/dev/tcp/127.0.0.1/$PM
n=0
# Slower than the supervisor's 250 ms check: about 16 lines reach 64 MiB.
while [ $n -lt 100 ] && [ "$(pn_line 5 "l$n")" = "l$n" ]; do n=$((n + 1)); sleep 0.1; done
exec 5>&-
echo "measured: the leaking worker answered $n lines (4 MiB each) before it was killed"
[ $n -ge 8 ] && [ $n -lt 100 ] && pn_pass "the leaking worker is killed past memory_max after $n lines" \
	|| pn_fail "the leaking worker answered $n lines"
for i in $(seq 1 40); do grep -q "was killed past memory_max; restarting" "$PN_LOG" && break; sleep 0.05; done
grep -q "pinetd: error: worker $old for leak (plugin leaker) uses [0-9]* bytes (resident), more than memory_max $MAX; killing it" "$PN_LOG" \
	&& pn_pass "the kill is logged with the service and the size" || { pn_fail "no memory_max error line"; cat "$PN_LOG" >&2; }
grep -q "pinetd: error: worker $old for leak (plugin leaker) (user [a-z]*) was killed past memory_max; restarting" "$PN_LOG" \
	&& pn_pass "the restart is logged" || pn_fail "no restart line"
pn_expect "$(printf 'back\n' | nc -q1 127.0.0.1 $PM)" "back" "the leaky service answers again"
pn_expect "$(grep -c "for calm (plugin echo).*memory_max" "$PN_LOG")" 0 "the service below its limit is untouched"
pn_expect "$(printf 'calm\n' | nc -q1 127.0.0.1 $PN)" "calm" "and serves"
pn_stop

# ---- exec: idle_timeout does not apply, max_duration does ----
pn_config <<EOC
service quiet {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PI" }
    program = "/bin/sh"
    args    = 'sh -c "sleep 2; echo still here"'
    idle_timeout = 1
}
service long {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PD" }
    program = "/bin/sh"
    args    = 'sh -c "echo started; sleep 3; echo too late"'
    max_duration = 1
}
EOC
pn_start
pn_expect "$(nc -q1 127.0.0.1 $PI </dev/null)" "still here" \
	"idle_timeout = 1 does not end a program silent for 2 s"
pn_expect "$(nc -q5 127.0.0.1 $PD </dev/null)" "started" "max_duration = 1 ends a program after 1 s"
sleep 0.3
grep -q "service 'long': 127.0.0.1:[0-9]*: sh\[[0-9]*\] killed by signal 15 (Terminated) after 1\.[0-9]* s (max_duration)" "$PN_LOG" \
	&& pn_pass "the program's end is logged with (max_duration)" || { pn_fail "no max_duration line"; grep long "$PN_LOG" >&2; }
pn_stop

# ---- a failed fork in process mode ----
# Last: the daemon starts with a soft RLIMIT_NPROC of 1, so a worker
# running as daemon (one process of that user) cannot fork; root (the
# supervisor, this script, nc) is exempt.
pn_config <<EOC
service forkless {
    plugin = echo
    listen = { "tcp://127.0.0.1:$PF" }
    execution = process
    user = daemon
    max_per_source = 1
}
EOC
ulimit -S -u 1
pn_start
for i in 1 2; do
	pn_expect "$(printf 'x\n' | nc -w2 127.0.0.1 $PF)" "" "connection $i: the fork fails, the connection is closed unanswered"
done
sleep 0.2
pn_expect "$(grep -c "service 'forkless': cannot fork: Resource temporarily unavailable" "$PN_LOG")" 2 \
	"both failed forks are logged"
pn_expect "$(grep -c "max_per_source" "$PN_LOG")" 0 \
	"the second connection is not refused for max_per_source: the first failed fork left no slot taken"
pn_stop
pn_done
