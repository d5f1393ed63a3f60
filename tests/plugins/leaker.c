/* A plugin that leaks, for the memory_max test: each line allocates
 * 4 MiB, touches every page (so it is resident) and keeps it; the line is
 * echoed. */
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

#define LEAK (4u << 20)

static void *leaked; /* the blocks, chained, so that none is optimised away */

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 uint32_t flags)
{
	char *p = malloc(LEAK);

	if (p) {
		memset(p, 1, LEAK); /* never freed */
		memcpy(p, &leaked, sizeof leaked);
		leaked = p;
	}
	text[len] = '\n'; /* the NUL: writable */
	pinetd->send(c, text, len + 1);
}

PINETD_PLUGIN_DEFINE(
	.name = "leaker",
	.description = "echoes lines; leaks 4 MiB per line (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.on_line = line,
);
