#!/bin/bash
# Operations: detaching with a pid file, --list-plugins, sd_notify
# messages, socket activation with systemd-socket-activate.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=17471

pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P", "udp://127.0.0.1:$P" }
}
EOF

# Detached: the parent returns 0 once serving, the pid file names the
# daemon, SIGTERM stops it and removes the pid file.
"$PINETD" -c "$PN_CONF" -p "$PN_TMP/pinetd.pid"; rc=$?
pn_expect "$rc" 0 "detaching returns 0 once serving"
pid=$(cat "$PN_TMP/pinetd.pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && pn_pass "the pid file names the running daemon" \
	|| pn_fail "no running daemon behind the pid file"
pn_expect "$(printf 'bg\n' | nc -q1 127.0.0.1 $P)" "bg" "the detached daemon serves"
# A second one cannot bind: the parent reports exit 3.
"$PINETD" -c "$PN_CONF" -p "$PN_TMP/second.pid" 2>/dev/null; rc=$?
pn_expect "$rc" 3 "a detached start that cannot bind exits 3"
kill -TERM "$pid"
for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && pn_fail "the detached daemon did not stop" || pn_pass "SIGTERM stops the detached daemon"
[ -e "$PN_TMP/pinetd.pid" ] && pn_fail "the pid file was left behind" || pn_pass "the pid file is removed"

# --list-plugins: each plugin with its transports and options.
out=$("$PINETD" --list-plugins -P "$PLUGIN_DIR")
echo "$out" | grep -q '^echo       tcp,udp  Echo Protocol (RFC 862): bytes back unchanged$' \
	&& pn_pass "--list-plugins lists echo" || pn_fail "--list-plugins: no echo line"
echo "$out" | grep -q '^    reply = "I got your message" (string): TCP answer to each message in reply mode$' \
	&& pn_pass "--list-plugins shows options with defaults" || pn_fail "--list-plugins: no ack option"
echo "$out" | grep -q '^    join_notice = "\[{addr}\] entered room\\n" (string): ' \
	&& pn_pass "--list-plugins writes a newline in a default as \\n" \
	|| pn_fail "--list-plugins: no join_notice line with \\n"
echo "$out" | grep -q '^    mode = reply (choice): ' && pn_pass "--list-plugins shows choices" \
	|| pn_fail "--list-plugins: no mode line"

# sd_notify: READY=1, RELOADING=1 then READY=1, STOPPING=1.
if "$PINETD" --version >/dev/null && ldd "$PINETD" | grep -q libsystemd; then
	sock=$PN_TMP/notify.sock
	"$PNTEST" notify "$sock" 8 > "$PN_TMP/notify.out" &
	listener=$!
	for i in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET=$sock pn_start
	sleep 0.3
	pn_reload || pn_fail "reload refused"
	sleep 0.3
	pn_stop
	sleep 0.3
	kill $listener 2>/dev/null; wait $listener 2>/dev/null
	# (STATUS= lines: test_notify.sh)
	pn_expect "$(grep -v '^STATUS=' "$PN_TMP/notify.out")" "READY=1
RELOADING=1
READY=1
STOPPING=1" "sd_notify: READY, RELOADING, READY, STOPPING in order"
else
	echo "SKIP: pinetd built without libsystemd: no notify test"
fi

# Socket activation: the daemon adopts the passed sockets.
if command -v systemd-socket-activate >/dev/null && ldd "$PINETD" | grep -q libsystemd; then
	Q=$((P+1))
	pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$Q", "udp://127.0.0.1:$((Q+1))" }
}
EOF
	# TCP passed by systemd-socket-activate, UDP bound by pinetd itself.
	systemd-socket-activate -l 127.0.0.1:$Q --fdname=echo \
		"$PINETD" -f -c "$PN_CONF" > "$PN_LOG" 2>&1 &
	PN_PID=$!
	pn_wait_port tcp $Q
	pn_expect "$(printf 'act\n' | nc -q1 127.0.0.1 $Q)" "act" "a socket-activated TCP listener serves"
	pn_wait_port udp $((Q+1))
	pn_expect "$(printf 'u\n' | nc -u -w1 127.0.0.1 $((Q+1)))" "u" "the rest is bound by pinetd"
	grep -q "service 'echo': adopted socket 3 (tcp://127.0.0.1:$Q) for tcp://127.0.0.1:$Q" "$PN_LOG" \
		&& pn_pass "the adoption is logged" || { pn_fail "no adoption log line"; cat "$PN_LOG" >&2; }
	pn_stop

	# Behind a balancer with socket activation: the PROXY protocol applies
	# to an adopted listener as to one pinetd bound (README, Scaling out).
	R=$((P+3))
	pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$R" }
    proxy_protocol = v1
    proxy_trusted = { "127.0.0.1/32" }
    log_connections = true
}
EOF
	systemd-socket-activate -l 127.0.0.1:$R --fdname=echo \
		"$PINETD" -f -c "$PN_CONF" > "$PN_LOG" 2>&1 &
	PN_PID=$!
	pn_wait_port tcp $R
	pn_expect "$(printf 'PROXY TCP4 198.51.100.7 127.0.0.1 40000 %s\r\npp\n' $R |
		nc -q1 127.0.0.1 $R)" "pp" "an adopted listener reads the PROXY header and serves"
	for i in $(seq 1 40); do
		grep -q "connection from 198.51.100.7:40000" "$PN_LOG" && break
		sleep 0.05
	done
	grep -q "service 'echo': connection from 198.51.100.7:40000" "$PN_LOG" &&
		pn_pass "... and logs the header's client" || pn_fail "no log line naming 198.51.100.7"
	pn_stop
else
	echo "SKIP: no systemd-socket-activate or no libsystemd: no socket activation test"
fi
pn_done
