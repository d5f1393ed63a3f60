/*
 * plugopt.c -- fill a plugin's option struct (see plugopt.h).
 */
#include "plugopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(conf, o, T) ((T *)(void *)((char *)(conf) + (o)->offset))

size_t pn_plugopt_count(const struct pinetd_option *opts)
{
	size_t n = 0;

	while (opts && opts[n].type != PINETD_OPT_END)
		n++;
	return n;
}

const struct pinetd_option *pn_plugopt_find(const struct pinetd_option *opts,
					    const char *name)
{
	for (size_t i = 0; opts && opts[i].type != PINETD_OPT_END; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

size_t pn_plugopt_field_size(enum pinetd_opt_type t)
{
	switch (t) {
	case PINETD_OPT_STR:
		return sizeof(char *);
	case PINETD_OPT_INT:
		return sizeof(long);
	case PINETD_OPT_BOOL:
	case PINETD_OPT_ENUM:
		return sizeof(int);
	case PINETD_OPT_END:
		break;
	}
	return 0;
}

const char *pn_plugopt_type_name(enum pinetd_opt_type t)
{
	static const char *const names[] = {
		[PINETD_OPT_END] = "end",   [PINETD_OPT_STR] = "string",
		[PINETD_OPT_INT] = "integer", [PINETD_OPT_BOOL] = "boolean",
		[PINETD_OPT_ENUM] = "choice",
	};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

int pn_plugopt_set_str(const struct pinetd_option *o, void *conf,
		       const char *v, char *err, size_t errlen)
{
	char *copy = v ? strdup(v) : NULL;

	if (v && !copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char **slot = FIELD(conf, o, char *);
	free(*slot);
	*slot = copy;
	return 0;
}

int pn_plugopt_set_int(const struct pinetd_option *o, void *conf, long v,
		       char *err, size_t errlen)
{
	if (o->min < o->max && (v < o->min || v > o->max)) {
		snprintf(err, errlen, "value %ld out of range [%ld, %ld]", v,
			 o->min, o->max);
		return -1;
	}
	*FIELD(conf, o, long) = v;
	return 0;
}

int pn_plugopt_set_bool(const struct pinetd_option *o, void *conf, int v)
{
	*FIELD(conf, o, int) = v ? 1 : 0;
	return 0;
}

int pn_plugopt_set_enum(const struct pinetd_option *o, void *conf,
			const char *v, char *err, size_t errlen)
{
	size_t used = 0;

	for (int i = 0; o->choices && o->choices[i]; i++) {
		if (strcmp(o->choices[i], v) == 0) {
			*FIELD(conf, o, int) = i;
			return 0;
		}
	}
	used = (size_t)snprintf(err, errlen, "invalid value '%s' (expected one of:", v);
	for (int i = 0; o->choices && o->choices[i] && used < errlen; i++)
		used += (size_t)snprintf(err + used, errlen - used, "%s %s",
					 i ? "," : "", o->choices[i]);
	if (used < errlen)
		snprintf(err + used, errlen - used, ")");
	return -1;
}

int pn_plugopt_set_text(const struct pinetd_option *o, void *conf,
			const char *text, char *err, size_t errlen)
{
	char *end;
	long v;

	switch (o->type) {
	case PINETD_OPT_STR:
		return pn_plugopt_set_str(o, conf, text, err, errlen);
	case PINETD_OPT_INT:
		errno = 0;
		v = strtol(text, &end, 0);
		if (errno || end == text || *end) {
			snprintf(err, errlen, "invalid integer '%s'", text);
			return -1;
		}
		return pn_plugopt_set_int(o, conf, v, err, errlen);
	case PINETD_OPT_BOOL:
		if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
		    !strcasecmp(text, "on") || !strcmp(text, "1"))
			return pn_plugopt_set_bool(o, conf, 1);
		if (!strcasecmp(text, "false") || !strcasecmp(text, "no") ||
		    !strcasecmp(text, "off") || !strcmp(text, "0"))
			return pn_plugopt_set_bool(o, conf, 0);
		snprintf(err, errlen, "invalid boolean '%s'", text);
		return -1;
	case PINETD_OPT_ENUM:
		return pn_plugopt_set_enum(o, conf, text, err, errlen);
	case PINETD_OPT_END:
		break;
	}
	snprintf(err, errlen, "option '%s' has an unknown type", o->name);
	return -1;
}

void *pn_plugopt_new(const struct pinetd_option *opts, size_t size)
{
	char err[64];
	void *conf;

	if (size == 0 || !(conf = calloc(1, size)))
		return NULL;
	for (size_t i = 0; opts && opts[i].type != PINETD_OPT_END; i++) {
		const struct pinetd_option *o = &opts[i];
		int rc = 0;

		switch (o->type) {
		case PINETD_OPT_STR:
			rc = pn_plugopt_set_str(o, conf, o->def_str, err, sizeof err);
			break;
		case PINETD_OPT_INT:
			*FIELD(conf, o, long) = o->def_int;
			break;
		case PINETD_OPT_BOOL:
		case PINETD_OPT_ENUM:
			*FIELD(conf, o, int) = (int)o->def_int;
			break;
		case PINETD_OPT_END:
			break;
		}
		if (rc < 0) {
			pn_plugopt_free(opts, conf);
			return NULL;
		}
	}
	return conf;
}

int pn_plugopt_equal(const struct pinetd_option *opts, const void *a,
		     const void *b)
{
	if (!a || !b)
		return a == b;
	for (size_t i = 0; opts && opts[i].type != PINETD_OPT_END; i++) {
		const struct pinetd_option *o = &opts[i];
		if (o->type == PINETD_OPT_STR) {
			const char *x = *FIELD(a, o, const char *const);
			const char *y = *FIELD(b, o, const char *const);
			if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
				return 0;
		} else if (memcmp((const char *)a + o->offset,
				  (const char *)b + o->offset,
				  pn_plugopt_field_size(o->type)) != 0) {
			return 0;
		}
	}
	return 1;
}

void pn_plugopt_quote(const char *s, FILE *out)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void pn_plugopt_format(const struct pinetd_option *o, const void *conf,
		       FILE *out)
{
	int i;

	switch (o->type) {
	case PINETD_OPT_STR:
		pn_plugopt_quote(*FIELD(conf, o, const char *const), out);
		break;
	case PINETD_OPT_INT:
		fprintf(out, "%ld", *FIELD(conf, o, const long));
		break;
	case PINETD_OPT_BOOL:
		fputs(*FIELD(conf, o, const int) ? "true" : "false", out);
		break;
	case PINETD_OPT_ENUM:
		i = *FIELD(conf, o, const int);
		for (int k = 0; o->choices && o->choices[k]; k++)
			if (k == i) {
				fputs(o->choices[k], out);
				return;
			}
		fprintf(out, "#%d", i); /* not a choice: cannot come from a file */
		break;
	case PINETD_OPT_END:
		break;
	}
}

void pn_plugopt_free(const struct pinetd_option *opts, void *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; opts && opts[i].type != PINETD_OPT_END; i++)
		if (opts[i].type == PINETD_OPT_STR)
			free(*FIELD(conf, &opts[i], char *));
	free(conf);
}
