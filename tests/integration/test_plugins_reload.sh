#!/bin/bash
# Each reload learns its plugins afresh, and new workers run the plugin
# file as it is on disk (issue 12, item 7):
#   (a) a plugin removed from the file leaves nothing behind: its options
#       cannot make a reload refuse a file that -t accepts;
#   (b) an upgraded NAME.so is loaded by the workers a reload starts,
#       while the workers it keeps go on with the file they loaded;
#   (c) the log says which plugin file changed.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P1=18811  # variant, then removed, then back
P2=18812  # otherv: option "greeting" with another type than variant's
P3=18813  # variant, kept across the upgrade
P4=18814  # variant, changed by the reload of the upgrade
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs

# A plugin directory of the test's own, readable by the checker's and
# the workers' users, holding "variant" version 1.
PD=$PN_TMP/plugins
mkdir -m 755 "$PD" || exit 1
cp "$TESTPLUGINS/variant_v1.so" "$PD/variant.so" &&
	cp "$TESTPLUGINS/otherv.so" "$PD/otherv.so" || exit 1

# conf: the services on stdin, with the test's plugin directory first.
conf() {
	{
		echo "plugin_dir = \"$PD:$PLUGIN_DIR\""
		echo "services_dir = \"\""
		cat
	} > "$PN_CONF"
}

# ask PORT: the reply to one line.
ask() {
	printf 'x\n' | nc -q1 127.0.0.1 "$1"
}

# (a) The issue's reproduction: a service of plugin variant (greeting is
# a string) is removed and one of plugin otherv (greeting is an integer)
# added.  -t accepts the new file; a reload used to refuse it, because
# the daemon's registry still held variant and its "greeting".
conf <<EOF
service v {
    plugin = variant
    greeting = "hi"
    listen = { "tcp://127.0.0.1:$P1" }
}
EOF
pn_start
pn_expect "$(ask $P1)" "v1 hi" "variant serves"
conf <<EOF
service o {
    plugin = otherv
    greeting = 42
    listen = { "tcp://127.0.0.1:$P2" }
}
EOF
out=$("$PINETD" -t -c "$PN_CONF" 2>&1); rc=$?
pn_expect "$rc" 0 "-t accepts the file without variant"
pn_reload && pn_pass "a reload accepts it too" \
	|| { pn_fail "the reload was refused"; grep -a 'error' "$PN_LOG" | tail -3 >&2; }
pn_wait_port tcp $P2
pn_expect "$(ask $P2)" "other 42" "otherv serves, with its integer greeting"
ss -Hltn "sport = :$P1" | grep -q . && pn_fail "the removed service still listens" \
	|| pn_pass "the removed service is gone"
# And back: otherv's integer greeting does not stay behind either.
conf <<EOF
service v {
    plugin = variant
    greeting = "back"
    listen = { "tcp://127.0.0.1:$P1" }
}
EOF
pn_reload && pn_pass "a reload back to variant is accepted" \
	|| { pn_fail "the reload back to variant was refused"; grep -a 'error' "$PN_LOG" | tail -3 >&2; }
pn_wait_port tcp $P1
pn_expect "$(ask $P1)" "v1 back" "variant serves again"
grep -a -q "changed on disk" "$PN_LOG" && pn_fail "a change logged where no file changed" \
	|| pn_pass "no plugin file change logged while none changed"
pn_stop

# (b) and (c) An upgrade: two services of variant; version 2 is
# installed (a new file renamed over the old one, as install(1) does),
# then a reload changes one service and keeps the other.
cp "$TESTPLUGINS/variant_v1.so" "$PD/variant.so" || exit 1
conf <<EOF
service keep {
    plugin = variant
    greeting = "k"
    listen = { "tcp://127.0.0.1:$P3" }
}
service chg {
    plugin = variant
    greeting = "c"
    listen = { "tcp://127.0.0.1:$P4" }
}
EOF
pn_start
pn_expect "$(ask $P3)" "v1 k" "before the upgrade: keep runs version 1"
pn_expect "$(ask $P4)" "v1 c" "before the upgrade: chg runs version 1"
cp "$TESTPLUGINS/variant_v2.so" "$PD/variant.so.new" && mv "$PD/variant.so.new" "$PD/variant.so" || exit 1
sed -i 's/greeting = "c"/greeting = "c2"/' "$PN_CONF"
pn_reload && pn_pass "the reload after the upgrade is accepted" || pn_fail "the reload after the upgrade was refused"
pn_expect "$(ask $P4)" "v2 c2" "the replaced worker loaded version 2"
pn_expect "$(ask $P3)" "v1 k" "the kept worker goes on with version 1"
pn_expect "$(grep -a -c "plugin 'variant' ($PD/variant.so) changed on disk since it was loaded; new workers load the new file, the kept workers of keep go on with the old one until they restart" "$PN_LOG")" 1 \
	"the log says the plugin file changed, and which workers keep the old one"
# A service added now runs version 2 too; the change is not logged again.
cat >> "$PN_CONF" <<EOF
service added {
    plugin = variant
    greeting = "a"
    listen = { "tcp://127.0.0.1:$((P4 + 1))" }
}
EOF
pn_reload || pn_fail "the reload adding a service was refused"
pn_wait_port tcp $((P4 + 1))
pn_expect "$(ask $((P4 + 1)))" "v2 a" "a service added later runs version 2"
pn_expect "$(grep -a -c "changed on disk" "$PN_LOG")" 1 "the change is logged once"
pn_stop

pn_done
