/* A plugin that crashes on request, for the isolation tests: each line is
 * echoed, except "abort" (abort()) and "segv" (a segmentation fault). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 uint32_t flags)
{
	if (strcmp(text, "abort") == 0)
		abort();
	if (strcmp(text, "segv") == 0)
		raise(SIGSEGV);
	text[len] = '\n'; /* the NUL: writable */
	pinetd->send(c, text, len + 1);
}

PINETD_PLUGIN_DEFINE(
	.name = "crasher",
	.description = "echoes lines; crashes on 'abort' and 'segv' (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.on_line = line,
);
