#!/bin/bash
# inetd.conf through the real daemon (inetd_conf):
#   /bin/cat (nowait) returns exact bytes; `internal` echo over TCP and UDP
#   (a host prefix, 127.0.0.1:echo, on port 7); Debian's #<off># entries
#   are comments; a continued line; $ and quotes reach the program as
#   written; stderr on the socket and working directory / (exec-wrap);
#   service and host names in listen addresses of pinetd.conf;
#   pinetd -t reports bad lines with inetd.conf:LINE, unknown hosts and
#   services with file:line;
#   a SIGHUP after adding and removing lines: the new one serves, the
#   removed one is gone, an unchanged one keeps its worker.
. "$srcdir/integration/lib.sh"
pn_need nc ss
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (internal echo on port 7)"; exit 77; fi

P=19401            # /bin/cat
PS=$((P + 1))      # sh: stderr and working directory
PP=$((P + 2))      # sh: its parent, the worker (kept across the reload)
PN=$((P + 3))      # added by the reload
PO=$((P + 4))      # an #<off># entry: never listens
PL=$((P + 5))      # pinetd.conf: tcp://localhost:PL

chmod 711 "$PN_TMP"
# inetd splits a line at blanks, nothing more: no quoting, no variables.
cat > "$PN_TMP/report.sh" <<'EOF'
echo "to stderr $1 $2" >&2
pwd
tr '\0' ' ' < /proc/$$/cmdline; echo
echo "$PPID"
EOF
chmod 644 "$PN_TMP/report.sh"
IC=$PN_TMP/inetd.conf
cat > "$IC" <<EOF
# inetd.conf, as update-inetd writes it
127.0.0.1:echo	stream	tcp	nowait	root	internal
127.0.0.1:echo	dgram	udp	wait	root	internal
#<off># 127.0.0.1:$PO	stream	tcp	nowait	root	/bin/cat	cat

127.0.0.1:$P	stream	tcp	nowait	nobody	/bin/cat	cat
127.0.0.1:$PS	stream	tcp	nowait	nobody.nogroup	/bin/sh	myshell
	$PN_TMP/report.sh \$HOME "q"
127.0.0.1:$PP	stream	tcp	nowait	nobody:nogroup	/bin/sh	sh $PN_TMP/report.sh
EOF
pn_config <<EOF
shutdown_timeout = 1
inetd_conf = "$IC"
service named {
    plugin = echo
    listen = { "tcp://localhost:$PL", "udp://localhost:discard" }
}
EOF

# ---- pinetd -t: the services, their names ----
out=$("$PINETD" -t -c "$PN_CONF" 2>&1 | sed 's/  */ /g' | cut -d' ' -f1-3 | LC_ALL=C sort)
pn_expect "$out" "configuration $PN_CONF: 6
service inetd:127.0.0.1:$P/tcp plugin
service inetd:127.0.0.1:$PS/tcp plugin
service inetd:127.0.0.1:$PP/tcp plugin
service inetd:127.0.0.1:echo/tcp plugin
service inetd:127.0.0.1:echo/udp plugin
service named plugin" "pinetd -t lists the inetd.conf services under stable names"

pn_start
for a in "tcp $P" "tcp $PS" "tcp $PP" "tcp 7" "udp 7" "tcp $PL" "udp 9"; do
	pn_wait_port $a || pn_fail "nothing listens on $a"
done

# ---- exact bytes ----
pn_expect "$(printf 'hello\nworld\n' | timeout 10 nc -N 127.0.0.1 $P)" "hello
world" "/bin/cat (nowait) from inetd.conf returns the lines"
out=$("$PNTEST" bulk 127.0.0.1 $P 262144 5 2>&1)
pn_expect "$out" "bulk ok 262144 bytes" "256 KiB of binary through /bin/cat come back identical"
pn_expect "$(printf 'ping\n' | timeout 10 nc -N 127.0.0.1 7)" "ping" "internal echo, stream"
pn_expect "$(printf 'dgram\n' | timeout 10 nc -u -w1 127.0.0.1 7)" "dgram" "internal echo, dgram"
pn_expect "$(timeout 10 nc -N 127.0.0.1 $PS < /dev/null | sed '$d')" "to stderr \$HOME \"q\"
/
myshell $PN_TMP/report.sh \$HOME \"q\" " "stderr on the socket, working directory /, argv[0] and words as written (\$ and quotes kept)"
pn_expect "$(ss -Hltn "sport = :$PO" | wc -l)" "0" "an #<off># entry is a comment"

# ---- names in listen addresses ----
pn_expect "$(printf 'named\n' | timeout 10 nc -N 127.0.0.1 $PL)" "named" "listen tcp://localhost:PORT serves on 127.0.0.1"
pn_expect "$(ss -Hlun 'sport = :9' | awk '{print $4}')" "127.0.0.1:9" "listen udp://localhost:discard binds 127.0.0.1:9"

# ---- reload: add a line, remove one ----
ppid1=$(timeout 10 nc -N 127.0.0.1 $PP < /dev/null | tail -n 1)
sed -i "/:$PS	/,+1d" "$IC"
echo "127.0.0.1:$PN	stream	tcp	nowait	nobody	/bin/cat	cat" >> "$IC"
pn_reload && pn_pass "SIGHUP re-reads inetd.conf" || pn_fail "reload refused"
pn_wait_port tcp $PN || pn_fail "the added line does not listen"
pn_expect "$(printf 'added\n' | timeout 10 nc -N 127.0.0.1 $PN)" "added" "the added line serves"
pn_expect "$(ss -Hltn "sport = :$PS" | wc -l)" "0" "the removed line no longer listens"
ppid2=$(timeout 10 nc -N 127.0.0.1 $PP < /dev/null | tail -n 1)
[ "$ppid1" -gt 1 ] 2>/dev/null && [ "$ppid1" = "$ppid2" ] && pn_pass "an unchanged line keeps its worker ($ppid1)" \
	|| pn_fail "worker changed: '$ppid1' then '$ppid2'"

# ---- a bad line: refused with inetd.conf:LINE, the old services kept ----
echo "127.0.0.1:$PO	raw	tcp	nowait	root	internal" >> "$IC"
bad=$(wc -l < "$IC")
pn_reload && pn_fail "a bad inetd.conf was taken" || pn_pass "a bad inetd.conf is refused"
grep -q "$IC:$bad: socket type 'raw' is not supported (expected stream or dgram)" "$PN_LOG" \
	&& pn_pass "the refusal names inetd.conf:$bad" || pn_fail "no inetd.conf:$bad error in the log"
pn_expect "$(printf 'still\n' | timeout 10 nc -N 127.0.0.1 $P)" "still" "the old services keep serving"
pn_stop

# ---- pinetd -t: errors at file:line ----
cat > "$IC" <<EOF
echo stream tcp nowait root internal extra
# comment

127.0.0.1:$P stream udp nowait root /bin/cat cat
127.0.0.1:$P stream tcp nowait root cat cat
127.0.0.1:$P stream tcp maybe root /bin/cat cat
127.0.0.1:nosuchservice stream tcp nowait root /bin/cat cat
no.such.host.invalid:$P stream tcp nowait root /bin/cat cat
	continued
127.0.0.1:$P stream tcp nowait.x root /bin/cat cat
EOF
out=$("$PINETD" -t -c "$PN_CONF" 2>&1 >/dev/null); rc=$?
pn_expect "$rc" "1" "pinetd -t exits 1 on a bad inetd.conf"
printf '%s\n' "$out" | grep -q "^$IC:4: socket type 'stream' does not go with protocol 'udp'" \
	&& pn_pass "stream/udp at line 4" || pn_fail "no error for line 4: $out"
printf '%s\n' "$out" | grep -q "^$IC:5: server 'cat' is not an absolute path" \
	&& pn_pass "relative server at line 5" || pn_fail "no error for line 5: $out"
printf '%s\n' "$out" | grep -q "^$IC:6: 'maybe' is neither wait nor nowait" \
	&& pn_pass "wait field at line 6" || pn_fail "no error for line 6: $out"
printf '%s\n' "$out" | grep -q "^$IC:10: 'nowait.x': the maximum must be a number" \
	&& pn_pass "nowait.MAX at line 10" || pn_fail "no error for line 10: $out"

# Names are resolved after the syntax: the first five lines are well formed.
sed -i '4,6d;10d' "$IC"
sed -i '1s/ extra//' "$IC"
out=$("$PINETD" -t -c "$PN_CONF" 2>&1 >/dev/null)
printf '%s\n' "$out" | grep -q "^$IC:4: .*no service 'nosuchservice' for tcp in /etc/services" \
	&& pn_pass "an unknown service name is an error at its line" || pn_fail "unknown service: $out"
printf '%s\n' "$out" | grep -q "^$IC:5: .*host 'no.such.host.invalid' not found" \
	&& pn_pass "an unknown host is an error at its line" || pn_fail "unknown host: $out"

# ---- pinetd-import: inetd.conf and xinetd.d to services.d ----
PI=$((P + 6)); PX=$((P + 7)); PXD=$((P + 8))
IMPORT=$abs_top_builddir/daemon/pinetd-import
cat > "$IC" <<EOF
#<off># 127.0.0.1:$PO stream tcp nowait root /bin/cat cat
127.0.0.1:$PI	stream	tcp	nowait	nobody	/bin/sh	sh
	$PN_TMP/report.sh \$HOME "q"
127.0.0.1:echo	dgram	udp	wait	root	internal
EOF
mkdir "$PN_TMP/xinetd.d" "$PN_TMP/services.d"
cat > "$PN_TMP/xinetd.d/cat" <<EOF
# default: on
service cat
{
	socket_type	= stream
	protocol	= tcp
	port		= $PX
	type		= UNLISTED
	wait		= no
	user		= nobody
	server		= /bin/cat
	bind		= 127.0.0.1
	only_from	= 127.0.0.0/8
	instances	= 30
	log_on_failure	+= USERID
}
service off
{
	socket_type	= stream
	port		= $PXD
	type		= UNLISTED
	wait		= no
	server		= /bin/cat
	bind		= 127.0.0.1
	disable		= yes
}
EOF
"$IMPORT" -o "$PN_TMP/services.d" "$IC"; rc=$?
pn_expect "$rc" "0" "pinetd-import converts inetd.conf"
out=$("$IMPORT" -o "$PN_TMP/services.d" "$PN_TMP/xinetd.d" 2>&1); rc=$?
pn_expect "$rc:$out" "0:$PN_TMP/xinetd.d/cat:14: warning: service 'cat': 'log_on_failure' has no pinetd equivalent: not converted" \
	"pinetd-import converts xinetd.d and warns, with file:line, about what it drops"
pn_expect "$(ls "$PN_TMP/services.d" | tr '\n' ' ')" "inetd-127.0.0.1-$PI-tcp.conf inetd-127.0.0.1-echo-udp.conf xinetd-cat-tcp.conf xinetd-off-tcp.conf " \
	"one services.d file per service"
{
	echo "plugin_dir = \"$PLUGIN_DIR\""
	echo "services_dir = \"$PN_TMP/services.d\""
	echo "shutdown_timeout = 1"
} > "$PN_CONF"
out=$("$PINETD" -t -c "$PN_CONF" 2>&1); rc=$?
pn_expect "$rc" "0" "the converted files pass pinetd -t"
printf '%s\n' "$out" | grep -q "service xinetd:off/tcp .*disabled" \
	&& pn_pass "disable = yes gives a disabled service" || pn_fail "xinetd:off: $out"
pn_start
pn_wait_port tcp $PI && pn_wait_port tcp $PX && pn_wait_port udp 7 || pn_fail "converted services do not listen"
pn_expect "$(timeout 10 nc -N 127.0.0.1 $PI < /dev/null | sed -n 1,2p)" "to stderr \$HOME \"q\"
/" "the converted inetd.conf line serves (stderr on the socket, cwd /)"
pn_expect "$(printf 'x\n' | timeout 10 nc -N 127.0.0.1 $PX)" "x" "the converted xinetd service serves"
pn_expect "$(printf 'u\n' | timeout 10 nc -u -w1 127.0.0.1 7)" "u" "the converted internal echo serves"
pn_expect "$(ss -Hltn "sport = :$PXD" | wc -l)" "0" "the disabled xinetd service does not listen"
pn_stop
pn_done
