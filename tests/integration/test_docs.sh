#!/bin/bash
# The plugin API page's example is a complete plugin: extract it from
# man/pinetd-plugin.3, compile it warning-free against include/, list it
# and serve it through the daemon.
. "$srcdir/integration/lib.sh"
pn_need nc ss cc
P=17861
top_srcdir=${top_srcdir:-$srcdir/..}
page=$top_srcdir/man/pinetd-plugin.3

sed -n '/^\.\\" example-begin/,/^\.\\" example-end/p' "$page" |
	sed '/^\./d; s/\\e/\\/g' > "$PN_TMP/hello.c"
pn_expect "$(grep -c PINETD_PLUGIN_DEFINE "$PN_TMP/hello.c")" 1 "the example is extracted from the man page"
# Plugins are loaded as the default user (nobody when root), not as root:
# they must be readable by it, and mktemp -d made PN_TMP 0700.
chmod 755 "$PN_TMP"
mkdir -p "$PN_TMP/plugins"
if cc -Wall -Wextra -Werror -shared -fPIC -I"$top_srcdir/include" \
	-o "$PN_TMP/plugins/hello.so" "$PN_TMP/hello.c" 2> "$PN_TMP/cc.log"; then
	pn_pass "the example compiles with -Wall -Wextra -Werror"
else
	pn_fail "the example does not compile"; cat "$PN_TMP/cc.log" >&2
fi
out=$("$PINETD" --list-plugins -P "$PN_TMP/plugins")
pn_expect "$out" 'hello      tcp      greets each line
    who = "world" (string): whom to greet' "--list-plugins shows it with its option"

pn_config <<EOF
plugin_dir = "$PN_TMP/plugins"
service hello {
    plugin = hello
    listen = { "tcp://127.0.0.1:$P" }
    who = "you"
}
EOF
sed -i '0,/^plugin_dir = .*/{/^plugin_dir = .*/d}' "$PN_CONF"
pn_start
pn_expect "$(printf 'hi\n' | nc -q1 127.0.0.1 $P)" "hello you, you said: hi" "the daemon serves the example"
pn_stop
pn_done
