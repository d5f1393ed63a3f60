# scale-out tests (issue 15): included from Makefile.am.
# The chat room's wire format alone; the topology of HAProxy, two nodes
# and Redis (skipped, 77, without haproxy or redis-server).
INTEGRATION_TESTS += integration/test_scaleout.sh
EXTRA_DIST += integration/scaleout-clients.py
