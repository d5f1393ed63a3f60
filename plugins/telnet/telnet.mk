# telnet: included from plugins/Makefile.am; paths are relative to plugins/.
# telnet -- an interactive command shell over Telnet (RFC 854, 857, 858,
# 1073, 1091; RFC 1143 negotiation through libtelnet).
plugin_LTLIBRARIES += telnet.la
telnet_la_SOURCES = telnet/telnet.c telnet/telnet_session.h \
	telnet/telnet_cmd.c telnet/telnet_edit.c telnet/telnet_edit.h
telnet_la_CFLAGS = $(AM_CFLAGS) $(libtelnet_CFLAGS)
telnet_la_LIBADD = $(libtelnet_LIBS)
telnet_la_LDFLAGS = $(PLUGIN_LDFLAGS)
