#!/bin/bash
# PROXY protocol (issue 15, item 1) through the real daemon, in a network
# namespace of the test's own (skipped, 77, where unshare -n is not
# allowed): python3 clients on 127.0.0.1 (the trusted "balancer") send v1
# and v2 headers naming fake clients (198.51.100.0/24, 2001:db8::/32), and
#   - the connection log, allow/deny and max_per_source go by the header's
#     address; an exec program sees it in TCPREMOTEIP and REMOTE_ADDR, the
#     header's destination in TCPLOCALIP; a process-mode child is logged
#     under it;
#   - bytes sent with the header, in the same segment, reach echo exactly;
#   - a source outside proxy_trusted (127.0.0.2), a malformed header, a
#     v1 header where v2 is expected and a missing header (proxy_timeout)
#     close the connection, logged and counted in `refused`;
#   - proxy with send_proxy passes the client on to a second service with
#     proxy_protocol (pinetd -> pinetd), in v1 and v2.
# Ports 19301-19309.
if [ -z "${PN_PP_NS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n not allowed"; exit 77; }
	PN_PP_NS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up || exit 99
. "$srcdir/integration/lib.sh"
pn_need python3
P=19301

chmod 711 "$PN_TMP"
cp "$srcdir/integration/exec-env.sh" "$PN_TMP/exec-env.sh"
chmod 755 "$PN_TMP/exec-env.sh"

# pp.py FROM PORT HEADER DATA: connect from FROM to 127.0.0.1:PORT, send
# the header (v1 TEXT, v2:SRC:SPORT:DST:DPORT, v2local, or raw:TEXT) and
# DATA in one send, shut the write side, print what comes back until EOF
# (at most 5 s) and then "<EOF>".
cat > "$PN_TMP/pp.py" <<'EOF'
import socket, struct, sys
frm, port, hdr, data = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
SIG = b'\r\n\r\n\x00\r\nQUIT\n'
def v2(src, dst, sp, dp):
    fam = socket.AF_INET6 if ':' in src else socket.AF_INET
    a = socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) + struct.pack('>HH', int(sp), int(dp))
    tlv = b'\x04\x00\x02ok'  # a NOOP TLV, skipped
    return SIG + bytes([0x21, 0x11 if fam == socket.AF_INET else 0x21]) + struct.pack('>H', len(a) + len(tlv)) + a + tlv
if hdr.startswith('v2:'):
    f = hdr[3:].split(',')
    h = v2(*f)
elif hdr == 'v2local':
    h = SIG + b'\x20\x00\x00\x00'
elif hdr.startswith('raw:'):
    h = hdr[4:].encode().decode('unicode_escape').encode('latin-1')
else:
    h = hdr.encode() + b'\r\n'
s = socket.socket()
s.bind((frm, 0))
s.settimeout(5)
s.connect(('127.0.0.1', port))
try:  # a refused connection may be gone already
    s.sendall(h + data)
    if data:
        s.shutdown(socket.SHUT_WR)
except OSError:
    pass
out = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b'<TIMEOUT>'
except ConnectionResetError:
    pass
sys.stdout.write(out.decode('latin-1') + '<EOF>')
EOF
pp() { python3 "$PN_TMP/pp.py" "$@"; }

# Configuration errors, with FILE:LINE.
cat > "$PN_TMP/bad.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service a {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    proxy_protocol = v2
}
service b {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+1))" }
    proxy_protocol = v3
    proxy_trusted = { "127.0.0.1" }
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/bad.conf" 2>&1)
pn_expect "$(printf '%s\n' "$out" | grep -c "bad.conf:6: service 'a': proxy_protocol = v2 needs proxy_trusted")" \
	1 "proxy_protocol without proxy_trusted is an error at its line"
pn_expect "$(printf '%s\n' "$out" | grep -c "bad.conf:11: service 'b': invalid proxy_protocol 'v3'")" \
	1 "an unknown proxy_protocol is an error at its line"

pn_config <<EOF
shutdown_timeout = 1
service v1 {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    proxy_protocol = v1
    proxy_trusted = { "127.0.0.1" }
}
service v2 {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+1))" }
    proxy_protocol = v2
    proxy_trusted = { "127.0.0.0/30" }
    proxy_timeout = 1
}
service acl {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+2))" }
    proxy_protocol = any
    proxy_trusted = { "127.0.0.1" }
    allow = { "198.51.100.0/24" }
}
service persrc {
    plugin = discard
    listen = { "tcp://127.0.0.1:$((P+3))" }
    proxy_protocol = v2
    proxy_trusted = { "127.0.0.1" }
    max_per_source = 1
}
service envsvc {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$((P+4))" }
    program = "$PN_TMP/exec-env.sh"
    proxy_protocol = v2
    proxy_trusted = { "127.0.0.1" }
}
service chain1 {
    plugin  = proxy
    listen  = { "tcp://127.0.0.1:$((P+5))" }
    backend = "tcp://127.0.0.1:$P"
    send_proxy = v1
    proxy_protocol = v2
    proxy_trusted = { "127.0.0.1" }
}
service chain2 {
    plugin  = proxy
    listen  = { "tcp://127.0.0.1:$((P+6))" }
    backend = "tcp://127.0.0.1:$((P+1))"
    send_proxy = v2
}
service proc {
    plugin = echo
    execution = process
    listen = { "tcp://127.0.0.1:$((P+7))" }
    proxy_protocol = v1
    proxy_trusted = { "127.0.0.1" }
}
EOF
pn_start

# The header names the client; echo gets exactly what followed it.
pn_expect "$(pp 127.0.0.1 $P 'PROXY TCP4 198.51.100.7 203.0.113.5 40000 80' 'hello v1')" \
	"hello v1<EOF>" "v1: data in the header's segment echoed"
grep -q "service 'v1': connection from 198.51.100.7:40000\$" "$PN_LOG" &&
	pn_pass "v1: the connection log names the header's source" ||
	pn_fail "v1: no 'connection from 198.51.100.7:40000' in the log"
pn_expect "$(pp 127.0.0.1 $P 'PROXY TCP6 2001:db8::7 2001:db8::1 40001 80' 'six')" \
	"six<EOF>" "v1 TCP6 over an IPv4 listener"
grep -q "service 'v1': connection from \[2001:db8::7\]:40001" "$PN_LOG" &&
	pn_pass "v1 TCP6: logged under the IPv6 source" || pn_fail "v1 TCP6: not logged"
pn_expect "$(pp 127.0.0.1 $P 'PROXY UNKNOWN' 'unknown')" "unknown<EOF>" "v1 UNKNOWN: served"
grep -q "service 'v1': connection from 127.0.0.1:" "$PN_LOG" &&
	pn_pass "v1 UNKNOWN: the real peer is kept" || pn_fail "v1 UNKNOWN: real peer not logged"
pn_expect "$(pp 127.0.0.2 $((P+1)) v2:198.51.100.8,203.0.113.5,40002,443 'hello v2')" \
	"hello v2<EOF>" "v2 with a TLV, from a trusted /30"
grep -q "service 'v2': connection from 198.51.100.8:40002\$" "$PN_LOG" &&
	pn_pass "v2: logged under the header's source" || pn_fail "v2: not logged"
pn_expect "$(pp 127.0.0.1 $((P+1)) v2local 'local')" "local<EOF>" "v2 LOCAL: served"

# A megabyte of binary after a v2 header, byte-exact.
head -c 1000000 /dev/urandom > "$PN_TMP/blob"
python3 - "$P" "$PN_TMP/blob" > "$PN_TMP/blob.out" <<'EOF'
import socket, struct, sys, threading
data = open(sys.argv[2], 'rb').read()
h = b'PROXY TCP4 198.51.100.9 203.0.113.5 40003 80\r\n'
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
def send():
    s.sendall(h + data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
out = b''
while True:
    b = s.recv(65536)
    if not b: break
    out += b
t.join()
sys.stdout.buffer.write(out)
EOF
cmp -s "$PN_TMP/blob" "$PN_TMP/blob.out" && pn_pass "1 MB after a v1 header echoed byte-exact" ||
	pn_fail "1 MB after a v1 header: not byte-exact ($(wc -c < "$PN_TMP/blob.out") bytes back)"

# allow/deny by the header's address.
pn_expect "$(pp 127.0.0.1 $((P+2)) 'PROXY TCP4 198.51.100.7 203.0.113.5 40004 80' 'in')" \
	"in<EOF>" "allow: the header's source inside the list is served"
pn_expect "$(pp 127.0.0.1 $((P+2)) v2:203.0.113.77,203.0.113.5,40005,80 'out')" \
	"<EOF>" "allow: the header's source outside the list is closed"
grep -q "service 'acl': refused 203.0.113.77:40005: not allowed (allow/deny)" "$PN_LOG" &&
	pn_pass "allow: the refusal names the header's source" || pn_fail "allow: refusal not logged"

# max_per_source by the header's address: one open from 198.51.100.7,
# the second refused, another source served.
python3 - "$((P+3))" > "$PN_TMP/persrc.out" <<'EOF'
import socket, struct, sys, time
SIG = b'\r\n\r\n\x00\r\nQUIT\n'
def conn(src, sp):
    a = socket.inet_aton(src) + socket.inet_aton('203.0.113.5') + struct.pack('>HH', sp, 9)
    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    s.sendall(SIG + b'\x21\x11' + struct.pack('>H', len(a)) + a)
    s.settimeout(1.5)
    return s
def state(s):
    try:
        return 'closed' if s.recv(1) == b'' else 'data'
    except socket.timeout:
        return 'open'
    except ConnectionResetError:
        return 'closed'
a = conn('198.51.100.7', 1); time.sleep(0.3)
b = conn('198.51.100.7', 2); time.sleep(0.3)
c = conn('198.51.100.8', 3)
print(state(a), state(b), state(c))
EOF
pn_expect "$(cat "$PN_TMP/persrc.out")" "open closed open" "max_per_source counts the header's source"
grep -q "service 'persrc': refused 198.51.100.7:2: too many connections from its source" "$PN_LOG" &&
	pn_pass "max_per_source: the refusal names the header's source" || pn_fail "max_per_source: not logged"

# exec: the program sees the header's addresses.
out=$(pp 127.0.0.1 $((P+4)) v2:198.51.100.7,203.0.113.5,40006,8080 '')
for v in TCPREMOTEIP=198.51.100.7 TCPREMOTEPORT=40006 REMOTE_ADDR=198.51.100.7 \
	REMOTE_PORT=40006 TCPLOCALIP=203.0.113.5 TCPLOCALPORT=8080; do
	case $out in
	*"$v"*) pn_pass "exec: $v" ;;
	*) pn_fail "exec: no $v in: $(printf '%s' "$out" | grep -E 'TCP|REMOTE' | tr '\n' ' ')" ;;
	esac
done

# A process-mode child, logged under the header's source.
pn_expect "$(pp 127.0.0.1 $((P+7)) 'PROXY TCP4 198.51.100.10 203.0.113.5 40007 80' 'child')" \
	"child<EOF>" "process mode: served"
grep -q "service 'proc': connection from 198.51.100.10:40007: child" "$PN_LOG" &&
	pn_pass "process mode: the child is logged under the header's source" || pn_fail "process mode: not logged"

# Refusals: untrusted, malformed, wrong version, missing (timeout).
pn_expect "$(pp 127.0.0.2 $P 'PROXY TCP4 198.51.100.7 203.0.113.5 40008 80' 'x')" \
	"<EOF>" "an untrusted source is closed"
grep -q "service 'v1': refused 127.0.0.2:[0-9]*: proxy: not a trusted source of PROXY headers (proxy_trusted)" "$PN_LOG" &&
	pn_pass "untrusted: logged" || pn_fail "untrusted: not logged"
sleep 1.1 # one refusal line a second per service
pn_expect "$(pp 127.0.0.1 $P 'PROXY TCP4 198.51.100.7 203.0.113.5 040 80' 'x')" \
	"<EOF>" "a malformed header closes the connection"
grep -q "service 'v1': refused 127.0.0.1:[0-9]*: v1: bad source port" "$PN_LOG" &&
	pn_pass "malformed: logged with the reason" || pn_fail "malformed: not logged"
pn_expect "$(pp 127.0.0.1 $((P+1)) 'PROXY TCP4 198.51.100.7 203.0.113.5 40 80' 'x')" \
	"<EOF>" "v1 where v2 is expected: closed"
sleep 1.1
start=$(date +%s%N)
pn_expect "$(pp 127.0.0.1 $((P+1)) 'raw:' '')" "<EOF>" "no header: closed after proxy_timeout"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ] && pn_pass "proxy_timeout 1 s took $ms ms" ||
	pn_fail "proxy_timeout 1 s took $ms ms"
grep -q "service 'v2': refused 127.0.0.1:[0-9]*: proxy: no PROXY header within proxy_timeout" "$PN_LOG" &&
	pn_pass "timeout: logged" || pn_fail "timeout: not logged"
kill -USR1 "$PN_PID"
sleep 0.5
grep -q "service 'v1': [0-9]* open, 2 refused" "$PN_LOG" &&
	pn_pass "refusals counted (v1: untrusted and malformed)" ||
	{ pn_fail "v1: refusals not counted"; grep "service 'v1': [0-9]* open" "$PN_LOG" >&2; }
grep -q "service 'v2': [0-9]* open, 2 refused" "$PN_LOG" &&
	pn_pass "refusals counted (v2: wrong version and timeout)" ||
	{ pn_fail "v2: refusals not counted"; grep "service 'v2': [0-9]* open" "$PN_LOG" >&2; }

# pinetd -> pinetd: chain1 takes a v2 header and passes the client on in
# v1 to service v1; chain2 (no header in) passes its real client in v2.
pn_expect "$(pp 127.0.0.1 $((P+5)) v2:198.51.100.11,203.0.113.5,40009,80 'chained')" \
	"chained<EOF>" "chain v2 -> proxy -> v1: relayed"
grep -q "service 'v1': connection from 198.51.100.11:40009\$" "$PN_LOG" &&
	pn_pass "chain: the second service logs the first header's client" || pn_fail "chain: client lost"
pn_expect "$(pp 127.0.0.3 $((P+6)) 'raw:' 'direct')" "direct<EOF>" "proxy send_proxy v2 -> v2: relayed"
grep -q "service 'v2': connection from 127.0.0.3:[0-9]*\$" "$PN_LOG" &&
	pn_pass "send_proxy v2: the backend service logs the proxy's client" || pn_fail "send_proxy v2: client lost"

pn_stop
pn_done
