#!/bin/bash
# run.sh -- pinetd's benchmark suite: every load mode against pinetd, the two
# reference servers and the servers people would pick instead (xinetd and
# openbsd-inetd builtin echo, ucspi-tcp's tcpserver running cat, socat
# running cat), inside a private network namespace, printed as one table.
#
#   sudo bench/run.sh [--quick] [options]
#
#   --quick          3 runs of 1 s per mode and server (about 2 minutes)
#   --runs N         runs per mode and server, the median is reported [5]
#   --duration S     measured seconds per run [3]
#   --servers LIST   comma-separated subset of: ref,pinetd,pinetd-2w,
#                    pinetd-proc,pinetd-exec,xinetd,openbsd-inetd,
#                    inetd-exec,tcpserver,socat
#   --modes LIST     comma-separated subset of:
#                    conn,rr,bulk,udp,chat,idle,held
#   --idle-conns N   connections held by the idle mode [10000]
#   --held-conns N   connections held by the held mode [200]
#   --chat-rate R    lines per second per chat member [20]
#   --out FILE       also write the table (markdown) to FILE, raw runs to
#                    FILE.raw
#   --no-build       use daemon/pinetd as it is, do not run make
#   --no-pin         do not pin servers to CPU 0 and the load to CPU 1
#   --keep           keep the temporary directory (configs, logs, raw runs)
#
# Needs root: the whole run happens in a private network namespace
# (`unshare -n`, then `ip link set lo up`), so no packet can leave the
# machine, not even xinetd's reverse DNS look-ups of its clients; in there
# openbsd-inetd binds port 7, and the idle mode raises RLIMIT_NOFILE.
# Exit status: 0 done, 1 a run found a defect (see the errors column),
# 2 usage, 77 not root (skipped).  Every load run is bounded by its own
# duration and a watchdog, and the whole script by a time budget
# (4 minutes with --quick, 12 without); past it the remaining runs are
# skipped and said so.

set -uo pipefail

usage() { sed -n '2,/^[^#]/s/^#\( \|$\)//p' "$0"; }
die() { echo "run.sh: $*" >&2; exit 2; }
say() { echo "run.sh: $*" >&2; }

RUNS=5 DURATION=3 QUICK=0 SERVERS="" MODES="" OUT="" BUILD=1 PIN=1 KEEP=0
IDLE_CONNS=10000 CHAT_RATE=20 HELD_CONNS=200
ARGS=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1; RUNS=3; DURATION=1 ;;
	--runs) RUNS=${2:?}; shift ;;
	--duration) DURATION=${2:?}; shift ;;
	--servers) SERVERS=${2:?}; shift ;;
	--modes) MODES=${2:?}; shift ;;
	--idle-conns) IDLE_CONNS=${2:?}; shift ;;
	--held-conns) HELD_CONNS=${2:?}; shift ;;
	--chat-rate) CHAT_RATE=${2:?}; shift ;;
	--out) OUT=${2:?}; shift ;;
	--no-build) BUILD=0 ;;
	--no-pin) PIN=0 ;;
	--keep) KEEP=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || die "--runs: 1 to 99"
[[ $DURATION =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--duration: seconds"
[[ $IDLE_CONNS =~ ^[1-9][0-9]{0,5}$ ]] || die "--idle-conns: 1 to 999999"
[[ $HELD_CONNS =~ ^[1-9][0-9]{0,3}$ ]] || die "--held-conns: 1 to 9999"
[[ $CHAT_RATE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--chat-rate: lines per second"
BUDGET=$(( QUICK ? 240 : 720 ))

ALL_SERVERS="ref pinetd pinetd-2w pinetd-proc pinetd-exec xinetd openbsd-inetd inetd-exec tcpserver socat"
ALL_MODES="conn rr bulk udp chat idle held"
SERVERS=${SERVERS:-${ALL_SERVERS// /,}}
MODES=${MODES:-${ALL_MODES// /,}}
for s in ${SERVERS//,/ }; do [[ " $ALL_SERVERS " == *" $s "* ]] || die "unknown server $s"; done
for m in ${MODES//,/ }; do [[ " $ALL_MODES " == *" $m "* ]] || die "unknown mode $m"; done

BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root: it runs everything in a private network" \
	     "namespace (unshare -n), binds port 7 there and raises" \
	     "RLIMIT_NOFILE; run: sudo $0 ${ARGS[*]}" >&2
	exit 77
fi

# ---------------------------------------------------------------------------
# Outside the namespace: build, fetch the peers (the network is needed for
# apt), then re-execute inside a private network namespace.
# ---------------------------------------------------------------------------

# Build loadgen and the reference servers into $W/bin, warnings shown.
build_bench() {
	local cc=${CC:-cc} flags="-std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra"
	mkdir -p "$W/bin"
	$cc $flags -o "$W/bin/loadgen" "$BENCH"/loadgen.c "$BENCH"/lg_*.c &&
	$cc $flags -o "$W/bin/ref_echo" "$BENCH/ref_echo.c" &&
	$cc $flags -o "$W/bin/ref_chat" "$BENCH/ref_chat.c"
}

# Build pinetd with the project's own commands.  When the whole tree does
# not build (other work in progress), the daemon and plugins alone may;
# when they do not either, $W/pinetd.skip says why pinetd is left out.
build_pinetd() {
	local log="$W/pinetd-build.log"
	if [ ! -f "$REPO/daemon/main.c" ]; then
		echo "daemon/main.c does not exist yet" > "$W/pinetd.skip"; return
	fi
	if [ "$BUILD" = 1 ]; then
		say "building pinetd (log: $log)"
		if ! ( cd "$REPO" &&
		       { [ -f Makefile ] || { ./autogen.sh && ./configure; }; } &&
		       make -j"$(nproc)" ) > "$log" 2>&1; then
			if ( cd "$REPO" && make -C include && make -C daemon &&
			     make -C plugins ) >> "$log" 2>&1; then
				echo "the full build failed; daemon and plugins built alone" > "$W/pinetd.note"
			else
				echo "the build failed (tail of $log: $(tail -n 3 "$log" | tr '\n' ' '))" > "$W/pinetd.skip"
				return
			fi
		fi
	fi
	if [ ! -x "$REPO/daemon/pinetd" ] || [ ! -f "$REPO/plugins/.libs/echo.so" ]; then
		echo "no daemon/pinetd or plugins/.libs/echo.so after the build" > "$W/pinetd.skip"
	fi
}

# Unpack Debian packages into $W/peers/root without installing them:
# xinetd and openbsd-inetd conflict with each other.  Dependencies that are
# not installed are unpacked too and reached through LD_LIBRARY_PATH.
fetch_peers() {
	local pkgs="xinetd openbsd-inetd ucspi-tcp" p d deps="" f
	command -v socat > /dev/null || pkgs="$pkgs socat"
	mkdir -p "$W/peers/deb" && chmod 777 "$W/peers/deb"
	for p in $pkgs; do
		for d in $(apt-cache depends --important "$p" 2>/dev/null |
			   awk '$1 == "Depends:" && $2 !~ /^</ { print $2 }'); do
			dpkg-query -W -f='${Status}' "$d" 2>/dev/null |
				grep -q 'install ok installed' || deps="$deps $d"
		done
	done
	say "fetching peers: $pkgs${deps:+ (and$deps)}"
	if ! ( cd "$W/peers/deb" && apt-get download -q $pkgs $deps ) > "$W/peers/apt.log" 2>&1; then
		apt-get update -qq > /dev/null 2>&1
		( cd "$W/peers/deb" && apt-get download -q $pkgs $deps ) >> "$W/peers/apt.log" 2>&1 ||
			say "apt-get download failed: $(tail -n 1 "$W/peers/apt.log")"
	fi
	for f in "$W"/peers/deb/*.deb; do
		[ -e "$f" ] && dpkg -x "$f" "$W/peers/root"
	done
	return 0
}

if [ -z "${PINETD_BENCH_DIR:-}" ]; then
	command -v unshare > /dev/null || die "unshare (util-linux) is needed"
	command -v ip > /dev/null || die "ip (iproute2) is needed"
	W=$(mktemp -d /tmp/pinetd-bench.XXXXXX) || die "mktemp failed"
	chmod 755 "$W"
	if ! build_bench; then rm -rf "$W"; die "cannot build the bench programs"; fi
	build_pinetd
	fetch_peers
	PINETD_BENCH_DIR=$W exec unshare -n -- "$BASH" "$0" "${ARGS[@]}"
	die "unshare -n failed"
fi

# ---------------------------------------------------------------------------
# Inside the private network namespace.
# ---------------------------------------------------------------------------
W=$PINETD_BENCH_DIR
T0=$SECONDS
ip link set lo up || die "cannot bring lo up in the namespace"
# Namespace-local knobs: many short connections need ephemeral ports.
sysctl -qw net.ipv4.ip_local_port_range="10000 65000" 2> /dev/null
sysctl -qw net.ipv4.tcp_tw_reuse=1 2> /dev/null
sysctl -qw net.core.somaxconn=4096 2> /dev/null
ulimit -Hn 1048576 2> /dev/null

PEER=$W/peers/root
for d in "$PEER"/usr/lib/x86_64-linux-gnu "$PEER"/lib/x86_64-linux-gnu; do
	[ -d "$d" ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
done
CLK_TCK=$(getconf CLK_TCK)
SRV_CPU="" LG_CPU=""
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	SRV_CPU="taskset -c 0" LG_CPU="taskset -c 1"
fi

declare -A PID=() SKIP=() HOST=() PORT=() UHOST=() NOTE=() CMD=() NOFILE=() BASE=()
RESULTS=$W/results.txt
: > "$RESULTS"

cleanup() {
	local s
	for s in "${!PID[@]}"; do
		kill -TERM -- "-${PID[$s]}" 2> /dev/null
	done
	sleep 0.3
	for s in "${!PID[@]}"; do
		kill -KILL -- "-${PID[$s]}" 2> /dev/null
	done
	wait 2> /dev/null
	if [ "$KEEP" = 1 ]; then say "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_tcp HOST PORT: true once something accepts there (at most 5 s).
wait_tcp() {
	local i
	for i in $(seq 50); do
		(exec 3<> "/dev/tcp/$1/$2") 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start KEY HOST PORT NOFILE CMD...: start a server in its own session (so
# its children can be found and killed with it) with NOFILE descriptors,
# and wait until it serves.  BASE[KEY] is its number of processes at rest.
start() {
	local key=$1 host=$2 port=$3 nofile=$4
	shift 4
	CMD[$key]=$(printf '%q ' "$@") NOFILE[$key]=$nofile
	( ulimit -n "$nofile"; exec setsid $SRV_CPU "$@" ) >> "$W/$key.log" 2>&1 < /dev/null &
	PID[$key]=$!
	# Listening is not serving (a supervisor binds before its workers
	# run): an echo server must also answer one round trip.
	if ! wait_tcp "$host" "$port" || ! kill -0 "${PID[$key]}" 2> /dev/null ||
	   { [ "$key" != ref_chat ] && ! "$W/bin/loadgen" rr --host "$host" \
		--port "$port" -c 1 --duration 0.1 --timeout 5000 > /dev/null 2>&1; }; then
		SKIP[$key]="did not start: $(tail -n 2 "$W/$key.log" | tr '\n' ' ')"
		kill -KILL -- "-${PID[$key]}" 2> /dev/null
		unset "PID[$key]"
		return 1
	fi
	HOST[$key]=$host PORT[$key]=$port
	sleep 0.3	# the probe's child, if the server forked one, exits
	BASE[$key]=$(pgrep -g "${PID[$key]}" | wc -l)
}

# stop KEY: end a server and everything it forked, and reap it.
stop() {
	local pid=${PID[$1]} i
	kill -TERM -- "-$pid" 2> /dev/null
	for i in $(seq 20); do
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2> /dev/null)" = Z ] && break
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	for i in $(seq 20); do		# workers still holding the ports
		pgrep -g "$pid" > /dev/null || break
		sleep 0.1
	done
	unset "PID[$1]"
}

# restart KEY: the same server, fresh: the idle mode measures the memory a
# new process takes per connection, not what earlier runs left in its heap.
restart() {
	local key=$1
	stop "$key"
	eval "start $key ${HOST[$key]} ${PORT[$key]} ${NOFILE[$key]} ${CMD[$key]}"
}

want_server() { [[ ",$SERVERS," == *",$1,"* ]]; }

start_servers() {
	if want_server ref; then
		start ref 127.0.0.1 7101 65536 "$W/bin/ref_echo" -a 127.0.0.1 -p 7101
		UHOST[ref]=127.0.0.1
		start ref_chat 127.0.0.1 7102 65536 "$W/bin/ref_chat" -a 127.0.0.1 -p 7102
	fi
	if want_server pinetd; then
		if [ -f "$W/pinetd.skip" ]; then
			SKIP[pinetd]=$(cat "$W/pinetd.skip")
		else
			start_pinetd
		fi
	fi
	# pinetd's other shapes: echo in 2 event-loop workers (scaling), and
	# echo in process mode (a child per connection, like inetd's nowait).
	if want_server pinetd-2w && [ ! -f "$W/pinetd.skip" ]; then
		start_pinetd_variant pinetd-2w 7107 "workers = 2" tcp,udp
	fi
	if want_server pinetd-proc && [ ! -f "$W/pinetd.skip" ]; then
		start_pinetd_variant pinetd-proc 7108 "execution = process" tcp
	fi
	# exec: a process per connection running /bin/cat, beside
	# openbsd-inetd's (inetd-exec) and tcpserver's fork+exec of cat.
	if want_server pinetd-exec && [ ! -f "$W/pinetd.skip" ]; then
		start_pinetd_exec
	fi
	if want_server xinetd; then
		if [ -x "$PEER/usr/sbin/xinetd" ]; then
			local t
			# Builtin echo only; limits opened so they never trip.
			printf '%s\n' 'defaults' '{' \
				'    instances      = UNLIMITED' \
				'    per_source     = UNLIMITED' \
				'    cps            = 1000000 1' \
				'    log_on_success =' \
				'    log_on_failure =' '}' > "$W/xinetd.conf"
			for t in "stream tcp no" "dgram udp yes"; do
				set -- $t
				printf '%s\n' 'service echo' '{' \
					'    type        = INTERNAL' \
					"    id          = echo-$1" \
					"    socket_type = $1" \
					"    protocol    = $2" \
					'    user        = root' \
					"    wait        = $3" \
					'    bind        = 127.0.0.2' '}'
			done >> "$W/xinetd.conf"
			start xinetd 127.0.0.2 7 4096 "$PEER/usr/sbin/xinetd" -dontfork \
				-f "$W/xinetd.conf" -pidfile "$W/xinetd.pid" &&
				UHOST[xinetd]=127.0.0.2
		else
			SKIP[xinetd]="not unpacked (see $W/peers/apt.log)"
		fi
	fi
	if want_server openbsd-inetd; then
		if [ -x "$PEER/usr/sbin/inetd" ]; then
			# Internal services need their /etc/services name: port 7.
			# It drops UDP from 127/8 (echo loop guard): UDP on ::1.
			printf '%s\n' \
				"127.0.0.1:echo	stream	tcp4	nowait	root	internal" \
				"[::1]:echo	dgram	udp6	wait	root	internal" \
				> "$W/inetd.conf"
			start openbsd-inetd 127.0.0.1 7 4096 "$PEER/usr/sbin/inetd" -i \
				-R 100000000 -q 1024 "$W/inetd.conf" &&
				UHOST[openbsd-inetd]=::1
		else
			SKIP[openbsd-inetd]="not unpacked (see $W/peers/apt.log)"
		fi
	fi
	if want_server inetd-exec; then
		if [ -x "$PEER/usr/sbin/inetd" ]; then
			printf '%s\n' \
				"127.0.0.1:7110	stream	tcp4	nowait	root	/bin/cat	cat" \
				> "$W/inetd-exec.conf"
			start inetd-exec 127.0.0.1 7110 4096 "$PEER/usr/sbin/inetd" -i \
				-R 100000000 -q 1024 "$W/inetd-exec.conf"
		else
			SKIP[inetd-exec]="not unpacked (see $W/peers/apt.log)"
		fi
	fi
	if want_server tcpserver; then
		if [ -x "$PEER/usr/bin/tcpserver" ]; then
			start tcpserver 127.0.0.1 7105 4096 "$PEER/usr/bin/tcpserver" \
				-q -R -H -l 0 -c 4096 -b 1024 127.0.0.1 7105 cat
		else
			SKIP[tcpserver]="not unpacked (see $W/peers/apt.log)"
		fi
	fi
	if want_server socat; then
		local socat=socat
		[ -x "$PEER/usr/bin/socat" ] && socat=$PEER/usr/bin/socat
		start socat 127.0.0.1 7106 4096 "$socat" \
			TCP-LISTEN:7106,bind=127.0.0.1,fork,reuseaddr,backlog=1024 EXEC:cat
	fi
}

# pinetd with echo (TCP and UDP) and, if the plugin exists, the chat room.
start_pinetd() {
	local chat=0 plugdir=$REPO/plugins/.libs
	[ -f "$plugdir/chat.so" ] && chat=1
	{
		echo "plugin_dir = \"$plugdir\""
		echo 'services_dir = ""'
		echo 'log_level = warning'
		echo 'service echo {'
		echo '    plugin = echo'
		echo '    listen = { "tcp://127.0.0.1:7103", "udp://127.0.0.1:7103" }'
		echo '}'
		if [ $chat = 1 ]; then
			echo 'service chat {'
			echo '    plugin = chat'
			echo '    listen = { "tcp://127.0.0.1:7104" }'
			echo '}'
		fi
	} > "$W/pinetd.conf"
	if ! "$REPO/daemon/pinetd" -t -c "$W/pinetd.conf" > "$W/pinetd-check.log" 2>&1; then
		SKIP[pinetd]="pinetd -t rejects the bench config: $(head -n 2 "$W/pinetd-check.log" | tr '\n' ' ')"
		return
	fi
	[ -f "$W/pinetd.note" ] && NOTE[pinetd]=$(cat "$W/pinetd.note")
	if ldd "$REPO/daemon/pinetd" 2> /dev/null | grep -q libasan; then
		NOTE[pinetd]="built with sanitizers: not representative"
	fi
	start pinetd 127.0.0.1 7103 65536 "$REPO/daemon/pinetd" -f -c "$W/pinetd.conf" || return
	UHOST[pinetd]=127.0.0.1
	if [ $chat = 1 ]; then
		HOST[pinetd_chat]=127.0.0.1 PORT[pinetd_chat]=7104
		wait_tcp 127.0.0.1 7104 || unset "HOST[pinetd_chat]"
	fi
}

# start_pinetd_variant KEY PORT OPTION TRANSPORTS: pinetd serving echo
# alone on 127.0.0.1:PORT with one extra service option.
start_pinetd_variant() {
	local key=$1 port=$2 opt=$3 tr=$4 listen
	listen="\"tcp://127.0.0.1:$port\""
	[[ $tr == *udp* ]] && listen="$listen, \"udp://127.0.0.1:$port\""
	printf '%s\n' "plugin_dir = \"$REPO/plugins/.libs\"" 'services_dir = ""' \
		'log_level = warning' 'service echo {' '    plugin = echo' \
		"    listen = { $listen }" "    $opt" '    log_connections = false' \
		'}' > "$W/$key.conf"
	if ! "$REPO/daemon/pinetd" -t -c "$W/$key.conf" > "$W/$key-check.log" 2>&1; then
		SKIP[$key]="pinetd -t rejects the config: $(head -n 1 "$W/$key-check.log")"
		return
	fi
	start "$key" 127.0.0.1 "$port" 65536 "$REPO/daemon/pinetd" -f -c "$W/$key.conf" || return
	[[ $tr == *udp* ]] && UHOST[$key]=127.0.0.1
}

# pinetd-exec: the exec plugin running /bin/cat for each connection.
start_pinetd_exec() {
	printf '%s\n' "plugin_dir = \"$REPO/plugins/.libs\"" 'services_dir = ""' \
		'log_level = warning' 'service cat {' '    plugin = exec' \
		'    listen = { "tcp://127.0.0.1:7109" }' '    program = "/bin/cat"' \
		'    max_children = 4096' '    log_connections = false' \
		'}' > "$W/pinetd-exec.conf"
	if ! "$REPO/daemon/pinetd" -t -c "$W/pinetd-exec.conf" > "$W/pinetd-exec-check.log" 2>&1; then
		SKIP[pinetd-exec]="pinetd -t rejects the config: $(head -n 1 "$W/pinetd-exec-check.log")"
		return
	fi
	start pinetd-exec 127.0.0.1 7109 65536 "$REPO/daemon/pinetd" -f -c "$W/pinetd-exec.conf"
}

# key_of SERVER MODE: the server key (process) that serves MODE, or "".
key_of() {
	local s=$1 m=$2
	case "$s/$m" in
	ref/chat) echo ref_chat ;;
	pinetd/chat) [ -n "${HOST[pinetd_chat]:-}" ] && echo pinetd ;;
	*/chat) ;;
	ref/idle|pinetd/idle) echo "$s" ;;
	*/idle) ;;			# forking servers: a process per connection
	pinetd-exec/held|inetd-exec/held|tcpserver/held|socat/held) echo "$s" ;;
	*/held) ;;			# held: the servers with a program per connection
	tcpserver/udp|socat/udp|pinetd-proc/udp|pinetd-exec/udp|inetd-exec/udp) ;;	# TCP only here
	*) echo "$s" ;;
	esac
}

# cpu_ticks PGID: utime+stime+cutime+cstime summed over the server's
# process group: the server, its workers and live children, and (through
# cutime/cstime) the children already reaped.  A child that exits between
# two readings moves its time from its own line to its parent's cutime, so
# nothing is counted twice.
cpu_ticks() {
	local p st rest sum=0
	for p in $(pgrep -g "$1"); do
		st=$(cat "/proc/$p/stat" 2> /dev/null) || continue
		rest=${st##*) }
		set -- $rest
		sum=$(( sum + ${12} + ${13} + ${14} + ${15} ))
	done
	echo "$sum"
}

# settle KEY: wait (at most 3 s) until the server is back to the processes
# it had when idle (supervisor, workers), so that the children forked for
# the last run have exited and their CPU time is in cutime/cstime.
settle() {
	local i
	sleep 0.1
	for i in $(seq 30); do
		[ "$(pgrep -g "${PID[$1]}" | wc -l)" -le "${BASE[$1]}" ] && return
		sleep 0.1
	done
}

# run_one SERVER MODE RUN: one loadgen run, appended to $RESULTS.
run_one() {
	local s=$1 m=$2 r=$3 key pid host port extra="" line rc t0 t1 lgmode
	key=$(key_of "$s" "$m")
	pid=${PID[$key]}
	host=${HOST[$key]} port=${PORT[$key]}
	case "$m" in
	conn) extra="-c 128" ;;
	rr) extra="-c 32" ;;
	bulk) extra="-c 4" ;;
	udp) extra="-c 16"; host=${UHOST[$key]} ;;
	chat) extra="-c 50 --rate $CHAT_RATE"
	      [ "$s" = pinetd ] && port=${PORT[pinetd_chat]} ;;
	idle) restart "$key" || { echo "server=$s mode=$m run=$r rc=died" >> "$RESULTS"; return; }
	      pid=${PID[$key]}
	      extra="-c $IDLE_CONNS --pid $(pgrep -g "$pid" | paste -sd,)" ;;
	held) extra="-c $HELD_CONNS --tree $pid" ;;
	esac
	if ! kill -0 "$pid" 2> /dev/null; then
		echo "server=$s mode=$m run=$r rc=died" >> "$RESULTS"
		return
	fi
	t0=$(cpu_ticks "$pid")
	# held is loadgen's idle mode with few connections, measured over the
	# process group; the line is relabelled (the first mode= counts).
	lgmode=$m
	[ "$m" = held ] && lgmode=idle
	line=$(timeout -k 5 "$(( ${DURATION%.*} + 90 ))" $LG_CPU "$W/bin/loadgen" "$lgmode" \
		--host "$host" --port "$port" --duration "$DURATION" --tag "$s" \
		$extra 2>> "$W/loadgen.log")
	rc=$?
	settle "$key"
	t1=$(cpu_ticks "$pid")
	[ -n "$line" ] || line="mode=$m server=$s"
	[ "$m" = held ] && line="mode=held $line"
	echo "run=$r rc=$rc srv_ticks=$((t1 - t0)) $line" >> "$RESULTS"
	printf '  %-14s %-5s run %d: %s\n' "$s" "$m" "$r" \
		"$(echo "$line" | grep -o ' \(ops_per_s\|mb_per_s\|rss_per_conn_b\|p99_us\|errors\)=[^ ]*' | tr '\n' ' ')rc=$rc" >&2
}

# Packets the kernel dropped from its per-CPU backlog queues (loopback
# traffic goes through them): non-zero means an overloaded machine, and
# TCP retransmissions (timeouts) in the runs.
softnet_drops() {
	local a b rest sum=0
	while read -r a b rest; do sum=$(( sum + 16#$b )); done < /proc/net/softnet_stat
	echo "$sum"
}

# ---------------------------------------------------------------------------
start_servers
LOAD0=$(cut -d' ' -f1 /proc/loadavg) DROPS0=$(softnet_drops)
for k in "${!SKIP[@]}"; do say "skipping $k: ${SKIP[$k]}"; done
STOPPED=""
for m in ${MODES//,/ }; do
	for r in $(seq "$RUNS"); do
		for s in ${SERVERS//,/ }; do
			key=$(key_of "$s" "$m")
			[ -n "$key" ] && [ -n "${PID[$key]:-}" ] || continue
			if [ $((SECONDS - T0)) -ge "$BUDGET" ]; then
				STOPPED="time budget of ${BUDGET}s used up at $m run $r"
				break 3
			fi
			run_one "$s" "$m" "$r"
		done
	done
done
[ -n "$STOPPED" ] && say "$STOPPED: remaining runs skipped"
LOAD1=$(cut -d' ' -f1 /proc/loadavg) DROPS1=$(softnet_drops)

# ---------------------------------------------------------------------------
# The table: per server and mode, the median run by rate (by memory per
# connection for idle), the ratio to the reference, that run's latencies,
# the median server CPU per operation and the errors of all runs.
# ---------------------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "pinetd bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($CPU_MODEL), Linux $(uname -r)"
	echo "$RUNS runs x ${DURATION}s per cell, median shown; servers pinned to CPU 0 and the load to CPU 1: $([ -n "$SRV_CPU" ] && echo yes || echo no)"
	echo "machine load (1-min average) at start $LOAD0, at end $LOAD1; backlog drops (/proc/net/softnet_stat) during the run: $((DROPS1 - DROPS0))"
	for k in "${!SKIP[@]}"; do echo "skipped $k: ${SKIP[$k]}"; done
	for k in "${!NOTE[@]}"; do echo "note $k: ${NOTE[$k]}"; done
	[ -n "$STOPPED" ] && echo "incomplete: $STOPPED"
	echo
	awk -v clk="$CLK_TCK" -v order="${SERVERS//,/ }" -v modes="${MODES//,/ }" '
	function kv(line, key,   re, m) {
		if (match(line, "(^| )" key "=[^ ]*")) {
			m = substr(line, RSTART, RLENGTH); sub(/^ /, "", m)
			return substr(m, length(key) + 2)
		}
		return ""
	}
	function metric(mode, line) {
		if (mode == "bulk") return kv(line, "mb_per_s")
		if (mode == "idle") return kv(line, "rss_per_conn_b")
		if (mode == "held") return kv(line, "pss_per_conn_b")
		return kv(line, "ops_per_s")
	}
	# sort a[1..n] numerically (insertion sort: n is small)
	function nsort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
	}
	{
		s = kv($0, "server"); m = kv($0, "mode")
		if (s == "" || m == "") next
		key = s SUBSEP m
		n[key]++
		line[key, n[key]] = $0
		errs[key] += kv($0, "errors") + 0
		if (kv($0, "rc") != "0") bad[key]++
	}
	END {
		unit["conn"] = "conn/s"; unit["rr"] = "round trips/s"
		unit["bulk"] = "MB/s"; unit["udp"] = "replies/s"
		unit["chat"] = "deliveries/s"; unit["idle"] = "B/conn (RSS)"
		unit["held"] = "B/conn (PSS)"
		per["bulk"] = "us/MB"; per["idle"] = "us/conn"; per["held"] = "us/conn"
		printf "| server | mode | median | unit | vs ref | p50 us | p99 us | server CPU | errors | notes |\n"
		printf "|---|---|---:|---|---:|---:|---:|---:|---:|---|\n"
		nm = split(modes, M, " "); ns = split(order, S, " ")
		for (i = 1; i <= nm; i++) {
			mode = M[i]
			# reference value of this mode
			refv = ""
			if (("ref" SUBSEP mode) in n) {
				k = "ref" SUBSEP mode; c = n[k]
				for (j = 1; j <= c; j++) v[j] = metric(mode, line[k, j])
				nsort(v, c); refv = v[int((c + 1) / 2)]
			}
			for (q = 1; q <= ns; q++) {
				s = S[q]; k = s SUBSEP mode
				if (!(k in n)) continue
				c = n[k]
				# median run by metric
				for (j = 1; j <= c; j++) { idx[j] = j; mv[j] = metric(mode, line[k, j]) + 0 }
				for (a = 2; a <= c; a++) {
					t = idx[a]
					for (b = a - 1; b >= 1 && mv[idx[b]] > mv[t]; b--) idx[b + 1] = idx[b]
					idx[b + 1] = t
				}
				med = line[k, idx[int((c + 1) / 2)]]
				val = metric(mode, med)
				# CPU per operation, median over runs
				for (j = 1; j <= c; j++) {
					l = line[k, j]; ops = kv(l, "ops") + 0
					if (mode == "bulk") ops = ops / 1e6
					cpu[j] = ops > 0 ? kv(l, "srv_ticks") / clk * 1e6 / ops : -1
				}
				nsort(cpu, c); cpuv = cpu[int((c + 1) / 2)]
				ratio = (refv != "" && refv + 0 > 0 && val != "") ? sprintf("%.2f", val / refv) : "-"
				if (val == "") { val = "-"; ratio = "-" }
				else if (mode == "bulk") val = sprintf("%.0f", val)
				else val = sprintf("%.0f", val)
				p50 = kv(med, "p50_us"); p99 = kv(med, "p99_us")
				if (p50 == "" || p50 == "na") p50 = "-"; else p50 = sprintf("%.0f", p50)
				if (p99 == "" || p99 == "na") p99 = "-"; else p99 = sprintf("%.0f", p99)
				cpus = cpuv < 0 ? "-" : sprintf("%.1f %s", cpuv, (mode in per) ? per[mode] : "us/op")
				note = ""
				if (mode == "udp") note = "loss " kv(med, "loss_pct") "%"
				if (mode == "chat") note = "missing " kv(med, "missing") ", skipped " kv(med, "skipped")
				if (mode == "idle") note = kv(med, "conns") " conns, alive " kv(med, "alive") ", RSS " kv(med, "rss_before_kb") "->" kv(med, "rss_after_kb") " kB, PSS/conn " kv(med, "pss_per_conn_b") " B"
				if (mode == "held") note = kv(med, "conns") " conns held, alive " kv(med, "alive") ", PSS " kv(med, "pss_before_kb") "->" kv(med, "pss_after_kb") " kB over the server and its descendants"
				if (mode == "conn" || mode == "rr") { to = kv(med, "timeouts"); if (to + 0 > 0) note = "timeouts " to }
				lc = kv(med, "client_cpu")
				if (lc + 0 >= 0.95) note = note (note == "" ? "" : "; ") sprintf("load-bound (loadgen %.0f%% CPU)", lc * 100)
				if (bad[k] > 0) note = note (note == "" ? "" : "; ") bad[k] " run(s) failed"
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", s, mode, val, unit[mode], ratio, p50, p99, cpus, errs[k], note
			}
		}
	}' "$RESULTS"
} > "$W/table.md"

echo
cat "$W/table.md"
if [ -n "$OUT" ]; then
	cp "$W/table.md" "$OUT" && cp "$RESULTS" "$OUT.raw" && say "table in $OUT, raw runs in $OUT.raw"
fi
# Exit 1 when any run reported a defect (loadgen exit 1: corrupt echo,
# lost chat line, nothing completed).
grep -q ' rc=1 ' "$RESULTS" && exit 1
exit 0
