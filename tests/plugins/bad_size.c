/* A descriptor that claims to be smaller than the daemon's: refused. */
#include <pinetd/plugin.h>

static int init(const struct pinetd_core *core, pinetd_svc *svc,
		const void *conf, void **state, char *err, size_t errlen)
{
	return 0;
}

static void data(void *state, pinetd_conn *c, const char *buf, size_t len) {}

PINETD_PLUGIN_DEFINE = {
	.abi = PINETD_ABI_VERSION,
	.size = 48,
	.name = "bad_size",
	.transports = PINETD_TCP,
	.init = init,
	.on_data = data,
};
