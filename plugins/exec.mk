# exec: owned by the exec work; included from Makefile.am.
# exec -- run an ordinary inetd program per connection, started by the
# worker itself (core->spawn), the socket on its stdin and stdout, its
# stderr logged.
plugin_LTLIBRARIES += exec.la
exec_la_SOURCES = exec.c exec_cmd.c exec_cmd.h
exec_la_LDFLAGS = $(PLUGIN_LDFLAGS)
