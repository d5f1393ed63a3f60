/*
 * A plugin built in several variants from this one file, for the plugin
 * upgrade and reload tests (integration/test_plugins_reload.sh):
 *
 *   variant_v1, variant_v2  descriptor "variant"; answer each line with
 *                           "v1 GREETING" or "v2 GREETING" (greeting is a
 *                           string option)
 *   otherv                  descriptor "otherv"; answers "other N" (its
 *                           greeting is an integer option: the same name
 *                           as variant's with another type)
 *
 * A test copies one of the variant_vN.so files to NAME.so in a plugin
 * directory of its own, and replaces it to upgrade the plugin.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

#ifndef VARIANT_NAME
#define VARIANT_NAME "variant"
#endif
#ifndef VARIANT_TAG
#define VARIANT_TAG "v1"
#endif

struct conf {
#ifdef VARIANT_INT
	int64_t greeting;
#else
	const char *greeting;
#endif
};

struct state {
	char reply[160];
	size_t len;
};

static int init(pinetd_svc *svc, const void *conf, void **state, char *err,
		size_t errlen)
{
	const struct conf *c = conf;
	struct state *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
#ifdef VARIANT_INT
	snprintf(s->reply, sizeof s->reply, VARIANT_TAG " %lld\n",
		 (long long)c->greeting);
#else
	snprintf(s->reply, sizeof s->reply, VARIANT_TAG " %s\n", c->greeting);
#endif
	s->len = strlen(s->reply);
	*state = s;
	return 0;
}

static void fini(void *state)
{
	free(state);
}

static void line(void *state, pinetd_conn *c, char *text, size_t len,
		 uint32_t flags)
{
	const struct state *s = state;

	pinetd->send(c, s->reply, s->len);
}

static const struct pinetd_option options[] = {
#ifdef VARIANT_INT
	PINETD_OPTION_INT("greeting", struct conf, greeting, 0, 0, 1000000,
			  "the number each line is answered with"),
#else
	PINETD_OPTION_STR("greeting", struct conf, greeting, "hello",
			  "the word each line is answered with"),
#endif
	PINETD_OPTION_END,
};

PINETD_PLUGIN_DEFINE(
	.name = VARIANT_NAME,
	.description = "answers each line with its variant's tag (tests)",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES,
	.options = options,
	.conf_size = sizeof(struct conf),
	.init = init,
	.fini = fini,
	.on_line = line,
);
