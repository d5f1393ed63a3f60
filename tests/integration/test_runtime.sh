#!/bin/bash
# Runtime 2, what a reload keeps: the worker of an unchanged service is
# untouched whatever else changes (a chat room stays one room across
# reloads that add, change and remove other services and move the
# room's own address); 50 reloads under connection load refuse nothing
# and every held connection is answered byte-exact; a replaced worker
# drains for at most drain_timeout; -d survives a reload.  Ports
# 18101-18130.
. "$srcdir/integration/lib.sh"
# recon_fixed (tests/plugins/recon.c) answers each line with its `reply`
# and has no reconfigure: changing that option gets the service a new
# worker, which this test is about.
PLUGIN_DIR=$PLUGIN_DIR:$abs_top_builddir/tests/plugins/.libs
pn_need ss nc
P=18101

# read_lines FD: every line that arrives on FD within 0.5 s of the last.
read_lines() {
	local line
	while IFS= read -r -t 0.5 line <&"$1"; do
		printf '%s\n' "$line"
	done
}

# room_conf PORT: the chat room on PORT, then the service blocks on stdin.
room_conf() {
	local extra
	extra=$(cat)
	printf 'service chat {\n    plugin = chat\n    listen = { "tcp://127.0.0.1:%s" }\n}\n%s\n' \
		"$1" "$extra" | pn_config
}

# svc NAME PLUGIN PORT [OPTION LINE]: one service block.
svc() {
	printf 'service %s {\n    plugin = %s\n    listen = { "tcp://127.0.0.1:%s" }\n%s\n}\n' \
		"$1" "$2" "$3" "${4:-}"
}

# The worker (not the supervisor) listening on a TCP port.
worker_on() {
	ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*,' | grep -v "pid=$PN_PID," | tr -d , | sort -u | head -1
}

# ---- one chat room across reloads ----
{ svc echo echo $((P+1)); svc gone ack $((P+2)); } | room_conf $P
pn_start
chat_pid=$(worker_on $P)
[ -n "$chat_pid" ] && [ "$chat_pid" != "pid=$PN_PID" ] || pn_fail "no worker of its own for the room ($chat_pid)"
exec 4<>/dev/tcp/127.0.0.1/$P   # A
exec 5<>/dev/tcp/127.0.0.1/$P   # B
sleep 0.3
read_lines 4 >/dev/null

{ svc echo echo $((P+1)); svc gone ack $((P+2)); svc daytime daytime $((P+3)); } | room_conf $P
pn_reload || pn_fail "adding a service was refused"
{ svc echo echo $((P+4)); svc gone ack $((P+2)); svc daytime daytime $((P+3)); } | room_conf $P
pn_reload || pn_fail "moving echo was refused"
{ svc echo echo $((P+4)); svc daytime daytime $((P+3)); } | room_conf $P
pn_reload || pn_fail "removing a service was refused"
{ svc echo echo $((P+4)); svc daytime daytime $((P+3)); } | room_conf $((P+5))
pn_reload || pn_fail "moving the room was refused"
pn_wait_port tcp $((P+5)) || pn_fail "the room does not listen on its new address"
exec 6<>/dev/tcp/127.0.0.1/$((P+5))   # C, at the room's new address
sleep 0.3
read_lines 4 >/dev/null; read_lines 5 >/dev/null; read_lines 6 >/dev/null

line_re='^<127\.0\.0\.1:[0-9]+> from [AC]$'
printf 'from A\n' >&4
b=$(read_lines 5); c=$(read_lines 6)
[[ "$b" =~ $line_re ]] && pn_pass "B got A's line exactly once ($b)" || pn_fail "B got '$b'"
[[ "$c" =~ $line_re ]] && pn_pass "C, joined after 4 reloads, got A's line exactly once" || pn_fail "C got '$c'"
printf 'from C\n' >&6
a=$(read_lines 4); b=$(read_lines 5)
[[ "$a" =~ $line_re ]] && pn_pass "A got C's line exactly once" || pn_fail "A got '$a'"
[[ "$b" =~ $line_re ]] && pn_pass "B got C's line exactly once" || pn_fail "B got '$b'"
pn_expect "$(worker_on $((P+5)))" "$chat_pid" "the room's worker is the one it started with"
pn_expect "$(ss -Hltn "sport = :$P" | wc -l)" 0 "nothing listens on the room's old address"
pn_expect "$(ss -Hltn "sport = :$((P+2))" | wc -l)" 0 "nothing listens on the removed service's port"
pn_expect "$(ss -Hltn "sport = :$((P+1))" | wc -l)" 0 "nothing listens on echo's old port"
pn_expect "$(printf 'e\n' | nc -q1 127.0.0.1 $((P+4)))" "e" "echo answers on its new port"
exec 4>&- 5>&- 6>&-
pn_stop

# ---- 50 reloads under load ----
cfg() { # $1: A, B or C
	{
		echo "drain_timeout = 30"
		svc echo echo $((P+10)) "    log_connections = false"
		case $1 in A | B) svc chg recon_fixed $((P+11)) "    reply = \"$1\"" ;; esac
		case $1 in B | C) svc added ack $((P+12)) ;; esac
	} | pn_config
}
cfg A
pn_start
for fd in 10 11 12 13 14; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$((P+10))"
	pn_expect "$(pn_line $fd "held$fd")" "held$fd" "held connection $fd answered before the reloads"
done
exec 15<>/dev/tcp/127.0.0.1/$((P+11))
pn_expect "$(pn_line 15 x)" "A" "a held connection to a service that will change"
stop=$PN_TMP/stop-loop
"$PNTEST" connloop 127.0.0.1 $((P+10)) "$stop" > "$PN_TMP/loop.out" 2>&1 &
loop=$!
refused=0
for i in $(seq 1 50); do
	case $((i % 3)) in 1) cfg B ;; 2) cfg C ;; 0) cfg A ;; esac
	pn_reload || refused=$((refused + 1))
done
touch "$stop"
wait $loop
pn_expect "$refused" 0 "50 reloads, none refused"
out=$(cat "$PN_TMP/loop.out")
case "$out" in
"connloop ok="*" failed=0") pn_pass "no connection failed during 50 reloads ($out)" ;;
*) pn_fail "connections failed during reloads: $out" ;;
esac
for fd in 10 11 12 13 14; do
	pn_expect "$(pn_line $fd "after$fd")" "after$fd" "held connection $fd answered byte-exact after 50 reloads"
done
pn_expect "$(pn_line 15 y)" "A" "the changed service's held connection is still served by its draining worker"
# At C (i = 50): echo, added, and the first chg draining its held
# connection; every other replaced worker is gone.
sleep 0.5
pn_expect "$(pgrep -P "$PN_PID" | wc -l)" 3 "3 workers after 50 reloads, nothing piled up"
exec 10>&- 11>&- 12>&- 13>&- 14>&- 15>&-
pn_stop

# ---- a worker holds its own sockets and channel, nothing else ----
svc one echo $((P+25)) | pn_config
pn_start
{ svc one echo $((P+25)); svc two echo $((P+26)); svc three ack $((P+27)); } | pn_config
pn_reload || pn_fail "adding two services was refused"
for port in $((P+25)) $((P+26)) $((P+27)); do
	w=$(worker_on $port | cut -d= -f2)
	pn_expect "$(ls -l /proc/"$w"/fd | grep -c 'socket:')" 2 \
		"the worker on $port holds 2 sockets: its listener and its channel"
done
pn_stop

# ---- drain_timeout bounds a replaced worker; -d survives a reload ----
{ echo "drain_timeout = 2"; svc chg recon_fixed $((P+20)) '    reply = "old"'; } | pn_config
pn_start -d
exec 7<>/dev/tcp/127.0.0.1/$((P+20))
pn_expect "$(pn_line 7 x)" "old" "a connection to the first version"
sed -i 's/"old"/"new"/' "$PN_CONF"
start=$(date +%s%N)
pn_reload || pn_fail "the change was refused"
pn_expect "$(pn_line 7 y)" "old" "the old connection is still served while draining"
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $((P+20)))" "new" "new connections get the new version"
eof=x; IFS= read -r -t 5 eof <&7
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -z "$eof" ] && [ "$ms" -ge 1500 ] && [ "$ms" -lt 5000 ] && pn_pass "the draining connection is closed at drain_timeout ($ms ms)" \
	|| pn_fail "the draining connection got '$eof' after $ms ms"
exec 7>&-
grep -q "replaced; draining for at most 2 s" "$PN_LOG" && pn_pass "the drain deadline is logged" \
	|| pn_fail "no drain log line"
[ "$(grep -c "debug: serving 1 service" "$PN_LOG")" -ge 2 ] \
	&& pn_pass "-d survives the reload (the new worker logs at debug level)" \
	|| pn_fail "-d was lost on reload"
pn_stop
pn_done
