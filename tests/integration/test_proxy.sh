#!/bin/bash
# The proxy plugin through the real daemon, with Python clients and
# backends (written out below): 16 MiB both ways byte-exact, half-close
# passed on both ways, a client reset passed on to the backend, a backend
# that leaves early, memory bounded against a backend (and a client) that
# stops reading, a silent backend timed out and a refused one, each with
# its log line, and bad `backend` values refused by -t.
. "$srcdir/integration/lib.sh"
pn_need python3 ss
P=19101	  # proxy services P.. P+7, backends P+10.. P+17
B=$((P + 10))
# Worker RSS growth allowed while 64 MiB are pushed at a side that does
# not read: the plugin keeps at most 64 KiB (client to backend) or 48 KiB
# (backend to client), the core one read and its queue; the kernel's
# socket buffers are not in RSS.  8 MiB is for allocator slack.
BOUND_KIB=8192

PEER=$PN_TMP/peer.py
cat > "$PEER" <<'PYEOF'
# peer.py -- clients and backends for test_proxy.sh (written out by it).
# Every wait is bounded; results go to stdout (clients) or a file (backends).
import hashlib
import os
import random
import select
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
MIB = 1 << 20


def gen(seed, n):
    return random.Random(seed).randbytes(n)


def listen(port, backlog=16):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(backlog)
    return s


def accept(s, timeout=20):
    s.settimeout(timeout)
    c, _ = s.accept()
    c.settimeout(timeout)
    return c


def connect(port, timeout=20):
    return socket.create_connection((HOST, port), timeout=timeout)


def pump(sock, data):
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)


def drain(sock):
    h, n = hashlib.sha256(), 0
    while True:
        b = sock.recv(65536)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)


def read_all(sock):
    out = b""
    while True:
        b = sock.recv(65536)
        if not b:
            return out
        out += b


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def both_ways(sock, seed, n):
    """Send n bytes of seed's stream and half-close, while reading what
    comes back until EOF; return 'bytes sha256' of what came back."""
    t = threading.Thread(target=pump, args=(sock, gen(seed, n)))
    t.start()
    got = drain(sock)
    t.join()
    return "%d %s" % got


def cmd_sha(seed, mib):
    print("%d %s" % (int(mib) * MIB, hashlib.sha256(gen(int(seed), int(mib) * MIB)).hexdigest()))


def cmd_bulk_backend(port, mib, out):
    s = listen(int(port))
    c = accept(s)
    res = both_ways(c, 2, int(mib) * MIB)
    c.close()
    open(out, "w").write(res + "\n")


def cmd_bulk_client(port, mib):
    c = connect(int(port))
    print(both_ways(c, 1, int(mib) * MIB))


def cmd_answer_backend(port):
    """Read the request until EOF, then answer and close."""
    s = listen(int(port))
    c = accept(s)
    req = read_all(c)
    c.sendall(b"answer to: " + req)
    c.close()


def cmd_ask(port, text):
    """Send text, half-close, print everything until EOF."""
    c = connect(int(port))
    c.sendall(text.encode())
    c.shutdown(socket.SHUT_WR)
    sys.stdout.write(read_all(c).decode())


def cmd_greet_backend(port, out):
    """Say hello and half-close, then record what arrives until EOF."""
    s = listen(int(port))
    c = accept(s)
    c.sendall(b"hello\n")
    c.shutdown(socket.SHUT_WR)
    got = read_all(c)
    c.close()
    open(out, "wb").write(got)


def cmd_late(port):
    """Read until EOF, then still send and half-close; print what was
    read and how the connection ended."""
    c = connect(int(port))
    got = read_all(c)
    c.sendall(b"late data\n")
    c.shutdown(socket.SHUT_WR)
    try:
        end = "eof" if c.recv(1) == b"" else "data"
    except OSError as e:
        end = "error %s" % e
    sys.stdout.write("%s%s\n" % (got.decode(), end))


def cmd_hold_backend(port, seconds):
    """Accept and never read."""
    s = listen(int(port))
    c = accept(s)
    time.sleep(float(seconds))
    c.close()


def stall_push(sock, limit, pid, stall=1.5):
    """Push up to limit bytes without reading until the peer stops taking
    them for `stall` s, sampling pid's RSS; return the key=value line."""
    sock.setblocking(False)
    chunk = b"x" * 65536
    sent, before = 0, rss_kib(pid)
    peak, last = before, time.monotonic()
    while sent < limit and time.monotonic() - last < stall:
        _, w, _ = select.select([], [sock], [], 0.05)
        if w:
            try:
                n = sock.send(chunk[: min(len(chunk), limit - sent)])
            except BlockingIOError:
                n = 0
            if n > 0:
                sent += n
                last = time.monotonic()
        peak = max(peak, rss_kib(pid))
    return "sent_kib=%d total_kib=%d rss_before_kib=%d rss_peak_kib=%d" % (
        sent // 1024, limit // 1024, before, peak)


def cmd_flood_client(port, mib, pid):
    c = connect(int(port))
    print(stall_push(c, int(mib) * MIB, pid))
    c.close()


def cmd_flood_backend(port, mib, pid, out):
    s = listen(int(port))
    c = accept(s)
    res = stall_push(c, int(mib) * MIB, pid)
    open(out, "w").write(res + "\n")
    c.close()


def cmd_hold_client(port, seconds):
    """Connect and never read."""
    c = connect(int(port))
    time.sleep(float(seconds))
    c.close()


def cmd_silent_backend(port, ready, seconds):
    """A listener that never accepts, its queue full (backlog 0 holds one
    connection): further SYNs are dropped and a connect hangs.  Checked
    with a probe that must not complete."""
    s = listen(int(port), 0)
    fillers = []
    for _ in range(8):
        p = socket.socket()
        p.setblocking(False)
        p.connect_ex((HOST, int(port)))
        _, w, _ = select.select([], [p], [], 0.3)
        if not w:
            p.close()
            break
        fillers.append(p)
    else:
        sys.exit("the queue never filled")
    open(ready, "w").write("ready\n")
    time.sleep(float(seconds))


def cmd_expect_close(port, limit):
    """Connect, send a little, wait for the end; print how long it took."""
    t0 = time.monotonic()
    c = connect(int(port), float(limit))
    try:
        c.sendall(b"hello?\n")
        got = read_all(c)
        end = "closed" if not got else "data"
    except socket.timeout:
        end = "open"
    except OSError:
        end = "closed"
    print("%s %.1f" % (end, time.monotonic() - t0))


def cmd_reset_client(port):
    """Send some bytes, then reset the connection (SO_LINGER 0)."""
    c = connect(int(port))
    c.sendall(b"partial request")
    time.sleep(0.3)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def cmd_end_backend(port, out):
    """Record how the client's stream ends: 'eof N' or 'reset N'."""
    s = listen(int(port))
    c = accept(s)
    n = 0
    try:
        while True:
            b = c.recv(65536)
            if not b:
                res = "eof"
                break
            n += len(b)
    except ConnectionResetError:
        res = "reset"
    open(out, "w").write("%s %d\n" % (res, n))


def cmd_early_close_backend(port):
    """Accept, take a few bytes, and go away without reading the rest."""
    s = listen(int(port))
    c = accept(s)
    c.recv(10)
    c.close()


def cmd_push_client(port, mib):
    """Push up to mib MiB (blocking, 10 s at most), print how it ended."""
    c = connect(int(port), 10)
    chunk = b"y" * 65536
    sent = 0
    try:
        while sent < int(mib) * MIB:
            sent += c.send(chunk)
        end = "all"
    except socket.timeout:
        end = "stuck"
    except OSError:
        end = "ended"
    print(end)


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
PYEOF
# peer: in the foreground; bg_peer: in the background, $! its timeout(1),
# which passes a kill on to Python.
peer() { timeout 60 python3 "$PEER" "$@"; }
bg_peer() { timeout 60 python3 "$PEER" "$@" & }

# wait_file FILE: up to 20 s for a backend to write its result.
wait_file() {
	local i
	for i in $(seq 1 400); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_log REGEX: up to 5 s for a log line.
wait_log() {
	local i
	for i in $(seq 1 100); do
		grep -a -q -E "$1" "$PN_LOG" && return 0
		sleep 0.05
	done
	return 1
}

# ---- bad values are refused when the configuration is checked ----
for bad in "tcp://localhost:80|is not an IPv4 address" \
	"tcp://127.0.0.1|port" "tcp://[::1:80|expected tcp://\\[IPv6\\]:PORT" \
	"udp://127.0.0.1:80|only tcp://" "tcp://127.0.0.1:0|from 1 to 65535" \
	"|backend is not set"; do
	val=${bad%%|*}
	want=${bad#*|}
	# Single quotes: lib.sh's pn_start waits for every "tcp://..." in
	# the file, and a backend is not the daemon's to listen on.
	pn_config <<CONF
service p {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$P" }
    backend = '$val'
}
CONF
	out=$("$PINETD" -t -c "$PN_CONF" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q -E "$want"; then
		pn_pass "backend '$val' is refused: $(printf '%s\n' "$out" | grep -E "$want" | head -1)"
	else
		pn_fail "backend '$val': exit $rc, no /$want/ in: $out"
	fi
done

# ---- relaying, half-close, resets, failures: one daemon ----
pn_config <<CONF
service bulk {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$P" }
    backend = 'tcp://127.0.0.1:$B'
}
service ask {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 1))" }
    backend = 'tcp://127.0.0.1:$((B + 1))'
}
service greet {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 2))" }
    backend = 'tcp://127.0.0.1:$((B + 2))'
}
service silent {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 3))" }
    backend = 'tcp://127.0.0.1:$((B + 3))'
    connect_timeout = 1
}
service refused {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 4))" }
    backend = 'tcp://127.0.0.1:$((B + 4))'
}
service reset {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 5))" }
    backend = 'tcp://127.0.0.1:$((B + 5))'
}
service early {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 6))" }
    backend = 'tcp://[::1]:$((B + 6))'
}
CONF
pn_start

# 16 MiB each way at once, each side half-closing after its last byte.
rm -f "$PN_TMP/bulk.out"
bg_peer bulk-backend $B 16 "$PN_TMP/bulk.out"
bg=$!
pn_wait_port tcp $B || pn_fail "the bulk backend did not listen"
got_client=$(peer bulk-client $P 16)
wait_file "$PN_TMP/bulk.out"
pn_expect "$got_client" "$(peer sha 2 16)" "the client got the backend's 16 MiB byte-exact (sha256)"
pn_expect "$(cat "$PN_TMP/bulk.out")" "$(peer sha 1 16)" "the backend got the client's 16 MiB byte-exact (sha256)"
wait "$bg"

# Half-close, client first: the request ends with the client's EOF and
# the answer still comes back.
bg_peer answer-backend $((B + 1))
bg=$!
pn_wait_port tcp $((B + 1)) || pn_fail "the answer backend did not listen"
pn_expect "$(peer ask $((P + 1)) "question")" "answer to: question" \
	"the client's half-close reaches the backend, the answer the client"
wait "$bg"

# Half-close, backend first: the client reads the backend's EOF, then
# still sends; the backend gets it, then the client's EOF.
rm -f "$PN_TMP/greet.out"
bg_peer greet-backend $((B + 2)) "$PN_TMP/greet.out"
bg=$!
pn_wait_port tcp $((B + 2)) || pn_fail "the greet backend did not listen"
pn_expect "$(peer late $((P + 2)))" "hello
eof" "the backend's half-close reaches the client, and the connection stays open for its bytes"
wait_file "$PN_TMP/greet.out"
pn_expect "$(cat "$PN_TMP/greet.out")" "late data" \
	"what the client sent after the backend's EOF reached the backend"
wait "$bg"

# A backend that does not accept in time (its listen queue is full).
rm -f "$PN_TMP/silent.ready"
bg_peer silent-backend $((B + 3)) "$PN_TMP/silent.ready" 10
silent=$!
wait_file "$PN_TMP/silent.ready" || pn_fail "the silent backend is not ready"
out=$(peer expect-close $((P + 3)) 5)
case $out in
"closed "[1-3].*) pn_pass "a silent backend's client is closed after connect_timeout ($out s)" ;;
*) pn_fail "silent backend: $out (expected closed after 1 to 4 s)" ;;
esac
wait_log "service 'silent'.*client 127\.0\.0\.1:[0-9]+: backend tcp://127\.0\.0\.1:$((B + 3)): no answer within 1 s" \
	&& pn_pass "the timeout is logged with client, backend and reason" \
	|| pn_fail "no timeout log line"
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null

# A backend that refuses (nothing listens).
out=$(peer expect-close $((P + 4)) 5)
case $out in
"closed "[0-1].*) pn_pass "a refused backend's client is closed at once ($out s)" ;;
*) pn_fail "refused backend: $out (expected closed within 2 s)" ;;
esac
wait_log "service 'refused'.*client 127\.0\.0\.1:[0-9]+: backend tcp://127\.0\.0\.1:$((B + 4)): connect: Connection refused" \
	&& pn_pass "the refusal is logged with client, backend and reason" \
	|| pn_fail "no refusal log line"

# A client that resets mid-stream: the backend sees a reset, not an EOF
# that would make a cut request look complete.
rm -f "$PN_TMP/reset.out"
bg_peer end-backend $((B + 5)) "$PN_TMP/reset.out"
bg=$!
pn_wait_port tcp $((B + 5)) || pn_fail "the reset backend did not listen"
peer reset-client $((P + 5))
wait_file "$PN_TMP/reset.out"
pn_expect "$(cat "$PN_TMP/reset.out")" "reset 15" "a client's reset reaches the backend as a reset"
wait "$bg"

# A backend (over IPv6) that leaves early while the client pushes: the
# client's connection ends, the daemon goes on.
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	python3 - "$((B + 6))" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::1", int(sys.argv[1])))
s.listen(4)
s.settimeout(20)
c, _ = s.accept()
c.recv(10)
c.close()
PY
	bg=$!
	pn_wait_port tcp $((B + 6)) || pn_fail "the early backend did not listen"
	pn_expect "$(peer push-client $((P + 6)) 64)" "ended" \
		"a backend that leaves early ends its client's connection"
	wait "$bg"
	wait_log "service 'early'.*client 127\.0\.0\.1:[0-9]+: backend tcp://\[::1\]:$((B + 6)): (write|read): " \
		&& pn_pass "the backend's going away is logged" \
		|| pn_fail "no log line for the backend that left"
else
	echo "skip: no IPv6 loopback"
fi

# After all this, the daemon still relays.
bg_peer answer-backend $((B + 1))
bg=$!
pn_wait_port tcp $((B + 1)) || pn_fail "the answer backend did not listen"
pn_expect "$(peer ask $((P + 1)) "again")" "answer to: again" "the daemon still relays"
wait "$bg"
pn_stop

# ---- bounded memory: one service, so one worker to measure ----
pn_config <<CONF
service mem {
    plugin = proxy
    listen = { "tcp://127.0.0.1:$((P + 7))" }
    backend = 'tcp://127.0.0.1:$((B + 7))'
}
CONF
pn_start
worker=$(pgrep -P "$PN_PID" | head -n 1)
[ -n "$worker" ] || { pn_fail "no worker process"; pn_done; }

# check_flood WHAT KEY=VALUE...: the RSS bound, and pushback.
check_flood() {
	local what=$1 sent_kib= total_kib= rss_before_kib= rss_peak_kib=
	shift
	eval "$(printf '%s\n' "$@" | tr ' ' '\n' | grep -E '^[a-z_]+=[0-9]+$')"
	if [ -z "$rss_peak_kib" ]; then
		pn_fail "$what: the flood did not run: $*"
		return
	fi
	local growth=$((rss_peak_kib - rss_before_kib))
	[ "$growth" -le "$BOUND_KIB" ] \
		&& pn_pass "$what: worker RSS grew $growth KiB (bound $BOUND_KIB KiB)" \
		|| pn_fail "$what: worker RSS grew $growth KiB, over $BOUND_KIB KiB"
	[ "$sent_kib" -lt "$total_kib" ] \
		&& pn_pass "$what: the pusher was blocked after $sent_kib of $total_kib KiB" \
		|| pn_fail "$what: all $total_kib KiB were taken: no backpressure"
}

# A backend that never reads, a client that pushes 64 MiB.
bg_peer hold-backend $((B + 7)) 30
held=$!
pn_wait_port tcp $((B + 7)) || pn_fail "the holding backend did not listen"
check_flood "backend not reading" "$(peer flood-client $((P + 7)) 64 "$worker")"
kill "$held" 2>/dev/null
wait "$held" 2>/dev/null

# A client that never reads, a backend that pushes 64 MiB.
rm -f "$PN_TMP/flood.out"
bg_peer flood-backend $((B + 7)) 64 "$worker" "$PN_TMP/flood.out"
flood=$!
pn_wait_port tcp $((B + 7)) || pn_fail "the flooding backend did not listen"
bg_peer hold-client $((P + 7)) 30
holdc=$!
wait "$flood"
check_flood "client not reading" "$(cat "$PN_TMP/flood.out" 2>/dev/null)"
kill "$holdc" 2>/dev/null
wait "$holdc" 2>/dev/null
pn_stop
pn_done
