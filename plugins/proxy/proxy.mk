# proxy: included from plugins/Makefile.am; paths are relative to plugins/.
# proxy -- relays each TCP connection to a backend (systemd-socket-proxyd)
plugin_LTLIBRARIES += proxy.la
proxy_la_SOURCES = proxy/proxy.c proxy/proxy.h proxy/proxy_addr.c \
	proxy/proxy_relay.c proxy/proxy_linger.c
proxy_la_LDFLAGS = $(PLUGIN_LDFLAGS)
