# chat: owned by the chat work; included from Makefile.am
# chat -- a chat room shared by all of a service's connections (TCP)
plugin_LTLIBRARIES += chat.la
chat_la_SOURCES = chat.c chat.h chat_cmd.c chat_sanitize.c chat_sanitize.h \
	chat_telnet.c chat_telnet.h
chat_la_LDFLAGS = $(PLUGIN_LDFLAGS)
