# proxy: included from plugins/Makefile.am; paths are relative to plugins/.
# proxy -- relays each TCP connection to a backend (systemd-socket-proxyd)
plugin_LTLIBRARIES += proxy.la
proxy_la_SOURCES = proxy/proxy.c proxy/proxy.h proxy/proxy_addr.c \
	proxy/proxy_relay.c proxy/proxy_linger.c
# The API 1.0 symbol (PLUGIN_LDFLAGS still names the old one until the
# other plugins are ported; then this can be $(PLUGIN_LDFLAGS) again).
proxy_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^pinetd_plugin_v1$$' $(SAN_LDFLAGS)
