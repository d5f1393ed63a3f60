#!/bin/bash
# The checker process takes every hostile configuration file and every
# plugin constructor, never the supervisor: with the daemon serving echo,
# each of 50,000 nested sections, a FIFO, a symlink to /dev/zero, an 8 MB
# comment without a final newline and a plugin whose constructor segfaults
# is a refused reload with a clear message within seconds, echo answering
# the exact bytes before and after each.  Workers serve from the checked
# bytes even when the file changes later.  Plugin code never runs as root
# (constructors and init, at start, reload, -t and --list-plugins) unless
# a service says user = root; -t runs init with a real service handle.
. "$srcdir/integration/lib.sh"
pn_need ss nc
# The crashing constructor kills the checker; the test kills workers.
pn_expect_signal SIGSEGV SIGKILL
P=17901
TESTPLUGINS=$abs_top_builddir/tests/plugins/.libs
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to check who runs plugin code"; exit 77; fi
# The checker and the workers run as nobody: they must reach the files.
chmod 755 "$PN_TMP"
D=$PN_TMP/services.d
mkdir "$D"

cat > "$PN_CONF" <<END
plugin_dir = "$PLUGIN_DIR:$TESTPLUGINS"
services_dir = "$D"
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    log_connections = false
}
END
pn_start
echo_ok() {
	pn_expect "$(printf 'ping %s\n' "$1" | nc -q1 127.0.0.1 $P)" "ping $1" "echo answers $2"
}
echo_ok 0 "at start"

# refused WHAT PATTERN: SIGHUP is refused within 5 s, PATTERN is logged,
# the supervisor is alive and echo answers.  Then x.conf goes.
refused() {
	local t0 t1 ms
	t0=$(date +%s%N)
	if pn_reload; then pn_fail "$1: the reload was applied"; fi
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if [ "$ms" -lt 5000 ]; then pn_pass "$1: reload refused in $ms ms"
	else pn_fail "$1: the refusal took $ms ms"; fi
	if grep -qF -- "$2" "$PN_LOG"; then pn_pass "$1: logged '$2'"
	else pn_fail "$1: no '$2' in the log"; tail -5 "$PN_LOG" >&2; fi
	if kill -0 "$PN_PID" 2>/dev/null; then pn_pass "$1: the supervisor is alive"
	else pn_fail "$1: the supervisor died"; fi
	echo_ok "$1" "after $1"
	rm -f "$D/x.conf"
}

yes 'service a {' | head -n 50000 > "$D/x.conf"
refused "50,000 nested sections" "$D/x.conf:17: sections nested deeper than 16 levels"

mkfifo "$D/x.conf"
refused "a FIFO" "$D/x.conf: not a regular file"

ln -s /dev/zero "$D/x.conf"
refused "a symlink to /dev/zero" "$D/x.conf: not a regular file"

{ printf '#'; head -c 8388608 /dev/zero | tr '\0' x; } > "$D/x.conf"
refused "an 8 MB comment" "$D/x.conf: larger than 1048576 bytes (the limit for one configuration file)"

printf 'service boom {\n    plugin = ctor_crash\n    listen = { "tcp://127.0.0.1:%d" }\n}\n' \
	$((P+1)) > "$D/x.conf"
refused "a plugin constructor that segfaults" \
	"the configuration checker was killed by signal 11 (Segmentation fault) while loading plugin 'ctor_crash' for service 'boom' ($D/x.conf:2)"
grep "reload refused" "$PN_LOG" | tail -1 | grep -qF "reload refused: 1 error in $PN_CONF; the running configuration is unchanged" \
	&& pn_pass "the refusal is summed up" || pn_fail "no summary of the refusal"

printf 'service forged {\n    plugin = forger\n    listen = { "tcp://127.0.0.1:%d" }\n}\n' \
	$((P+1)) > "$D/x.conf"
refused "a plugin constructor that forges the checker's frames" \
	"the configuration checker's reply is unusable: a plugin wrote to the checker's channel"

# A good drop-in is applied; its worker serves the bytes that were checked
# even after the file is broken and the workers are killed.
printf 'service echo2 {\n    plugin = echo\n    listen = { "tcp://127.0.0.1:%d" }\n}\n' \
	$((P+2)) > "$D/y.conf"
if pn_reload; then pn_pass "a good drop-in is applied"; else pn_fail "a good drop-in was refused"; fi
pn_expect "$(printf 'two\n' | nc -q1 127.0.0.1 $((P+2)))" "two" "the new service answers"
echo 'service echo2 { plugin = nosuch' > "$D/y.conf"
for w in $(pgrep -P "$PN_PID"); do kill -KILL "$w"; done
sleep 0.5
pn_expect "$(printf 'three\n' | nc -q1 127.0.0.1 $((P+2)))" "three" \
	"restarted workers parse the checked bytes, not the changed file"
echo_ok 9 "at the end"
pn_stop

# ---- who runs plugin code ----
W=$PN_TMP/whoami
mkdir "$W"
cp "$TESTPLUGINS/whoami.so" "$W/"
chmod 755 "$W"
touch "$PN_TMP/ctor.log" "$PN_TMP/init.log" "$PN_TMP/init-root.log"
chmod 666 "$PN_TMP/ctor.log" "$PN_TMP/init.log" "$PN_TMP/init-root.log"
export PN_WHOAMI_FILE=$PN_TMP/ctor.log
cat > "$PN_CONF" <<END
plugin_dir = "$W:$PLUGIN_DIR"
services_dir = ""
service who {
    plugin = whoami
    listen = { "tcp://127.0.0.1:$((P+3))" }
    record = "$PN_TMP/init.log"
}
END
pn_start
pn_expect "$(printf 'me\n' | nc -q1 127.0.0.1 $((P+3)))" "me" "whoami serves"
pn_reload || pn_fail "the whoami reload was refused"
rc=0
out=$("$PINETD" -t -c "$PN_CONF" 2>&1) || rc=$?
pn_expect "$rc" 0 "-t on a plugin that logs from init() exits 0 (it crashed with a NULL handle)"
echo "$out" | grep -q "service who *plugin whoami" && pn_pass "-t prints the summary" \
	|| pn_fail "-t printed: $out"
out=$("$PINETD" --list-plugins -P "$W" 2>&1)
echo "$out" | grep -q '^    record = "" (string): ' && pn_pass "--list-plugins lists whoami" \
	|| pn_fail "--list-plugins printed: $out"
pn_stop
nctor=$(grep -c '^ctor ' "$PN_TMP/ctor.log")
ninit=$(grep -c '^init ' "$PN_TMP/init.log")
[ "$nctor" -ge 5 ] && pn_pass "constructors ran $nctor times (start, reload, -t, -L)" \
	|| pn_fail "only $nctor constructor runs recorded"
[ "$ninit" -ge 2 ] && pn_pass "init ran $ninit times (worker, -t)" \
	|| pn_fail "only $ninit init runs recorded"
if grep -qw 'uid=0\|euid=0' "$PN_TMP/ctor.log" "$PN_TMP/init.log"; then
	pn_fail "plugin code ran as root:"; cat "$PN_TMP/ctor.log" "$PN_TMP/init.log" >&2
else
	pn_pass "no constructor and no init() ran as root"
fi
nobody=$(id -u nobody)
grep -q "^init pid=[0-9]* uid=$nobody euid=$nobody$" "$PN_TMP/init.log" \
	&& pn_pass "init() ran as nobody" || pn_fail "init() did not run as nobody"

# user = root is honoured, for that service only.
cat >> "$PN_CONF" <<END
service who-root {
    plugin = whoami
    listen = { "tcp://127.0.0.1:$((P+4))" }
    record = "$PN_TMP/init-root.log"
    user = root
}
END
: > "$PN_TMP/init.log"
pn_start
pn_expect "$(printf 'root\n' | nc -q1 127.0.0.1 $((P+4)))" "root" "who-root serves"
"$PINETD" -t -c "$PN_CONF" >/dev/null 2>&1 || pn_fail "-t with user = root failed"
pn_stop
pn_expect "$(grep -c '^init pid=[0-9]* uid=0 euid=0$' "$PN_TMP/init-root.log")" 2 \
	"with user = root, init() runs as root (worker and -t)"
if grep -qw 'uid=0\|euid=0' "$PN_TMP/init.log"; then pn_fail "the other service's init() ran as root"
else pn_pass "the other service's init() still does not run as root"; fi

pn_done
