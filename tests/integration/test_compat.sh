#!/bin/bash
# Plugin API compatibility in both directions (pinetd/plugin.h,
# COMPATIBILITY), with one plugin built against descriptors of several
# sizes (tests/plugins/compat.c):
#   - one member shorter than the daemon's (an older 1.x header) loads and
#     serves, and the member it lacks counts as absent: its reconfigure,
#     whose bytes lie beyond its size, is never called (an option change
#     gets a new worker);
#   - one member longer (a newer header) loads and serves;
#   - the same size loads, and its reconfigure applies an option change in
#     place;
#   - below the minimum size, requiring a feature this daemon lacks, a flag
#     it does not know, the pre-1.0 symbol: refused with the documented
#     message naming plugin, path and reason.
. "$srcdir/integration/lib.sh"
pn_need nc ss
P=18921
TP=$abs_top_builddir/tests/plugins/.libs

# conf VARIANT WORD: one service of compat_VARIANT.so, by path.
conf() {
	cat > "$PN_CONF" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service c {
    plugin = "$TP/compat_$1.so"
    word = "$2"
    listen = { "tcp://127.0.0.1:$P" }
}
EOF
}
ask() { printf 'x\n' | nc -q1 127.0.0.1 "$P"; }
workers() { ps -o pid= --ppid "$PN_PID" | tr -d ' ' | sort | tr '\n' ' '; }

for v in same short long; do
	conf $v one
	out=$("$PINETD" -t -c "$PN_CONF" 2>&1)
	pn_expect "$?" 0 "compat_$v: -t accepts it"
	pn_start
	pn_expect "$(ask)" "compat $v: x" "compat_$v: loads and serves"
	before=$(workers)
	conf $v two
	if pn_reload; then
		pn_pass "compat_$v: an option change reloads"
	else
		pn_fail "compat_$v: reload refused"
	fi
	sleep 0.3
	after=$(workers)
	n=$(grep -c "compat reconfigure" "$PN_LOG")
	case $v in
	short)
		pn_expect "$n" 0 "compat_short: reconfigure beyond its size is absent (never called)"
		[ "$before" != "$after" ] && pn_pass "compat_short: a new worker serves the change" ||
			pn_fail "compat_short: the worker was kept ($before)"
		;;
	*)
		pn_expect "$n" 1 "compat_$v: reconfigure called once"
		pn_expect "$after" "$before" "compat_$v: the worker is kept"
		;;
	esac
	pn_expect "$(ask)" "compat $v: x" "compat_$v: serves after the reload"
	pn_stop
done

# refused VARIANT TEXT: -t and a start both refuse it, saying TEXT.
refused() {
	conf "$1" one
	out=$("$PINETD" -t -c "$PN_CONF" 2>&1); rc=$?
	[ "$rc" -ne 0 ] && pn_pass "compat_$1: -t refuses it" ||
		pn_fail "compat_$1: -t accepted it"
	case $out in
	*"plugin '$TP/compat_$1.so' ($TP/compat_$1.so): $2"*)
		pn_pass "compat_$1: the message names plugin, path and reason" ;;
	*) pn_fail "compat_$1: unexpected message: $out" ;;
	esac
}
refused tiny "descriptor is "
grep -q . /dev/null
out=$("$PINETD" -t -c "$PN_CONF" 2>&1)
case $out in
*"smaller than the"*"of plugin API 1.0"*) pn_pass "compat_tiny: says the minimum" ;;
*) pn_fail "compat_tiny: $out" ;;
esac
refused requires "requires feature 'teleport-9.9', which this daemon (plugin API 1.0) lacks: it needs a newer pinetd"
refused flag "uses flag 0x40000000, unknown to this daemon (plugin API 1.0): it needs a newer pinetd"
refused old "built against the pre-1.0 plugin API (it exports 'pinetd_plugin', not 'pinetd_plugin_v1'): rebuild it against pinetd/plugin.h 1.0"
pn_done
