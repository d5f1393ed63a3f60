#!/bin/bash
# The README's first command runs etc/pinetd.dev.conf: every service of it
# starts, and every example command of the README's "Services of the
# development configuration" block prints what its comment says.  The
# plugin directory is the build tree's (the file names it relative to the
# source tree, which is another directory in a VPATH build).
. "$srcdir/integration/lib.sh"
pn_need nc ss
top_srcdir=$(cd "$srcdir/.." && pwd)
sed "s|^plugin_dir *=.*|plugin_dir = \"$PLUGIN_DIR\"|" \
	"$top_srcdir/etc/pinetd.dev.conf" > "$PN_CONF" || exit 1
grep -q '^plugin_dir = "/' "$PN_CONF" || { pn_fail "no plugin_dir line replaced"; pn_done; }
out=$("$PINETD" -t -c "$PN_CONF" 2>&1) && pn_pass "-t accepts the development configuration" ||
	pn_fail "-t refuses it: $out"
pn_start

# The block: the first ```sh fence after the heading.
cmds=$(awk '/^## Services of the development configuration/ { s = 1 }
	s && /^```sh$/ { f = 1; next } f && /^```$/ { exit } f' "$top_srcdir/README.md")
n=0
while IFS= read -r line; do
	[ -n "$line" ] || continue
	cmd=${line%%#*}
	want=${line##*# }
	got=$(bash -c "$cmd" 2>&1)
	pn_expect "$got" "$want" "README: $cmd"
	n=$((n + 1))
done <<<"$cmds"
[ "$n" -ge 6 ] && pn_pass "$n example commands checked" || pn_fail "only $n example commands found"
# Every service of the table listens.
for port in $(awk -F'|' '/^\| [a-z]+ \| [0-9]+ \|/ { print $3 }' "$top_srcdir/README.md"); do
	ss -Hltn "sport = :$port" | grep -q . && pn_pass "port $port listens" ||
		pn_fail "port $port of the README's table does not listen"
done
pn_stop
pn_done
