#!/bin/bash
# pinetctl against a running daemon (pinetctl(8)): status in text and
# JSON, metrics parsed strictly and checked against the traffic made here,
# totals that survive a killed worker, a refused reload's exit code and
# file:line text, enable/disable of a drop-in service (it stops and starts
# answering; the file differs only in its enabled line; a refused reload
# puts the file back), a service of the main file refused, and clients
# that are not the daemon's user refused (socket mode, SO_PEERCRED).
. "${srcdir:-.}/integration/lib.sh"
pn_need nc python3

P=19301 # mainecho P, dropecho P+1, denied P+2
CTL=$abs_top_builddir/daemon/pinetctl
PROM="python3 ${srcdir:-.}/tools/promparse.py"
SOCK=$PN_TMP/run/control
D=$PN_TMP/services.d
mkdir -p "$D"
cat > "$PN_CONF" <<CONF
plugin_dir = "$PLUGIN_DIR"
services_dir = "$D"
control_socket = "$SOCK"
watchdog = 1
service mainecho {
	plugin = "echo"
	listen = { "tcp://127.0.0.1:$P" }
}
CONF
cat > "$D/10-drop.conf" <<CONF
# a drop-in file; pinetctl keeps every other byte
service dropecho {   # the one to disable
	plugin = "echo"
	listen = { "tcp://127.0.0.1:$((P + 1))" }
	/* a comment with enabled = true in it */
	log_connections = false
}
CONF
cat > "$D/20-deny.conf" <<CONF
service denied {
	plugin = "echo"
	listen = { "tcp://127.0.0.1:$((P + 2))" }
	deny = { "127.0.0.0/8" }
}
CONF
cp "$D/10-drop.conf" "$PN_TMP/10-drop.orig"
pn_start
for i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done

pn_expect "$(stat -c %a "$SOCK") $(stat -c %a "$PN_TMP/run")" "600 755" \
	"the socket is 0600 in a directory made 0755"

# ---- traffic, then metrics ----
for i in 1 2 3 4 5; do
	printf 'hello\n' | nc -q1 127.0.0.1 $((P + 1)) >/dev/null
done
for i in 1 2 3; do
	nc -w1 127.0.0.1 $((P + 2)) </dev/null >/dev/null 2>&1
done
# metric NAME LABELS: its value from a strict parse ("" when absent).
metric() {
	"$CTL" -s "$SOCK" metrics | $PROM | awk -v k="$1{$2}" '$1 == k { print $2 }'
}
# wait_metric NAME LABELS VALUE: until it has that value (heartbeats).
wait_metric() {
	local i
	for i in $(seq 1 100); do
		[ "$(metric "$1" "$2")" = "$3" ] && return 0
		sleep 0.05
	done
	return 1
}
wait_metric pinetd_connections_accepted_total 'service="dropecho"' 5
"$CTL" -s "$SOCK" metrics > "$PN_TMP/metrics"
pn_expect "$?" 0 "metrics exits 0"
$PROM < "$PN_TMP/metrics" > "$PN_TMP/samples" 2> "$PN_TMP/prom.err"
pn_expect "$? $(cat "$PN_TMP/prom.err")" "0 " "metrics parse strictly"
m() { awk -v k="$1" '$1 == k { print $2 }' "$PN_TMP/samples"; }
pn_expect "$(m 'pinetd_connections_accepted_total{service="dropecho"}')" 5 "5 connections: accepted 5"
pn_expect "$(m 'pinetd_received_bytes_total{service="dropecho"}')" 30 "5 x 6 bytes received"
pn_expect "$(m 'pinetd_sent_bytes_total{service="dropecho"}')" 30 "5 x 6 bytes sent"
pn_expect "$(m 'pinetd_connections_open{service="dropecho"}')" 0 "none open"
pn_expect "$(m 'pinetd_connections_accepted_total{service="denied"}')" 0 "denied: none accepted"
wait_metric pinetd_connections_refused_total 'reason="acl",service="denied"' 3
pn_expect "$?" 0 "denied: 3 refused for acl"
pn_expect "$(m 'pinetd_connections_refused_total{reason="rate_per_source",service="denied"}')" 0 \
	"denied: none refused for rate"
pn_expect "$(m 'pinetd_workers{service="mainecho"}')" 1 "one worker each"
pn_expect "$(m 'pinetd_reloads_total{}')" 0 "no reload yet"
pn_expect "$(m 'pinetd_start_time_seconds{}' | awk -v now="$(date +%s)" '{ print ($1 > now - 120 && $1 <= now) }')" 1 \
	"start time is recent"

# ---- status ----
out=$("$CTL" -s "$SOCK" status)
pn_expect "$?" 0 "status exits 0"
pn_expect "$(printf '%s\n' "$out" | grep -c '^service dropecho: enabled, plugin echo, .*10-drop.conf:3$')" 1 \
	"status: dropecho enabled, with its file and line"
pn_expect "$(printf '%s\n' "$out" | grep -c "listen: tcp://127.0.0.1:$((P + 1))")" 1 "status: its listener"
pn_expect "$(printf '%s\n' "$out" | grep -c '0 open, 5 accepted, 0 refused')" 1 "status: its counters"
"$CTL" -s "$SOCK" status --json > "$PN_TMP/status.json"
pn_expect "$?" 0 "status --json exits 0"
summary=$(python3 - "$PN_TMP/status.json" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
for v in s["services"]:
    alive = all(os.path.exists("/proc/%d" % w["pid"]) and w["state"] == "serving"
                for w in v["workers"])
    print(v["name"], v["state"], len(v["workers"]), alive, v["accepted"],
          v["refused"]["acl"], v["bytes_in"])
PY
)
pn_expect "$summary" "mainecho enabled 1 True 0 0 0
dropecho enabled 1 True 5 0 30
denied enabled 1 True 0 3 0" "status --json: services, serving workers, counters"
DROPPID=$(python3 -c 'import json,sys; print([v for v in json.load(open(sys.argv[1]))["services"] if v["name"] == "dropecho"][0]["workers"][0]["pid"])' "$PN_TMP/status.json")

# ---- counters survive a killed worker ----
pn_expect_signal KILL
kill -KILL "$DROPPID"
wait_metric pinetd_worker_restarts_total 'service="dropecho"' 1
pn_expect "$?" 0 "a killed worker counts as a restart"
pn_expect "$(printf 'again\n' | nc -q1 127.0.0.1 $((P + 1)))" again "served by the new worker"
wait_metric pinetd_connections_accepted_total 'service="dropecho"' 6
pn_expect "$?" 0 "accepted 5 + 1 across the restart"

# ---- a refused reload ----
printf 'service bad {\n\tplugin = "echo"\n\tno_such_option = 1\n}\n' > "$D/30-bad.conf"
out=$("$CTL" -s "$SOCK" reload 2>&1)
pn_expect "$?" 1 "a refused reload exits 1"
pn_expect "$(printf '%s\n' "$out" | grep -c "30-bad.conf:3: ")" 1 "it prints the file:line error"
printf '%s\n' "$out" | grep -q "30-bad.conf:3: " || printf '%s\n' "$out" >&2
# enable/disable with the reload refused: the file is put back.
out=$("$CTL" -s "$SOCK" disable dropecho 2>&1)
pn_expect "$?" 1 "disable with a refused reload exits 1"
pn_expect "$(printf '%s\n' "$out" | grep -c 'restored')" 1 "it says the file was restored"
cmp -s "$D/10-drop.conf" "$PN_TMP/10-drop.orig"
pn_expect "$?" 0 "the file is back byte for byte"
rm "$D/30-bad.conf"
out=$("$CTL" -s "$SOCK" reload)
pn_expect "$? $out" "0 reloaded" "a good reload prints reloaded"

# ---- disable, enable ----
out=$("$CTL" -s "$SOCK" disable dropecho)
pn_expect "$?" 0 "disable exits 0"
pn_expect "$(diff "$PN_TMP/10-drop.orig" "$D/10-drop.conf" | grep '^[<>]')" "> 	enabled = false" \
	"disable adds one line, nothing else changes"
pn_expect "$(nc -w1 127.0.0.1 $((P + 1)) </dev/null 2>&1; echo $?)" 1 "a disabled service does not answer"
pn_expect "$("$CTL" -s "$SOCK" status | grep -c '^service dropecho: disabled')" 1 "status says disabled"
out=$("$CTL" -s "$SOCK" enable dropecho)
pn_expect "$?" 0 "enable exits 0"
pn_expect "$(diff "$PN_TMP/10-drop.orig" "$D/10-drop.conf" | grep '^[<>]')" "> 	enabled = true" \
	"enable changes only the enabled line"
pn_wait_port tcp $((P + 1))
pn_expect "$(printf 'back\n' | nc -q1 127.0.0.1 $((P + 1)))" back "an enabled service answers again"
out=$("$CTL" -s "$SOCK" disable mainecho 2>&1)
pn_expect "$?" 1 "a service of the main file is refused"
pn_expect "$(printf '%s\n' "$out" | grep -c 'defined in the main file')" 1 "and it says why"
out=$("$CTL" -s "$SOCK" disable nosuch 2>&1)
pn_expect "$? $(printf '%s\n' "$out" | grep -c "no service 'nosuch'")" "1 1" "an unknown service is refused"
pn_expect "$(metric pinetd_reloads_total '') $(metric pinetd_reloads_refused_total '')" "3 2" \
	"reloads and refused reloads counted"

# ---- clients that are not root ----
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	out=$(runuser -u nobody -- "$CTL" -s "$SOCK" status 2>&1)
	pn_expect "$? $(printf '%s\n' "$out" | grep -c 'Permission denied')" "3 1" \
		"nobody cannot connect to the 0600 socket"
	chmod 0666 "$SOCK"
	out=$(runuser -u nobody -- "$CTL" -s "$SOCK" status 2>&1)
	pn_expect "$? $(printf '%s\n' "$out" | grep -c 'permission denied: uid')" "1 1" \
		"a 0666 socket still refuses another uid (SO_PEERCRED)"
	chmod 0600 "$SOCK"
else
	echo "SKIP: not root; the non-root client checks need runuser"
fi

pn_stop
pn_expect "$([ -e "$SOCK" ]; echo $?)" 1 "the socket is removed at stop"
pn_done
