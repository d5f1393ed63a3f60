/* A second plugin that calls itself "echo": refused when the real echo
 * is already loaded. */
#include <pinetd/plugin.h>

static int init(const struct pinetd_core *core, pinetd_svc *svc,
		const void *conf, void **state, char *err, size_t errlen)
{
	return 0;
}

static void data(void *state, pinetd_conn *c, const char *buf, size_t len) {}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "echo",
	.transports = PINETD_TCP,
	.init = init,
	.on_data = data,
};
