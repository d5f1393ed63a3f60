#!/bin/bash
# ack through the real daemon: every mode, TCP and UDP.
. "$srcdir/integration/lib.sh"
pn_need nc ss
P=17021

pn_config <<EOF
service ack {
    plugin = ack
    listen = { "tcp://127.0.0.1:$P", "udp://127.0.0.1:$P" }
}
service ack-prefix {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+1))", "udp://127.0.0.1:$((P+1))" }
    mode = prefix
    greeting = "Welcome to the server. Type something and hit enter"
}
service ack-once {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+2))" }
    close_after_reply = true
    log_messages = true
}
service ack-thanks {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+3))", "udp://127.0.0.1:$((P+3))" }
    reply = "Thank you."
    udp_reply = "Ack"
}
service ack-read {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+4))", "udp://127.0.0.1:$((P+4))" }
    framing = read
    reply_end = none
    udp_reply = "Ack"
}
service ack-read-prefix {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+5))" }
    framing = read
    mode = prefix
}
service ack-same {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+6))" }
    reply_end = same
}
EOF
pn_start

pn_expect "$(printf 'hi\n' | nc -q1 127.0.0.1 $P)" "I got your message" "default TCP reply"
pn_expect "$(printf 'a\r\nb\nc' | nc -q1 127.0.0.1 $P)" \
	"$(printf 'I got your message\nI got your message\nI got your message')" \
	"one reply per line, CRLF and a last line without LF"
pn_expect "$(printf 'hi\n' | nc -u -w1 127.0.0.1 $P)" "Got your message" "default UDP reply"
pn_expect "$(printf 'hello\nHow are you?\n' | nc -q1 127.0.0.1 $((P+1)))" \
	"$(printf 'Welcome to the server. Type something and hit enter\nOK...hello\nOK...How are you?')" \
	"prefix mode with greeting"
pn_expect "$(printf 'Hello\n' | nc -u -w1 127.0.0.1 $((P+1)))" "OK...Hello" "UDP prefix mode"
# close_after_reply: the server closes, so nc exits without -q.
pn_expect "$(printf 'Hello from Steve\nignored\n' | timeout 5 nc 127.0.0.1 $((P+2)))" \
	"I got your message" "close after the first reply"
pn_expect "$(grep -c 'Here is the message: Hello from Steve' "$PN_LOG")" "1" \
	"log_messages logs the message"
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $((P+3)))" "Thank you." "custom TCP reply"
pn_expect "$(printf 'x\n' | nc -u -w1 127.0.0.1 $((P+3)))" "Ack" "custom UDP reply"

# framing = read: a message without a newline is answered at once (the
# server closes nothing here: timeout ends nc), 18 bytes without LF.
# Compared in hex: $(...) would drop a trailing newline.
hex() { od -An -tx1 | tr -d ' \n'; }
out=$( (printf 'Hello, World!'; sleep 1) | timeout 2 nc 127.0.0.1 $((P+4)) | hex)
pn_expect "$out" "$(printf 'I got your message' | hex)" "framing = read answers a read without newline"
pn_expect "$(printf 'x' | nc -u -w1 127.0.0.1 $((P+4)) | hex)" "$(printf 'Ack' | hex)" \
	"reply_end = none over UDP"
pn_expect "$(printf 'a\r\nb\n' | nc -q1 127.0.0.1 $((P+5)) | hex)" "$(printf 'OK...a\r\nb\n' | hex)" \
	"framing = read in prefix mode keeps the read's bytes"
pn_expect "$(printf 'a\r\nb\nc' | nc -q1 127.0.0.1 $((P+6)) | hex)" \
	"$(printf 'I got your message\r\nI got your message\nI got your message' | hex)" \
	"reply_end = same: CR LF, LF, nothing"

pn_stop
pn_done
