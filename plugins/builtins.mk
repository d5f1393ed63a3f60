# builtins: owned by the builtins work; included from Makefile.am.
# The classic inetd builtins, one module each, TCP and UDP.

# discard -- RFC 863
plugin_LTLIBRARIES += discard.la
discard_la_SOURCES = discard.c
discard_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# chargen -- RFC 864
plugin_LTLIBRARIES += chargen.la
chargen_la_SOURCES = chargen.c
chargen_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# daytime -- RFC 867
plugin_LTLIBRARIES += daytime.la
daytime_la_SOURCES = daytime.c
daytime_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# time -- RFC 868
plugin_LTLIBRARIES += time.la
time_la_SOURCES = time.c
time_la_LDFLAGS = $(PLUGIN_LDFLAGS)
