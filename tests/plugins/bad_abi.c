/* A plugin built for a future ABI: the loader must refuse it.  The
 * descriptor is written out by hand: PINETD_PLUGIN_DEFINE sets abi. */
#include <pinetd/plugin.h>

const struct pinetd_core *pinetd;

__attribute__((visibility("default"))) const struct pinetd_plugin
	pinetd_plugin_v1 = {
		.abi = PINETD_ABI_VERSION + 1,
		.size = sizeof(struct pinetd_plugin),
		.option_size = sizeof(struct pinetd_option),
		.core = &pinetd,
		.name = "bad_abi",
		.transports = PINETD_TCP,
	};
