/* A descriptor without a name: refused. */
#include <pinetd/plugin.h>

PINETD_PLUGIN_DEFINE(
	.name = NULL,
	.transports = PINETD_TCP,
);
