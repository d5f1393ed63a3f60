# telnet tests: included from Makefile.am
# The telnet plugin: its line editor alone, the whole plugin (libtelnet
# included) against the fake core, a raw scripted client for hand-made
# Telnet sequences, and the real daemon driven by the real telnet client.
TELNET_PLUGIN_SRC = $(top_srcdir)/plugins/telnet/telnet.c \
	$(top_srcdir)/plugins/telnet/telnet_cmd.c \
	$(top_srcdir)/plugins/telnet/telnet_edit.c

UNIT_TESTS += unit/test_telnet unit/test_telnet_edit
unit_test_telnet_SOURCES = unit/test_telnet.c $(TELNET_PLUGIN_SRC)
unit_test_telnet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/telnet
unit_test_telnet_CFLAGS = $(AM_CFLAGS) $(libtelnet_CFLAGS)
unit_test_telnet_LDADD = libtestkit.la $(UNIT_LIBS) $(libtelnet_LIBS)
# The AYT test sets the plugin's monotonic clock.
unit_test_telnet_LDFLAGS = -Wl,--wrap=clock_gettime
unit_test_telnet_edit_SOURCES = unit/test_telnet_edit.c \
	$(top_srcdir)/plugins/telnet/telnet_edit.c
unit_test_telnet_edit_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/telnet
unit_test_telnet_edit_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tools/telnet_raw
tools_telnet_raw_SOURCES = tools/telnet_raw.c

INTEGRATION_TESTS += integration/test_telnet.sh
