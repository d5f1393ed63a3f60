#!/bin/bash
# Runtime 2, a worker's life from the first connection to the last
# process, through the real daemon and real clients:
#   1. SIGKILL of a worker with 5 process-mode children: none of them is
#      alive 2 s later, every client sees EOF, a new worker serves the port;
#   2. stop escalation: a program that ignores SIGTERM, held connections,
#      shutdown_timeout = 1: pinetd exits 0 in bounded time and no process
#      of the daemon (supervisor, workers, children, programs) survives;
#   3. a second SIGTERM during a stop (shutdown_timeout = 30) kills the
#      workers at once;
#   4. worker_group: two services in one worker process, kept by a reload
#      that changes another service, replaced (the old one draining) by a
#      reload that changes a member; worker_group with workers = 2 is a
#      configuration error;
#   5. the telnet shell's `services` and `uptime` are the daemon's: services
#      and connection counts of other workers, the supervisor's start time
#      after the telnet worker was replaced;
#   6. log_level, -d and shutdown_timeout reach a worker kept by a reload.
# Ports 18401-18440.
. "$srcdir/integration/lib.sh"
pn_need ss nc pgrep ps
# SIGKILL of a worker (1); at a stop deadline, process-mode children get
# SIGTERM and a program that ignores it SIGKILL (2): all on purpose.
pn_expect_signal SIGKILL SIGTERM

RAW=$abs_top_builddir/tests/tools/telnet_raw
[ -x "$RAW" ] || { echo "FAIL: $RAW is not built (make -C tests tools/telnet_raw)" >&2; exit 1; }
P=18401

# worker_on PORT: the pid of the worker (not the supervisor) listening there.
worker_on() {
	ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*,' | grep -v "pid=$PN_PID," |
		tr -d 'pid=,' | sort -u | head -1
}

# wait_new_worker PORT OLD: wait up to 5 s for a worker other than OLD on
# PORT; print it (empty if none came).
wait_new_worker() {
	local i w
	for i in $(seq 1 100); do
		w=$(worker_on "$1")
		[ -n "$w" ] && [ "$w" != "$2" ] && { echo "$w"; return; }
		sleep 0.05
	done
}

# tree PID: PID and all its descendants.
tree() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1"); do
		tree "$p"
	done
}

# alive PID...: those that still run, as pid:state (a zombie has died).
alive() {
	local p st out=
	for p in "$@"; do
		st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && out="$out $p:$st"
	done
	printf '%s' "${out# }"
}

# is_eof FD: the peer closed FD (read gives end of file, no data, within 3 s).
is_eof() {
	local rest rc
	IFS= read -r -t 3 rest <&"$1"
	rc=$?
	[ "$rc" -eq 1 ] && [ -z "$rest" ]
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# term_and_wait: SIGTERM pinetd and wait for it to exit, at most 15 s (a
# stop that hangs is a failure, not a hung test); sets RC (its exit
# status, "hung" if it had to be killed) and MS (the time it took).
term_and_wait() {
	local t0 i
	t0=$(now_ms)
	kill -TERM "$PN_PID"
	for i in $(seq 1 300); do
		[ -z "$(alive "$PN_PID")" ] && break
		sleep 0.05
	done
	MS=$(($(now_ms) - t0))
	if [ -n "$(alive "$PN_PID")" ]; then
		kill -KILL "$PN_PID"
		wait "$PN_PID"
		RC=hung
	else
		RC=0
		wait "$PN_PID" || RC=$?
	fi
	PN_PID=
}

# svc NAME PLUGIN PORT [OPTION LINES]: one service block.
svc() {
	printf 'service %s {\n    plugin = %s\n    listen = { "tcp://127.0.0.1:%s" }\n%s\n}\n' \
		"$1" "$2" "$3" "${4:-}"
}

# ---- 1. SIGKILL of a worker with process-mode children ----
PP=$P # 18401
svc pecho echo $PP "    execution = process" | pn_config
pn_start
fds=()
for i in 1 2 3 4 5; do
	exec {fd}<>/dev/tcp/127.0.0.1/$PP || pn_fail "connect $i"
	fds+=("$fd")
done
bad=0
for i in 1 2 3 4 5; do
	[ "$(pn_line "${fds[$((i - 1))]}" "held $i")" = "held $i" ] || bad=$((bad + 1))
done
pn_expect "$bad" 0 "5 held process-mode connections each echo their line"
worker=$(worker_on $PP)
[ -n "$worker" ] || pn_fail "no worker listens on $PP"
kids=$(pgrep -P "$worker" -d ' ')
pn_expect "$(echo $kids | wc -w)" 5 "the worker $worker has 5 children, one per connection"
kill -KILL "$worker"
t0=$(now_ms)
left=
for i in $(seq 1 20); do
	left=$(alive $kids)
	[ -z "$left" ] && break
	sleep 0.1
done
ms=$(($(now_ms) - t0))
pn_expect "${left:-none}" none "none of the 5 children is alive 2 s after SIGKILL of their worker (gone after $ms ms)"
eofs=0
for fd in "${fds[@]}"; do
	is_eof "$fd" && eofs=$((eofs + 1))
	exec {fd}<&-
done
pn_expect "$eofs" 5 "all 5 clients see the end of their stream"
new=$(wait_new_worker $PP "$worker")
[ -n "$new" ] && pn_pass "a new worker ($new) listens on the port" || pn_fail "no new worker after the SIGKILL"
pn_expect "$(printf 'again\n' | timeout 5 nc -N 127.0.0.1 $PP)" "again" "the new worker serves the port"
grep -q "^pinetd: error: worker $worker for pecho (plugin echo) (user [a-z]*) killed by signal 9 (Killed); restarting$" "$PN_LOG" \
	&& pn_pass "the worker's death is logged with its signal" || pn_fail "no error line for the killed worker"
pn_stop

# ---- 2. stop escalation: nothing of the daemon survives ----
PS=$((P + 4)) PE=$((P + 5)) PX=$((P + 6)) # 18405-18407
{
	echo "shutdown_timeout = 1"
	svc stubborn exec $PS '    program = "/bin/sh"
    args    = "sh -c \"trap '"''"' TERM; exec sleep 60\""'
	svc echo echo $PE
	svc pecho echo $PX "    execution = process"
} | pn_config
pn_start
exec 3<>/dev/tcp/127.0.0.1/$PS 4<>/dev/tcp/127.0.0.1/$PE 5<>/dev/tcp/127.0.0.1/$PX
pn_expect "$(pn_line 4 e)" "e" "a held event-mode connection"
pn_expect "$(pn_line 5 x)" "x" "a held process-mode connection"
# The program runs once the worker has started it.
for i in $(seq 1 60); do
	pgrep -x sleep -P "$(worker_on $PS)" >/dev/null && break
	sleep 0.05
done
pids=$(tree "$PN_PID" | tr '\n' ' ')
names=$(for p in $pids; do cat /proc/"$p"/comm; done | sort | uniq -c | sed 's/^ *//' | tr '\n' ',')
pn_expect "$names" "5 pinetd,1 sleep," \
	"before the stop: the supervisor, 3 workers, a process-mode child and the program"
term_and_wait
pn_expect "$RC" 0 "pinetd exits 0 after the escalation"
[ "$MS" -ge 1000 ] && [ "$MS" -lt 9000 ] \
	&& pn_pass "pinetd exits in $MS ms (shutdown_timeout 1 s + 1 s, then the program's SIGKILL; bound 1+1+5+2 s)" \
	|| pn_fail "pinetd took $MS ms to stop (expected 1000..9000)"
pn_expect "$(alive $pids)" "" "no process of the daemon survives ($(echo $pids | wc -w) pids taken before the stop)"
eofs=0
for fd in 3 4 5; do is_eof $fd && eofs=$((eofs + 1)); done
pn_expect "$eofs" 3 "the 3 held clients see the end of their stream"
exec 3>&- 4>&- 5>&-
grep -q "^pinetd: warning: worker [0-9]* for stubborn (plugin exec) still running past its deadline: sending SIGTERM$" "$PN_LOG" \
	&& pn_pass "the supervisor sent SIGTERM to the program's worker past its deadline" || pn_fail "no SIGTERM escalation line"
grep -q "^pinetd: notice: service 'stubborn': 127.0.0.1:[0-9]*: sh\[[0-9]*\] still running 2 s after SIGTERM: SIGKILL$" "$PN_LOG" \
	&& pn_pass "the program that ignores SIGTERM got SIGKILL" || pn_fail "no SIGKILL line for the program"

# ---- 3. a second SIGTERM kills the workers at once ----
PH=$((P + 9)) # 18410
{ echo "shutdown_timeout = 30"; svc echo echo $PH; svc pecho echo $((PH + 1)) "    execution = process"; } | pn_config
pn_start
exec 3<>/dev/tcp/127.0.0.1/$PH 4<>/dev/tcp/127.0.0.1/$((PH + 1))
pn_expect "$(pn_line 3 h)" "h" "a held event-mode connection, shutdown_timeout = 30"
pn_expect "$(pn_line 4 h)" "h" "a held process-mode connection"
pids=$(tree "$PN_PID" | tr '\n' ' ')
kill -TERM "$PN_PID"
sleep 0.5
kill -0 "$PN_PID" 2>/dev/null && pn_pass "0.5 s after the first SIGTERM pinetd still waits for the connections" \
	|| pn_fail "pinetd did not wait for its connections"
pn_expect "$(pn_line 3 still)" "still" "the held connection is served during the stop"
term_and_wait
pn_expect "$RC" 0 "pinetd exits 0 after the second SIGTERM"
[ "$MS" -lt 2000 ] && pn_pass "the second SIGTERM stopped pinetd in $MS ms (shutdown_timeout 30 s)" \
	|| pn_fail "pinetd took $MS ms after the second SIGTERM"
pn_expect "$(alive $pids)" "" "no process of the daemon survives ($(echo $pids | wc -w) pids)"
is_eof 3 && is_eof 4 && pn_pass "both held clients see EOF" || pn_fail "a held client saw no EOF"
exec 3>&- 4>&-
grep -q "^pinetd: notice: Terminated again: killing the workers now$" "$PN_LOG" \
	&& pn_pass "the second SIGTERM is logged" || pn_fail "no 'again' line"

# ---- 4. worker_group ----
# recon_fixed (tests/plugins/recon.c) answers with its `reply` and has no
# reconfigure: an option change gets the unit a new worker.
PLUGIN_DIR=$PLUGIN_DIR:$abs_top_builddir/tests/plugins/.libs
PA=$((P + 14)) PB=$((P + 15)) PC=$((P + 16)) # 18415-18417
group_conf() { # $1: gb's reply, $2: solo's reply
	{
		echo "drain_timeout = 2"
		svc ga echo $PA '    worker_group = "g"'
		svc gb recon_fixed $PB "    worker_group = \"g\"
    reply = \"$1\""
		svc solo recon_fixed $PC "    reply = \"$2\""
	} | pn_config
}
group_conf b1 s1
pn_start
ga=$(worker_on $PA) gb=$(worker_on $PB) solo=$(worker_on $PC)
[ -n "$ga" ] && [ "$ga" = "$gb" ] && pn_pass "ga and gb run in one worker ($ga)" \
	|| pn_fail "ga and gb in workers '$ga' and '$gb'"
[ -n "$solo" ] && [ "$solo" != "$ga" ] && pn_pass "solo runs in a worker of its own ($solo)" \
	|| pn_fail "solo in worker '$solo'"
pn_expect "$(pgrep -P "$PN_PID" | wc -l)" 2 "2 worker processes for 3 services"
exec 3<>/dev/tcp/127.0.0.1/$PA 4<>/dev/tcp/127.0.0.1/$PB
pn_expect "$(pn_line 3 a1)" "a1" "a held connection to ga"
pn_expect "$(pn_line 4 x)" "b1" "a held connection to gb"

group_conf b1 s2
pn_reload || pn_fail "changing solo was refused"
pn_expect "$(printf 'x\n' | timeout 5 nc -N 127.0.0.1 $PC)" "s2" "solo answers with its new reply"
[ "$(worker_on $PC)" != "$solo" ] && pn_pass "solo got a new worker" || pn_fail "solo kept its worker"
pn_expect "$(worker_on $PA) $(worker_on $PB)" "$ga $ga" "the group keeps its worker when only solo changes"
pn_expect "$(pn_line 3 a2)" "a2" "the held connection to ga is still answered"
pn_expect "$(pn_line 4 x)" "b1" "the held connection to gb is still answered"

group_conf b2 s2
t0=$(now_ms)
pn_reload || pn_fail "changing gb was refused"
g2=$(worker_on $PA)
[ -n "$g2" ] && [ "$g2" != "$ga" ] && [ "$(worker_on $PB)" = "$g2" ] \
	&& pn_pass "changing gb replaces the group's worker ($ga -> $g2, one for both)" \
	|| pn_fail "after changing gb: ga in '$g2', gb in '$(worker_on $PB)', was $ga"
pn_expect "$(alive "$ga" | cut -d: -f1)" "$ga" "the old group worker is still running (draining)"
pn_expect "$(pn_line 3 a3)" "a3" "the held connection to ga is answered by the draining worker"
pn_expect "$(pn_line 4 x)" "b1" "the held connection to gb is answered by the draining worker, old reply"
pn_expect "$(printf 'x\n' | timeout 5 nc -N 127.0.0.1 $PB)" "b2" "new connections to gb get the new reply"
pn_expect "$(printf 'n\n' | timeout 5 nc -N 127.0.0.1 $PA)" "n" "new connections to ga are served"
is_eof 3; eof3=$?
ms=$(($(now_ms) - t0))
is_eof 4; eof4=$?
[ "$eof3" -eq 0 ] && [ "$eof4" -eq 0 ] && [ "$ms" -ge 1500 ] && [ "$ms" -lt 5000 ] \
	&& pn_pass "the held connections are closed at drain_timeout ($ms ms, drain_timeout = 2)" \
	|| pn_fail "held connections: eof $eof3/$eof4 after $ms ms"
exec 3>&- 4>&-
for i in $(seq 1 40); do [ -z "$(alive "$ga")" ] && break; sleep 0.05; done
pn_expect "$(alive "$ga")" "" "the drained group worker has exited"
grep -q "^pinetd: info: worker for ga (plugin echo), gb (plugin recon_fixed): replaced; draining for at most 2 s$" "$PN_LOG" \
	&& pn_pass "the drain of the group's worker is logged with both services" || pn_fail "no drain line for the group"
pn_stop

cat > "$PN_TMP/w2.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service w2 {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P + 17))" }
    workers = 2
    worker_group = "g"
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/w2.conf" 2>&1); rc=$?
pn_expect "$rc" 1 "worker_group with workers = 2: -t exits 1"
pn_expect "$out" "$PN_TMP/w2.conf:7: service 'w2': worker_group and workers > 1 exclude each other (services sharing a worker run in one process)
pinetd: $PN_TMP/w2.conf: 1 error" "worker_group with workers = 2: the error names file:line"

# ---- 5. the telnet shell sees the daemon ----
PT=$((P + 20)) PE=$((P + 21)) PK=$((P + 22)) PO=$((P + 23)) # 18421-18424
# telnet_conf BANNER [off]: with "off", a disabled service too (added by
# a reload: pn_start would wait for its port).
telnet_conf() {
	{
		echo "watchdog = 4" # a heartbeat (and connection counts) every second
		svc telnet telnet $PT "    banner = \"$1\""
		printf 'service echo {\n    plugin = echo\n    listen = { "tcp://127.0.0.1:%s", "udp://127.0.0.1:%s" }\n}\n' $PE $PE
		svc ack ack $PK
		[ -n "${2:-}" ] && svc off ack $PO "    enabled = false"
	} | pn_config
}
NEG='\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18'
# shell CMD: the telnet shell's answer to CMD, escaped by telnet_raw.
shell() {
	printf '%s\n' 'until pinetd>\x20' "send $1\\r\\n" 'until pinetd>\x20' |
		"$RAW" 127.0.0.1 $PT | sed -n 2p
}
listing() { # $1: echo's connection count, [$2: off]
	printf '%s\\r\\n' \
		"SERVICE      PLUGIN     CONNS  LISTEN" \
		"telnet       telnet         1  tcp://127.0.0.1:$PT" \
		"echo         echo       $(printf '%5s' "$1")  tcp://127.0.0.1:$PE udp://127.0.0.1:$PE" \
		"ack          ack            0  tcp://127.0.0.1:$PK"
	[ -n "${2:-}" ] && printf '%s\\r\\n' "off          ack          off  tcp://127.0.0.1:$PO"
	printf 'pinetd> '
}
telnet_conf "first"
before=$(date +%s)
pn_start
after=$(date +%s)
tw=$(worker_on $PT)
[ -n "$tw" ] && [ "$tw" != "$(worker_on $PE)" ] && [ "$tw" != "$(worker_on $PK)" ] \
	&& pn_pass "telnet, echo and ack run in 3 workers" || pn_fail "telnet's worker '$tw' is shared"
pn_expect "$(shell services)" "$(listing 0)" "services: every service of the daemon, echo with 0 connections"
exec 3<>/dev/tcp/127.0.0.1/$PE 4<>/dev/tcp/127.0.0.1/$PE
pn_expect "$(pn_line 3 one)$(pn_line 4 two)" "onetwo" "2 held connections to echo"
t0=$(now_ms)
got=
for i in $(seq 1 30); do
	got=$(shell services)
	[ "$got" = "$(listing 2)" ] && break
	sleep 0.2
done
ms=$(($(now_ms) - t0))
pn_expect "$got" "$(listing 2)" "services: echo's 2 connections, counted in echo's worker, seen from telnet's ($ms ms)"

sleep 2
telnet_conf "second" off
pn_reload || pn_fail "changing telnet's banner was refused"
tw2=$(worker_on $PT)
[ -n "$tw2" ] && [ "$tw2" != "$tw" ] && pn_pass "the banner change replaced telnet's worker ($tw -> $tw2)" \
	|| pn_fail "telnet's worker was not replaced ($tw -> $tw2)"
pn_expect "$(printf 'until pinetd>\\x20\n' | "$RAW" 127.0.0.1 $PT)" "${NEG}second\\r\\npinetd> " \
	"the new worker greets with the new banner"
up=$(shell uptime)
secs=$(sed -n 's/^up 0 days, 00:00:\([0-9][0-9]\), since .*\\r\\npinetd> $/\1/p' <<<"$up")
since=$(sed -n 's/^up .*, since \(.*\)\\r\\npinetd> $/\1/p' <<<"$up")
since_s=$(date -d "$since" +%s 2>/dev/null)
[ -n "$secs" ] && [ "${secs#0}" -ge 2 ] && pn_pass "uptime counts from the daemon's start, not the new worker's: '$up'" \
	|| pn_fail "uptime: '$up', expected at least 2 s"
[ -n "$since_s" ] && [ "$since_s" -ge "$before" ] && [ "$since_s" -le "$after" ] \
	&& pn_pass "uptime's 'since' is when pinetd started ($since)" \
	|| pn_fail "uptime's since '$since' is not within pinetd's start [$before, $after]"
pn_expect "$(shell services)" "$(listing 2 off)" \
	"services from the new telnet worker: echo's 2 connections, the disabled service added by the reload"
exec 3>&- 4>&-
pn_stop

# ---- 6. global settings and -d reach a kept worker ----
# The one debug line a kept echo worker writes is "service 'echo':
# drained", when its stop has closed the last connection (the others in
# the daemon: "serving N services" at a worker's start, "Terminated:
# shutting down" when a worker itself gets SIGTERM, a dropped UDP reply,
# the supervisor's "reaped process").  shutdown_timeout reaches the worker twice: in the
# settings after the reload and as the deadline of the supervisor's stop
# request; the stop below measures the latter.
PG=$((P + 30)) # 18431
glob_conf() { # $1: log_level, $2: shutdown_timeout, $3: an extra service or not
	{
		echo "log_level = $1"
		echo "shutdown_timeout = $2"
		svc echo echo $PG
		[ -n "${3:-}" ] && svc extra ack $((PG + 1))
	} | pn_config
}
# The control: log_level = info, shutdown_timeout = 1, no reload.
glob_conf info 1
pn_start
exec 3<>/dev/tcp/127.0.0.1/$PG
pn_expect "$(pn_line 3 c)" "c" "a held connection (log_level = info, shutdown_timeout = 1)"
term_and_wait
exec 3>&-
[ "$RC" = 0 ] && [ "$MS" -ge 900 ] && [ "$MS" -lt 2500 ] \
	&& pn_pass "without a reload the stop takes $MS ms (shutdown_timeout = 1)" || pn_fail "stop: status $RC after $MS ms"
pn_expect "$(grep -c ': debug: ' "$PN_LOG")" 0 "at log_level = info nothing is logged at debug level"

glob_conf info 1
pn_start
w=$(worker_on $PG)
exec 3<>/dev/tcp/127.0.0.1/$PG
pn_expect "$(pn_line 3 c)" "c" "a held connection before the reload"
glob_conf debug 3
pn_reload || pn_fail "log_level = debug, shutdown_timeout = 3 was refused"
pn_expect "$(worker_on $PG)" "$w" "echo keeps its worker across the reload"
pn_expect "$(pn_line 3 d)" "d" "the held connection is still answered"
term_and_wait
exec 3>&-
[ "$RC" = 0 ] && [ "$MS" -ge 2800 ] && [ "$MS" -lt 4500 ] \
	&& pn_pass "the kept worker's stop takes $MS ms (shutdown_timeout 1 -> 3 by the reload)" \
	|| pn_fail "stop after the reload: status $RC after $MS ms, expected about 3000"
grep -q "^pinetd: notice: waiting up to 3 s for 1 connection$" "$PN_LOG" \
	&& pn_pass "the kept worker waits up to 3 s" || pn_fail "no 'waiting up to 3 s' line"
sed -n '/reloaded /,$p' "$PN_LOG" | grep -q "^pinetd: debug: service 'echo': drained$" \
	&& pn_pass "the kept worker logs at debug level after the reload (service 'echo': drained)" \
	|| pn_fail "no debug line from the kept worker"

# -d, then a reload whose file says log_level = info.
glob_conf info 1
pn_start -d
w=$(worker_on $PG)
glob_conf info 1 extra
pn_reload || pn_fail "adding a service was refused"
pn_expect "$(worker_on $PG)" "$w" "echo keeps its worker when a service is added"
pn_expect "$(printf 'x\n' | timeout 5 nc -N 127.0.0.1 $((PG + 1)))" "I got your message" "the added service answers"
pn_stop
sed -n '/reloaded /,$p' "$PN_LOG" | grep -q "^pinetd: debug: service 'echo': drained$" \
	&& pn_pass "-d survives a reload in the kept worker (service 'echo': drained)" \
	|| pn_fail "-d was lost in the kept worker"
sed -n '/reloaded /,$p' "$PN_LOG" | grep -q "^pinetd: debug: service 'extra': drained$" \
	&& pn_pass "-d reaches the new worker" || pn_fail "-d did not reach the new worker"
pn_done
