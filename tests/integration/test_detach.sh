#!/bin/bash
# Without -f: the parent waits for the start result and prints the start-up
# errors on its stderr with a non-zero exit (a port in use); a good start
# prints nothing, exits 0 at once (the detached daemon holds none of the
# caller's descriptors), writes the pid file, and the pid file's pid takes
# SIGHUP (reload) and SIGTERM (stop), as the README says.  With -f, Ctrl-C
# in a terminal (SIGINT to the whole process group, workers included)
# twice stops at once despite a long shutdown_timeout.
. "$srcdir/integration/lib.sh"
pn_need ss nc python3 setsid
P=19621 # P, P+1, P+2

PIDF=$PN_TMP/pinetd.pid
svc() { printf 'service %s {\n    plugin = echo\n    listen = { "tcp://127.0.0.1:%s" }\n}\n' "$1" "$2"; }
svc echo $P | pn_config

# ---- a port in use: the error on the terminal, exit 3 ----
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' $P &
HOLDER=$!
trap 'kill $HOLDER 2>/dev/null; pn_cleanup' EXIT
pn_wait_port tcp $P || pn_fail "the port holder did not listen"
rc=0
out=$(timeout 10 "$PINETD" -c "$PN_CONF" -p "$PIDF" 2>"$PN_TMP/err.txt") || rc=$?
pn_expect "$rc" 3 "a detached start with the port in use exits 3"
pn_expect "$out" "" "nothing on stdout"
pn_expect "$(cat "$PN_TMP/err.txt")" \
	"pinetd: error: service 'echo': cannot bind tcp://127.0.0.1:$P: Address already in use" \
	"the bind error is printed on the terminal"
[ -e "$PIDF" ] && pn_fail "the failed start left a pid file" || pn_pass "no pid file after the failed start"
kill $HOLDER; wait $HOLDER 2>/dev/null
for i in $(seq 1 100); do ss -Hltn "sport = :$P" | grep -q . || break; sleep 0.05; done

# ---- a good detached start: silent, exit 0, a pid file ----
rc=0
# Command substitution waits for every writer of the pipe: a daemon that
# kept the caller's stdout or stderr would hang it (timeout: 124).
out=$(timeout 10 "$PINETD" -c "$PN_CONF" -p "$PIDF" 2>&1) || rc=$?
pn_expect "$rc" 0 "a detached start exits 0"
pn_expect "$out" "" "a good start prints nothing and keeps none of the caller's descriptors"
PN_PID=$(cat "$PIDF" 2>/dev/null)
[ -n "$PN_PID" ] && kill -0 "$PN_PID" 2>/dev/null && pn_pass "the pid file names a running daemon" \
	|| pn_fail "no running daemon in the pid file"
pn_expect "$(printf 'd\n' | nc -q1 127.0.0.1 $P)" "d" "the detached daemon serves"

# README: kill -HUP "$(cat PIDFILE)" reloads (a new service listens).
svc more $((P + 1)) >> "$PN_CONF"
kill -HUP "$(cat "$PIDF")"
pn_wait_port tcp $((P + 1)) && pn_pass "SIGHUP to the pid file's pid reloads" || pn_fail "no reload"
pn_expect "$(printf 'm\n' | nc -q1 127.0.0.1 $((P + 1)))" "m" "the reloaded service serves"
# ... where `kill -HUP "$(pidof pinetd)"` would signal every process:
# pidof lists the workers too.
[ "$(pidof "$PINETD" | wc -w)" -gt 1 ] && pn_pass "pidof lists several processes (supervisor and workers)" \
	|| pn_fail "pidof found one process"
kill -TERM "$(cat "$PIDF")"
for i in $(seq 1 200); do kill -0 "$PN_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$PN_PID" 2>/dev/null && pn_fail "SIGTERM did not stop the daemon" || pn_pass "SIGTERM to the pid file's pid stops it"
PN_PID=
for i in $(seq 1 100); do [ -e "$PIDF" ] || break; sleep 0.05; done
[ -e "$PIDF" ] && pn_fail "the pid file is left" || pn_pass "the pid file is removed"

# ---- Ctrl-C twice in a terminal: the process group, at once ----
{ echo "shutdown_timeout = 30"; svc echo $((P + 2)); } | pn_config
setsid "$PINETD" -f -c "$PN_CONF" >"$PN_LOG" 2>&1 &
PN_PID=$!
pn_wait_port tcp $((P + 2)) || pn_fail "the foreground daemon did not listen"
pgid=$(ps -o pgid= -p "$PN_PID" | tr -d ' ')
pn_expect "$pgid" "$PN_PID" "the daemon leads its own process group (a terminal's job)"
exec 3<>/dev/tcp/127.0.0.1/$((P + 2))
pn_expect "$(pn_line 3 held)" "held" "a held connection"
kill -INT -- "-$pgid"
sleep 0.5
kill -0 "$PN_PID" 2>/dev/null && pn_pass "after the first Ctrl-C the daemon waits for the connection" \
	|| pn_fail "the daemon did not wait"
start=$(date +%s%N)
kill -INT -- "-$pgid" 2>/dev/null
rc=0
timeout 10 tail -s 0.05 --pid="$PN_PID" -f /dev/null || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$PN_PID"; rc=$?
PN_PID=
pn_expect "$rc" 0 "exit 0 after the second Ctrl-C"
[ "$ms" -lt 2000 ] && pn_pass "the second Ctrl-C stopped pinetd in $ms ms (shutdown_timeout 30 s)" \
	|| pn_fail "pinetd took $ms ms after the second Ctrl-C"
pn_expect "$(ps -o pid= -g "$pgid" | wc -l)" 0 "no process of the group survives"
exec 3>&-
grep -q "^pinetd: notice: Interrupt: shutting down$" "$PN_LOG" && pn_pass "the first Ctrl-C is logged" \
	|| { pn_fail "no shutdown line"; cat "$PN_LOG" >&2; }
pn_done
