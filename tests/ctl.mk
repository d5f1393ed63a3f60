# pinetctl (daemon/client, daemon/supervisor/control.c): the command
# against a running daemon, the drop-in editor, the strict Prometheus
# text-format parser the test reads metrics with.
INTEGRATION_TESTS += integration/test_pinetctl.sh
UNIT_TESTS += unit/test_edit unit/test_control
unit_test_edit_SOURCES = unit/test_edit.c
unit_test_edit_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/client
unit_test_edit_LDADD = $(UNIT_LIBS)
unit_test_control_SOURCES = unit/test_control.c
unit_test_control_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)
EXTRA_DIST += tools/promparse.py
