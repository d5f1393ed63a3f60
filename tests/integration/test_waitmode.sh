#!/bin/bash
# UDP "wait" services (the exec plugin hands the socket to the program):
#   every datagram the program can read is screened by allow/deny and
#   udp_guard -- not only the one at the head of the queue that started
#   it, but those queued behind it and those sent while it runs
#   (wait-log.py logs the source of each datagram it reads), over IPv4
#   (allowed 127.0.0.1, refused 127.0.0.2, refused low source port) and
#   IPv6 (refused low source port);
#   a program that exits without reading (/bin/true) is started at most
#   wait_max_starts times in wait_interval, then the socket rests for
#   wait_pause with one error line, the datagram dropped, and serves again.
. "$srcdir/integration/lib.sh"
pn_need python3 ss
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (binds a low source port)"; exit 77; fi

P=18761             # wait-log.py, IPv4, allow 127.0.0.1
P6=$((P + 1))       # wait-log.py, IPv6
PT=$((P + 2))       # /bin/true: a fork storm

chmod 711 "$PN_TMP"
cp "$srcdir/integration/wait-log.py" "$PN_TMP/wait-log.py"
chmod 755 "$PN_TMP/wait-log.py"
mkdir -m 1777 "$PN_TMP/out"

pn_config <<EOF2
shutdown_timeout = 1
service waitlog {
    plugin  = exec
    listen  = { "udp://127.0.0.1:$P" }
    allow   = { "127.0.0.1/32" }
    program = "/usr/bin/python3"
    args    = "wait-log.py $PN_TMP/wait-log.py $PN_TMP/out/v4.log"
}
service waitlog6 {
    plugin  = exec
    listen  = { "udp://[::1]:$P6" }
    program = "/usr/bin/python3"
    args    = "wait-log.py $PN_TMP/wait-log.py $PN_TMP/out/v6.log"
}
service storm {
    plugin  = exec
    listen  = { "udp://127.0.0.1:$PT" }
    program = "/bin/true"
    wait_max_starts = 25
    wait_interval   = 60
    wait_pause      = 2
}
EOF2
pn_start

# send FAMILY DEST PORT [SRC SPORT PAYLOAD]...: one datagram per triple,
# each from its own socket bound to SRC:SPORT (SPORT 0: any).
send() {
	python3 - "$@" <<'PY'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
dest = (sys.argv[2], int(sys.argv[3]))
a = sys.argv[4:]
for i in range(0, len(a), 3):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a[i], int(a[i + 1])))
    s.sendto(a[i + 2].encode(), dest)
    s.close()
PY
}

# ---- every datagram screened, IPv4 ----
# "hold1" starts the program, which sleeps a second after reading it;
# behind it wait a refused source, a refused low port and an allowed one.
send 4 127.0.0.1 $P 127.0.0.1 0 hold1 127.0.0.2 0 queued-denied \
	127.0.0.1 999 queued-lowport 127.0.0.1 0 queued-allowed
sleep 0.5
# While it runs (it sleeps): the same three again.
send 4 127.0.0.1 $P 127.0.0.2 0 running-denied 127.0.0.1 998 running-lowport \
	127.0.0.1 0 running-allowed
# ---- IPv6 ----
send 6 ::1 $P6 ::1 0 hold6 ::1 997 queued-lowport6 ::1 0 queued-allowed6
for i in $(seq 1 60); do
	[ "$(grep -c 'exited with status 0' "$PN_LOG")" -ge 2 ] && break
	sleep 0.1
done
pn_expect "$(cat "$PN_TMP/out/v4.log")" "127.0.0.1 hold1
127.0.0.1 queued-allowed
127.0.0.1 running-allowed" "IPv4: the program reads only allowed datagrams, queued or sent while it runs"
pn_expect "$(cat "$PN_TMP/out/v6.log")" "::1 hold6
::1 queued-allowed6" "IPv6: the program never reads a refused low source port"

# ---- fork storm ----
starts() { grep -c "service 'storm': (datagrams): true\[[0-9]*\] exited" "$PN_LOG"; }
send 4 127.0.0.1 $PT 127.0.0.1 0 x
sleep 1.5
pn_expect "$(starts)" 25 "/bin/true started wait_max_starts times, then no more"
pn_expect "$(grep -c "service 'storm': udp://127.0.0.1:$PT: 26 programs started in .* (wait_max_starts 25 in wait_interval 60 s): datagram dropped, not listening for 2 s (wait_pause)" "$PN_LOG")" 1 "one error line"
sleep 1.5
pn_expect "$(starts)" 25 "the dropped datagram starts nothing after the pause"
pn_expect "$(grep -c "service 'storm': udp://127.0.0.1:$PT: listening again after wait_pause" "$PN_LOG")" 1 "the socket is polled again after wait_pause"
send 4 127.0.0.1 $PT 127.0.0.1 0 y
sleep 1
pn_expect "$(starts)" 50 "a new datagram starts the program again, up to wait_max_starts"
pn_stop
pn_done
