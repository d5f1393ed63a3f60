/*
 * A plugin for the reconfigure tests (integration/test_reconfigure.sh),
 * built twice from this file:
 *
 *   recon        answers each line with its `reply` option.  Its state is
 *                its option struct (no init state), so the core's swap of
 *                the struct on a reconfigure is what a line sees.
 *                reconfigure() takes new options unless the new `refuse`
 *                is set: it then refuses with that text as its reason.
 *   recon_fixed  the same without reconfigure: an option change needs a
 *                new worker.
 *
 * Both refuse init() when the process runs as uid `fail_uid`: the reload
 * checker (the default user) passes where a worker of another user fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pinetd/plugin.h>

#ifndef RECON_NAME
#define RECON_NAME "recon"
#endif

struct recon_conf {
	const char *reply;
	const char *refuse;
	int64_t fail_uid;
};

static const struct pinetd_option recon_options[] = {
	PINETD_OPTION_STR("reply", struct recon_conf, reply, "recon",
			  "the answer to every line"),
	PINETD_OPTION_STR("refuse", struct recon_conf, refuse, "",
			  "when set in new options: reconfigure refuses them, "
			  "with this reason"),
	PINETD_OPTION_INT("fail_uid", struct recon_conf, fail_uid, -1, -1,
			  INT32_MAX, "init fails when running as this uid"),
	PINETD_OPTION_END,
};

static int recon_init(pinetd_svc *svc, const void *conf, void **state,
		      char *err, size_t errlen)
{
	const struct recon_conf *cf = conf;

	(void)svc, (void)state;
	if (cf->fail_uid >= 0 && (int64_t)getuid() == cf->fail_uid) {
		snprintf(err, errlen, "refusing to run as uid %ld",
			 (long)cf->fail_uid);
		return -1;
	}
	return 0;
}

static void recon_line(void *state, pinetd_conn *c, char *line, size_t len,
		       uint32_t flags)
{
	const struct recon_conf *cf = state;

	(void)line, (void)len, (void)flags;
	pinetd->sendf(c, "%s\n", cf->reply);
}

#ifndef RECON_NO_RECONFIGURE
static int recon_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			     char *err, size_t errlen)
{
	const struct recon_conf *cf = conf;

	(void)state;
	if (cf->refuse[0]) {
		snprintf(err, errlen, "%s", cf->refuse);
		return -1;
	}
	pinetd->log(svc, PINETD_LOG_INFO, "reply is now '%s'", cf->reply);
	return 0;
}
#endif

PINETD_PLUGIN_DEFINE(
	.name = RECON_NAME,
	.description = "answers lines with an option; reconfigure on demand "
		       "(tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.options = recon_options,
	.conf_size = sizeof(struct recon_conf),
	.init = recon_init,
	.on_line = recon_line,
#ifndef RECON_NO_RECONFIGURE
	.reconfigure = recon_reconfigure,
#endif
);
