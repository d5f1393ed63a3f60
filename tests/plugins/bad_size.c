/* A descriptor smaller than PINETD_PLUGIN_MIN_SIZE: refused.  Written out
 * by hand: PINETD_PLUGIN_DEFINE sets size. */
#include <pinetd/plugin.h>

const struct pinetd_core *pinetd;

__attribute__((visibility("default"))) const struct pinetd_plugin
	pinetd_plugin_v1 = {
		.abi = PINETD_ABI_VERSION,
		.size = 48,
		.option_size = sizeof(struct pinetd_option),
		.core = &pinetd,
		.name = "bad_size",
		.transports = PINETD_TCP,
	};
