# proxyproto tests: included from Makefile.am
# The PROXY protocol parser against the specification's examples, and the
# daemon behind a (simulated) load balancer: v1 and v2 headers from a
# trusted address, refusals, timeouts, exec, the proxy's send_proxy.
UNIT_TESTS += unit/test_proxyproto
unit_test_proxyproto_SOURCES = unit/test_proxyproto.c
unit_test_proxyproto_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)

INTEGRATION_TESTS += integration/test_proxyproto.sh
