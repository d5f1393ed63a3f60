#!/bin/bash
# The pid file of a detached daemon is locked for its life, written once
# it serves and removed only by its owner; a relative -c path still names
# the same file after detaching, on every reload (issue 12, item 6).
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=18801   # echo of the first daemon
P2=18802  # echo of the daemon started with a relative -c
P3=18803  # ack, added to the relative file by a reload
PID=$PN_TMP/pinetd.pid

pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
}
EOF

# wait_gone PID: up to 5 s for the process to exit.
wait_gone() {
	local i
	for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	return 1
}

# A stale pid file (a daemon that was killed) is not locked: taken over.
echo 999999 > "$PID"
"$PINETD" -c "$PN_CONF" -p "$PID"; rc=$?
pn_expect "$rc" 0 "a detached start over a stale pid file returns 0"
first=$(cat "$PID" 2>/dev/null)
[ -n "$first" ] && [ "$first" != 999999 ] && kill -0 "$first" 2>/dev/null \
	&& pn_pass "the pid file names the running daemon" \
	|| pn_fail "no running daemon behind the pid file ($first)"

# A second instance on the same ports and pid file: refused by the lock,
# with the holder's pid, and the first's pid file is left alone (it used
# to be written over before binding, then unlinked when binding failed).
err=$("$PINETD" -c "$PN_CONF" -p "$PID" 2>&1); rc=$?
pn_expect "$rc" 3 "a second instance with the same pid file exits 3"
pn_expect "$err" "pinetd: pid file $PID is locked by pid $first: is pinetd already running?" \
	"the second instance says who holds the pid file"
pn_expect "$(cat "$PID" 2>/dev/null)" "$first" "the first's pid file is intact and names the first"
pn_expect "$(printf 'still\n' | nc -q1 127.0.0.1 $P)" "still" "the first daemon still serves"

# With a pid file of its own it gets as far as binding, fails, and
# removes only its own pid file.
"$PINETD" -c "$PN_CONF" -p "$PN_TMP/second.pid" 2>/dev/null; rc=$?
pn_expect "$rc" 3 "a second instance that cannot bind exits 3"
[ -e "$PN_TMP/second.pid" ] && pn_fail "the failed instance left its pid file" \
	|| pn_pass "the failed instance removed its own pid file"
pn_expect "$(cat "$PID" 2>/dev/null)" "$first" "the first's pid file still names the first"

kill -TERM "$first"
wait_gone "$first" && pn_pass "SIGTERM stops the first daemon" || pn_fail "the first daemon did not stop"
[ -e "$PID" ] && pn_fail "the owner left its pid file behind" || pn_pass "the owner removes its pid file"

# -c relative.conf, detached: the daemon changes to / but reloads the
# same file.
mkdir "$PN_TMP/etc" || exit 1
cat > "$PN_TMP/etc/relative.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P2" }
}
EOF
(cd "$PN_TMP/etc" && "$PINETD" -c relative.conf -p "$PN_TMP/rel.pid"); rc=$?
pn_expect "$rc" 0 "a detached start with -c relative.conf returns 0"
rel=$(cat "$PN_TMP/rel.pid" 2>/dev/null)
pn_expect "$(printf 'rel\n' | nc -q1 127.0.0.1 $P2)" "rel" "the relative configuration serves"
cat >> "$PN_TMP/etc/relative.conf" <<EOF
service ack {
    plugin = ack
    mode = reply
    reply = "reloaded"
    listen = { "tcp://127.0.0.1:$P3" }
}
EOF
kill -HUP "$rel"
if pn_wait_port tcp $P3; then
	pn_pass "SIGHUP reloads relative.conf from where the daemon started"
	pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $P3)" "reloaded" "the service added by the reload answers"
else
	pn_fail "SIGHUP did not reload relative.conf (the new service never listened)"
fi
pn_expect "$(printf 'kept\n' | nc -q1 127.0.0.1 $P2)" "kept" "the first service still answers"
kill -TERM "$rel"
wait_gone "$rel" && pn_pass "SIGTERM stops it" || pn_fail "the relative daemon did not stop"
[ -e "$PN_TMP/rel.pid" ] && pn_fail "its pid file was left behind" || pn_pass "its pid file is removed"

pn_done
