# exec: included from plugins/Makefile.am; paths are relative to plugins/.
# exec -- run an ordinary inetd program per connection, started by the
# worker itself (core->spawn), the socket on its stdin and stdout, its
# stderr logged.
plugin_LTLIBRARIES += exec.la
exec_la_SOURCES = exec/exec.c exec/exec_cmd.c exec/exec_cmd.h
exec_la_LDFLAGS = $(PLUGIN_LDFLAGS)
# exec-wrap -- the helper for `stderr = socket` and `chdir`, installed
# beside the plugins; in the build tree the plugin finds it one level up
# from .libs (exec.c, wrap_path).
plugin_PROGRAMS = exec-wrap
exec_wrap_SOURCES = exec/exec_wrap.c
exec_wrap_LDFLAGS = $(SAN_LDFLAGS)
