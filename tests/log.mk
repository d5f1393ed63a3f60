# Operations: journal priorities, sd_notify STATUS= and WATCHDOG=1, the
# detaching parent's start-up errors, the second signal; unit tests of
# log.c and of the status line.
INTEGRATION_TESTS += integration/test_journal.sh integration/test_notify.sh \
	integration/test_detach.sh
EXTRA_DIST += integration/test_journal.sh integration/test_notify.sh \
	integration/test_detach.sh
UNIT_TESTS += unit/test_log unit/test_status
unit_test_log_SOURCES = unit/test_log.c
unit_test_log_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)
unit_test_status_SOURCES = unit/test_status.c
unit_test_status_LDADD = $(DAEMON_LIB) $(UNIT_LIBS)
