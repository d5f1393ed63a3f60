# proxy: included from plugins/Makefile.am; paths are relative to plugins/.
# proxy -- relays each TCP connection to a backend (systemd-socket-proxyd)
plugin_LTLIBRARIES += proxy.la
proxy_la_SOURCES = proxy/proxy.c proxy/proxy.h proxy/proxy_addr.c \
	proxy/proxy_relay.c proxy/proxy_linger.c \
	$(top_srcdir)/daemon/policy/proxyproto.c
# The PROXY protocol builder is the daemon's own module, linked in.
proxy_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/policy
proxy_la_LDFLAGS = $(PLUGIN_LDFLAGS)
