#!/bin/bash
# test_telnet.sh -- the telnet plugin in the real daemon (ports 17300-17399).
#
# 1. The real telnet(1) client in a tmux pane: what the screen shows after
#    the negotiation (banner, prompt, character mode with remote echo),
#    after typing with a backspace, ^C, and after whoami/services/who.
# 2. A raw scripted client (tests/tools/telnet_raw) with hand-made Telnet
#    sequences: every DO/WILL for an unsupported option refused exactly
#    once and DONT/WONT for them unanswered, IAC IAC as byte 255, a
#    subnegotiation split over several reads, truncated IACs at close,
#    10,000 random bytes; the daemon survives and serves the next client.
# 3. A line-mode client that never negotiates gets answers and no echo;
#    the idle_timeout service option ends silent sessions.
. "${srcdir:-.}/integration/lib.sh"

pn_need tmux telnet ss

RAW=$abs_top_builddir/tests/tools/telnet_raw
[ -x "$RAW" ] || { echo "FAIL: $RAW is not built (make -C tests tools/telnet_raw)" >&2; exit 1; }

P=17300     # telnet, default banner and prompt
PE=17301    # echo, only to be listed by `services`
PI=17302    # telnet with idle_timeout = 1 and its own banner/prompt

pn_config <<EOF
service telnet {
    plugin = telnet
    listen = { "tcp://127.0.0.1:$P" }
    idle_timeout = 600
}
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$PE", "udp://127.0.0.1:$PE" }
}
service console {
    plugin = telnet
    listen = { "tcp://127.0.0.1:$PI" }
    banner = "router console"
    prompt = "router# "
    idle_timeout = 1
}
EOF
pn_start

NEG='\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18'
GREETING="${NEG}pinetd telnet service -- type 'help'\\r\\npinetd> "

raw() { "$RAW" 127.0.0.1 "$@"; }

# ---- 1. the real telnet client, seen through tmux ----

TMUX_SOCK=$PN_TMP/tmux.sock
tm() { tmux -S "$TMUX_SOCK" "$@"; }
screen() { tm capture-pane -p -t tn 2>/dev/null; }
tm_cleanup() { tm kill-server 2>/dev/null; pn_cleanup; }
trap tm_cleanup EXIT

# wait_line TEXT: wait up to 5 s until a screen line is exactly TEXT.
wait_line() {
	local i
	for i in $(seq 1 100); do
		screen | grep -qxF -- "$1" && return 0
		sleep 0.05
	done
	return 1
}

# check_line TEXT WHAT
check_line() {
	if wait_line "$1"; then
		pn_pass "$2"
	else
		pn_fail "$2: no screen line '$1'; the screen:"
		screen | sed 's/^/  | /' >&2
	fi
}

# check_pair FIRST SECOND WHAT: two adjacent screen lines.
check_pair() {
	local i
	for i in $(seq 1 100); do
		if screen | awk -v a="$1" -v b="$2" 'prev == a && $0 == b { found = 1 } { prev = $0 } END { exit !found }'; then
			pn_pass "$3"
			return
		fi
		sleep 0.05
	done
	pn_fail "$3: no line '$1' followed by '$2'; the screen:"
	screen | sed 's/^/  | /' >&2
}

# The last non-empty screen line (tmux drops trailing blanks).
last_line() { screen | grep -v '^$' | tail -n 1; }

check_last() {
	local i got
	for i in $(seq 1 100); do
		got=$(last_line)
		[ "$got" = "$1" ] && { pn_pass "$2"; return; }
		sleep 0.05
	done
	pn_fail "$2: last line is '$got', expected '$1'"
}

tm -f /dev/null new-session -d -s tn -x 100 -y 30 "env TERM=vt100 telnet 127.0.0.1 $P"
# Keep the pane (and its last screen) when telnet exits after quit.
tm set-option -w -t tn remain-on-exit on
check_line "pinetd telnet service -- type 'help'" "telnet client: banner shown"
check_last "pinetd>" "telnet client: prompt shown"

# Server echo in character mode: each key shows at once, no Enter.
tm send-keys -t tn -l 'abc'
check_last "pinetd> abc" "telnet client: keys echoed before Enter"
tm send-keys -t tn C-u
check_last "pinetd>" "telnet client: ^U erased the line"

tm send-keys -t tn -l 'echoo'
tm send-keys -t tn BSpace
tm send-keys -t tn -l ' hi'
tm send-keys -t tn Enter
check_pair "pinetd> echo hi" "hi" "telnet client: 'echoo', backspace, ' hi' runs 'echo hi'"

tm send-keys -t tn -l 'zz'
tm send-keys -t tn C-c
check_line "pinetd> zz^C" "telnet client: ^C shows ^C"
check_last "pinetd>" "telnet client: ^C gives a new prompt"

tm send-keys -t tn -l 'whoami'
tm send-keys -t tn Enter
check_line "terminal: VT100" "telnet client: TTYPE negotiated (VT100)"
check_line "window:   100x30" "telnet client: NAWS negotiated (100x30)"
check_line "mode:     character (server echo)" "telnet client: server echoes"

tm send-keys -t tn -l 'services'
tm send-keys -t tn Enter
check_line "SERVICE      PLUGIN     CONNS  LISTEN" "services: header"
check_line "telnet       telnet         1  tcp://127.0.0.1:$P" "services: the telnet service, 1 connection"
check_line "echo         echo           0  tcp://127.0.0.1:$PE udp://127.0.0.1:$PE" "services: the echo service"
check_line "console      telnet         0  tcp://127.0.0.1:$PI" "services: the second telnet service"

tm send-keys -t tn -l 'who'
tm send-keys -t tn Enter
if wait_line "  PEER                   TERMINAL     WINDOW    CONNECTED" &&
   screen | grep -qE '^\* 127\.0\.0\.1:[0-9]+ +VT100 +100x30 +0 days, 00:00:[0-9][0-9]$'; then
	pn_pass "who: this session with its terminal and window"
else
	pn_fail "who: no line for this session"; screen | sed 's/^/  | /' >&2
fi

tm send-keys -t tn -l 'nosuch'
tm send-keys -t tn Enter
check_line "unknown command: nosuch (try help)" "telnet client: unknown command"

# The client's own view of the negotiation.
tm send-keys -t tn C-]
wait_line "telnet> " || wait_line "telnet>"
tm send-keys -t tn -l 'status'
tm send-keys -t tn Enter
check_line "Operating in single character mode" "telnet client: character mode"
check_line "Remote character echo" "telnet client: remote echo"
tm send-keys -t tn Enter    # back to the session
tm send-keys -t tn -l 'quit'
tm send-keys -t tn Enter
check_line "bye" "telnet client: quit says bye"
check_line "Connection closed by foreign host." "telnet client: quit closes"
tm kill-server 2>/dev/null

# ---- 2. the raw client ----

pn_expect "$(echo "until pinetd>\\x20" | raw $P)" "$GREETING" "raw: negotiation, banner and prompt"

# Every option but ECHO (1), SGA (3), TTYPE (24), NAWS (31).
opts=""
for o in $(seq 0 255); do
	case $o in 1|3|24|31) continue ;; esac
	opts="$opts $o"
done
do_all=""; will_all=""; dont_all=""; wont_all=""; want_do=""; want_will=""
for o in $opts; do
	x=$(printf '%02x' "$o")
	do_all="$do_all\\xff\\xfd\\x$x"
	will_all="$will_all\\xff\\xfb\\x$x"
	dont_all="$dont_all\\xff\\xfe\\x$x"
	wont_all="$wont_all\\xff\\xfc\\x$x"
	want_do="${want_do}fffc$x"
	want_will="${want_will}fffe$x"
done
out=$(raw $P <<EOF
until pinetd>\x20
send $do_all
recvhex 500
send $will_all
recvhex 500
send $dont_all$wont_all
recvhex 500
send echo clean\r\n
until pinetd>\x20
EOF
)
pn_expect "$(sed -n 2p <<<"$out")" "$want_do" "raw: DO for 252 unsupported options: one WONT each"
pn_expect "$(sed -n 3p <<<"$out")" "$want_will" "raw: WILL for 252 unsupported options: one DONT each"
pn_expect "$(sed -n 4p <<<"$out")" "" "raw: DONT/WONT for options that are off: no answer"
pn_expect "$(sed -n 5p <<<"$out")" 'clean\r\npinetd> ' "raw: no option byte reached the line"

out=$(raw $P <<'EOF'
until pinetd>\x20
send \xff\xfd\x01\xff\xfd\x03\xff\xfd\x01\xff\xfd\x03
recvhex 500
send \xff\xfe\x01
recvhex 500
send \xff\xfd\x01
recvhex 500
send \xff\xfb\x03\xff\xfb\x03\xff\xfb\x1f\xff\xfb\x1f
recvhex 500
EOF
)
pn_expect "$(sed -n 2,5p <<<"$out" | tr "\n" " ")" " fffc01 fffb01 fffd03 " \
	"raw: ECHO/SGA/NAWS agreements are not answered again (no loop)"

out=$(raw $P <<'EOF'
until pinetd>\x20
send echo \xff\xff and \xff\xff\xff\xff\r\n
until pinetd>\x20
send \xff\xfd\x01
sleep 100
send x\xff\xff\x7f\x7f\x15echo \xff\xffz\r\0
until z\r\npinetd>\x20
EOF
)
pn_expect "$(sed -n 2p <<<"$out")" '\xff\xff and \xff\xff\xff\xff\r\npinetd> ' \
	"raw: IAC IAC reaches the line as byte 255 (and goes back doubled)"
pn_expect "$(sed -n 3p <<<"$out")" \
	'x\xff\xff\x08 \x08\x08 \x08echo \xff\xffz\r\n\xff\xffz\r\npinetd> ' \
	"raw: byte 255 echoed doubled, erased as one character"

out=$(raw $P <<'EOF'
until pinetd>\x20
send \xff\xfb\x1f
sleep 100
send \xff
sleep 100
send \xfa\x1f\x00
sleep 100
send \x84\x00\x30
sleep 100
send \xff
sleep 100
send \xf0
sleep 100
send \xff\xfb\x18
until \xff\xf0
send \xff\xfa\x18
sleep 100
send \x00XTE
sleep 100
send RM\xff
sleep 100
send \xf0whoami\r\n
until pinetd>\x20
EOF
)
pn_expect "$(sed -n 2p <<<"$out")" '\xff\xfa\x18\x01\xff\xf0' "raw: WILL TTYPE answered with SB TTYPE SEND"
pn_expect "$(sed -n 3p <<<"$out")" \
	"peer:     $(sed -n 3p <<<"$out" | grep -o '127\.0\.0\.1:[0-9]*')\\r\\nservice:  telnet\\r\\nterminal: XTERM\\r\\nwindow:   132x48\\r\\nmode:     line (client echo)\\r\\npinetd> " \
	"raw: NAWS and TTYPE subnegotiations split over several reads"

# Truncated sequences, then the connection closes.
for trunc in 'echo x\xff' '\xff\xfa\x18\x00VT' '\xff\xfd' '\xff\xfa' 'ab\r'; do
	printf 'until pinetd>\\x20\nsend %s\n' "$trunc" | raw $P >/dev/null
done
pn_pass "raw: truncated IAC, SB and CR at close sent"

# 10,000 random bytes: once as they come (a ^D may end the session early),
# once without ^D; then a 20,000-byte subnegotiation full of "quit" lines.
out=$(raw $P <<'EOF'
until pinetd>\x20
random 10000 1
drain 500
EOF
)
pn_pass "raw: 10,000 random bytes (seed 1) sent: $(tail -n 1 <<<"$out")"
out=$(raw $P <<'EOF'
until pinetd>\x20
random 10000 20240601 noeof
drain 500
send \xff\xf0\r\n
drain 300
send \xff\xfa\x18\x00
repeat 2000 quit\r\nAAAA
send \xff\xf0echo after sb\r\n
until after sb\r\npinetd>\x20
EOF
)
pn_pass "raw: 10,000 random bytes (seed 20240601, no ^D) sent: $(sed -n 2p <<<"$out")"
pn_expect "$(tail -n 1 <<<"$out")" 'after sb\r\npinetd> ' \
	"raw: a 20,000-byte subnegotiation never reaches the line"

if kill -0 "$PN_PID" 2>/dev/null; then
	pn_pass "daemon alive after the hostile input"
else
	pn_fail "daemon died"; cat "$PN_LOG" >&2
fi
pn_expect "$(printf '%s\n' "until pinetd>\\x20" "send echo alive\\r\\n" "until pinetd>\\x20" | raw $P | tr '\n' '|')" \
	"$GREETING|alive\\r\\npinetd> |" "raw: the next client is served normally"

# ---- 3. line mode, idle timeout ----

# A client that never negotiates (nc): answers, no echo of its input.
out=$(raw $PI <<'EOF'
until router#\x20
send echo one\necho two\n
until two\r\nrouter#\x20
EOF
)
pn_expect "$(tr '\n' '|' <<<"$out")" \
	"${NEG}router console\\r\\nrouter# |one\\r\\nrouter# two\\r\\nrouter# |" \
	"line mode: whole lines answered, nothing echoed; banner and prompt options"

start=$(date +%s)
out=$(printf 'recv 3000\n' | raw $PI)
took=$(( $(date +%s) - start ))
pn_expect "$out" "${NEG}router console\\r\\nrouter# <EOF>" "idle_timeout = 1 closes a silent session"
[ "$took" -le 3 ] && pn_pass "idle close within 3 s ($took s)" || pn_fail "idle close took $took s"

pn_stop
if grep -qiE 'segfault|abort|assert' "$PN_LOG"; then
	pn_fail "daemon log shows a crash"; cat "$PN_LOG" >&2
fi
pn_done
