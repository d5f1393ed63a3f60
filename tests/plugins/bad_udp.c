/* A TCP-only plugin with an option: loads fine; a UDP address for it is
 * a configuration error, and so is a misspelled option. */
#include <stdint.h>

#include <pinetd/plugin.h>

struct conf {
	int64_t count;
};

static const struct pinetd_option options[] = {
	PINETD_OPTION_INT("count", struct conf, count, 3, 1, 10, "a number"),
	PINETD_OPTION_END,
};

PINETD_PLUGIN_DEFINE(
	.name = "bad_udp",
	.transports = PINETD_TCP,
	.options = options,
	.conf_size = sizeof(struct conf),
);
