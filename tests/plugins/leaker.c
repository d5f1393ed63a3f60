/* A plugin that leaks, for the memory_max test: each line allocates
 * 4 MiB, touches every page (so it is resident) and keeps it; the line is
 * echoed. */
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

#define LEAK (4u << 20)

static const struct pinetd_core *core;
static void *leaked; /* the blocks, chained, so that none is optimised away */

static int init(const struct pinetd_core *c, pinetd_svc *svc, const void *conf,
		void **state, char *err, size_t errlen)
{
	core = c;
	return 0;
}

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 unsigned flags)
{
	char *p = malloc(LEAK);

	if (p) {
		memset(p, 1, LEAK); /* never freed */
		memcpy(p, &leaked, sizeof leaked);
		leaked = p;
	}
	core->send(c, text, len);
	core->send(c, "\n", 1);
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "leaker",
	.description = "echoes lines; leaks 4 MiB per line (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.init = init,
	.on_line = line,
};
