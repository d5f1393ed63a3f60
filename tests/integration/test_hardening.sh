#!/bin/bash
# Hardening of the workers (issue 12, item 8):
#   every worker runs with no_new_privs and without core dumps (soft
#   RLIMIT_CORE 0, not dumpable); an exec'd program inherits both;
#   `core_dumps = true` gives the limit back.
. "$srcdir/integration/lib.sh"
pn_need ss nc
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to switch users"; exit 77; fi
P=18831   # echo, as nobody
PX=18832  # exec: a shell that reports its own status

# The soft core limit the daemon starts with: what core_dumps = true keeps.
ulimit -S -c unlimited 2>/dev/null || ulimit -S -c "$(ulimit -H -c)"
START_CORE=$(ulimit -S -c)
[ "$START_CORE" = unlimited ] && START_CORE=unlimited || START_CORE=$((START_CORE * 1024))

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
pn_expect "$(core_soft "$w")" "$START_CORE" "core_dumps = true: the soft core limit pinetd started with"
pn_stop
pn_done
