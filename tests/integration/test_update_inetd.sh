#!/bin/bash
# inetd.conf changed on disk is reloaded without a signal (confwatch.c):
# Debian's update-inetd replaces /etc/inetd.conf (a new file renamed into
# place) and then signals only a process named inetd or an init script
# named *inetd, neither of which is pinetd.  Checked: a file renamed into
# place, an edit in place, a bad line (refused, the old services keep
# serving, an error names inetd.conf:LINE), and update-inetd itself when it
# is installed (--add, --disable, --remove on our file).
. "$srcdir/integration/lib.sh"
pn_need nc ss
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (inetd.conf users)"; exit 77; }
P=19421 # cat, from the start
Q=19422 # added by a rename into place
R=19423 # added by an edit in place
U=19424 # added by update-inetd
IC=$PN_TMP/inetd.conf
cat > "$IC" <<EOF
127.0.0.1:$P	stream	tcp	nowait	nobody	/bin/cat	cat
EOF
pn_config <<EOF
inetd_conf = "$IC"
EOF
pn_start
# pn_start waits for the listen addresses of pinetd.conf: there are none.
pn_wait_port tcp $P || pn_fail "nothing listens on $P"
ask() { printf '%s\n' "$2" | timeout 10 nc -N 127.0.0.1 "$1"; }
# gone PORT: wait until nothing listens there.
gone() {
	local i
	for i in $(seq 1 100); do
		ss -Hltn "sport = :$1" | grep -q . || return 0
		sleep 0.05
	done
	return 1
}
pn_expect "$(ask $P one)" "one" "the inetd.conf service answers"

# A new file renamed into place, as update-inetd does: no signal sent.
cp "$IC" "$IC.new"
printf '127.0.0.1:%s\tstream\ttcp\tnowait\tnobody\t/bin/cat\tcat\n' $Q >> "$IC.new"
mv "$IC.new" "$IC"
pn_wait_port tcp $Q && pn_pass "a file renamed into place is reloaded by itself" ||
	pn_fail "no reload after the rename"
pn_expect "$(ask $Q two)" "two" "the added service answers"
grep -q "^pinetd: notice: $IC changed on disk: reloading$" "$PN_LOG" &&
	pn_pass "the reload says why" || pn_fail "no 'changed on disk' line"

# An edit in place.
printf '127.0.0.1:%s\tstream\ttcp\tnowait\tnobody\t/bin/cat\tcat\n' $R >> "$IC"
pn_wait_port tcp $R && pn_pass "an edit in place is reloaded" || pn_fail "no reload after the edit"

# A bad line: refused with its line number; what ran keeps serving.
n=$(grep -c 'reload refused' "$PN_LOG")
printf 'garbage line\n' >> "$IC"
for i in $(seq 1 100); do
	[ "$(grep -c 'reload refused' "$PN_LOG")" -gt "$n" ] && break
	sleep 0.05
done
grep -q "$IC:4:" "$PN_LOG" && pn_pass "a bad line is refused with inetd.conf:4" ||
	pn_fail "no error naming inetd.conf:4"
pn_expect "$(ask $R three)" "three" "the running services keep serving"
sed -i '$d' "$IC"

if command -v update-inetd >/dev/null; then
	update-inetd --file "$IC" --add \
		"127.0.0.1:$U	stream	tcp	nowait	nobody	/bin/cat	cat" 2>&1
	pn_wait_port tcp $U && pn_pass "update-inetd --add: the service listens" ||
		pn_fail "update-inetd --add: nothing listens on $U"
	pn_expect "$(ask $U four)" "four" "update-inetd --add: the service answers"
	update-inetd --file "$IC" --disable 127.0.0.1:$U 2>&1
	gone $U && pn_pass "update-inetd --disable: the service stops" ||
		pn_fail "update-inetd --disable: $U still listens"
	update-inetd --file "$IC" --remove 127.0.0.1:$U 2>&1
	grep -q ":$U" "$IC" && pn_fail "update-inetd --remove left the line" ||
		pn_pass "update-inetd --remove"
else
	echo "update-inetd not installed: its part is skipped"
fi
pn_expect "$(ask $P five)" "five" "the first service answered throughout"
pn_stop
pn_done
