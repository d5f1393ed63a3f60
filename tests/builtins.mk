# builtins tests: included from Makefile.am.
# discard (RFC 863), chargen (RFC 864), daytime (RFC 867), time (RFC 868).
# check_PROGRAMS already takes $(UNIT_TESTS) (see Makefile.am).

UNIT_TESTS += unit/test_discard unit/test_chargen unit/test_daytime \
	unit/test_time

# discard and chargen are tested through the plugin's descriptor only:
# link the plugin's source with the fake core.
unit_test_discard_SOURCES = unit/test_discard.c $(top_srcdir)/plugins/discard.c
unit_test_discard_LDADD = libtestkit.la $(UNIT_LIBS)
unit_test_chargen_SOURCES = unit/test_chargen.c $(top_srcdir)/plugins/chargen.c
unit_test_chargen_LDADD = libtestkit.la $(UNIT_LIBS)

# daytime and time also check their static encoders at fixed instants:
# the test #includes the plugin's source (plugins/X.c) instead.
unit_test_daytime_SOURCES = unit/test_daytime.c
unit_test_daytime_LDADD = libtestkit.la $(UNIT_LIBS)
unit_test_time_SOURCES = unit/test_time.c
unit_test_time_LDADD = libtestkit.la $(UNIT_LIBS)

# A small client for the integration test: timed reads, a slow reader,
# a bulk sender, one UDP exchange.
check_PROGRAMS += tools/builtins_client
tools_builtins_client_SOURCES = tools/builtins_client.c

# EXTRA_DIST already takes $(INTEGRATION_TESTS); the plugin sources the
# daytime and time tests include are distributed with plugins/.
INTEGRATION_TESTS += integration/test_builtins.sh
