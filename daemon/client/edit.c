/*
 * edit.c -- edit a service's `enabled` line (see edit.h).
 *
 * A small tokenizer of libconfuse's syntax: comments (#, //, / * * /),
 * quoted strings, punctuation and words, each token with its byte span,
 * so the edit touches only the bytes of one value or adds one line.
 */
#include "edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tok { T_END, T_WORD, T_STR, T_PUNCT };

struct lexer {
	const char *p;
	size_t len, pos;
	size_t start, end; /* the last token's span */
	enum tok t;
};

static int is_punct(char c)
{
	return c == '{' || c == '}' || c == '=' || c == ',' || c == '(' ||
	       c == ')' || c == ';' || c == '+';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* The next token (comments and blanks skipped). */
static enum tok next(struct lexer *x)
{
	const char *p = x->p;

	for (;;) {
		while (x->pos < x->len && is_space(p[x->pos]))
			x->pos++;
		if (x->pos < x->len && (p[x->pos] == '#' ||
					(p[x->pos] == '/' && x->pos + 1 < x->len &&
					 p[x->pos + 1] == '/'))) {
			while (x->pos < x->len && p[x->pos] != '\n')
				x->pos++;
			continue;
		}
		if (x->pos + 1 < x->len && p[x->pos] == '/' && p[x->pos + 1] == '*') {
			x->pos += 2;
			while (x->pos + 1 < x->len &&
			       !(p[x->pos] == '*' && p[x->pos + 1] == '/'))
				x->pos++;
			x->pos = x->pos + 2 < x->len ? x->pos + 2 : x->len;
			continue;
		}
		break;
	}
	x->start = x->pos;
	if (x->pos >= x->len)
		return x->t = T_END;
	if (p[x->pos] == '"' || p[x->pos] == '\'') {
		char q = p[x->pos++];
		while (x->pos < x->len && p[x->pos] != q) {
			if (q == '"' && p[x->pos] == '\\' && x->pos + 1 < x->len)
				x->pos++;
			x->pos++;
		}
		if (x->pos < x->len)
			x->pos++;
		x->end = x->pos;
		return x->t = T_STR;
	}
	if (is_punct(p[x->pos])) {
		x->end = ++x->pos;
		return x->t = T_PUNCT;
	}
	while (x->pos < x->len && !is_space(p[x->pos]) && !is_punct(p[x->pos]) &&
	       p[x->pos] != '"' && p[x->pos] != '\'' && p[x->pos] != '#')
		x->pos++;
	x->end = x->pos;
	return x->t = T_WORD;
}

/* Is the last token the word or the (simple) string s? */
static int tok_is(const struct lexer *x, const char *s)
{
	size_t n = strlen(s), a = x->start, b = x->end;

	if (x->t == T_STR) {
		a++;
		b--;
	} else if (x->t != T_WORD) {
		return 0;
	}
	return b - a == n && memcmp(x->p + a, s, n) == 0;
}

static int tok_punct(const struct lexer *x, char c)
{
	return x->t == T_PUNCT && x->p[x->start] == c;
}

/* A libconfuse boolean's truth, or -1 when it is none. */
static int truth(const struct lexer *x)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char v[8];
	size_t a = x->start, b = x->end;

	if (x->t == T_STR) {
		a++;
		b--;
	}
	if (b <= a || b - a >= sizeof v)
		return -1;
	memcpy(v, x->p + a, b - a);
	v[b - a] = '\0';
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* text with [a, b) replaced by ins. */
static int splice(const char *text, size_t len, size_t a, size_t b,
		  const char *ins, size_t n, char **out, size_t *outlen)
{
	char *o = malloc(len - (b - a) + n + 1);

	if (!o)
		return -1;
	memcpy(o, text, a);
	memcpy(o + a, ins, n);
	memcpy(o + a + n, text + b, len - b);
	*outlen = len - (b - a) + n;
	o[*outlen] = '\0';
	*out = o;
	return 0;
}

int pn_edit_enabled(const char *text, size_t len, const char *name, int value,
		    char **out, size_t *outlen, char *err, size_t errlen)
{
	struct lexer x = { .p = text, .len = len };
	const char *word = value ? "true" : "false";
	int depth = 0;
	size_t open = 0;

	/* Find `service NAME {` at the top level. */
	for (;;) {
		if (next(&x) == T_END) {
			snprintf(err, errlen, "no section 'service %s' in the file", name);
			return -1;
		}
		if (tok_punct(&x, '{')) {
			depth++;
			continue;
		}
		if (tok_punct(&x, '}')) {
			depth -= depth > 0;
			continue;
		}
		if (depth != 0 || !tok_is(&x, "service"))
			continue;
		if (next(&x) == T_END)
			continue;
		if (!tok_is(&x, name))
			continue;
		if (next(&x) != T_PUNCT || !tok_punct(&x, '{'))
			continue;
		open = x.end;
		break;
	}
	/* Its `enabled = VALUE`, at the section's own level. */
	depth = 1;
	while (depth > 0) {
		if (next(&x) == T_END) {
			snprintf(err, errlen, "section 'service %s' is not closed", name);
			return -1;
		}
		if (tok_punct(&x, '{')) {
			depth++;
		} else if (tok_punct(&x, '}')) {
			depth--;
		} else if (depth == 1 && tok_is(&x, "enabled") && x.t == T_WORD) {
			if (next(&x) != T_PUNCT || !tok_punct(&x, '=') ||
			    (next(&x) != T_WORD && x.t != T_STR)) {
				snprintf(err, errlen, "service '%s': cannot read its "
					 "'enabled' option", name);
				return -1;
			}
			if (truth(&x) == value)
				return 0;
			if (splice(text, len, x.start, x.end, word, strlen(word), out,
				   outlen) < 0)
				goto oom;
			return 1;
		}
	}
	if (value)
		return 0; /* enabled is the default */
	/* None: a line of its own after the opening brace's line. */
	const char *nl = memchr(text + open, '\n', x.start - open);
	if (!nl) {
		snprintf(err, errlen, "service '%s': the section is on one line; "
			 "add 'enabled = false' by hand", name);
		return -1;
	}
	size_t at = (size_t)(nl - text) + 1, ind = at;
	while (ind < len && (text[ind] == ' ' || text[ind] == '\t'))
		ind++;
	char line[256];
	int n;
	if (ind < len && text[ind] != '\n' && ind - at < 64)
		n = snprintf(line, sizeof line, "%.*senabled = false\n", (int)(ind - at),
			     text + at);
	else
		n = snprintf(line, sizeof line, "\tenabled = false\n");
	if (splice(text, len, at, at, line, (size_t)n, out, outlen) < 0)
		goto oom;
	return 1;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}
