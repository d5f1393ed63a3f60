/* A plugin whose init() refuses its configuration. */
#include <stdio.h>

#include <pinetd/plugin.h>

static int init(pinetd_svc *svc, const void *conf, void **state, char *err,
		size_t errlen)
{
	snprintf(err, errlen, "refusing to start: this plugin always fails");
	return -1;
}

PINETD_PLUGIN_DEFINE(
	.name = "bad_init",
	.transports = PINETD_TCP,
	.init = init,
);
