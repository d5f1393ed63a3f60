# chat: included from plugins/Makefile.am; paths are relative to plugins/.
# chat -- a chat room shared by all of a service's connections (TCP)
plugin_LTLIBRARIES += chat.la
chat_la_SOURCES = chat/chat.c chat/chat.h chat/chat_cmd.c \
	chat/chat_sanitize.c chat/chat_sanitize.h chat/chat_telnet.c \
	chat/chat_telnet.h
chat_la_LDFLAGS = $(PLUGIN_LDFLAGS)
