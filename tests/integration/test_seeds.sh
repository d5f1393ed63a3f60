#!/bin/bash
# Seed fidelity: each server of the seed tutorials (../shared/seeds, the
# programs extracted into tests/seeds/) and its pinetd configuration
# (examples/seeds/) answer the tutorial's own clients with the same bytes.
# For each configuration: start the tutorial's server, run the clients
# (tests/seeds/drive.py), stop it; start pinetd on the configuration, run
# the same clients; compare the two transcripts exactly.
#
# Servers whose port is fixed in the tutorial's code run on it (5000,
# 5005, 5006, 8888, 9999: no other test uses them); those that take it
# from the command line (the tutorial uses 5001, 5002 and 7) run on free
# ports from 18501 up, and the configuration's port is replaced.
. "$srcdir/integration/lib.sh"
command -v python3 >/dev/null 2>&1 ||
	{ echo "SKIP: python3 not installed (the tutorials' clients and servers are Python 3 ports)"; exit 77; }
pn_need nc ss cc telnet stdbuf
top_srcdir=${top_srcdir:-$srcdir/..}
SEEDS=$(cd "$top_srcdir/tests/seeds" && pwd)
EXAMPLES=$top_srcdir/examples/seeds
P=18501
export SEED_BIN=$PN_TMP/bin
export PYTHONDONTWRITEBYTECODE=1 # the source tree may be read-only (distcheck)
mkdir -p "$SEED_BIN"

# The tutorials' C programs, as they are (teaching code: warnings off).
for c in "$SEEDS"/*.c; do
	if ! cc -w -o "$SEED_BIN/$(basename "$c" .c)" "$c" 2> "$PN_TMP/cc.out"; then
		pn_fail "cannot compile $(basename "$c")"; cat "$PN_TMP/cc.out" >&2
	fi
done

# free_port FROM [COUNT]: the first port from FROM up that, with the
# COUNT - 1 after it, a plain bind() (no SO_REUSEADDR, as the C servers and
# the chat clients do) accepts over TCP and UDP: earlier runs may have left
# connections in TIME_WAIT.
free_port() {
	python3 - "$1" "${2:-1}" <<'PY'
import socket, sys
p, n = int(sys.argv[1]), int(sys.argv[2])
def free(q):
    try:
        for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(("0.0.0.0", q))
            s.close()
        return True
    except OSError:
        return False
while not all(free(q) for q in range(p, p + n)):
    p += 1
print(p)
PY
}

SEED_PID=
# seed_start PROTO PORT CMD...: the tutorial's server, in the background.
seed_start() {
	local proto=$1 port=$2
	shift 2
	PYTHONPATH="$SEEDS/reuseaddr" "$@" > "$PN_TMP/seed-server.out" 2>&1 &
	SEED_PID=$!
	if ! pn_wait_port "$proto" "$port"; then
		pn_fail "the tutorial's server $* did not listen on $proto $port"
		cat "$PN_TMP/seed-server.out" >&2
	fi
}
seed_stop() {
	kill "$SEED_PID" 2>/dev/null
	wait "$SEED_PID" 2>/dev/null
	SEED_PID=
	# The next server may want the same port at once.
	for i in $(seq 1 100); do
		ss -Hltun "sport = :$1" | grep -q . || break
		sleep 0.05
	done
}
trap 'seed_stop 0; pn_cleanup' EXIT

# check NAME PROTO PORT PINETD_PORT CLIENT_PORTS -- SERVER CMD...: one
# configuration against its seed server.  PORT is where the seed server
# listens, PINETD_PORT where pinetd does: the tutorial's fixed port for
# both, or two free ones for a server that takes its port as an argument
# (the clients do not print it).  A C server's connections in TIME_WAIT
# lack SO_REUSEADDR, so not even pinetd could bind its port for a minute.
check() {
	local name=$1 proto=$2 port=$3 pport=$4 base=$5
	shift 6
	seed_start "$proto" "$port" "$@"
	python3 "$SEEDS/drive.py" "$name" "$port" "$base" > "$PN_TMP/$name.seed" 2> "$PN_TMP/drive.err" ||
		{ pn_fail "$name: the clients failed against the tutorial's server"; cat "$PN_TMP/drive.err" >&2; }
	seed_stop "$port"
	sed -E "s#\"(tcp|udp)://127\.0\.0\.1:[0-9]+\"#\"\\1://127.0.0.1:$pport\"#" \
		"$EXAMPLES/$name.conf" | grep -v '^services_dir' | pn_config
	pn_start
	python3 "$SEEDS/drive.py" "$name" "$pport" "$((base ? base + 3 : 0))" > "$PN_TMP/$name.pinetd" 2> "$PN_TMP/drive.err" ||
		{ pn_fail "$name: the clients failed against pinetd"; cat "$PN_TMP/drive.err" >&2; }
	pn_stop
	if [ -s "$PN_TMP/$name.seed" ] && cmp -s "$PN_TMP/$name.seed" "$PN_TMP/$name.pinetd"; then
		pn_pass "$name: the same $(wc -c < "$PN_TMP/$name.seed") bytes from the tutorial's server and from pinetd"
	else
		pn_fail "$name: the clients got other bytes from pinetd than from the tutorial's server"
		diff <(cat -A "$PN_TMP/$name.seed") <(cat -A "$PN_TMP/$name.pinetd") >&2
	fi
}

S=$SEEDS
# two_ports FROM: two free ports, the first from FROM up.
two_ports() {
	local a b
	a=$(free_port "$1")
	b=$(free_port $((a + 1)))
	echo "$a $b"
}
read -r a b <<< "$(two_ports $P)"
check 000-c-tcp tcp "$a" "$b" 0 -- "$SEED_BIN/000_c_tcp_server" "$a"
read -r a b <<< "$(two_ports $((b + 1)))"
check 000-c-udp udp "$a" "$b" 0 -- "$SEED_BIN/000_c_udp_server" "$a"
check 000-py-tcp tcp 5005 5005 0 -- python3 -u "$S/000_py_tcp_server.py"
check 000-py-udp udp 5006 5006 0 -- python3 -u "$S/000_py_udp_server.py"
check 002-py-tcp-echo tcp 9999 9999 0 -- python3 -u "$S/002_tcpserver.py"
check 002-py-udp udp 8888 8888 0 -- python3 -u "$S/002_udpserver.py"
check 003-py-udp-sink udp 5000 5000 0 -- python3 -u "$S/003_udp_sink.py"
check 003-py-udp-echo udp 8888 8888 0 -- python3 -u "$S/003_udp_echo.py"
check 003-py-tcp-accept tcp 8888 8888 0 -- python3 -u "$S/003_tcp_accept.py"
check 003-py-tcp-echo-once tcp 8888 8888 0 -- python3 -u "$S/003_tcp_echo_once.py"
check 003-py-tcp-ok-once tcp 5000 5000 0 -- python3 -u "$S/003_tcp_ok_once.py"
check 003-py-tcp-threaded tcp 8888 8888 0 -- python3 -u "$S/003_tcp_threaded.py"
base=$(free_port 18521 6) # the chat clients': 3 for each server
check 003-py-chat tcp 5000 5000 "$base" -- python3 -u "$S/003_chat_server.py"
read -r a b <<< "$(two_ports $((base + 6)))"
check 004-c-echo tcp "$a" "$b" 0 -- "$SEED_BIN/004_tcpecho_server" "$a"
read -r a b <<< "$(two_ports $((b + 1)))"
check 004-py-socketserver-echo tcp "$a" "$b" 0 -- python3 -u "$S/004_echoserver_socketserver.py" "$a"
read -r a b <<< "$(two_ports $((b + 1)))"
check 004-py-socket-echo tcp "$a" "$b" 0 -- python3 -u "$S/004_echoserver_socket.py" "$a"

pn_done
