/* A plugin whose init() refuses its configuration. */
#include <stdio.h>

#include <pinetd/plugin.h>

static int init(const struct pinetd_core *core, pinetd_svc *svc,
		const void *conf, void **state, char *err, size_t errlen)
{
	snprintf(err, errlen, "refusing to start: this plugin always fails");
	return -1;
}

static void data(void *state, pinetd_conn *c, const char *buf, size_t len) {}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "bad_init",
	.transports = PINETD_TCP,
	.init = init,
	.on_data = data,
};
