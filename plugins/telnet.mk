# telnet: owned by the telnet work; included from Makefile.am
# telnet -- an interactive command shell over Telnet (RFC 854, 857, 858,
# 1073, 1091; RFC 1143 negotiation through libtelnet).
plugin_LTLIBRARIES += telnet.la
telnet_la_SOURCES = telnet.c telnet_session.h telnet_cmd.c \
	telnet_edit.c telnet_edit.h
telnet_la_CFLAGS = $(AM_CFLAGS) $(libtelnet_CFLAGS)
telnet_la_LIBADD = $(libtelnet_LIBS)
telnet_la_LDFLAGS = $(PLUGIN_LDFLAGS)
