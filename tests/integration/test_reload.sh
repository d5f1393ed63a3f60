#!/bin/bash
# SIGHUP reloads by mark and sweep: a client connecting in a loop is never
# refused, new services start, removed ones stop accepting while their
# connections finish, changed options apply to new connections, and a
# configuration with an error is refused whole.
. "$srcdir/integration/lib.sh"
# recon_fixed (tests/plugins/recon.c) answers each line with its `reply`
# and has no reconfigure: changing that option gets the service a new
# worker, which this test is about.
PLUGIN_DIR=$PLUGIN_DIR:$abs_top_builddir/tests/plugins/.libs
pn_need ss nc
P=17401

v1() {
	pn_config <<EOF
shutdown_timeout = 1
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    log_connections = false
}
service changing {
    plugin = recon_fixed
    listen = { "tcp://127.0.0.1:$((P+2))" }
    reply = "one"
}
EOF
}
v2() {
	pn_config <<EOF
shutdown_timeout = 1
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    log_connections = false
}
service added {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+1))" }
}
service changing {
    plugin = recon_fixed
    listen = { "tcp://127.0.0.1:$((P+2))" }
    reply = "two"
}
EOF
}

v1
pn_start
exec 3<>/dev/tcp/127.0.0.1/$((P+2))
pn_expect "$(pn_line 3 a)" "one" "a held connection is answered with the first options"

# Reload five times while a client connects in a loop.
stop=$PN_TMP/stop-loop
"$PNTEST" connloop 127.0.0.1 $P "$stop" > "$PN_TMP/loop.out" 2>&1 &
loop=$!
sleep 0.3
for i in 1 2 3 4 5; do
	if [ $((i % 2)) -eq 1 ]; then v2; else v1; fi
	pn_reload || pn_fail "reload $i was refused"
	sleep 0.1
done
touch "$stop"
wait $loop
out=$(cat "$PN_TMP/loop.out")
case "$out" in
"connloop ok="*" failed=0") pn_pass "no connection refused during 5 reloads ($out)" ;;
*) pn_fail "connections failed during reloads: $out" ;;
esac

# Now at v2: the new service runs, changed options apply to new
# connections, the held connection keeps the old ones.
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $((P+1)))" "I got your message" "an added service serves"
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $((P+2)))" "two" "changed options apply to new connections"
# Draining after a reload has no deadline: shutdown_timeout (1 s here)
# bounds a stop, not a replaced worker's connections.
sleep 2
pn_expect "$(pn_line 3 b)" "one" "an open connection keeps its options (2 s past shutdown_timeout)"

# Remove 'changing': it stops accepting, the held connection finishes.
v1
sed -i '/service changing/,$d' "$PN_CONF"
pn_reload || pn_fail "reload without 'changing' was refused"
if printf 'x\n' | nc -q1 -w1 127.0.0.1 $((P+2)) 2>/dev/null | grep -q .; then
	pn_fail "a removed service still accepts"
else
	pn_pass "a removed service stops accepting"
fi
pn_expect "$(pn_line 3 c)" "one" "its open connection is still served"
exec 3>&-
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $P)" "x" "echo kept serving"

# A configuration with an error is refused whole; the old one runs on.
cp "$PN_CONF" "$PN_TMP/good.conf"
cat >> "$PN_CONF" <<EOF
service broken {
    plugin = echo
    listen = { "tcp://127.0.0.1:99999" }
}
EOF
if pn_reload; then pn_fail "a bad configuration was applied"; else pn_pass "a bad configuration is refused"; fi
grep -q "pinetd: error: $PN_CONF:[0-9]*: service 'broken': bad listen address 'tcp://127.0.0.1:99999'" "$PN_LOG" \
	&& pn_pass "the refusal logs the error with file:line" \
	|| pn_fail "the refusal did not log the error with file:line"
pn_expect "$(printf 'y\n' | nc -q1 127.0.0.1 $P)" "y" "the old configuration keeps serving"
if printf 'x\n' | nc -q1 -w1 127.0.0.1 $((P+1)) | grep -q .; then
	pn_fail "the removed 'added' service came back"
else
	pn_pass "services stay as they were"
fi

pn_stop
pn_done
