/*
 * A plugin that records who runs its code (integration/test_checker.sh):
 * its constructor appends "ctor pid=P uid=U euid=E" to the file named by
 * the environment variable PN_WHOAMI_FILE (options are not known yet at
 * dlopen), and init() appends "init ..." to the file of its `record`
 * option and logs through the core with its service handle.  Lines are
 * echoed.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pinetd/plugin.h>

struct conf {
	const char *record;
};

static void record(const char *file, const char *what)
{
	FILE *f;

	if (!file || !file[0] || !(f = fopen(file, "a")))
		return;
	fprintf(f, "%s pid=%ld uid=%ld euid=%ld\n", what, (long)getpid(),
		(long)getuid(), (long)geteuid());
	fclose(f);
}

__attribute__((constructor)) static void ctor(void)
{
	record(getenv("PN_WHOAMI_FILE"), "ctor");
}

/* Records and logs; the state stays the conf. */
static int init(pinetd_svc *svc, const void *conf, void **state, char *err,
		size_t errlen)
{
	const struct conf *c = conf;

	record(c->record, "init");
	/* With a NULL service handle (pinetd -t before the checker) this
	 * crashed the daemon. */
	pinetd->log(svc, PINETD_LOG_INFO, "whoami: init as uid %ld",
		    (long)getuid());
	return 0;
}

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 uint32_t flags)
{
	text[len] = '\n'; /* the NUL: writable */
	pinetd->send(c, text, len + 1);
}

static const struct pinetd_option options[] = {
	PINETD_OPTION_STR("record", struct conf, record, NULL,
			  "file init() appends its uid line to"),
	PINETD_OPTION_END,
};

PINETD_PLUGIN_DEFINE(
	.name = "whoami",
	.description = "records the uid of its constructor and init (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.options = options,
	.conf_size = sizeof(struct conf),
	.init = init,
	.on_line = line,
);
