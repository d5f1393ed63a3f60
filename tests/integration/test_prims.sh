#!/bin/bash
# The event primitives of plugin API 1.0 through the real daemon, with the
# test plugin "prims" (tests/plugins/prims.c): timers (periodic, one-shot,
# stopped from their own callback, stale handles harmless), pausing input
# with lines held, a write-side shutdown that keeps reading, sendv in one
# segment, a watched pipe whose descriptor the core owns, child_watch,
# deferred UDP replies (dgram_keep + replyv), on_eof and on_close for a
# refused connection; a worker with a 1 s timer uses no CPU between ticks;
# -t runs init with a real service (it logs).
. "$srcdir/integration/lib.sh"
pn_need python3 ss
P1=18911 # prims over TCP and UDP
P2=18912 # prims refusing every connection
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs

# Both services in one worker, whose CPU time the last check reads.
cat > "$PN_CONF" <<EOF
plugin_dir = "$TESTPLUGINS:$PLUGIN_DIR"
services_dir = ""
service prims {
    plugin = prims
    worker_group = "prims"
    listen = { "tcp://127.0.0.1:$P1", "udp://127.0.0.1:$P1" }
    log_connections = true
}
service refusing {
    plugin = prims
    worker_group = "prims"
    refuse = true
    listen = { "tcp://127.0.0.1:$P2" }
    log_connections = true
}
EOF

# -t: init() runs in the checker with a real service, and may log.
out=$("$PINETD" -t -c "$PN_CONF" 2>&1); rc=$?
pn_expect "$rc" 0 "-t with a plugin that logs in init exits 0"
case $out in
*"service 'prims': prims init"*) pn_pass "-t: init's log line names the service" ;;
*) pn_fail "-t: no log line from init: $out" ;;
esac

pn_start
python3 - "$P1" "$P2" <<'EOF' || pn_fail "client checks (above)"
import socket, sys, time
p1, p2 = int(sys.argv[1]), int(sys.argv[2])
fails = 0
def check(what, ok, detail=""):
    global fails
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else " " + detail))
    if not ok:
        fails += 1
def conn():
    s = socket.create_connection(("127.0.0.1", p1), timeout=5)
    return s
def read_until(s, want, limit=5.0):
    buf = b""
    end = time.monotonic() + limit
    while not buf.endswith(want) and time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    return buf

s = conn()
t0 = time.monotonic()
s.sendall(b"tick 100 3\n")
got = read_until(s, b"stale -1\n")
dt = time.monotonic() - t0
check("periodic timer: three ticks, stopped from its callback, stale stop -1",
      got == b"tick 1\ntick 2\ntick 3\nticks done\nstale -1\n", repr(got))
check("periodic timer: paced (%.3f s for 3 x 100 ms)" % dt, 0.28 <= dt < 2.0)

t0 = time.monotonic()
s.sendall(b"later 200 hello there\n")
got = read_until(s, b"hello there\n")
dt = time.monotonic() - t0
check("one-shot timer", got == b"hello there\n", repr(got))
check("one-shot timer after its delay (%.3f s)" % dt, 0.18 <= dt < 2.0)

s.sendall(b"pause 300\nA\nB\n")
got = read_until(s, b"paused\n")
t0 = time.monotonic()
check("pause answers at once", got == b"paused\n", repr(got))
s.settimeout(0.2)
try:
    early = s.recv(100)
except socket.timeout:
    early = b""
check("nothing while paused (lines read in the same segment are held)",
      early == b"", repr(early))
got = read_until(s, b"line B\n")
dt = time.monotonic() - t0
check("resume delivers the held lines in order",
      got == b"resumed\nline A\nline B\n", repr(got))
check("held for the pause (%.3f s)" % dt, dt >= 0.28)

s.sendall(b"sendv\n")
s.settimeout(3)
got = s.recv(100)
check("sendv: three buffers arrive as one segment", got == b"abc\n", repr(got))

s.sendall(b"pipe\n")
check("a watched pipe relays", read_until(s, b"via pipe\n") == b"via pipe\n")

s.sendall(b"child 7\n")
got = read_until(s, b"\n")
check("child_watch reports the exit status", got == b"child exited 7\n", repr(got))

s.sendall(b"stale\n")
got = read_until(s, b"\n")
check("ended timer and watch handles: -1, harmless", got == b"stale -1 -1\n", repr(got))

s.sendall(b"abuse\n")
got = read_until(s, b"\n")
check("misuse refused: core-owned and bad fds, unknown handles, not our children, "
      "no owner, bad sendv", got == b"abuse 0 0 0 -1 -1 -1 -1 -1 0 -1 -1\n", repr(got))
s.sendall(b"line after abuse\n")
got = read_until(s, b"\n")
check("the connection still works after the misuse", got == b"line line after abuse\n", repr(got))

s.sendall(b"shut\n")
got = read_until(s, b"\x00", 3)
check("shutdown: last bytes then EOF", got == b"bye\n", repr(got))
s.sendall(b"after\n")  # still read: logged by the plugin
time.sleep(0.2)
s.close()

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
t0 = time.monotonic()
u.sendto(b"ping", ("127.0.0.1", p1))
got, _ = u.recvfrom(100)
dt = time.monotonic() - t0
check("kept datagram answered later in one datagram", got == b"later: ping", repr(got))
check("answered after the timer (%.3f s)" % dt, dt >= 0.09)

r = socket.create_connection(("127.0.0.1", p2), timeout=5)
r.settimeout(3)
check("a refused connection ends at once", r.recv(10) == b"")
r.close()
sys.exit(1 if fails else 0)
EOF

sleep 0.3
for want in "after shut: after" "on_eof 127.0.0.1" "on_close 0" "on_close 7"; do
	grep -q "$want" "$PN_LOG" && pn_pass "log: $want" || pn_fail "log lacks: $want"
done
grep -q "refused by the service" "$PN_LOG" && pn_pass "the refusal's close is logged" ||
	pn_fail "no close line for the refused connection"

# A periodic timer costs nothing between ticks: a client with a 1 s tick,
# the worker's CPU time over 5 s stays under 1 % (50 ms).
worker=$(ps -o pid= --ppid "$PN_PID" | head -1 | tr -d ' ')
exec 3<>/dev/tcp/127.0.0.1/$P1
printf 'tick 1000 100\n' >&3
cpu() { awk '{print $14 + $15}' "/proc/$worker/stat"; }
sleep 0.5
c0=$(cpu)
sleep 5
c1=$(cpu)
exec 3>&-
hz=$(getconf CLK_TCK)
ms=$(( (c1 - c0) * 1000 / hz ))
if [ "$ms" -le 50 ]; then
	pn_pass "worker with a 1 s timer used $ms ms of CPU in 5 s"
else
	pn_fail "worker with a 1 s timer used $ms ms of CPU in 5 s (over 1 %)"
fi
pn_stop
pn_done
