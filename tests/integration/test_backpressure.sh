#!/bin/bash
# A client that sends 64 MiB to echo without reading: the daemon stops
# reading from it, its memory stays bounded and another client is served
# at once throughout.
. "$srcdir/integration/lib.sh"
pn_need ss
P=17061
# The bound: the output_buffer (64 KiB) plus one read (64 KiB) per
# connection and the kernel's socket buffers are not in our RSS; allow
# 8 MiB of growth for allocator slack.
BOUND_KIB=8192

pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
}
EOF
pn_start
# The worker serves; the supervisor only holds the sockets.
worker=$(pgrep -P "$PN_PID" | head -n 1)
[ -n "$worker" ] || { pn_fail "no worker process"; pn_done; }
out=$("$PNTEST" flood 127.0.0.1 $P 64 "$worker" 2>&1)
echo "$out"
eval "$(echo "$out" | tr ' ' '\n' | grep '=')"
if [ -z "${rss_peak_kib:-}" ]; then
	pn_fail "flood did not run: $out"
else
	growth=$((rss_peak_kib - rss_before_kib))
	[ "$growth" -le "$BOUND_KIB" ] && pn_pass "RSS grew $growth KiB (bound $BOUND_KIB KiB)" \
		|| pn_fail "RSS grew $growth KiB, over the $BOUND_KIB KiB bound"
	[ "$sent_kib" -lt "$total_kib" ] && pn_pass "the daemon pushed back: $sent_kib of $total_kib KiB accepted" \
		|| pn_fail "all $total_kib KiB were accepted: no backpressure"
	# Functional, not a benchmark: the other client is answered while the
	# flooder is stalled (a blocked daemon would time the probe out at 5 s).
	awk -v w="$probe_worst_ms" 'BEGIN { exit !(w < 2000) }' \
		&& pn_pass "another client was served throughout (worst $probe_worst_ms ms)" \
		|| pn_fail "another client waited $probe_worst_ms ms"
fi
pn_expect "$(printf 'still here\n' | nc -q1 127.0.0.1 $P 2>/dev/null || echo nc-missing)" "still here" \
	"the daemon serves normally after the flooder left"
pn_stop
pn_done
