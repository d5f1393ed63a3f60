#!/bin/bash
# test_install.sh -- pinetd as installed, not as built.
#
#  1. `make install DESTDIR=$tmp` of this build tree: every file where it
#     belongs (daemon, plugins, configuration and its .dist copies, headers,
#     test kit, pkg-config files, man pages, systemd units).
#  2. The .dist rule: a second install over an edited pinetd.conf and
#     echo.conf keeps both edits, refreshes the .dist copies and restores a
#     deleted service file.
#  3. The shipped configuration passes `pinetd -t` with the installed
#     plugins: echo enabled, every other service disabled.
#  4. The installed systemd units pass `systemd-analyze verify` (when
#     systemd-analyze is available).
#  5. examples/hello and examples/ticker build against the INSTALLED SDK
#     only (pkg-config with PKG_CONFIG_SYSROOT_DIR into the DESTDIR), and
#     their cmocka tests pass against the installed test kit.
#  6. The installed daemon serves hello.so, ticker.so (a timer and a FIFO
#     watch) and an installed plugin; replies are checked byte for byte.
#  7. `make uninstall` leaves exactly the two edited configuration files.
#
# Ports: 17500-17599.

. "$srcdir/integration/lib.sh"

pn_need nc ss make cc pkg-config cmp

: "${top_srcdir:=$srcdir/..}"
abs_top_srcdir=$(cd "$top_srcdir" && pwd)
P_HELLO=17500
P_ECHO=17501
P_TICKER=17502

# Make of the build tree, without the jobserver and flags of a `make
# check` this script may be running under.
bmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR \
		make --no-print-directory -C "$abs_top_builddir" "$@"
}

# The configured directories (prefix, sbindir, plugindir, ...).
dirs=$(bmake -s -C tests pn-install-dirs) || {
	echo "cannot read the install directories from tests/Makefile" >&2
	exit 1
}
eval "$dirs"

D=$PN_TMP/destdir
# pinetd loads plugins as the default user (nobody when root), not as
# root: the installed ones must be reachable by it, and mktemp -d made
# PN_TMP 0700.
chmod 755 "$PN_TMP"
conf=$D$sysconfdir/pinetd
SERVICES="echo discard daytime chargen time ack chat telnet"

# expect_file PATH WHAT: PATH exists as a regular file.
expect_file() {
	if [ -f "$1" ]; then pn_pass "$2"; else pn_fail "$2: no file $1"; fi
}

# expect_same A B WHAT: two files with the same bytes.
expect_same() {
	if cmp -s "$1" "$2"; then
		pn_pass "$3"
	else
		pn_fail "$3: $1 and $2 differ"
		diff -u "$2" "$1" 2>&1 | head -20 >&2
	fi
}

# expect_bytes FILE FORMAT WHAT: FILE holds exactly printf FORMAT.
expect_bytes() {
	printf -- "$2" > "$PN_TMP/expected"
	if cmp -s "$1" "$PN_TMP/expected"; then
		pn_pass "$3"
	else
		pn_fail "$3"
		printf '  expected: %s\n  actual:   %s\n' \
			"$(od -c "$PN_TMP/expected" | head -5)" "$(od -c "$1" | head -5)" >&2
	fi
}

# ---- 1. install and layout ----
if ! bmake install DESTDIR="$D" >"$PN_TMP/install1.log" 2>&1; then
	tail -30 "$PN_TMP/install1.log" >&2
	echo "FAIL: make install DESTDIR=$D" >&2
	exit 1
fi

if [ -x "$D$sbindir/pinetd" ]; then
	pn_pass "daemon installed in sbindir"
else
	pn_fail "daemon: no executable $D$sbindir/pinetd"
fi
for s in $SERVICES; do
	expect_file "$D$plugindir/$s.so" "plugin $s.so in plugindir"
	expect_file "$conf/services.d/$s.conf" "services.d/$s.conf"
	expect_same "$conf/services.d/$s.conf" "$conf/services.d/$s.conf.dist" \
		"services.d/$s.conf.dist is the shipped $s.conf"
done
expect_file "$conf/pinetd.conf" "pinetd.conf"
expect_same "$conf/pinetd.conf" "$conf/pinetd.conf.dist" \
	"pinetd.conf.dist is the shipped pinetd.conf"
expect_same "$conf/pinetd.conf" "$abs_top_builddir/etc/pinetd.conf" \
	"pinetd.conf is the one built in etc/"
if grep -q '@[[:upper:]_]*@' "$conf/pinetd.conf"; then
	pn_fail "pinetd.conf has an unsubstituted placeholder"
fi
expect_bytes <(grep '^#plugin_dir' "$conf/pinetd.conf") \
	"#plugin_dir = \"$plugindir\"\n" "pinetd.conf names the plugin directory"
expect_file "$D$includedir/pinetd/plugin.h" "<pinetd/plugin.h>"
expect_same "$D$includedir/pinetd/testkit.h" \
	"$abs_top_srcdir/tests/kit/pinetd_testkit.h" \
	"<pinetd/testkit.h> is the test kit's header"
expect_file "$D$libdir/libpinetd-testkit.a" "libpinetd-testkit.a"
expect_file "$D$libdir/pkgconfig/pinetd.pc" "pinetd.pc"
expect_file "$D$libdir/pkgconfig/pinetd-testkit.pc" "pinetd-testkit.pc"
for m in man8/pinetd.8 man5/pinetd.conf.5 man8/pinetd-builtins.8 \
	man8/pinetd-chat.8; do
	expect_file "$D$mandir/$m" "man page $m"
done
unit=$D$systemdsystemunitdir/pinetd.service
if [ -n "$systemdsystemunitdir" ]; then
	expect_file "$D$systemdsystemunitdir/pinetd.socket" "pinetd.socket"
	expect_bytes <(grep '^ExecStart=' "$unit") \
		"ExecStart=$sbindir/pinetd -f\n" "pinetd.service runs the installed daemon"
else
	pn_pass "no systemd unit directory configured"
fi

# ---- 2. the .dist rule ----
cp "$conf/pinetd.conf" "$PN_TMP/edited.conf"
printf 'log_level = notice   # edited by the administrator\n' >> "$PN_TMP/edited.conf"
cp "$PN_TMP/edited.conf" "$conf/pinetd.conf"
cp "$conf/services.d/echo.conf" "$PN_TMP/edited-echo.conf"
printf '# echo: edited by the administrator\n' >> "$PN_TMP/edited-echo.conf"
cp "$PN_TMP/edited-echo.conf" "$conf/services.d/echo.conf"
echo stale > "$conf/pinetd.conf.dist"
rm "$conf/services.d/time.conf"

if ! bmake install DESTDIR="$D" >"$PN_TMP/install2.log" 2>&1; then
	tail -30 "$PN_TMP/install2.log" >&2
	echo "FAIL: second make install DESTDIR=$D" >&2
	exit 1
fi
expect_same "$conf/pinetd.conf" "$PN_TMP/edited.conf" \
	"a second install keeps the edited pinetd.conf"
expect_same "$conf/services.d/echo.conf" "$PN_TMP/edited-echo.conf" \
	"a second install keeps the edited services.d/echo.conf"
expect_same "$conf/pinetd.conf.dist" "$abs_top_builddir/etc/pinetd.conf" \
	"a second install refreshes pinetd.conf.dist"
expect_same "$conf/services.d/time.conf" "$conf/services.d/time.conf.dist" \
	"a second install restores a deleted services.d/time.conf"
if grep -q "keeping $conf/pinetd.conf " "$PN_TMP/install2.log"; then
	pn_pass "the install says it keeps pinetd.conf"
else
	pn_fail "the install does not say it keeps pinetd.conf"
fi

# ---- 3. the shipped configuration, checked by the installed daemon ----
# The installed pinetd.conf (with its edit), pointed at the DESTDIR's
# services.d: the compiled-in default is the real $sysconfdir.
{
	cat "$conf/pinetd.conf"
	echo "services_dir = \"$conf/services.d\""
} > "$PN_TMP/shipped.conf"
if "$D$sbindir/pinetd" -t -c "$PN_TMP/shipped.conf" -P "$D$plugindir" \
	>"$PN_TMP/check.out" 2>&1; then
	pn_pass "pinetd -t accepts the shipped configuration"
else
	pn_fail "pinetd -t rejects the shipped configuration:"
	cat "$PN_TMP/check.out" >&2
fi
states=$(awk '$1 == "service" { print $2, $5, $6 }' "$PN_TMP/check.out" | sort)
expect_bytes <(printf '%s\n' "$states") "\
ack disabled tcp://127.0.0.1:7001
chargen disabled tcp://127.0.0.1:19
chat disabled tcp://127.0.0.1:7002
daytime disabled tcp://127.0.0.1:13
discard disabled tcp://127.0.0.1:9
echo enabled tcp://127.0.0.1:7
proxy disabled tcp://127.0.0.1:8081
telnet disabled tcp://127.0.0.1:23
time disabled tcp://127.0.0.1:37
" "shipped services: only echo enabled, all on loopback"

# Every option the shipped files show commented out ("#name = default",
# as opposed to "# prose") is a real option with a valid value: uncomment
# them all and check again (disabled services are checked too).
mkdir "$PN_TMP/uncommented"
for f in "$conf"/services.d/*.conf; do
	sed 's/^\( *\)#\([a-z_]* = \)/\1\2/' "$f" > "$PN_TMP/uncommented/${f##*/}"
done
{
	sed 's/^#\([a-z_]* = \)/\1/' "$conf/pinetd.conf"
	echo "services_dir = \"$PN_TMP/uncommented\""
} > "$PN_TMP/uncommented.conf"
n=$(cat "$conf/pinetd.conf" "$conf"/services.d/*.conf | grep -c '^ *#[a-z_]* = ' || :)
if "$D$sbindir/pinetd" -t -c "$PN_TMP/uncommented.conf" -P "$D$plugindir" \
	>"$PN_TMP/check2.out" 2>&1 && [ "$n" -ge 15 ]; then
	pn_pass "every commented-out option of the shipped files is valid ($n settings)"
else
	pn_fail "the shipped files' commented-out options ($n settings):"
	cat "$PN_TMP/check2.out" >&2
fi

# ---- 4. systemd-analyze verify ----
# ExecStart and ExecReload must name existing binaries: the DESTDIR's.  The man pages
# named by Documentation= are looked up in the DESTDIR too.
if [ -z "$systemdsystemunitdir" ]; then
	:
elif ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "note: systemd-analyze not installed, units not verified"
else
	mkdir "$PN_TMP/units"
	sed "s|^\(Exec[A-Za-z]*\)=$sbindir/|\1=$D$sbindir/|" "$unit" \
		> "$PN_TMP/units/pinetd.service"
	cp "$D$systemdsystemunitdir/pinetd.socket" "$PN_TMP/units/"
	if (cd "$PN_TMP/units" &&
		MANPATH="$D$mandir:$(manpath 2>/dev/null)" SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify ./pinetd.service ./pinetd.socket) \
		>"$PN_TMP/verify.out" 2>&1 && [ ! -s "$PN_TMP/verify.out" ]; then
		pn_pass "systemd-analyze verify: nothing to report"
	else
		pn_fail "systemd-analyze verify:"
		cat "$PN_TMP/verify.out" >&2
	fi
fi

# ---- 5. examples/hello and examples/ticker against the installed SDK ----
# pkg-config finds only the DESTDIR's pinetd.pc and prefixes its paths
# with the DESTDIR; the build tree's headers are nowhere on the path.
export PKG_CONFIG_PATH=$D$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
expect_bytes <(pkg-config --cflags pinetd | sed 's/ *$//') \
	"-I$D$includedir\n" "pkg-config --cflags pinetd points into the DESTDIR"
expect_bytes <(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=plugindir pinetd) \
	"$plugindir\n" "pkg-config --variable=plugindir pinetd"
expect_bytes <(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=servicesdir pinetd) \
	"$sysconfdir/pinetd/services.d\n" "pkg-config --variable=servicesdir pinetd"
expect_bytes <(pkg-config --libs pinetd-testkit | sed 's/ *$//') \
	"-L$D$libdir -lpinetd-testkit\n" "pkg-config --libs pinetd-testkit"

# example NAME NTESTS: copy examples/NAME, build NAME.so with -Werror and
# run its cmocka test (NTESTS tests) against the installed test kit.
example() {
	local dir=$PN_TMP/$1
	mkdir "$dir"
	cp "$abs_top_srcdir/examples/$1/Makefile" "$abs_top_srcdir"/examples/$1/*.c "$dir/"
	if xmake "$dir" "$1.so" >"$PN_TMP/$1.log" 2>&1; then
		pn_pass "examples/$1 builds against the installed SDK"
	else
		pn_fail "examples/$1 does not build:"
		cat "$PN_TMP/$1.log" >&2
	fi
	if ! pkg-config --exists cmocka; then
		echo "note: cmocka not installed, examples/$1's unit test not run"
	elif xmake "$dir" check >"$PN_TMP/$1-check.log" 2>&1 &&
		grep -q "^\[  PASSED  \] $2 test(s)\." "$PN_TMP/$1-check.log"; then
		pn_pass "examples/$1's cmocka test passes against the installed test kit"
	else
		pn_fail "examples/$1's cmocka test:"
		cat "$PN_TMP/$1-check.log" >&2
	fi
}
xmake() {
	local dir=$1
	shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$dir" \
		CFLAGS="-O2 -g -Wall -Wextra -Werror" "$@"
}
example hello 6
example ticker 7
H=$PN_TMP/hello
T=$PN_TMP/ticker
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ---- 6. the installed daemon with hello.so ----
PINETD=$D$sbindir/pinetd
PLUGIN_DIR=$D$plugindir:$H:$T
# The ticker's FIFO: the service's user (nobody when root) opens it
# read-write.
mkfifo -m 666 "$PN_TMP/ticker.fifo"
pn_config <<EOF
service ticker {
    plugin   = ticker
    listen   = { "tcp://127.0.0.1:$P_TICKER" }
    interval = 2
    fifo     = "$PN_TMP/ticker.fifo"
}
service hello {
    plugin   = hello
    listen   = { "tcp://127.0.0.1:$P_HELLO" }
    greeting = "howdy"
}
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P_ECHO", "udp://127.0.0.1:$P_ECHO" }
}
EOF
pn_start
printf 'Ada\n\nGrace\r\n' | nc -q1 127.0.0.1 $P_HELLO > "$PN_TMP/hello.out"
expect_bytes "$PN_TMP/hello.out" 'howdy, Ada!\nhowdy, world!\nhowdy, Grace!\n' \
	"installed daemon serves hello.so built out of tree"
printf 'installed echo\n' | nc -q1 127.0.0.1 $P_ECHO > "$PN_TMP/echo.out"
expect_bytes "$PN_TMP/echo.out" 'installed echo\n' \
	"installed daemon serves the installed echo.so (TCP)"
printf 'udp echo\n' | nc -u -w1 127.0.0.1 $P_ECHO > "$PN_TMP/echo-udp.out"
expect_bytes "$PN_TMP/echo-udp.out" 'udp echo\n' \
	"installed daemon serves the installed echo.so (UDP)"
# A FIFO line half a second after connecting, then the first tick at 2 s.
timeout 10 nc 127.0.0.1 $P_TICKER 2>/dev/null | head -n 2 > "$PN_TMP/ticker.out" &
reader=$!
sleep 0.5
printf 'lunch is served\n' > "$PN_TMP/ticker.fifo"
wait $reader
expect_bytes "$PN_TMP/ticker.out" 'lunch is served\ntick 1\n' \
	"installed daemon serves ticker.so: a FIFO line, then a timer's tick"
pn_stop

# ---- 7. uninstall ----
if ! bmake uninstall DESTDIR="$D" >"$PN_TMP/uninstall.log" 2>&1; then
	tail -30 "$PN_TMP/uninstall.log" >&2
	pn_fail "make uninstall DESTDIR=$D"
fi
left=$(cd "$D" && find . \( -type f -o -type l \) | sort)
expect_bytes <(printf '%s\n' "$left") "\
.$sysconfdir/pinetd/pinetd.conf
.$sysconfdir/pinetd/services.d/echo.conf
" "make uninstall leaves only the edited configuration files"

pn_done
