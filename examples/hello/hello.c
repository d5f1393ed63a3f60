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
 * One option, `greeting` (default "hello").
 */
#include <stdlib.h>

#include <pinetd/plugin.h>

struct hello_conf {
	const char *greeting;
};

struct hello {
	const struct pinetd_core *core;
	const struct hello_conf *conf;
};

static const struct pinetd_option hello_options[] = {
	PINETD_OPTION_STR("greeting", struct hello_conf, greeting, "hello",
			  "the word before each name"),
	PINETD_OPTION_END,
};

/* The daemon filled the option struct; keep it with the core table. */
static int hello_init(const struct pinetd_core *core, pinetd_svc *svc,
		      const void *conf, void **state, char *err,
		      size_t errlen)
{
	struct hello *h = malloc(sizeof *h);

	(void)svc;
	(void)err;
	(void)errlen;
	if (!h)
		return -1;
	h->core = core;
	h->conf = conf;
	*state = h;
	return 0;
}

static void hello_fini(void *state)
{
	free(state);
}

/*
 * hello_line -- answer one line.  The core has framed it (LF or CR LF
 * removed, NUL-terminated), so a name needs no parsing; a line cut at
 * max_line is greeted with what arrived.
 */
static void hello_line(void *state, pinetd_conn *c, char *line, size_t len,
		       unsigned flags)
{
	const struct hello *h = state;

	(void)flags;
	h->core->sendf(c, "%s, %s!\n", h->conf->greeting,
		       len ? line : "world");
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "hello",
	.description = "greets each name it is sent, one per line",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.options = hello_options,
	.conf_size = sizeof(struct hello_conf),
	.init = hello_init,
	.fini = hello_fini,
	.on_line = hello_line,
};
