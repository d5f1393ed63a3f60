/*
 * plugopt.c -- fill a plugin's option struct (see plugopt.h).
 */
#include "plugopt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(conf, o, T) ((T *)(void *)((char *)(conf) + (o)->offset))

/* The alignment a field of type t needs (0: unknown type). */
static size_t field_align(uint32_t t)
{
	switch (t) {
	case PINETD_OPT_STR:
		return _Alignof(const char *);
	case PINETD_OPT_INT:
		return _Alignof(int64_t);
	case PINETD_OPT_BOOL:
	case PINETD_OPT_ENUM:
		return _Alignof(int32_t);
	}
	return 0;
}

size_t pn_plugopt_field_size(uint32_t t)
{
	switch (t) {
	case PINETD_OPT_STR:
		return sizeof(const char *);
	case PINETD_OPT_INT:
		return sizeof(int64_t);
	case PINETD_OPT_BOOL:
	case PINETD_OPT_ENUM:
		return sizeof(int32_t);
	}
	return 0;
}

const char *pn_plugopt_type_name(uint32_t t)
{
	static const char *const names[] = {
		[PINETD_OPT_END] = "end",   [PINETD_OPT_STR] = "string",
		[PINETD_OPT_INT] = "integer", [PINETD_OPT_BOOL] = "boolean",
		[PINETD_OPT_ENUM] = "choice",
	};
	return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

struct pinetd_option *pn_plugopt_normalize(const struct pinetd_option *opts,
					   uint32_t option_size, char *err,
					   size_t errlen)
{
	const char *base = (const char *)opts;
	size_t n = 0, copy = option_size < sizeof *opts ? option_size
							: sizeof *opts;
	struct pinetd_option *out;

	if (opts && option_size < PN_PLUGOPT_MIN_SIZE) {
		snprintf(err, errlen,
			 "option entries of %u bytes are smaller than the "
			 "minimum %zu",
			 option_size, (size_t)PN_PLUGOPT_MIN_SIZE);
		return NULL;
	}
	/* Find the END entry first, reading only `type` of each entry, so
	 * an unterminated table is refused before anything is copied.
	 * memcpy: a larger entry size need not keep our alignment. */
	for (; opts; n++) {
		uint32_t type;

		memcpy(&type,
		       base + n * option_size +
			       offsetof(struct pinetd_option, type),
		       sizeof type);
		if (type == PINETD_OPT_END)
			break;
		if (n == PN_PLUGOPT_MAX) {
			snprintf(err, errlen,
				 "option table has no end after %d options",
				 PN_PLUGOPT_MAX);
			return NULL;
		}
	}
	if (!(out = calloc(n + 1, sizeof *out))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&out[i], base + i * option_size, copy);
	return out;
}

/* Write "a, b, c" (the choices of o) into buf. */
static void list_choices(const struct pinetd_option *o, char *buf,
			 size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; o->choices && o->choices[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", o->choices[i]);
}

int pn_plugopt_check(const struct pinetd_option *opts, size_t conf_size,
		     char *err, size_t errlen)
{
	for (size_t i = 0; opts && opts[i].type != PINETD_OPT_END; i++) {
		const struct pinetd_option *o = &opts[i];
		size_t fsize = pn_plugopt_field_size(o->type);
		char list[512];

		if (i == PN_PLUGOPT_MAX) {
			snprintf(err, errlen,
				 "option table has no end after %d options",
				 PN_PLUGOPT_MAX);
			return -1;
		}
		if (!o->name || !o->name[0]) {
			snprintf(err, errlen, "option #%zu has no name", i + 1);
			return -1;
		}
		if (fsize == 0) {
			snprintf(err, errlen, "option '%s' has unknown type %u",
				 o->name, o->type);
			return -1;
		}
		if ((uint64_t)o->offset + fsize > conf_size) {
			snprintf(err, errlen,
				 "option '%s' lies outside conf_size %zu",
				 o->name, conf_size);
			return -1;
		}
		if (o->offset % field_align(o->type) != 0) {
			snprintf(err, errlen,
				 "option '%s': offset %u is not a multiple of %zu",
				 o->name, o->offset, field_align(o->type));
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(o->name, opts[j].name) == 0) {
				snprintf(err, errlen,
					 "option '%s' is declared twice",
					 o->name);
				return -1;
			}
		}
		if (o->type == PINETD_OPT_ENUM) {
			if (!o->choices || !o->choices[0]) {
				snprintf(err, errlen,
					 "option '%s' has no choices", o->name);
				return -1;
			}
			if (o->def_str && pn_plugopt_choice(o, o->def_str) < 0) {
				list_choices(o, list, sizeof list);
				snprintf(err, errlen,
					 "option '%s': default '%s' is not one "
					 "of: %s",
					 o->name, o->def_str, list);
				return -1;
			}
		}
		if (o->type == PINETD_OPT_INT && o->min < o->max &&
		    (o->def_int < o->min || o->def_int > o->max)) {
			snprintf(err, errlen,
				 "option '%s': default %" PRId64
				 " is outside [%" PRId64 ", %" PRId64 "]",
				 o->name, o->def_int, o->min, o->max);
			return -1;
		}
	}
	return 0;
}

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

int pn_plugopt_choice(const struct pinetd_option *o, const char *name)
{
	for (int i = 0; o->choices && o->choices[i]; i++)
		if (strcmp(o->choices[i], name) == 0)
			return i;
	return -1;
}

const char *pn_plugopt_enum_default(const struct pinetd_option *o)
{
	if (o->def_str)
		return o->def_str;
	return o->choices ? o->choices[0] : NULL;
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

int pn_plugopt_set_int(const struct pinetd_option *o, void *conf, int64_t v,
		       char *err, size_t errlen)
{
	if (o->min < o->max && (v < o->min || v > o->max)) {
		snprintf(err, errlen,
			 "value %" PRId64 " out of range [%" PRId64 ", %" PRId64
			 "]",
			 v, o->min, o->max);
		return -1;
	}
	*FIELD(conf, o, int64_t) = v;
	return 0;
}

int pn_plugopt_set_bool(const struct pinetd_option *o, void *conf, int v)
{
	*FIELD(conf, o, int32_t) = v ? 1 : 0;
	return 0;
}

int pn_plugopt_set_enum(const struct pinetd_option *o, void *conf,
			const char *v, char *err, size_t errlen)
{
	int i = pn_plugopt_choice(o, v);
	char list[512];

	if (i >= 0) {
		*FIELD(conf, o, int32_t) = i;
		return 0;
	}
	list_choices(o, list, sizeof list);
	snprintf(err, errlen, "invalid value '%s' (expected one of: %s)", v,
		 list);
	return -1;
}

int pn_plugopt_set_text(const struct pinetd_option *o, void *conf,
			const char *text, char *err, size_t errlen)
{
	char *end;
	long long v;

	switch (o->type) {
	case PINETD_OPT_STR:
		return pn_plugopt_set_str(o, conf, text, err, errlen);
	case PINETD_OPT_INT:
		errno = 0;
		v = strtoll(text, &end, 0);
		if (errno || end == text || *end) {
			snprintf(err, errlen, "invalid integer '%s'", text);
			return -1;
		}
		return pn_plugopt_set_int(o, conf, (int64_t)v, err, errlen);
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
	}
	snprintf(err, errlen, "option '%s' has an unknown type", o->name);
	return -1;
}

void *pn_plugopt_new(const struct pinetd_option *opts, size_t size)
{
	char err[64];
	void *conf;
	int k;

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
			*FIELD(conf, o, int64_t) = o->def_int;
			break;
		case PINETD_OPT_BOOL:
			*FIELD(conf, o, int32_t) = o->def_int ? 1 : 0;
			break;
		case PINETD_OPT_ENUM:
			/* A checked table names a choice, or NULL: the first. */
			k = o->def_str ? pn_plugopt_choice(o, o->def_str) : 0;
			*FIELD(conf, o, int32_t) = k < 0 ? 0 : k;
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
		fprintf(out, "%" PRId64, *FIELD(conf, o, const int64_t));
		break;
	case PINETD_OPT_BOOL:
		fputs(*FIELD(conf, o, const int32_t) ? "true" : "false", out);
		break;
	case PINETD_OPT_ENUM:
		i = *FIELD(conf, o, const int32_t);
		for (int k = 0; o->choices && o->choices[k]; k++)
			if (k == i) {
				fputs(o->choices[k], out);
				return;
			}
		fprintf(out, "#%d", i); /* not a choice: cannot come from a file */
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
