# Operations: journal priorities, sd_notify STATUS= and WATCHDOG=1, the
# detaching parent's start-up errors, the second signal; unit tests of
# log.c, notify.c's watchdog interval and the status line.
INTEGRATION_TESTS += integration/test_journal.sh integration/test_notify.sh \
	integration/test_detach.sh
EXTRA_DIST += integration/test_journal.sh integration/test_notify.sh \
	integration/test_detach.sh
UNIT_TESTS += unit/test_log unit/test_notify
unit_test_log_SOURCES = unit/test_log.c
unit_test_log_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)
# syslog(3) replaced: the test reads each message's priority.
unit_test_log_LDFLAGS = -Wl,--wrap=syslog,--wrap=__syslog_chk
unit_test_notify_SOURCES = unit/test_notify.c
unit_test_notify_LDADD = $(DAEMON_LIB) $(UNIT_LIBS) $(libsystemd_LIBS)
