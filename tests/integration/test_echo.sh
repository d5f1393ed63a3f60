#!/bin/bash
# echo through the real daemon: nc, 1 MiB of binary, UDP sizes, IPv6,
# 500 concurrent clients.
. "$srcdir/integration/lib.sh"
pn_need nc ss
P=17001

pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P", "udp://127.0.0.1:$P",
               "tcp://[::1]:$P", "udp://[::1]:$P" }
}
service echo-close {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+1))" }
    close_word = "close"
}
EOF
pn_start

pn_expect "$(printf 'hello\n' | nc -q1 127.0.0.1 $P)" "hello" "TCP echo with nc"
pn_expect "$(printf 'hello v6\n' | nc -q1 ::1 $P)" "hello v6" "TCP echo over IPv6"
pn_expect "$(printf 'dgram\n' | nc -u -w1 127.0.0.1 $P)" "dgram" "UDP echo with nc"
# close_word: the server closes after echoing it, so nc exits without -q.
pn_expect "$( (printf 'hi\n'; sleep 0.2; printf 'close\r\n'; sleep 5; printf 'late\n') |
	timeout 4 nc 127.0.0.1 $((P+1)))" "$(printf 'hi\nclose\r')" "close_word closes after its echo"
pn_expect "$(printf 'dgram6\n' | nc -u -w1 ::1 $P)" "dgram6" "UDP echo over IPv6"

out=$("$PNTEST" bulk 127.0.0.1 $P 1048576 42 2>&1)
pn_expect "$out" "bulk ok 1048576 bytes" "1 MiB of random binary comes back identical"
out=$("$PNTEST" bulk ::1 $P 300000 7 2>&1)
pn_expect "$out" "bulk ok 300000 bytes" "binary echo over IPv6"
for size in 1 1400 65507; do
	out=$("$PNTEST" udp 127.0.0.1 $P $size 2>&1)
	pn_expect "$out" "udp ok $size bytes" "UDP echo of $size bytes"
done
out=$("$PNTEST" udp ::1 $P 65507 2>&1)
pn_expect "$out" "udp ok 65507 bytes" "UDP echo of 65507 bytes over IPv6"
out=$("$PNTEST" concurrent 127.0.0.1 $P 500 2>&1)
pn_expect "$out" "concurrent ok 500 clients" "500 concurrent TCP echo clients"

pn_stop
pn_done
