/* A plugin whose constructor writes to the checker's channel (descriptor
 * 3 in the checker) what only the checker itself sends before any plugin
 * is loaded: a second "facts" frame claiming a service runs as root.
 * The supervisor must refuse the reload (integration/test_checker.sh). */
#include <string.h>
#include <unistd.h>

#include <pinetd/plugin.h>

__attribute__((constructor)) static void forge(void)
{
	static const char body[] = "root";
	unsigned char head[5] = { 'F', sizeof body - 1, 0, 0, 0 };

	if (write(3, head, sizeof head) != (ssize_t)sizeof head ||
	    write(3, body, sizeof body - 1) != (ssize_t)sizeof body - 1)
		_exit(1);
}

PINETD_PLUGIN_DEFINE(
	.name = "forger",
	.description = "forges a checker frame when loaded (tests)",
	.transports = PINETD_TCP,
);
