# proxy tests: included from Makefile.am
# The proxy plugin against the fake core with real loopback backends, and
# through the real daemon with Python clients and backends.
PROXY_PLUGIN_SRC = $(top_srcdir)/plugins/proxy/proxy.c \
	$(top_srcdir)/plugins/proxy/proxy_addr.c \
	$(top_srcdir)/plugins/proxy/proxy_relay.c \
	$(top_srcdir)/plugins/proxy/proxy_linger.c \
	$(top_srcdir)/daemon/policy/proxyproto.c

UNIT_TESTS += unit/test_proxy
unit_test_proxy_SOURCES = unit/test_proxy.c $(PROXY_PLUGIN_SRC)
unit_test_proxy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/proxy \
	-I$(top_srcdir)/daemon/policy
unit_test_proxy_LDADD = libtestkit.la $(UNIT_LIBS)

INTEGRATION_TESTS += integration/test_proxy.sh
