# chat tests: included from Makefile.am
# The chat plugin: its sanitizer alone, the room against the fake core,
# and the real daemon with several real clients (nc, socat, telnet).
CHAT_PLUGIN_SRC = $(top_srcdir)/plugins/chat/chat.c \
	$(top_srcdir)/plugins/chat/chat_cmd.c \
	$(top_srcdir)/plugins/chat/chat_sanitize.c \
	$(top_srcdir)/plugins/chat/chat_telnet.c \
	$(top_srcdir)/plugins/chat/chat_wire.c
if HAVE_HIREDIS
CHAT_PLUGIN_SRC += $(top_srcdir)/plugins/chat/chat_redis.c \
	$(top_srcdir)/plugins/chat/chat_redis_ev.c
CHAT_PLUGIN_LIBS = $(hiredis_LIBS)
else
CHAT_PLUGIN_SRC += $(top_srcdir)/plugins/chat/chat_redis_none.c
CHAT_PLUGIN_LIBS =
endif

UNIT_TESTS += unit/test_chat unit/test_chat_sanitize
unit_test_chat_SOURCES = unit/test_chat.c $(CHAT_PLUGIN_SRC)
unit_test_chat_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/chat
unit_test_chat_LDADD = libtestkit.la $(CHAT_PLUGIN_LIBS) $(UNIT_LIBS)
unit_test_chat_sanitize_SOURCES = unit/test_chat_sanitize.c \
	$(top_srcdir)/plugins/chat/chat_sanitize.c
unit_test_chat_sanitize_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/chat
unit_test_chat_sanitize_LDADD = $(UNIT_LIBS)

INTEGRATION_TESTS += integration/test_chat.sh
