#!/bin/bash
# exec through the real daemon: ordinary inetd programs, unchanged.
#   /bin/cat as a TCP service returns exact bytes (nc, 1 MiB of binary);
#   exec-env.sh reports its environment and descriptors: the UCSPI
#   variables' exact values over IPv4 and IPv6, only 0 1 2 open, the
#   environment cleared but for the names in `env`, stderr in the daemon's
#   log and never on the socket;
#   a program's exit status and run time are logged;
#   in.tftpd (tftpd-hpa) as a UDP "wait" service, fetched twice with the
#   tftp client (tftp-hpa) and compared with cmp;
#   pinetd -t refuses a bad `program` with file:line.
. "$srcdir/integration/lib.sh"
pn_need nc ss
if ! command -v in.tftpd >/dev/null 2>&1 && [ ! -x /usr/sbin/in.tftpd ]; then
	echo "SKIP: in.tftpd not installed (Debian package tftpd-hpa)"; exit 77
fi
pn_need tftp
TFTPD=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (in.tftpd chroots)"; exit 77; fi

P=17800             # cat
PE=$((P + 1))       # exec-env.sh, IPv4
PE6=$((P + 2))      # exec-env.sh, IPv6
PT=$((P + 3))       # in.tftpd, UDP wait
PS=$((P + 4))       # a program that fails
PH=$((P + 5))       # a program that would run for a minute

# The services run as nobody: the programs and the tftp root must be
# reachable through the test's private directory.
chmod 711 "$PN_TMP"
cp "$srcdir/integration/exec-env.sh" "$PN_TMP/exec-env.sh"
chmod 755 "$PN_TMP/exec-env.sh"
mkdir "$PN_TMP/tftp"
head -c 200000 /dev/urandom > "$PN_TMP/tftp/file.bin"
chmod 755 "$PN_TMP/tftp"
chmod 644 "$PN_TMP/tftp/file.bin"

pn_config <<EOF
shutdown_timeout = 1
service cat {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$P" }
    program = "/bin/cat"
}
service envsvc {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PE", "tcp://[::1]:$PE6" }
    program = "$PN_TMP/exec-env.sh"
    args    = 'exec-env.sh "one arg"'
    env     = "PATH KEPT_VAR"
}
service tftp {
    plugin    = exec
    listen    = { "udp://127.0.0.1:$PT" }
    user      = root
    program   = "$TFTPD"
    args      = "in.tftpd -t 1 -s $PN_TMP/tftp"
}
service fails {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PS" }
    program = "/bin/sh"
    args    = "sh -c \"echo bye; exit 3\""
}
service hang {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PH" }
    program = "/bin/sleep"
    args    = "sleep 60"
}
EOF
# At the stop, the program that would run for a minute gets SIGTERM.
pn_expect_signal SIGTERM
export KEPT_VAR="kept value" DROPPED_VAR="dropped"
pn_start
unset KEPT_VAR DROPPED_VAR

# ---- /bin/cat ----
pn_expect "$(printf 'hello\nworld\n' | timeout 10 nc -N 127.0.0.1 $P)" "hello
world" "/bin/cat returns the lines"
out=$("$PNTEST" bulk 127.0.0.1 $P 1048576 11 2>&1)
pn_expect "$out" "bulk ok 1048576 bytes" "1 MiB of random binary through /bin/cat comes back identical"

# ---- the environment and the descriptors ----
# The client's port is whatever the kernel chose: it is taken from the
# program's TCPREMOTEPORT and must be the one the daemon logged.
out=$(printf 'ping\n' | timeout 10 nc -N 127.0.0.1 $PE)
section() { printf '%s\n' "$out" | sed -n "/^--$1\$/,/^--/p" | sed '1d;$d'; }
cport=$(section env | sed -n 's/^TCPREMOTEPORT=//p')
grep -q "service 'envsvc': 127.0.0.1:$cport: exec-env.sh\[[0-9]*\] started$" "$PN_LOG" \
	&& pn_pass "TCPREMOTEPORT ($cport) is the client's port in the daemon's log" \
	|| pn_fail "TCPREMOTEPORT '$cport' is not a logged client port"
pn_expect "$(section env | grep -v '^PWD=')" "KEPT_VAR=kept value
PATH=$PATH
PROTO=TCP
REMOTE_ADDR=127.0.0.1
REMOTE_PORT=$cport
TCPLOCALIP=127.0.0.1
TCPLOCALPORT=$PE
TCPREMOTEIP=127.0.0.1
TCPREMOTEPORT=$cport" "IPv4: the UCSPI variables, REMOTE_*, and only the kept names (dash adds PWD)"
pn_expect "$(section args)" "1
one arg" "args: one quoted argument after argv[0]"
pn_expect "$(section user)" "nobody" "the program runs as nobody (the default user under root)"
case "$out" in
*DROPPED_VAR*) pn_fail "a variable not listed in env reached the program" ;;
*) pn_pass "a variable not listed in env is absent" ;;
esac
pn_expect "$(section fds | tr '\n' ' ')" "0 1 2 3 " \
	"only 0, 1 and 2 are open (3 is ls's own directory)"
pn_expect "$(section signals)" "SigBlk:	0000000000000000
SigIgn:	0000000000000000" "no signal blocked or ignored (the worker blocks and ignores some)"
pn_expect "$(printf '%s\n' "$out" | sed -n '/^--end$/,$p')" "--end
got: ping" "the program reads the client's lines on stdin"
case "$out" in
*"goes to the log"*) pn_fail "stderr reached the client" ;;
*) pn_pass "stderr does not reach the client" ;;
esac
sleep 0.2
grep -q "service 'envsvc': exec-env.sh\[[0-9]*\]: exec-env: this line goes to the log$" "$PN_LOG" \
	&& pn_pass "stderr appears in the daemon's log" || pn_fail "stderr line not in the log"
grep -q "service 'envsvc': 127.0.0.1:[0-9]*: exec-env.sh\[[0-9]*\] exited with status 0 after [0-9]*\.[0-9]\{3\} s$" "$PN_LOG" \
	&& pn_pass "the program's exit is logged" || pn_fail "no exit line in the log"

out=$(timeout 10 nc -N ::1 $PE6 < /dev/null)
cport=$(section env | sed -n 's/^TCPREMOTEPORT=//p')
grep -q "service 'envsvc': \[::1\]:$cport: exec-env.sh\[[0-9]*\] started$" "$PN_LOG" \
	&& pn_pass "IPv6: TCPREMOTEPORT ($cport) is the client's port in the daemon's log" \
	|| pn_fail "IPv6: TCPREMOTEPORT '$cport' is not a logged client port"
pn_expect "$(section env | grep '^\(PROTO\|REMOTE_\|TCP\)')" "PROTO=TCP
REMOTE_ADDR=::1
REMOTE_PORT=$cport
TCPLOCALIP=::1
TCPLOCALPORT=$PE6
TCPREMOTEIP=::1
TCPREMOTEPORT=$cport" "IPv6: the UCSPI variables without brackets"

# ---- an exit status ----
pn_expect "$(timeout 10 nc -N 127.0.0.1 $PS < /dev/null)" "bye" "a failing program's output reaches the client"
sleep 0.2
grep -q "service 'fails': 127.0.0.1:[0-9]*: sh\[[0-9]*\] exited with status 3 after [0-9]*\.[0-9]\{3\} s$" "$PN_LOG" \
	&& pn_pass "its exit status 3 is logged" || pn_fail "no 'exited with status 3' line"

# ---- in.tftpd in wait mode ----
cd "$PN_TMP" || exit 1
rm -f got1.bin got2.bin
timeout 20 tftp -m binary 127.0.0.1 $PT -c get file.bin got1.bin
cmp -s tftp/file.bin got1.bin && pn_pass "tftp get through in.tftpd in wait mode: identical bytes" \
	|| pn_fail "tftp get: the file differs or is missing"
# in.tftpd -t 1 exits a second after its last request; the daemon then
# polls the socket again and the next request starts a new one.
for i in $(seq 1 100); do
	grep -q "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited with status 0 after" "$PN_LOG" && break
	sleep 0.05
done
grep -q "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited with status 0 after" "$PN_LOG" \
	&& pn_pass "in.tftpd exits after -t 1 and its status is logged" || pn_fail "no in.tftpd exit line"
timeout 20 tftp -m binary 127.0.0.1 $PT -c get file.bin got2.bin
cmp -s tftp/file.bin got2.bin && pn_pass "a second get after in.tftpd exited: identical bytes" \
	|| pn_fail "second tftp get: the file differs or is missing"
for i in $(seq 1 100); do
	[ "$(grep -c "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited with status 0 after" "$PN_LOG")" -ge 2 ] && break
	sleep 0.05
done
pn_expect "$(grep -c "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited with status 0 after" "$PN_LOG")" 2 \
	"two requests, one in.tftpd each (wait mode)"
# The UDP guard screens wait-mode services too: a read request from source
# port 999 is dropped by the socket filter, before any program runs.
runs=$(grep -c "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited" "$PN_LOG")
printf '\0\001file.bin\0octet\0' | timeout 3 nc -u -w1 -p 999 127.0.0.1 $PT > "$PN_TMP/low.out" 2>/dev/null
pn_expect "$(wc -c < "$PN_TMP/low.out")" 0 "a request from port 999 gets no answer"
sleep 1.5
pn_expect "$(grep -c "service 'tftp': (datagrams): in.tftpd\[[0-9]*\] exited" "$PN_LOG")" "$runs" "no program ran for it"
# The socket filter dropped it in the kernel (pinetd-exec(8)): counted
# as the socket's drops, not logged by pinetd.
drops=$(ss -Hnuam "sport = :$PT" | grep -o ',d[0-9]*)' | tr -dc 0-9)
[ "${drops:-0}" -ge 1 ] && pn_pass "the kernel counts the drop (d$drops)" \
	|| pn_fail "no drop counted on the socket"
cd - > /dev/null || exit 1

# ---- stopping: the daemon's SIGTERM reaches the program ----
exec 5<>/dev/tcp/127.0.0.1/$PH
for i in $(seq 1 100); do
	grep -q "service 'hang': connection from 127.0.0.1:[0-9]*$" "$PN_LOG" && break
	sleep 0.05
done
sleep 0.2
start=$(date +%s%N)
pn_stop
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec 5<&-
grep -q "service 'hang': 127.0.0.1:[0-9]*: sleep\[[0-9]*\] killed by signal 15 (Terminated) after [0-9.]* s (stopped: shutdown)$" "$PN_LOG" \
	&& pn_pass "at shutdown_timeout the worker stops the program with SIGTERM" \
	|| pn_fail "no 'sleep[PID] killed by signal 15' line"
[ "$ms" -lt 5000 ] && pn_pass "the daemon stopped in $ms ms, not after the program's 60 s" \
	|| pn_fail "stopping took $ms ms"

# ---- configuration errors, with file:line ----
cat > "$PN_TMP/bad.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service rel {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$P" }
    program = "bin/cat"
}
service quote {
    plugin  = exec
    listen  = { "tcp://127.0.0.1:$PE" }
    program = "/bin/cat"
    args    = 'cat "-u'
}
EOF
out=$("$PINETD" -t -c "$PN_TMP/bad.conf" 2>&1); rc=$?
pn_expect "$rc:$out" "1:$PN_TMP/bad.conf:4: service 'rel': plugin 'exec': program 'bin/cat' is not an absolute path
$PN_TMP/bad.conf:9: service 'quote': plugin 'exec': args: unterminated double quote
pinetd: $PN_TMP/bad.conf: 2 errors" "-t refuses a relative program and an open quote"
pn_done
