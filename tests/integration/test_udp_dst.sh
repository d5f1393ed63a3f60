#!/bin/bash
# Replies leave from the address the request was sent to (issue 12, item
# 4): a wildcard UDP listener on a host with two addresses, asked at the
# second one by a connect()ed client (as `nc -u` and resolvers are), which
# takes replies from that address only.  Without IP_PKTINFO/IPV6_PKTINFO
# the kernel picks the reply's source by route, the first address, and
# the client never sees it.  IPv4 and IPv6, in a network namespace of the
# test's own (skipped, 77, where unshare -n is not allowed).  Ports
# 18721-18729.
if [ -z "${PN_UDP_NS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n not allowed"; exit 77; }
	PN_UDP_NS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up &&
	ip addr add 10.200.0.1/32 dev lo && ip addr add 10.200.0.2/32 dev lo &&
	ip -6 addr add fd00::1/128 dev lo nodad && ip -6 addr add fd00::2/128 dev lo nodad ||
	exit 99
. "$srcdir/integration/lib.sh"
UDPLOOP=$abs_top_builddir/tests/tools/udploop

pn_config <<CONF
log_level = notice
service echo { plugin = echo  listen = { "udp://*:18721" } }
service daytime {
    plugin = daytime
    listen = { "udp://*:18722" }
    utc = true
}
CONF
pn_start

for pair in 10.200.0.1/10.200.0.1 10.200.0.1/10.200.0.2 fd00::1/fd00::1 fd00::1/fd00::2; do
	src=${pair%/*} dst=${pair#*/}
	pn_expect "$("$UDPLOOP" ask $src $dst 18721 "to $dst" 2>&1)" "to $dst" \
		"echo asked at $dst from $src answers from $dst"
done
# Another plugin's reply: the same path.
r=$("$UDPLOOP" ask 10.200.0.1 10.200.0.2 18722 x)
case $r in
*20[0-9][0-9]*) pn_pass "daytime at the second address answers from it" ;;
*) pn_fail "daytime at the second address: $r" ;;
esac
pn_stop
pn_done
