/* A plugin that crashes on request, for the isolation tests: each line is
 * echoed, except "abort" (abort()) and "segv" (a segmentation fault). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

static const struct pinetd_core *core;

static int init(const struct pinetd_core *c, pinetd_svc *svc, const void *conf,
		void **state, char *err, size_t errlen)
{
	core = c;
	return 0;
}

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 unsigned flags)
{
	if (strcmp(text, "abort") == 0)
		abort();
	if (strcmp(text, "segv") == 0)
		raise(SIGSEGV);
	core->send(c, text, len);
	core->send(c, "\n", 1);
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "crasher",
	.description = "echoes lines; crashes on 'abort' and 'segv' (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.init = init,
	.on_line = line,
};
