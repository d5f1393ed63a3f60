# exec tests: included from Makefile.am.
# The exec plugin: its pure helpers (argv splitting, environment) and the
# whole plugin against the fake core (whose spawn runs the program); the
# daemon's spawner's helpers (test_spawn); then the real daemon with
# /bin/cat, a shell script that reports its environment, descriptors and
# signals, and in.tftpd as a UDP "wait" service fetched with the tftp
# client, and the one-process-per-connection model (test_exec_procs.sh).
EXEC_PLUGIN_SRC = $(top_srcdir)/plugins/exec/exec.c \
	$(top_srcdir)/plugins/exec/exec_cmd.c

UNIT_TESTS += unit/test_exec
unit_test_exec_SOURCES = unit/test_exec.c $(EXEC_PLUGIN_SRC)
unit_test_exec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/exec
unit_test_exec_LDADD = libtestkit.la $(UNIT_LIBS)

UNIT_TESTS += unit/test_spawn
unit_test_spawn_SOURCES = unit/test_spawn.c
unit_test_spawn_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)

INTEGRATION_TESTS += integration/test_exec.sh integration/test_exec_procs.sh \
	integration/test_waitmode.sh
EXTRA_DIST += integration/exec-env.sh integration/wait-log.py
