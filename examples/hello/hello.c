/*
 * hello.c -- an example pinetd plugin, built out of the pinetd tree
 * against the installed SDK (see README in this directory).
 *
 * A line service over TCP: each line is a name, answered with
 * "<greeting>, <name>!"; an empty line greets the world.
 *
 *	$ printf 'Ada\n\n' | nc -q1 127.0.0.1 7100
 *	hello, Ada!
 *	hello, world!
 *
 * One option, `greeting` (default "hello").  The plugin keeps no state of
 * its own: without init() the daemon hands each callback the filled
 * option struct, and reaches back to the daemon through `pinetd`, the
 * core table PINETD_PLUGIN_DEFINE declares.
 */
#include <pinetd/plugin.h>

struct hello_conf {
	const char *greeting;
};

static const struct pinetd_option hello_options[] = {
	PINETD_OPTION_STR("greeting", struct hello_conf, greeting, "hello",
			  "the word before each name"),
	PINETD_OPTION_END,
};

/*
 * hello_line -- answer one line.  The core has framed it (LF or CR LF
 * removed, NUL-terminated), so a name needs no parsing; a line cut at
 * max_line is greeted with what arrived.
 */
static void hello_line(void *state, pinetd_conn *c, char *line, size_t len,
		       uint32_t flags)
{
	const struct hello_conf *cf = state;

	(void)flags;
	pinetd->sendf(c, "%s, %s!\n", cf->greeting, len ? line : "world");
}

/*
 * hello_reconfigure -- a reload changed `greeting`: accept it.  The
 * state is the option struct, which the daemon replaces, so open
 * connections are greeted the new way from their next line on.
 */
static int hello_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			     char *err, size_t errlen)
{
	(void)state, (void)svc, (void)conf, (void)err, (void)errlen;
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "hello",
	.description = "greets each name it is sent, one per line",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.options = hello_options,
	.conf_size = sizeof(struct hello_conf),
	.on_line = hello_line,
	.reconfigure = hello_reconfigure,
);
