#!/bin/bash
# test_reconfigure.sh -- a reload that changes only a service's plugin
# options: a plugin with reconfigure() takes them in place (the chat room
# keeps its worker, its members and their nicks; a new member gets the
# new welcome line); a plugin without it, or one that refuses, gets a new
# worker while the old one drains, with the reason logged; and a reload
# refused after a unit took its new options gives it the old ones back.
# Ports 19201-19210.
. "$srcdir/integration/lib.sh"
pn_need ss
export LC_ALL=C

P=19201 # chat
PF=$((P + 1)) # recon_fixed: no reconfigure
PR=$((P + 2)) # recon: reconfigure unless `refuse` is set
PB=$((P + 3)) # a service added by a refused reload
PM=$((P + 4)) # recon in two workers, its reply following recon's
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
# As root the recon service runs as daemon, not as the checker's nobody:
# its fail_uid option then fails a worker's init, not the check's.
if [ "$ROOT" -eq 1 ]; then
	RUSER='user = daemon'
	FAIL_UID=$(id -u daemon)
else
	RUSER=
	FAIL_UID=-1
fi

# conf WELCOME FIXED_REPLY RECON_REPLY RECON_REFUSE RECON_FAIL_UID [EXTRA]
conf() {
	cat >"$PN_CONF" <<CONF
plugin_dir = "$PLUGIN_DIR:$TESTPLUGINS"
services_dir = ""
shutdown_timeout = 1
service chat {
    plugin = chat
    listen = { "tcp://127.0.0.1:$P" }
    welcome = "$1"
    join_notice = "{host} joined\\n"
}
service fixed {
    plugin = recon_fixed
    listen = { "tcp://127.0.0.1:$PF" }
    reply = "$2"
}
service recon {
    plugin = recon
    listen = { "tcp://127.0.0.1:$PR" }
    $RUSER
    reply = "$3"
    refuse = "$4"
    fail_uid = $5
}
service multi {
    plugin = recon
    listen = { "tcp://127.0.0.1:$PM" }
    workers = 2
    reply = "$3"
}
${6:-}
CONF
}

# The workers holding the listening socket of a port (the supervisor aside).
workers_of() {
	ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 |
		grep -vx "$PN_PID" | sort -u | tr '\n' ' '
}

declare -A FD
# join M PORT: connect member M.
join() {
	local fd
	exec {fd}<>/dev/tcp/127.0.0.1/"$2"
	FD[$1]=$fd
}
# say M TEXT: M sends a line.
say() {
	printf '%s\n' "$2" >&"${FD[$1]}"
}
# recv M: the next line M receives (3 s at most), without its LF.
recv() {
	local l=
	IFS= read -r -t 3 l <&"${FD[$1]}" || true
	printf '%s' "$l"
}
# quiet M: nothing more arrives for M within 0.3 s.
quiet() {
	local l=
	if IFS= read -r -t 0.3 l <&"${FD[$1]}"; then
		pn_fail "$1 received an unexpected line: $l"
	fi
}
# ask M: M sends a line to a recon service and prints the answer.
ask() {
	say "$1" x
	recv "$1"
}
count() {
	grep -c -F -- "$1" "$PN_LOG"
}

conf "Welcome v1" "fixed one" "recon one" "" -1
pn_start

# ---- a room of three ----
join alice $P
pn_expect "$(recv alice)" "Welcome v1" "alice is welcomed"
say alice "/nick alice"
pn_expect "$(recv alice)" "* you are now known as alice" "alice takes a nick"
join bob $P
pn_expect "$(recv bob)" "Welcome v1" "bob is welcomed"
pn_expect "$(recv alice)" "127.0.0.1 joined" "alice sees bob join"
say bob "/nick bob"
pn_expect "$(recv bob)" "* you are now known as bob" "bob takes a nick"
recv alice >/dev/null # 127.0.0.1:PORT is now known as bob
join carol $P
pn_expect "$(recv carol)" "Welcome v1" "carol is welcomed"
recv alice >/dev/null
recv bob >/dev/null
say carol "/nick carol"
pn_expect "$(recv carol)" "* you are now known as carol" "carol takes a nick"
recv alice >/dev/null
recv bob >/dev/null
join f1 $PF
pn_expect "$(ask f1)" "fixed one" "fixed answers with its first options"
join r1 $PR
pn_expect "$(ask r1)" "recon one" "recon answers with its first options"
chat_w=$(workers_of $P)
fixed_w=$(workers_of $PF)
recon_w=$(workers_of $PR)
[ -n "$chat_w" ] && [ -n "$fixed_w" ] && [ -n "$recon_w" ] ||
	pn_fail "no worker found: chat '$chat_w', fixed '$fixed_w', recon '$recon_w'"

# ---- (a) a new welcome: the room stays ----
conf "Welcome v2" "fixed two" "recon one" "not today" -1
pn_reload || pn_fail "the reload with a new welcome was refused"
pn_expect "$(workers_of $P)" "$chat_w" "chat keeps its worker (pid $chat_w)"
pn_expect "$(count "service 'chat': options applied in place (reconfigure)")" 1 \
	"the reconfigure is logged once"
say alice "still here?"
pn_expect "$(recv bob)" "<alice> still here?" "bob still hears alice"
pn_expect "$(recv carol)" "<alice> still here?" "carol still hears alice"
say carol "yes"
pn_expect "$(recv alice)" "<carol> yes" "alice still hears carol"
pn_expect "$(recv bob)" "<carol> yes" "bob still hears carol"
join dave $P
pn_expect "$(recv dave)" "Welcome v2" "a new member gets the new welcome"
for m in alice bob carol; do
	pn_expect "$(recv $m)" "127.0.0.1 joined" "$m sees dave join"
done
say dave "/nick dave"
pn_expect "$(recv dave)" "* you are now known as dave" "dave takes a nick"
for m in alice bob carol; do
	recv $m >/dev/null # 127.0.0.1:PORT is now known as dave
done
say dave "hi"
for m in alice bob carol; do
	pn_expect "$(recv $m)" "<dave> hi" "$m hears dave"
done
quiet alice

# ---- (b) no reconfigure(): a new worker, the old one drains ----
pn_expect "$(count "new options not applied in place: service 'fixed': plugin 'recon_fixed' has no reconfigure callback; starting a new worker")" 1 \
	"a plugin without reconfigure: the reason is logged"
new_fixed=$(workers_of $PF)
[ -n "$new_fixed" ] && [ "$new_fixed" != "$fixed_w" ] &&
	pn_pass "fixed has a new worker ($fixed_w -> $new_fixed)" ||
	pn_fail "fixed kept its worker ($fixed_w -> $new_fixed)"
join f2 $PF
pn_expect "$(ask f2)" "fixed two" "a new connection to fixed gets the new options"
pn_expect "$(ask f1)" "fixed one" "the held connection is served by the draining worker"
kill -0 ${fixed_w% } 2>/dev/null && pn_pass "the old fixed worker drains" ||
	pn_fail "the old fixed worker is gone with a connection open"

# ---- (c) a refused reconfigure: a new worker, the plugin's reason ----
pn_expect "$(count "new options not applied in place: service 'recon': plugin 'recon' refused the new options: not today; starting a new worker")" 1 \
	"a refused reconfigure is logged with the plugin's reason"
new_recon=$(workers_of $PR)
[ -n "$new_recon" ] && [ "$new_recon" != "$recon_w" ] &&
	pn_pass "recon has a new worker ($recon_w -> $new_recon)" ||
	pn_fail "recon kept its worker ($recon_w -> $new_recon)"
pn_expect "$(ask r1)" "recon one" "the held recon connection stays with the old worker"
eval "exec ${FD[f1]}>&-"
eval "exec ${FD[r1]}>&-"
for i in $(seq 1 100); do
	[ "$(count "for fixed (plugin recon_fixed) finished draining")" -ge 1 ] &&
		[ "$(count "for recon (plugin recon) finished draining")" -ge 1 ] && break
	sleep 0.05
done
pn_expect "$(count "for fixed (plugin recon_fixed) finished draining")" 1 "the old fixed worker finished draining"
pn_expect "$(count "for recon (plugin recon) finished draining")" 1 "the old recon worker finished draining"

# ---- an accepted reconfigure: the state that was the options follows ----
join r2 $PR
pn_expect "$(ask r2)" "recon one" "recon before"
multi_w=$(workers_of $PM)
pn_expect "$(echo $multi_w | wc -w)" 2 "multi runs in two workers"
# answers PORT N: the answers of N new connections, one line each.
answers() {
	local i
	for i in $(seq 1 "$2"); do
		join q $1
		ask q
		echo
		eval "exec ${FD[q]}>&-"
	done | sort -u | tr '\n' ' '
}
conf "Welcome v2" "fixed two" "recon three" "" -1
pn_reload || pn_fail "the reload with a new recon reply was refused"
pn_expect "$(workers_of $PR)" "$new_recon" "recon keeps its worker"
pn_expect "$(ask r2)" "recon three" "an open connection sees the new options"
pn_expect "$(count "service 'recon': options applied in place (reconfigure)")" 1 \
	"recon's reconfigure is logged"
pn_expect "$(count "service 'chat': options applied in place (reconfigure)")" 1 \
	"chat, unchanged, is not reconfigured again"
pn_expect "$(count "pinetd: info: service 'multi': reply is now 'recon three'")" 2 \
	"the plugin took the reply in each of multi's workers"
pn_expect "$(workers_of $PM)" "$multi_w" "multi keeps both workers"
pn_expect "$(answers $PM 8)" "recon three " "both multi workers took the new reply"
pn_expect "$(count "service 'multi': options applied in place (reconfigure)")" 1 \
	"multi's reconfigure is logged once for its two workers"

# ---- (d) a refused reload leaves the options as they were ----
if [ "$ROOT" -eq 1 ]; then
	# A new service whose worker fails: refused before anything changed.
	conf "Welcome v3" "fixed two" "recon three" "" -1 "service added {
    plugin = recon
    listen = { \"tcp://127.0.0.1:$PB\" }
    $RUSER
    fail_uid = $FAIL_UID
}"
	if pn_reload; then pn_fail "a reload with a failing worker was applied"; else pn_pass "a reload with a failing new worker is refused"; fi
	join eve $P
	pn_expect "$(recv eve)" "Welcome v2" "the refused reload left the old welcome"
	eval "exec ${FD[eve]}>&-"
	# chat takes v3 in place, recon refuses and its new worker fails:
	# chat must get v2 back.
	conf "Welcome v3" "fixed two" "recon four" "no thanks" "$FAIL_UID"
	restores=$(count "options applied in place")
	if pn_reload; then pn_fail "a reload whose fallback worker fails was applied"; else pn_pass "a reload whose fallback worker fails is refused"; fi
	pn_expect "$(count "service 'recon': plugin 'recon' refused the new options: no thanks; starting a new worker")" 1 \
		"the refusal is logged"
	join frank $P
	pn_expect "$(recv frank)" "Welcome v2" "chat has its old welcome back"
	pn_expect "$(workers_of $P)" "$chat_w" "chat still has its first worker"
	pn_expect "$(ask r2)" "recon three" "recon keeps its options"
	pn_expect "$(count "options applied in place")" "$restores" "nothing logged as applied"
	pn_expect "$(count "cannot restore its options")" 0 "the options were restored"
	pn_expect "$(count "service 'chat': options restored in place (the reload was refused)")" 1 \
		"chat took the new options, then got the old ones back"
	pn_expect "$(count "service 'multi': options restored in place (the reload was refused)")" 1 \
		"so did multi"
	pn_expect "$(workers_of $PM)" "$multi_w" "multi still has both workers"
	pn_expect "$(answers $PM 8)" "recon three " "both multi workers have the old reply back"
	for m in alice bob; do # eve's and frank's comings and goings
		while IFS= read -r -t 0.3 l <&"${FD[$m]}"; do :; done
	done
	say alice "after all that"
	pn_expect "$(recv bob)" "<alice> after all that" "the room is still one"
else
	echo "skip: (d) needs root (a worker user other than the checker's)"
fi

pn_stop
pn_done
