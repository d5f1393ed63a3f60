/* A plugin whose constructor crashes: loading it (dlopen) is enough.  The
 * checker process must take the fall, never the supervisor
 * (integration/test_checker.sh). */
#include <signal.h>

#include <pinetd/plugin.h>

__attribute__((constructor)) static void crash(void)
{
	raise(SIGSEGV);
}

static int init(const struct pinetd_core *core, pinetd_svc *svc,
		const void *conf, void **state, char *err, size_t errlen)
{
	return 0;
}

static void data(void *state, pinetd_conn *c, const char *buf, size_t len) {}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "ctor_crash",
	.description = "crashes when loaded (tests)",
	.transports = PINETD_TCP,
	.init = init,
	.on_data = data,
};
