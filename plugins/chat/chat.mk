# chat: included from plugins/Makefile.am; paths are relative to plugins/.
# chat -- a chat room shared by all of a service's connections (TCP), and
# with hiredis by the nodes that name the same Redis room.
plugin_LTLIBRARIES += chat.la
chat_la_SOURCES = chat/chat.c chat/chat.h chat/chat_cmd.c \
	chat/chat_sanitize.c chat/chat_sanitize.h chat/chat_telnet.c \
	chat/chat_telnet.h chat/chat_wire.c chat/chat_wire.h \
	chat/chat_redis.h
chat_la_LDFLAGS = $(PLUGIN_LDFLAGS)
if HAVE_HIREDIS
chat_la_SOURCES += chat/chat_redis.c chat/chat_redis_ev.c \
	chat/chat_redis_ev.h
chat_la_CFLAGS = $(AM_CFLAGS) $(hiredis_CFLAGS)
chat_la_LIBADD = $(hiredis_LIBS)
else
chat_la_SOURCES += chat/chat_redis_none.c
endif
