# fuzz.mk -- build the libFuzzer targets (GNU make; not part of automake).
#
#   make -f fuzz/fuzz.mk top_srcdir=/path/to/src top_builddir=/path/to/build
#
# top_builddir must hold a configured and built tree (config.h, and the
# plugins in plugins/.libs for fuzz_conf).  The targets land in
# $(FUZZ_BIN) (default $(top_builddir)/fuzz/bin); fuzz/run.sh runs them.
#
# Each target is its fuzz/fuzz_NAME.c compiled with the project sources it
# exercises, all with -fsanitize=fuzzer,address,undefined.  The daemon's
# modules (every daemon/FOLDER/*.c; main.c stays out) go into one archive,
# so a target links just the modules it reaches.

top_srcdir ?= .
top_builddir ?= .
FUZZ_BIN ?= $(top_builddir)/fuzz/bin

FUZZ_CC ?= clang
FUZZ_SAN ?= -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_WARN = -Wall -Wextra -Wno-unused-parameter
DAEMON_DIRS = $(addprefix $(top_srcdir)/daemon/,common config policy worker \
	supervisor)
FUZZ_CPPFLAGS = -include $(top_builddir)/config.h -I$(top_srcdir)/include \
	$(addprefix -I,$(DAEMON_DIRS)) -I$(top_srcdir)/plugins/chat \
	-I$(top_srcdir)/plugins/telnet -I$(top_srcdir)/tests/kit -I$(top_srcdir)/fuzz

# The daemon's modules, instrumented (fuzzer-no-link: no main of libFuzzer).
DAEMON_SRC = $(foreach d,$(DAEMON_DIRS),$(wildcard $(d)/*.c))
DAEMON_OBJ = $(patsubst %.c,$(FUZZ_BIN)/obj/daemon_%.o,$(notdir $(DAEMON_SRC)))
DAEMON_LIB = $(FUZZ_BIN)/libpinetd-fuzz.a
DAEMON_LIBS = -lconfuse -ldl $(shell pkg-config --libs libsystemd 2>/dev/null)

KIT_SRC = $(top_srcdir)/tests/kit/pinetd_testkit.c
CHAT_SRC = $(addprefix $(top_srcdir)/plugins/chat/,chat.c chat_cmd.c \
	chat_sanitize.c chat_telnet.c chat_redis_none.c)
TELNET_SRC = $(addprefix $(top_srcdir)/plugins/telnet/,telnet.c telnet_cmd.c \
	telnet_edit.c)

TARGETS = fuzz_conf fuzz_addr fuzz_framer fuzz_chat fuzz_telnet fuzz_sources \
	fuzz_proxyproto
BINS = $(addprefix $(FUZZ_BIN)/,$(TARGETS))

all: $(BINS)
$(TARGETS): %: $(FUZZ_BIN)/%

# What each target compiles in besides its own file, and links.
fuzz_conf_SRC =
fuzz_conf_FLAGS = -DFUZZ_PLUGIN_DIR='"$(abspath $(top_builddir))/plugins/.libs"' \
	-Wl,--wrap=dlopen,--wrap=scandir
fuzz_addr_SRC =
fuzz_framer_SRC =
fuzz_proxyproto_SRC =
fuzz_chat_SRC = $(KIT_SRC) $(CHAT_SRC)
fuzz_telnet_SRC = $(KIT_SRC) $(TELNET_SRC)
fuzz_telnet_FLAGS = -ltelnet
# Its own build of sources.c (taken before the archive's): a probe limit of
# 4 reaches the rekeying paths; getrandom replays from the input.
fuzz_sources_SRC = $(top_srcdir)/daemon/policy/sources.c
fuzz_sources_FLAGS = -DPN_SOURCES_PROBE_MAX=4 -Wl,--wrap=getrandom

DAEMON_HDR = $(foreach d,$(DAEMON_DIRS),$(wildcard $(d)/*.h)) \
	$(top_srcdir)/include/pinetd/plugin.h $(top_builddir)/config.h

# A module's source is found in whichever folder of the daemon holds it.
vpath %.c $(DAEMON_DIRS)
$(FUZZ_BIN)/obj/daemon_%.o: %.c $(DAEMON_HDR) | $(FUZZ_BIN)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) $(FUZZ_CPPFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
		-c $< -o $@

$(DAEMON_LIB): $(DAEMON_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BIN)/obj:
	mkdir -p $@

# Secondary expansion: a target also depends on its fuzz_NAME_SRC files.
.SECONDEXPANSION:
$(FUZZ_BIN)/fuzz_%: $(top_srcdir)/fuzz/fuzz_%.c $(top_srcdir)/fuzz/fuzz_input.h \
		$$($$(notdir $$@)_SRC) $(DAEMON_LIB) $(DAEMON_HDR) \
		$(wildcard $(top_srcdir)/plugins/*/*.h $(top_srcdir)/tests/kit/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) $(FUZZ_CPPFLAGS) $(FUZZ_SAN) \
		-o $@ $< $($(notdir $@)_SRC) $(DAEMON_LIB) $($(notdir $@)_FLAGS) \
		$(DAEMON_LIBS)

clean:
	rm -rf $(FUZZ_BIN)

.PHONY: all clean $(TARGETS)
