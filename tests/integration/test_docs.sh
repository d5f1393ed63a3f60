#!/bin/bash
# pinetd-plugin(3) agrees with the code:
#  - its two examples are examples/hello/hello.c and examples/ticker/ticker.c
#    byte for byte, compile warning-free against include/, list, and the
#    daemon serves them;
#  - every member of struct pinetd_plugin, struct pinetd_option and struct
#    pinetd_core is documented (an .It entry of its section), and every
#    entry documented there is a member: nothing missing, nothing stale;
#  - every macro <pinetd/plugin.h> defines is named on the page;
#  - THE TEST KIT documents every function of tests/kit/pinetd_testkit.h
#    (<pinetd/testkit.h>), and only those.
. "$srcdir/integration/lib.sh"
pn_need nc ss cc
P=17861
P_TICKER=17862
top_srcdir=${top_srcdir:-$srcdir/..}
page=$top_srcdir/man/pinetd-plugin.3
header=$top_srcdir/include/pinetd/plugin.h
kit=$top_srcdir/tests/kit/pinetd_testkit.h

# example NAME: the page's example NAME, as C.
example() {
	sed -n "/^\.\\\\\" example-begin $1\$/,/^\.\\\\\" example-end/p" "$page" |
		sed '/^\.[A-Za-z\\]/d; s/^\\&//; s/\\e/\\/g'
}
for ex in hello ticker; do
	example $ex > "$PN_TMP/$ex.c"
	if cmp -s "$PN_TMP/$ex.c" "$top_srcdir/examples/$ex/$ex.c"; then
		pn_pass "the page's $ex example is examples/$ex/$ex.c"
	else
		pn_fail "the page's $ex example differs from examples/$ex/$ex.c:"
		diff -u "$top_srcdir/examples/$ex/$ex.c" "$PN_TMP/$ex.c" | head -30 >&2
	fi
done

# Plugins are loaded as the default user (nobody when root), not as root:
# they must be readable by it, and mktemp -d made PN_TMP 0700.
chmod 755 "$PN_TMP"
mkdir -p "$PN_TMP/plugins"
for ex in hello ticker; do
	if cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
		-I"$top_srcdir/include" -o "$PN_TMP/plugins/$ex.so" "$PN_TMP/$ex.c" \
		2> "$PN_TMP/cc-$ex.log"; then
		pn_pass "the $ex example compiles with -Wall -Wextra -Werror"
	else
		pn_fail "the $ex example does not compile"; cat "$PN_TMP/cc-$ex.log" >&2
	fi
done
out=$("$PINETD" --list-plugins -P "$PN_TMP/plugins")
pn_expect "$out" 'hello      tcp      greets each name it is sent, one per line
    greeting = "hello" (string): the word before each name
ticker     tcp      a line every interval seconds, and the lines of a FIFO
    interval = 1 (integer): seconds between two ticks
    fifo = "" (string): a FIFO whose lines go to every client' \
	"--list-plugins shows both with their options"

mkfifo -m 666 "$PN_TMP/fifo"
pn_config <<EOF2
plugin_dir = "$PN_TMP/plugins"
service hello {
    plugin   = hello
    listen   = { "tcp://127.0.0.1:$P" }
    greeting = "howdy"
}
service ticker {
    plugin   = ticker
    listen   = { "tcp://127.0.0.1:$P_TICKER" }
    interval = 1
    fifo     = "$PN_TMP/fifo"
}
EOF2
sed -i '0,/^plugin_dir = .*/{/^plugin_dir = .*/d}' "$PN_CONF"
pn_start
pn_expect "$(printf 'Ada\n\n' | nc -q1 127.0.0.1 $P)" "howdy, Ada!
howdy, world!" "the daemon serves the hello example"
timeout 10 nc 127.0.0.1 $P_TICKER 2>/dev/null | head -n 3 > "$PN_TMP/ticker.out" &
reader=$!
sleep 0.3
printf 'first\n' > "$PN_TMP/fifo"
wait $reader
pn_expect "$(cat "$PN_TMP/ticker.out")" "first
tick 1
tick 2" "the daemon serves the ticker example: a FIFO line, then ticks"
pn_stop

# ---- the page names what the header declares, and only that ----

# members STRUCT [fn]: the members of struct STRUCT in the header (only
# its function pointers with fn), one a line, sorted.  A member is a line
# indented by one tab inside the struct; comments are dropped first.
members() {
	awk -v s="struct $1 {" -v fnonly="${2-}" '
		index($0, s) == 1 { on = 1; next }
		on && /^};/ { exit }
		!on { next }
		{ sub(/\/\*.*\*\//, "") }
		/\/\*/ { incomment = 1; next }
		incomment { if (/\*\//) incomment = 0; next }
		!/^\t[a-z]/ { next }
		match($0, /\(\*[a-z_0-9]+\)/) {
			print substr($0, RSTART + 2, RLENGTH - 3); next
		}
		fnonly == "" {
			sub(/;.*/, ""); gsub(/,/, " , ")
			n = split($0, w, " ")
			for (i = 2; i <= n; i++)
				if (w[i + 1] == "," || i == n) {
					x = w[i]; gsub(/\*/, "", x); print x
				}
		}' "$header" | sort -u
}
# documented FROM TO: the names of the .It entries of the page between
# the lines matching FROM and TO: what follows the entry's first Va or Fn,
# each of a comma-separated list, sorted.
documented() {
	sed -n "/$1/,/$2/p" "$page" | awk '
		/^\.It / && match($0, / (Va|Fn) /) {
			n = split(substr($0, RSTART + RLENGTH), part, / , /)
			for (i = 1; i <= n; i++) { split(part[i], w, " "); print w[1] }
		}' | sort -u
}
expect_same_names() {
	if [ "$1" = "$2" ]; then
		pn_pass "$3: every member documented, no stale entry ($(echo "$1" | wc -l))"
	else
		pn_fail "$3: header and page differ (< header, > page):"
		diff <(echo "$1") <(echo "$2") >&2
	fi
}
# The descriptor's section has an entry per member (one for all the
# callbacks); "Callbacks" one per callback.
expect_same_names "$(members pinetd_plugin)" \
	"$(documented '^\.Ss The descriptor' '^\.Ss Options')" \
	"struct pinetd_plugin"
expect_same_names "$(members pinetd_plugin fn)" \
	"$(documented '^\.Ss Callbacks' '^\.Ss The core table')" \
	"struct pinetd_plugin's callbacks"
expect_same_names "$(members pinetd_option)" \
	"$(documented '^\.Ss Options' '^\.Ss Callbacks')" "struct pinetd_option"
# abi and size are described in the section's prose.
expect_same_names "$(members pinetd_core | grep -vx 'abi\|size')" \
	"$(documented '^\.Ss The core table' '^\.Sh LIFECYCLE')" \
	"struct pinetd_core"
expect_same_names "$(members pinetd_service_info)" \
	"$(sed -n '/^\.Vt struct pinetd_service_info$/,/^\.It /p' "$page" |
		sed -n 's/^\.Vt .* Va \([a-z_]*\).*/\1/p' | sort -u)" \
	"struct pinetd_service_info"

# Every macro of the header is named on the page.
missing=$(grep -o '^#define PINETD_[A-Z0-9_]*' "$header" | sed 's/#define //' |
	grep -vx PINETD_PLUGIN_H | while read -r m; do
		grep -q "\\<$m\\>" "$page" || echo "$m"
	done)
pn_expect "$missing" "" "every macro of <pinetd/plugin.h> is named on the page"

# The kit's functions: declared outside comments in its header; on the
# page, the .It Fn entries of THE TEST KIT.
expect_same_names "$(grep -v '^ \*\|^/\*\|^#' "$kit" | grep -o '\<pt_[a-z_0-9]*(' |
	tr -d '(' | sort -u)" \
	"$(sed -n '/^\.Sh THE TEST KIT/,/^\.Sh EXAMPLES/p' "$page" | awk '
		/^\.It / && match($0, / Fn /) {
			split(substr($0, RSTART + RLENGTH), w, " "); print w[1]
		}' | sort -u)" \
	"the test kit's functions"
pn_done
