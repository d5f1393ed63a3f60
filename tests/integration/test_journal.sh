#!/bin/bash
# Journal priorities: with JOURNAL_STREAM naming the device and inode of
# the daemon's stderr (as systemd sets it, systemd.exec(5)), every line of
# every process -- supervisor, workers, the configuration checker -- is
# "<N>message" (sd-daemon(3)), N its syslog priority, with no "pinetd:"
# and no level word; with a JOURNAL_STREAM naming another file (a
# terminal, a redirect) the lines stay "pinetd: LEVEL: message".
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=19601 # echo P, exec P+1

conf() {
	pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
}
service fails {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$((P + 1))" }
    program = "/bin/sh"
    args    = "sh -c \"echo bye; exit 3\""
}
EOF
}
devino() { stat -c '%d:%i' "$1"; }
line() { grep -q -E "$1" "$PN_LOG" && pn_pass "$2" || { pn_fail "$2"; cat "$PN_LOG" >&2; }; }

conf
: > "$PN_LOG"
JOURNAL_STREAM=$(devino "$PN_LOG") pn_start
pn_expect "$(printf 'x\n' | nc -q1 127.0.0.1 $P)" "x" "echo answers"
pn_expect "$(nc -q1 127.0.0.1 $((P + 1)) </dev/null)" "bye" "the exec service answers"
echo "service broken {" >> "$PN_CONF"
pn_reload && pn_fail "a broken configuration was accepted"
pn_stop

line '^<5>serving 2 services in 2 worker processes$' "supervisor notice: <5>"
line "^<6>service 'echo': connection from 127.0.0.1:[0-9]+$" "worker info: <6>"
line "^<4>service 'fails': 127.0.0.1:[0-9]+: sh\[[0-9]+\] exited with status 3 after" "worker warning: <4>"
line "^<3>$PN_CONF:[0-9]+: " "the checker's configuration error: <3> with file:line"
line '^<3>reload refused: 1 error in ' "supervisor error: <3>"
line '^<5>Terminated: shutting down$' "the stop: <5>"
pn_expect "$(grep -c -v -E '^<[0-7]>' "$PN_LOG")" 0 "every line has a priority prefix"
pn_expect "$(grep -c 'pinetd: ' "$PN_LOG")" 0 "no line has the terminal prefix"

# A start-up error under the journal: the checker's file:line errors and
# the count, as <3> lines; exit 1.
mv "$PN_LOG" "$PN_TMP/journal.log"
: > "$PN_LOG"
rc=0
JOURNAL_STREAM=$(devino "$PN_LOG") "$PINETD" -f -c "$PN_CONF" 2>>"$PN_LOG" || rc=$?
pn_expect "$rc" 1 "a broken configuration at start: exit 1"
line "^<3>$PN_CONF:[0-9]+: " "start-up: the configuration error is <3> with file:line"
line "^<3>$PN_CONF: 1 error$" "start-up: the error count is <3>"
pn_expect "$(grep -c -v -E '^<[0-7]>' "$PN_LOG")" 0 "start-up: every line has a priority prefix"

# JOURNAL_STREAM naming another file: the terminal format, exactly.
mv "$PN_LOG" "$PN_TMP/journal-start.log"
conf
JOURNAL_STREAM=$(devino "$PN_CONF") pn_start
pn_expect "$(printf 'y\n' | nc -q1 127.0.0.1 $P)" "y" "echo answers"
pn_stop
line '^pinetd: notice: serving 2 services in 2 worker processes$' "another stream: the terminal format"
line "^pinetd: info: service 'echo': connection from 127.0.0.1:[0-9]+$" "another stream: workers too"
pn_expect "$(grep -c -E '^<[0-7]>' "$PN_LOG")" 0 "another stream: no priority prefix"
pn_done
