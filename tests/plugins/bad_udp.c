/* A TCP-only plugin with an option: loads fine; a UDP address for it is
 * a configuration error, and so is a misspelled option. */
#include <pinetd/plugin.h>

struct conf {
	long count;
};

static const struct pinetd_option options[] = {
	PINETD_OPTION_INT("count", struct conf, count, 3, 1, 10, "a number"),
	PINETD_OPTION_END,
};

static int init(const struct pinetd_core *core, pinetd_svc *svc,
		const void *conf, void **state, char *err, size_t errlen)
{
	return 0;
}

static void data(void *state, pinetd_conn *c, const char *buf, size_t len) {}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "bad_udp",
	.transports = PINETD_TCP,
	.options = options,
	.conf_size = sizeof(struct conf),
	.init = init,
	.on_data = data,
};
