# Plugin API 1.0 through the real daemon: every event primitive (prims),
# the two-way compatibility rules (compat, built six ways), -t with a
# plugin that logs in init.
check_LTLIBRARIES += plugins/prims.la plugins/compat_same.la \
	plugins/compat_short.la plugins/compat_long.la plugins/compat_tiny.la \
	plugins/compat_requires.la plugins/compat_flag.la plugins/compat_old.la
plugins_prims_la_SOURCES = plugins/prims.c
plugins_prims_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_same_la_SOURCES = plugins/compat.c
plugins_compat_same_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_short_la_SOURCES = plugins/compat.c
plugins_compat_short_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_SHORT \
	-DCOMPAT_VARIANT='"short"'
plugins_compat_short_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_long_la_SOURCES = plugins/compat.c
plugins_compat_long_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_LONG \
	-DCOMPAT_VARIANT='"long"'
plugins_compat_long_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_tiny_la_SOURCES = plugins/compat.c
plugins_compat_tiny_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_TINY
plugins_compat_tiny_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_requires_la_SOURCES = plugins/compat.c
plugins_compat_requires_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_IMPOSSIBLE
plugins_compat_requires_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_flag_la_SOURCES = plugins/compat.c
plugins_compat_flag_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_UNKNOWN_FLAG
plugins_compat_flag_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
plugins_compat_old_la_SOURCES = plugins/compat.c
plugins_compat_old_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOMPAT_OLD
plugins_compat_old_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)

INTEGRATION_TESTS += integration/test_prims.sh integration/test_compat.sh \
	integration/test_devconf.sh
EXTRA_DIST += integration/test_prims.sh integration/test_compat.sh \
	integration/test_devconf.sh
