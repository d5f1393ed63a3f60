# scale-out tests (issue 15): included from Makefile.am.
# The chat room's wire format alone; the topology of HAProxy, two nodes
# and Redis (skipped, 77, without haproxy or redis-server).
INTEGRATION_TESTS += integration/test_scaleout.sh
EXTRA_DIST += integration/scaleout-clients.py

UNIT_TESTS += unit/test_chat_wire
unit_test_chat_wire_SOURCES = unit/test_chat_wire.c \
	$(top_srcdir)/plugins/chat/chat_wire.c
unit_test_chat_wire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/chat
unit_test_chat_wire_LDADD = $(UNIT_LIBS)
