#!/bin/bash
# The documented messages and exit codes: config errors, -t, usage,
# a port already in use (nothing half-started), a plugin whose init fails.
. "$srcdir/integration/lib.sh"
pn_need nc ss
P=17041
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs

# -t on a good file: the summary, exit 0, nothing bound.
pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P", "udp://[::1]:$P" }
}
service off {
    plugin = ack
    enabled = false
    listen = { "tcp://127.0.0.1:$((P+1))" }
}
EOF
out=$("$PINETD" -t -c "$PN_CONF" 2>&1); rc=$?
pn_expect "$rc" 0 "-t on a good file exits 0"
pn_expect "$out" "configuration $PN_CONF: 2 services, plugins from $PLUGIN_DIR
service echo         plugin echo       enabled  tcp://127.0.0.1:$P udp://[::1]:$P
service off          plugin ack        disabled tcp://127.0.0.1:$((P+1))" "-t prints the summary"
pn_expect "$(ss -Hltn "sport = :$P" | wc -l)" 0 "-t binds nothing"

# -t on a bad file: each error with file:line, exit 1.
cat > "$PN_TMP/bad.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:99999" }
    reply = "not mine"
}
service ack {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+1))" }
}
service ghost {
    plugin = ghost
    listen = { "tcp://127.0.0.1:$P" }
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/bad.conf" 2>&1); rc=$?
pn_expect "$rc" 1 "-t on a bad file exits 1"
pn_expect "$out" "$PN_TMP/bad.conf:13: service 'ghost': plugin 'ghost': no file ghost.so in plugin_dir $PLUGIN_DIR
pinetd: $PN_TMP/bad.conf: 1 error" "a missing plugin is named with its line and directory"
sed -i '/service ghost/,$d' "$PN_TMP/bad.conf"
out=$("$PINETD" -t -c "$PN_TMP/bad.conf" 2>&1); rc=$?
pn_expect "$rc" 1 "-t on bad options exits 1"
pn_expect "$out" "$PN_TMP/bad.conf:5: service 'echo': bad listen address 'tcp://127.0.0.1:99999': port '99999' out of range [1, 65535]
$PN_TMP/bad.conf:6: service 'echo': option 'reply' is not an option of plugin 'echo'
pinetd: $PN_TMP/bad.conf: 2 errors" "bad address and foreign option, each with file:line"
# Starting on a bad file fails the same way, before binding anything.
out=$("$PINETD" -f -c "$PN_TMP/bad.conf" 2>&1); rc=$?
pn_expect "$rc" 1 "starting with a bad file exits 1"

# A plugin whose init() refuses: -t and start both report it, exit 1.
cat > "$PN_TMP/init.conf" <<EOF
plugin_dir = "$TESTPLUGINS"
services_dir = ""
service failing {
    plugin = bad_init
    listen = { "tcp://127.0.0.1:$P" }
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/init.conf" 2>&1); rc=$?
pn_expect "$rc:$out" "1:$PN_TMP/init.conf:4: service 'failing': plugin 'bad_init': refusing to start: this plugin always fails
pinetd: $PN_TMP/init.conf: 1 error" "-t runs plugin init and reports its refusal"
out=$("$PINETD" -f -c "$PN_TMP/init.conf" 2>&1); rc=$?
pn_expect "$rc:$out" "1:pinetd: error: $PN_TMP/init.conf:4: service 'failing': plugin 'bad_init': refusing to start: this plugin always fails" \
	"a refusing plugin stops the start with exit 1"

# Usage errors: exit 2.
out=$("$PINETD" --bogus 2>&1); rc=$?
pn_expect "$rc" 2 "an unknown option exits 2"
out=$("$PINETD" -f -c "$PN_CONF" extra 2>&1); rc=$?
pn_expect "$rc:$(echo "$out" | head -1)" "2:pinetd: unexpected argument 'extra'" "a stray argument exits 2"
out=$("$PINETD" --version); rc=$?
pn_expect "$rc:$out" "0:pinetd 0.1.0 (plugin ABI 1)" "--version"
"$PINETD" --help | grep -q '^Exit status: 0 ok, 1 configuration error, 2 usage error, 3 system error.$'
pn_expect "$?" 0 "--help documents the exit codes"

# A port already in use: exit 3, the message names service, address and
# reason, and the port bound before it is released again.
pn_config <<EOF
service first {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+2))" }
}
service second {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+3))" }
}
EOF
nc -l 127.0.0.1 $((P+3)) >/dev/null 2>&1 &
holder=$!
pn_wait_port tcp $((P+3))
out=$("$PINETD" -f -c "$PN_CONF" 2>&1); rc=$?
kill $holder 2>/dev/null; wait $holder 2>/dev/null
pn_expect "$rc" 3 "a bind failure exits 3"
pn_expect "$out" "pinetd: error: service 'second': cannot bind tcp://127.0.0.1:$((P+3)): Address already in use" \
	"a bind failure names the service, the address and the reason"
pn_expect "$(ss -Hltn "sport = :$((P+2))" | wc -l)" 0 "nothing half-started: the first port is free again"

# --list-plugins with a plugin directory that is not there: exit 1, saying
# which directory and why.
out=$("$PINETD" --list-plugins -P "$PN_TMP/none" 2>&1); rc=$?
pn_expect "$rc" 1 "--list-plugins with a missing directory exits 1"
pn_expect "$out" "pinetd: plugin directory $PN_TMP/none: No such file or directory" \
	"--list-plugins names the missing plugin directory"

pn_done
