#!/bin/bash
# The inetd builtins through the real daemon, TCP and UDP, byte for byte
# against their RFCs: discard (863), chargen (864), daytime (867) and
# time (868).  Ports 17100-17199.
. "$srcdir/integration/lib.sh"
pn_need ss awk od
BC=${BC:-$abs_top_builddir/tests/tools/builtins_client}
if [ ! -x "$BC" ]; then
	echo "FAIL: $BC missing: make -C tests tools/builtins_client" >&2
	exit 1
fi

DISCARD=17109 DAYTIME=17113 DAYTIME_LOCAL=17114 CHARGEN=17119 TIME=17137
LINE=74
# The daemon's local zone for `utc = false`: five hours west, no DST.
export TZ=PNT+05 LC_ALL=C
# chargen's queue is one burst (16 KiB) per connection: 3 slow readers
# must not grow the daemon by more than this (allocator slack included).
RSS_BOUND_KIB=512

pn_config <<EOF
service discard {
    plugin = discard
    listen = { "tcp://127.0.0.1:$DISCARD", "udp://127.0.0.1:$DISCARD" }
}
service chargen {
    plugin = chargen
    listen = { "tcp://127.0.0.1:$CHARGEN", "udp://127.0.0.1:$CHARGEN" }
}
service daytime {
    plugin = daytime
    listen = { "tcp://127.0.0.1:$DAYTIME", "udp://127.0.0.1:$DAYTIME" }
}
service daytime_local {
    plugin = daytime
    listen = { "tcp://127.0.0.1:$DAYTIME_LOCAL" }
    utc = false
}
service time {
    plugin = time
    listen = { "tcp://127.0.0.1:$TIME", "udp://127.0.0.1:$TIME" }
}
EOF
pn_start

T=$PN_TMP

# ---- chargen: the expected stream ----

# RFC 864's first two lines, written out: characters 32..103 and 33..104.
cat > "$T/first2" <<'EOF'
 !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefg
!"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefgh
EOF
sed -i 's/$/\r/' "$T/first2"
# One whole cycle from the rule: line n, column i holds 32 + (n + i) % 95.
awk 'BEGIN { for (n = 0; n < 95; n++) { s = ""
	for (i = 0; i < 72; i++) s = s sprintf("%c", 32 + (n + i) % 95)
	printf "%s\r\n", s } }' > "$T/cycle"
pn_expect "$(wc -c < "$T/cycle")" "$((95 * LINE))" "chargen reference: 95 lines of 74 bytes"
cmp -s -n $((2 * LINE)) "$T/first2" "$T/cycle" && pn_pass "chargen reference starts with the RFC's lines" \
	|| pn_fail "the awk reference disagrees with the literal lines"
# Line 94 wraps: '~' then characters 32..102.
pn_expect "$(sed -n 95p "$T/cycle" | cut -c1-3)" '~ !' "chargen reference line 94 wraps after '~'"
# expect_stream FROM LEN: bytes FROM .. FROM+LEN of the endless stream.
expect_stream() {
	local from=$1 len=$2 reps
	reps=$(( (from % (95 * LINE) + len) / (95 * LINE) + 1 ))
	for _ in $(seq "$reps"); do cat "$T/cycle"; done |
		tail -c +$(( from % (95 * LINE) + 1 )) | head -c "$len"
}

# ---- chargen TCP: exact first 300 lines, and the server keeps going ----

N=$((300 * LINE))
rc=0
"$BC" read 127.0.0.1 $CHARGEN $N 5000 > "$T/cg_tcp" || rc=$?
pn_expect "$rc" 3 "chargen TCP sends $N bytes without closing"
cmp -s -n $((2 * LINE)) "$T/cg_tcp" "$T/first2" && pn_pass "chargen TCP lines 0 and 1 are the RFC's" \
	|| { pn_fail "chargen TCP lines 0 and 1"; head -c $((2 * LINE)) "$T/cg_tcp" | od -c | head >&2; }
expect_stream 0 $N > "$T/cg_want"
cmp -s "$T/cg_tcp" "$T/cg_want" && pn_pass "chargen TCP: 300 lines byte for byte (3 wraps of 95)" \
	|| { pn_fail "chargen TCP stream differs:"; cmp "$T/cg_tcp" "$T/cg_want" >&2; }
bad=$(awk '{ if (length($0) != 73 || substr($0, 73) != "\r") b++ } END { print b + 0 }' "$T/cg_tcp")
pn_expect "$bad" 0 "chargen TCP: every line is 72 characters + CR LF"

# ---- chargen TCP: slow readers get continuous output, memory bounded ----

# Each reader first reads nothing for 1.5 s, so the kernel's buffers on
# the way (a few MiB on loopback) fill and the daemon has to wait for
# the reader, then reads 4 KiB at a time with 1 ms pauses: 6 MB in all,
# more than the kernel can hold, so most of it is produced at the
# reader's pace.  Meanwhile the daemon's memory must stay flat and it
# must not spin (CPU time during the stall).
# The worker process serves; the supervisor only holds the sockets.
WORKER=$(pgrep -P "$PN_PID" | head -n 1)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$WORKER/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$WORKER/stat"; }
SLOW_TOTAL=6000000
rss_before=$(rss)
pids=
for i in 1 2 3; do
	"$BC" slow 127.0.0.1 $CHARGEN $SLOW_TOTAL 4096 1 1500 > "$T/slow$i" &
	pids="$pids $!"
done
sleep 0.5
rss_stall=$(rss) ticks0=$(cpu_ticks)
sleep 0.8
ticks1=$(cpu_ticks)
sleep 1
rss_reading=$(rss)
slow_fail=0
for p in $pids; do wait "$p" || slow_fail=$((slow_fail + 1)); done
rss_after=$(rss)
pn_expect "$slow_fail" 0 "3 slow chargen readers each read $SLOW_TOTAL bytes"
# The reference: the cycle 200 times (1.4 MB), that 5 times, cut.
for _ in $(seq 200); do cat "$T/cycle"; done > "$T/cycle200"
for _ in 1 2 3 4 5; do cat "$T/cycle200"; done | head -c $SLOW_TOTAL > "$T/slow_want"
for i in 1 2 3; do
	cmp -s "$T/slow$i" "$T/slow_want" && pn_pass "slow reader $i: $SLOW_TOTAL bytes, continuous and correct" \
		|| { pn_fail "slow reader $i: stream differs"; cmp "$T/slow$i" "$T/slow_want" >&2; }
done
peak=$rss_stall
for r in $rss_reading $rss_after; do [ "$r" -gt "$peak" ] && peak=$r; done
growth=$((peak - rss_before))
[ "$growth" -le "$RSS_BOUND_KIB" ] \
	&& pn_pass "daemon RSS $rss_before, stalled $rss_stall, reading $rss_reading, after $rss_after KiB (growth $growth <= $RSS_BOUND_KIB)" \
	|| pn_fail "daemon RSS grew $growth KiB ($rss_before, $rss_stall, $rss_reading, $rss_after), bound $RSS_BOUND_KIB"
[ $((ticks1 - ticks0)) -le 40 ] \
	&& pn_pass "the daemon idles while the readers stall ($((ticks1 - ticks0)) ticks in 0.8 s)" \
	|| pn_fail "the daemon used $((ticks1 - ticks0)) CPU ticks in 0.8 s while nobody read"
grep -q output_max "$PN_LOG" && pn_fail "a chargen connection overflowed output_max" \
	|| pn_pass "no chargen connection hit output_max"

# ---- chargen UDP: 444 bytes (6 lines) per datagram, one rotation ----

# RFC 864: "until the calling user terminates": a client that half-closes
# (nc -N shuts down its sending side at once) still gets the stream.
got=$(timeout 10 nc -N 127.0.0.1 $CHARGEN < /dev/null 2>/dev/null | head -c 200000 | wc -c)
pn_expect "$got" 200000 "chargen TCP: a half-closed client keeps receiving (200000 bytes, over 12 bursts)"

: > "$T/cg_udp_all"
udp_ok=0
for i in $(seq 0 17); do
	rc=0
	"$BC" udp 127.0.0.1 $CHARGEN $((i % 3)) 2000 > "$T/cg_udp" || rc=$?
	len=$(wc -c < "$T/cg_udp")
	[ "$rc" -eq 0 ] && [ "$len" -eq 444 ] && udp_ok=$((udp_ok + 1))
	cat "$T/cg_udp" >> "$T/cg_udp_all"
done
pn_expect "$udp_ok" 18 "chargen UDP: 18 replies of 444 bytes (to 0-, 1- and 2-byte datagrams)"
cmp -s -n $((2 * LINE)) "$T/cg_udp_all" "$T/first2" && pn_pass "chargen UDP: the first reply starts with lines 0 and 1" \
	|| pn_fail "chargen UDP first reply"
expect_stream 0 $((18 * 444)) > "$T/cg_udp_want"
cmp -s "$T/cg_udp_all" "$T/cg_udp_want" && pn_pass "chargen UDP: replies continue the rotation through the wrap" \
	|| { pn_fail "chargen UDP replies differ"; cmp "$T/cg_udp_all" "$T/cg_udp_want" >&2; }

# ---- daytime: one ctime(3) line + CR LF, then the server closes ----

RE='^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}'$'\r''$'
# check_daytime WHAT FILE BEFORE AFTER: FILE is one line, 26 bytes,
# matches RE and is the time at BEFORE or AFTER (date's output).
check_daytime() {
	local what=$1 f=$2 before=$3 after=$4 got
	got=$(cat "$f")
	pn_expect "$(wc -c < "$f")" 26 "$what: 26 bytes"
	pn_expect "$(wc -l < "$f")" 1 "$what: one line"
	printf '%s\n' "$got" | grep -Eq "$RE" && pn_pass "$what: ctime format with CR LF" \
		|| pn_fail "$what: '$got' is not 'Www Mmm dd hh:mm:ss yyyy\\r'"
	if [ "$got" = "$before"$'\r' ] || [ "$got" = "$after"$'\r' ]; then
		pn_pass "$what: the current time ('$before')"
	else
		pn_fail "$what: '$got' is neither '$before' nor '$after'"
	fi
}
FMT='+%a %b %e %H:%M:%S %Y'

rc=0
b=$(date -u "$FMT"); "$BC" read 127.0.0.1 $DAYTIME 100 5000 > "$T/dt" || rc=$?; a=$(date -u "$FMT")
pn_expect "$rc" 0 "daytime TCP: the server closes after the line"
check_daytime "daytime TCP (UTC)" "$T/dt" "$b" "$a"

rc=0
b=$(date "$FMT"); "$BC" read 127.0.0.1 $DAYTIME_LOCAL 100 5000 > "$T/dtl" || rc=$?; a=$(date "$FMT")
pn_expect "$rc" 0 "daytime TCP utc=false: the server closes after the line"
check_daytime "daytime TCP utc=false (TZ=$TZ)" "$T/dtl" "$b" "$a"

rc=0
b=$(date -u "$FMT"); "$BC" udp 127.0.0.1 $DAYTIME 5 2000 > "$T/dtu" || rc=$?; a=$(date -u "$FMT")
pn_expect "$rc" 0 "daytime UDP: a reply"
check_daytime "daytime UDP" "$T/dtu" "$b" "$a"

# ---- time: 4 bytes, seconds since 1900 big-endian, then close ----

# check_time WHAT FILE: 4 bytes within 3 s of the system clock (mod 2^32).
check_time() {
	local what=$1 f=$2 v want diff
	pn_expect "$(wc -c < "$f")" 4 "$what: 4 bytes"
	v=$(od -An -tu4 --endian=big "$f" | tr -d ' ')
	want=$(( ($(date +%s) + 2208988800) % 4294967296 ))
	diff=$(( want - ${v:-0} ))
	[ "${diff#-}" -le 3 ] && pn_pass "$what: $v is now in RFC 868 seconds ($want)" \
		|| pn_fail "$what: $v is not within 3 s of $want"
}
rc=0
"$BC" read 127.0.0.1 $TIME 100 5000 > "$T/tm" || rc=$?
pn_expect "$rc" 0 "time TCP: the server closes after 4 bytes"
check_time "time TCP" "$T/tm"
rc=0
"$BC" udp 127.0.0.1 $TIME 0 2000 > "$T/tmu" || rc=$?
pn_expect "$rc" 0 "time UDP: a reply to an empty datagram"
check_time "time UDP" "$T/tmu"

# ---- discard: 1 MiB in, nothing out, still open; UDP: no reply ----

rc=0
"$BC" send 127.0.0.1 $DISCARD 1048576 1000 || rc=$?
pn_expect "$rc" 0 "discard TCP: 1 MiB sent, no byte back, still open after 1 s"
rc=0
"$BC" udp 127.0.0.1 $DISCARD 100 1000 > "$T/dsu" || rc=$?
pn_expect "$rc" 2 "discard UDP: no reply within 1 s"
pn_expect "$(wc -c < "$T/dsu")" 0 "discard UDP: not a byte"

kill -0 "$PN_PID" 2>/dev/null && pn_pass "the daemon is still running" || pn_fail "the daemon died"
pn_stop
pn_done
