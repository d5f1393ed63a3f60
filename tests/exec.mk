# exec tests: included from Makefile.am.
# The exec plugin: its pure helpers (argv splitting, environment), its
# spawner (real fork+exec over socketpairs) and the whole plugin against
# the fake core; then the real daemon in process mode with /bin/cat, a
# shell script that reports its environment and descriptors, and
# in.tftpd as a UDP "wait" service fetched with the tftp client.
EXEC_PLUGIN_SRC = $(top_srcdir)/plugins/exec.c \
	$(top_srcdir)/plugins/exec_cmd.c $(top_srcdir)/plugins/exec_run.c

UNIT_TESTS += unit/test_exec
unit_test_exec_SOURCES = unit/test_exec.c $(EXEC_PLUGIN_SRC)
unit_test_exec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins
unit_test_exec_LDADD = libtestkit.la $(UNIT_LIBS)

INTEGRATION_TESTS += integration/test_exec.sh
EXTRA_DIST += integration/exec-env.sh
