# hostile tests: included from Makefile.am (the last include).
# Every shipped plugin through the real daemon under hostile clients
# (random and NUL bytes, a 10 MiB line, half-open, reset and idle
# connections, connect-and-close cycles, UDP junk), each followed by a
# well-behaved client that must get the exact expected bytes, and the
# daemon's descriptors and memory checked at the end.
check_PROGRAMS += tools/hostile
tools_hostile_SOURCES = tools/hostile.c

INTEGRATION_TESTS += integration/test_hostile.sh
EXTRA_DIST += integration/test_hostile.sh

# The soak (not run by make check: tests/soak/README.md) ships too.
EXTRA_DIST += soak/soak.sh soak/soak.c soak/README.md

# UDP loops within one daemon and between two (a namespace of their own),
# and replies from the address asked (IP_PKTINFO, IPV6_PKTINFO).
check_PROGRAMS += tools/udploop
tools_udploop_SOURCES = tools/udploop.c
INTEGRATION_TESTS += integration/test_udp_loops.sh integration/test_udp_dst.sh
EXTRA_DIST += integration/test_udp_loops.sh integration/test_udp_dst.sh
