#!/bin/bash
# test_chat.sh -- the chat plugin in the real daemon, with real clients:
# socat and nc members asserting the exact bytes of join, message, nick,
# /who, /me and leave notices; escape sequences stripped; a member that
# never reads dropped "(too slow)" while the others keep up with a flood;
# the idle timeout announced; the standard telnet client (driven by tmux)
# joining, talking and quitting.  Ports 17200-17299.
. "$srcdir/integration/lib.sh"

pn_need socat nc ss
export LC_ALL=C # byte semantics for ${#var} and friends

P=17200	 # the room
PI=17201 # a room with idle_timeout = 1
FLOOD_LINES=80000 # ~9 MB: well past what the kernel buffers for one peer

pn_config <<EOF
service chat {
    plugin = chat
    listen = { "tcp://127.0.0.1:$P" }
    output_max = 65536
    welcome = "Welcome to the chat"
}
service chatidle {
    plugin = chat
    listen = { "tcp://127.0.0.1:$PI" }
    idle_timeout = 1
}
EOF
pn_start

# ---- members: a client process fed by a FIFO, its output in a file ----

declare -A FD OFF PID
TMUX_SOCK="pinetd-chat-$$"

chat_cleanup() {
	local m
	for m in "${!PID[@]}"; do
		kill "${PID[$m]}" 2>/dev/null
	done
	command -v tmux >/dev/null && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	pn_cleanup
}
trap chat_cleanup EXIT

# member_join M KIND [PORT]: KIND is socat, nc, or silent (a socat that
# never reads the socket, with a 2 KiB receive buffer).
member_join() {
	local m=$1 kind=$2 port=${3:-$P} fd
	local in=$PN_TMP/$m.in out=$PN_TMP/$m.out
	mkfifo "$in"
	: >"$out"
	case $kind in
	socat) socat -t 0.5 - "TCP:127.0.0.1:$port" <"$in" >"$out" 2>>"$PN_TMP/clients.err" & ;;
	nc) nc -N 127.0.0.1 "$port" <"$in" >"$out" 2>>"$PN_TMP/clients.err" & ;;
	silent) socat -u STDIN "TCP:127.0.0.1:$port,rcvbuf=2048" <"$in" 2>>"$PN_TMP/clients.err" & ;;
	esac
	PID[$m]=$!
	exec {fd}>"$in"
	FD[$m]=$fd
	OFF[$m]=0
}

# say M TEXT: M types TEXT (give the line end yourself).
say() {
	printf '%s' "$2" >&"${FD[$1]}"
}

# hangup M: close M's input; the client then closes its side.
hangup() {
	eval "exec ${FD[$1]}>&-"
}

# wait_client_exit M: up to 5 s for M's client to exit.
wait_client_exit() {
	local i
	for i in $(seq 1 100); do
		kill -0 "${PID[$1]}" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# expect_next M WHAT WANT: the next bytes M receives are exactly WANT
# (waits up to 5 s for that many bytes).
expect_next() {
	local m=$1 what=$2 want=$3 f=$PN_TMP/$1.out i got
	local end=$((OFF[$m] + ${#want}))
	for i in $(seq 1 100); do
		[ "$(stat -c %s "$f")" -ge "$end" ] && break
		sleep 0.05
	done
	got=$(tail -c +$((OFF[$m] + 1)) "$f" | head -c ${#want}; echo x)
	got=${got%x}
	OFF[$m]=$end
	pn_expect "$got" "$want" "$what"
}

# expect_quiet M WHAT: M receives nothing more (within 0.3 s).
expect_quiet() {
	sleep 0.3
	local size
	size=$(stat -c %s "$PN_TMP/$1.out")
	if [ "$size" -eq "${OFF[$1]}" ]; then
		pn_pass "$2"
	else
		pn_fail "$2: got $(tail -c +$((OFF[$1] + 1)) "$PN_TMP/$1.out" | od -c | head -3)"
		OFF[$1]=$size
	fi
}

# next_line M: set LINE to the next whole line M receives, without its
# LF (waits up to 5 s; LINE is empty on timeout).  Not for $(...): the
# offset it advances must survive.
next_line() {
	local m=$1 f=$PN_TMP/$1.out i rest
	for i in $(seq 1 100); do
		LINE=
		rest=$(tail -c +$((OFF[$m] + 1)) "$f" | head -n 1; echo x)
		rest=${rest%x}
		if [[ $rest == *$'\n' ]]; then
			rest=${rest%$'\n'}
			OFF[$m]=$((OFF[$m] + ${#rest} + 1))
			LINE=$rest
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# name_from_join M: set NAME to the ip:port in the "[ip:port] entered
# room" line M receives next.
name_from_join() {
	next_line "$1"
	if [[ $LINE =~ ^\[(127\.0\.0\.1:[0-9]+)\]\ entered\ room$ ]]; then
		NAME=${BASH_REMATCH[1]}
	else
		pn_fail "$1: expected a join notice, got '$LINE'"
		NAME=unknown
	fi
}

# ---- three members: socat, socat, nc ----

member_join a socat
expect_next a "a is welcomed" $'Welcome to the chat\n'
say a $'/who\n'
next_line a
if [[ $LINE =~ ^\*\ 1\ in\ room:\ (127\.0\.0\.1:[0-9]+)$ ]]; then
	A=${BASH_REMATCH[1]}
	pn_pass "/who alone: $LINE"
else
	pn_fail "/who alone: '$LINE'"
	A=unknown
fi

member_join b socat
name_from_join a; B=$NAME
expect_next b "b is welcomed" $'Welcome to the chat\n'
member_join c nc
name_from_join a; C=$NAME
expect_next b "b sees c join" "[$C] entered room"$'\n'
expect_next c "c is welcomed" $'Welcome to the chat\n'

say a $'hello\r\n'
expect_next b "b gets a's CRLF line" "<$A> hello"$'\n'
expect_next c "c gets a's CRLF line" "<$A> hello"$'\n'
expect_quiet a "a does not get its own line back"

say b $'/nick bob\n'
expect_next b "/nick is confirmed" $'* you are now known as bob\n'
expect_next a "a sees the nick change" "$B is now known as bob"$'\n'
expect_next c "c sees the nick change" "$B is now known as bob"$'\n'
say c $'/nick BOB\n'
expect_next c "a taken nick is refused, ignoring case" $'* nick BOB is taken\n'
say c $'/nick no way\n'
expect_next c "an invalid nick is refused" $'* invalid nick: use 1-16 letters, digits, _ or -\n'

say b $'hi all\n'
expect_next a "a gets bob's line" $'<bob> hi all\n'
expect_next c "c gets bob's line" $'<bob> hi all\n'

say c $'x\033[2J\033]0;pwned\007y \033[31mred\033[0m h\xc3\xa9llo \xe2\x9c\x93\x9b\n'
expect_next a "escape sequences and C1 are stripped, UTF-8 kept" \
	"<$C> xy red h"$'\xc3\xa9'"llo "$'\xe2\x9c\x93\n'
expect_next b "b gets the same clean line" \
	"<$C> xy red h"$'\xc3\xa9'"llo "$'\xe2\x9c\x93\n'
say c $'\033[2J\033[H\n\n   \n'
expect_quiet a "a line empty once sanitized is not sent"

say c $'/who\n'
expect_next c "/who lists the room in join order" "* 3 in room: $A, bob, $C"$'\n'
say a $'/me waves\n'
expect_next b "/me reaches the others" "* $A waves"$'\n'
expect_next c "/me reaches c" "* $A waves"$'\n'
say a $'/dance\n'
expect_next a "an unknown command is explained" $'* unknown command /dance (try /help)\n'

say b $'/quit\n'
expect_next b "/quit says goodbye" $'* bye\n'
expect_next a "a sees bob leave" $'bob left\n'
expect_next c "c sees bob leave" $'bob left\n'
wait_client_exit b || pn_fail "bob's connection was not closed after /quit"

hangup c
expect_next a "a sees c go offline" "$C is offline"$'\n'
wait_client_exit c || pn_fail "c's nc did not exit"
expect_quiet a "nothing else for a"

# ---- a member that never reads while another floods ----

seq -f "flood %06.0f ........................................................................................" \
	1 $FLOOD_LINES >"$PN_TMP/flood"
member_join s silent
name_from_join a; S=$NAME
start=$(date +%s)
timeout 60 socat -t 5 - "TCP:127.0.0.1:$P" <"$PN_TMP/flood" >/dev/null 2>>"$PN_TMP/clients.err" &
PID[f]=$!
name_from_join a; F=$NAME
wait "${PID[f]}" || pn_fail "the flooder did not finish (status $?)"
unset 'PID[f]'
secs=$(($(date +%s) - start))
for i in $(seq 1 200); do # up to 20 s for a to read it all
	[ "$(tail -n 1 "$PN_TMP/a.out")" = "$F is offline" ] && break
	sleep 0.1
done
pn_expect "$(tail -n 1 "$PN_TMP/a.out")" "$F is offline" "the reader got the flood to its end"
if tail -c +$((OFF[a] + 1)) "$PN_TMP/a.out" | grep -a "^<$F> flood " |
	sed "s/^<$F> //" | cmp -s - "$PN_TMP/flood"; then
	pn_pass "all $FLOOD_LINES flood lines reached the reader, in order"
else
	pn_fail "the reader lost or reordered flood lines"
fi
slow_at=$(grep -an -Fx "$S is offline (too slow)" "$PN_TMP/a.out" | cut -d: -f1)
last_flood=$(grep -an "^<$F> flood " "$PN_TMP/a.out" | tail -n 1 | cut -d: -f1)
if [ -n "$slow_at" ] && [ "$(printf '%s\n' "$slow_at" | wc -l)" -eq 1 ] &&
	[ "$slow_at" -lt "$last_flood" ]; then
	pn_pass "the silent member was dropped (too slow) while the flood went on (${secs}s)"
else
	pn_fail "no single '(too slow)' notice before the flood ended (line '$slow_at', last flood line $last_flood)"
fi
grep -q "$S: output queue over output_max" "$PN_LOG" ||
	pn_fail "the daemon did not log the overflow"
OFF[a]=$(stat -c %s "$PN_TMP/a.out")
hangup s
say a $'/who\n'
expect_next a "the room goes on: a is alone" "* 1 in room: $A"$'\n'

# ---- idle timeout ----

member_join x socat $PI
say x $'/who\n'
next_line x
X=${LINE#\* 1 in room: }
member_join y socat $PI
name_from_join x
# x speaks once y is in, then y answers: x's idle second starts now,
# whatever the machine's load made of the time y took to join, and ends
# before y's.
say x $'still here\n'
expect_next y "y hears x before x falls idle" "<$X> still here"$'\n'
say y $'me too\n'
expect_next y "the idle member's leave is announced" "$X is offline (idle timeout)"$'\n'
wait_client_exit x || pn_fail "the idle member was not disconnected"
wait_client_exit y || pn_fail "the second idle member was not disconnected"

# ---- the standard telnet client ----

if command -v telnet >/dev/null && command -v tmux >/dev/null; then
	tmx() { LC_ALL=C.UTF-8 tmux -L "$TMUX_SOCK" "$@"; }
	# pane_has LINE: wait up to 5 s for a screen line that is exactly LINE.
	pane_has() {
		local i
		for i in $(seq 1 100); do
			tmx capture-pane -p -t chat 2>/dev/null | grep -qFx -- "$1" && return 0
			sleep 0.05
		done
		return 1
	}
	tmx new-session -d -s chat -x 100 -y 30 "telnet 127.0.0.1 $P; sleep 5"
	name_from_join a; T=$NAME
	pane_has "Welcome to the chat" && pn_pass "telnet shows the welcome" ||
		pn_fail "telnet does not show the welcome"
	say a $'hello telnet\n'
	pane_has "<$A> hello telnet" && pn_pass "telnet shows a broadcast on a line of its own" ||
		pn_fail "telnet does not show the broadcast: $(tmx capture-pane -p -t chat)"
	tmx send-keys -t chat "hi from telnet" Enter
	expect_next a "a gets telnet's line (CRLF)" "<$T> hi from telnet"$'\n'
	tmx send-keys -t chat "/nick tel" Enter
	pane_has "* you are now known as tel" && pn_pass "telnet gets command replies" ||
		pn_fail "telnet does not show the /nick reply"
	expect_next a "a sees telnet's nick" "$T is now known as tel"$'\n'
	tmx send-keys -t chat "/quit" Enter
	pane_has "Connection closed by foreign host." &&
		pn_pass "/quit closes telnet's connection" ||
		pn_fail "telnet was not disconnected: $(tmx capture-pane -p -t chat)"
	expect_next a "a sees telnet leave" $'tel left\n'
else
	echo "telnet or tmux not installed: telnet part skipped"
fi

hangup a
wait_client_exit a || pn_fail "a's socat did not exit"
pn_stop
pn_done
