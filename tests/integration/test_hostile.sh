#!/bin/bash
# Every shipped plugin (echo, ack, chat, telnet, discard, chargen, daytime,
# time) through the real daemon under the same hostile suite: random
# bytes, NUL bytes, a 10 MiB line without LF, half-open connections,
# resets while the server has output queued, connections that never send,
# 2,000 connect-and-close cycles, and UDP junk for the UDP services.  After
# every phase a well-behaved client must get exactly the expected bytes
# (tests/tools/hostile.c; the echo phases also require every byte back)
# and the daemon must be alive: the supervisor and the very same worker
# processes (a worker that crashed and was restarted fails the test).  At
# the end the open descriptors of the daemon (supervisor and workers
# together) must be back at their starting count and their summed RSS may
# not have grown by more than RSS_BOUND_KIB.  Ports 17600-17699.
#
# Under valgrind (PINETD_WRAPPER set) the counts are smaller and the RSS
# bound does not apply (valgrind's own memory is in it).
. "$srcdir/integration/lib.sh"
pn_need ss awk
HOSTILE=${HOSTILE:-$abs_top_builddir/tests/tools/hostile}
if [ ! -x "$HOSTILE" ]; then
	echo "FAIL: $HOSTILE missing: make -C tests tools/hostile" >&2
	exit 1
fi

if [ -n "$PINETD_WRAPPER" ]; then
	CONNS=5 STREAM=16384 BIG=$((1 << 20)) CYCLES=200 DGRAMS=50 HOLD=1000
	LIMIT=120 SETTLE=30
else
	CONNS=20 STREAM=65536 BIG=$((10 << 20)) CYCLES=2000 DGRAMS=200 HOLD=400
	LIMIT=30 SETTLE=10
fi
# Allocator slack after tens of thousands of connections, 10 MiB lines
# and full output queues: every buffer is freed, and a worker gives its
# free heap pages back once its last connection has closed (malloc_trim),
# so each process (a worker per service) keeps little.  Measured growth:
# 0 to 320 KiB per worker (5,500 KiB for telnet without the trim); a leak
# per connection (2,000 of them per service) or a kept 10 MiB line would
# be far beyond this.
RSS_BOUND_KIB=1024 # per process
# AddressSanitizer keeps freed memory in quarantine and adds shadow memory:
# its RSS says little about leaks (LeakSanitizer checks those at exit).
if ldd "$PINETD" 2> /dev/null | grep -q libasan; then
	RSS_BOUND_KIB=131072
fi

# plugin:port, and whether the plugin has a UDP side.
SERVICES="echo:17607 ack:17601 chat:17602 telnet:17623 discard:17609
chargen:17619 daytime:17613 time:17637"
UDP_PLUGINS=" echo ack discard chargen daytime time "

{
	echo "log_level = notice"
	for s in $SERVICES; do
		p=${s%%:*} port=${s##*:}
		listen="\"tcp://127.0.0.1:$port\""
		case $UDP_PLUGINS in *" $p "*) listen="$listen, \"udp://127.0.0.1:$port\"" ;; esac
		echo "service $p {"
		echo "    plugin = $p"
		echo "    listen = { $listen }"
		echo "    log_connections = false"
		[ "$p" = chat ] && echo "    max_line = 1024  output_max = 65536"
		[ "$p" = daytime ] && echo "    utc = true"
		echo "}"
	done
} | pn_config
pn_start
PID=$PN_PID

# The supervisor and its workers (their children, if any).
workers() { cat "/proc/$PID/task/$PID/children" 2>/dev/null | tr ' ' '\n' | sort | xargs; }
procs() { echo "$PID $(workers)"; }
fds() {
	local p n=0
	for p in $(procs); do n=$((n + $(ls "/proc/$p/fd" | wc -l))); done
	echo "$n"
}
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
declare -A RSS_AT
rss() {
	local p n=0
	for p in $(procs); do
		n=$((n + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
	done
	echo "$n"
}
WORKERS0=$(workers)
# A worker outlives a supervisor killed with SIGKILL (lib.sh's cleanup):
# stop the workers too, whatever ends the script.
hostile_cleanup() {
	local w
	for w in $WORKERS0 $(workers); do
		grep -q pinetd "/proc/$w/cmdline" 2>/dev/null && kill -KILL "$w" 2>/dev/null
	done
	pn_cleanup
}
trap hostile_cleanup EXIT

alive() {
	if ! kill -0 "$PID" 2>/dev/null; then
		pn_fail "the daemon died; log:"
		cat "$PN_LOG" >&2
		PN_PID=
		pn_done
	fi
	if [ "$(workers)" != "$WORKERS0" ] || grep -q 'restarting' "$PN_LOG"; then
		pn_fail "a worker died (processes '$WORKERS0', now '$(workers)'); log:"
		cat "$PN_LOG" >&2
		pn_done
	fi
}

# phase PLUGIN PORT ARGS...: run hostile with the plugin's check.
phase() {
	local plugin=$1 port=$2
	shift 2
	if "$HOSTILE" -T "$LIMIT" -c "$plugin" "$@" 127.0.0.1 "$port" 2>"$PN_TMP/err"; then
		pn_pass "$plugin: $* (then served exactly)"
	else
		pn_fail "$plugin: $*: $(cat "$PN_TMP/err")"
	fi
	alive
}

# Warm up every service once (TCP and UDP: the daemon allocates its
# datagram buffers on first use), then take the baseline.
for s in $SERVICES; do
	p=${s%%:*} port=${s##*:}
	phase "$p" "$port" check
	case $UDP_PLUGINS in *" $p "*) phase "$p" "$port" -u check ;; esac
done
FD0=$(fds)
RSS0=$(rss)
for p in $(procs); do RSS_AT[$p]=$(rss_of "$p"); done
echo "baseline: processes $(procs), $FD0 descriptors, VmRSS $RSS0 KiB"

start=$(date +%s)
for s in $SERVICES; do
	p=${s%%:*} port=${s##*:}
	echo_flag=
	[ "$p" = echo ] && echo_flag=-e
	phase "$p" "$port" $echo_flag -n "$CONNS" -b "$STREAM" -s 7 random
	phase "$p" "$port" $echo_flag -n "$CONNS" -b "$STREAM" nul
	phase "$p" "$port" $echo_flag -b "$BIG" bigline
	phase "$p" "$port" -n "$CONNS" -t "$HOLD" halfopen
	phase "$p" "$port" -n "$CONNS" reset
	phase "$p" "$port" -n "$CONNS" -t "$HOLD" idle
	phase "$p" "$port" -n "$CYCLES" cycle
	case $UDP_PLUGINS in
	*" $p "*) phase "$p" "$port" -u -n "$DGRAMS" -s 11 udp ;;
	esac
done
echo "hostile phases took $(($(date +%s) - start)) s"

# Closing is asynchronous (a reset peer, a flush in progress): give the
# daemon a moment to reap, then compare.
fd1=$(fds)
for i in $(seq 1 $((SETTLE * 10))); do
	[ "$fd1" -le "$FD0" ] && break
	sleep 0.1
	fd1=$(fds)
done
pn_expect "$fd1" "$FD0" "open descriptors back to the baseline ($FD0)"
[ "$fd1" = "$FD0" ] || for p in $(procs); do ls -l "/proc/$p/fd" >&2; done
rss1=$(rss)
echo "VmRSS: $RSS0 KiB before, $rss1 KiB after (bound +$RSS_BOUND_KIB KiB per process)"
worst=0 worst_p=
for p in $(procs); do
	grew=$(( $(rss_of "$p") - ${RSS_AT[$p]:-0} ))
	echo "process $p ($(ss -Hltnp | grep "pid=$p," | awk '{print $4}' | xargs)): grew by $grew KiB"
	[ "$grew" -gt "$worst" ] && worst=$grew worst_p=$p
done
if [ -n "$PINETD_WRAPPER" ]; then
	pn_pass "RSS not judged under $PINETD_WRAPPER"
elif [ "$worst" -le "$RSS_BOUND_KIB" ]; then
	pn_pass "no process grew by more than $worst KiB (bound $RSS_BOUND_KIB KiB each)"
else
	pn_fail "process $worst_p grew by $worst KiB, bound $RSS_BOUND_KIB KiB"
fi

pn_stop
pn_done
