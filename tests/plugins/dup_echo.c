/* A second plugin that calls itself "echo": refused when the real echo
 * is already loaded. */
#include <pinetd/plugin.h>

PINETD_PLUGIN_DEFINE(
	.name = "echo",
	.transports = PINETD_TCP,
);
