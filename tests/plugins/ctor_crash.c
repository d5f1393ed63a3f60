/* A plugin whose constructor crashes: loading it (dlopen) is enough.  The
 * checker process must take the fall, never the supervisor
 * (integration/test_checker.sh). */
#include <signal.h>

#include <pinetd/plugin.h>

__attribute__((constructor)) static void crash(void)
{
	raise(SIGSEGV);
}

PINETD_PLUGIN_DEFINE(
	.name = "ctor_crash",
	.description = "crashes when loaded (tests)",
	.transports = PINETD_TCP,
);
