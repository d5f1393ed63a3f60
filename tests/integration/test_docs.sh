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
# Every page of man/:
#  - installed (`make install-man` with prefix=/opt/x sysconfdir=/opt/x/etc
#    into a DESTDIR), carries those paths and neither a default path
#    (/etc/pinetd, /usr/lib/pinetd) nor a placeholder;
#  - lints clean (mandoc -Tlint -Wwarning), as written and as installed;
#  - names every other page of man/ in its SEE ALSO, and nothing there
#    that is neither a page of man/ nor a known system page;
# and every plugin the build lists (pinetd -L) has a page (one whose
# SYNOPSIS configures it, or its "Plugin NAME" section of pinetd.conf(5))
# with an entry for each of its options, and is named by pinetd(8).
. "$srcdir/integration/lib.sh"
pn_need nc ss cc mandoc make
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

# ---- the man pages ----

mandir_src=$top_srcdir/man
pages=$(cd "$mandir_src" && ls *.[0-9])

# Make of the build tree, without the jobserver and flags of a `make
# check` this script may be running under.
bmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR \
		make --no-print-directory -C "$abs_top_builddir" "$@"
}
D=$PN_TMP/mandest
other="prefix=/opt/x sysconfdir=/opt/x/etc"
eval "$(bmake -s -C man $other pn-man-paths)"
pn_expect "$sysconfdir $plugindir" "/opt/x/etc /opt/x/lib/pinetd" \
	"the man Makefile takes prefix and sysconfdir from make's command line"
# mangen: the pages are made in a directory of the test's own, so the
# build tree's are left as configured.
if bmake -C man $other mangen="$PN_TMP/mangen" DESTDIR="$D" install-man \
	> "$PN_TMP/install-man.log" 2>&1; then
	pn_pass "make install-man with other paths"
else
	pn_fail "make install-man with other paths"; cat "$PN_TMP/install-man.log" >&2
fi
installed=$(cd "$D$mandir" 2>/dev/null && ls man*/* | sed 's|.*/||' | sort)
pn_expect "$installed" "$(echo "$pages" | sort)" "every page of man/ is installed, and only those"
left=$(cd "$D$mandir" &&
	grep -n -E '(^|[^x])/etc/pinetd|/usr/lib/pinetd|LIBDIR|SYSCONFDIR|@[A-Z_]+@' man*/*)
pn_expect "$left" "" "the installed pages hold no default path and no placeholder"
for want in "/opt/x/etc/pinetd/pinetd.conf" "/opt/x/etc/pinetd/services.d" \
	"/opt/x/lib/pinetd"; do
	for p in man8/pinetd.8 man5/pinetd.conf.5; do
		if grep -q -F "$want" "$D$mandir/$p"; then
			pn_pass "installed $p names $want"
		else
			pn_fail "installed $p does not name $want"
		fi
	done
done

lint=$(cd "$mandir_src" && mandoc -Tlint -Wwarning $pages 2>&1)
pn_expect "$lint" "" "the pages of man/ lint clean"
lint=$(cd "$D$mandir" && mandoc -Tlint -Wwarning man*/* 2>&1)
pn_expect "$lint" "" "the installed pages lint clean"

# seealso PAGE: the NAME.SECTION of every Xr of PAGE's SEE ALSO, sorted.
seealso() {
	sed -n '/^\.Sh SEE ALSO/,/^\.Sh /s/^\.Xr \([^ ]*\) \([0-9]\).*/\1.\2/p' \
		"$mandir_src/$1" | sort
}
# Pages of other packages a page may point to.
system_pages="cat.1 nc.1 socat.1 tcpserver.1 telnet.1 shutdown.2 ctime.3
inetd.conf.5 systemd.socket.5 xinetd.conf.5 inetd.8 systemd-socket-proxyd.8"
for page in $pages; do
	refs=$(seealso "$page")
	missing=$(echo "$pages" | grep -vx -F "$page" | grep -vx -F "$refs")
	pn_expect "$missing" "" "$page: SEE ALSO names every other page of man/"
	unknown=$(echo "$refs" | grep -vx -F "$pages" |
		grep -vx -F "$(echo "$system_pages" | tr ' ' '\n')")
	pn_expect "$unknown" "" "$page: SEE ALSO names only pages of man/ and known system pages"
done

# plugin_page NAME: the page of plugin NAME: the one whose SYNOPSIS
# configures it, else pinetd.conf.5 when it has a "Plugin NAME" section.
plugin_page() {
	local page
	for page in $pages; do
		sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$mandir_src/$page" |
			grep -q -E "^ *plugin *= *$1\$" && { echo "$page"; return; }
	done
	grep -q "^\.Ss Plugin $1\$" "$mandir_src/pinetd.conf.5" && echo pinetd.conf.5
}
# page_text NAME PAGE: the part of PAGE that documents plugin NAME.
page_text() {
	if [ "$2" = pinetd.conf.5 ]; then
		sed -n "/^\\.Ss Plugin $1\$/,/^\\.S[sh] /p" "$mandir_src/$2"
	else
		cat "$mandir_src/$2"
	fi
}
"$PINETD" --list-plugins -P "$PLUGIN_DIR" > "$PN_TMP/plugins.txt" 2>&1 ||
	pn_fail "pinetd --list-plugins failed: $(cat "$PN_TMP/plugins.txt")"
plugins=$(sed -n 's/^\([a-z0-9_]*\)  .*/\1/p' "$PN_TMP/plugins.txt")
[ "$(echo "$plugins" | wc -l)" -ge 10 ] ||
	pn_fail "pinetd --list-plugins lists fewer than the 10 shipped plugins: $plugins"
for plug in $plugins; do
	page=$(plugin_page "$plug")
	if [ -z "$page" ]; then
		pn_fail "plugin $plug has no page"
		continue
	fi
	options=$(awk -v p="$plug" '/^[^ ]/ { on = ($1 == p) } on && /^    [a-z]/ { print $1 }' \
		"$PN_TMP/plugins.txt")
	undocumented=$(for o in $options; do
		page_text "$plug" "$page" | grep -q -E "^\\.It Cm $o( |\$)" || echo "$o"
	done)
	pn_expect "$undocumented" "" "plugin $plug: $page has an entry for each of its options ($(echo $options | wc -w))"
	sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$mandir_src/pinetd.8" |
		grep -q -E "^\\.It Cm (.*, )?$plug( ,|\$)" &&
		pn_pass "pinetd(8) names plugin $plug" ||
		pn_fail "pinetd(8) does not name plugin $plug"
done
pn_done
