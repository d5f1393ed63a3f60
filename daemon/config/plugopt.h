/*
 * plugopt.h -- a plugin's option table: check it, and fill its option
 * struct.
 *
 * Self-contained like framer.c: the daemon's configuration code and the
 * plugin test kit share it, so a plugin's table is checked and its struct
 * filled the same way under test and in the daemon.  A loader first
 * copies the plugin's table with pn_plugopt_normalize() (the plugin may
 * have been built against another size of struct pinetd_option), then
 * checks the copy with pn_plugopt_check(); every other function here
 * takes such a checked copy.  Strings stored in a conf struct are owned
 * by it and released by pn_plugopt_free().
 */
#ifndef PN_PLUGOPT_H
#define PN_PLUGOPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pinetd/plugin.h>

/*
 * The smallest option entry accepted (struct pinetd_plugin.option_size):
 * the whole struct pinetd_option of API 1.0.  Later headers may only
 * append members, so a larger entry is a newer plugin's.
 */
#define PN_PLUGOPT_MIN_SIZE                                                    \
	(offsetof(struct pinetd_option, help) + sizeof(const char *))

/* The most options a table may hold before its END entry. */
#define PN_PLUGOPT_MAX 1024

/*
 * pn_plugopt_normalize -- copy a plugin's option table into a malloc'd
 * array of this header's struct pinetd_option, ended by an END entry.
 * Entries are stepped through by option_size (the plugin's
 * sizeof(struct pinetd_option)): members a larger entry has beyond ours
 * are ignored, members a smaller one lacks would read as zero (but
 * option_size must be at least PN_PLUGOPT_MIN_SIZE).  A NULL table gives
 * an array holding only the END entry.  A table without an END entry
 * after PN_PLUGOPT_MAX options is refused rather than read past its end.
 * Returns the copy (free() it), or NULL after writing a reason into err:
 * "option entries of 24 bytes are smaller than the minimum 64",
 * "option table has no end after 1024 options", "out of memory".
 */
struct pinetd_option *pn_plugopt_normalize(const struct pinetd_option *opts,
					   uint32_t option_size, char *err,
					   size_t errlen);

/*
 * pn_plugopt_check -- everything a loader must know about a normalized
 * table before it builds a schema or a conf from it: each option has a
 * name, a known type, a field inside conf_size bytes and aligned for its
 * type; no name is declared twice; an ENUM has choices and its def_str is
 * NULL or names one; an INT default lies inside [min, max] when
 * min < max.  Returns 0, or -1 after writing one reason into err, naming
 * the option:
 *	option #2 has no name
 *	option 'x' has unknown type 9
 *	option 'x' lies outside conf_size 16
 *	option 'x': offset 3 is not a multiple of 8
 *	option 'x' is declared twice
 *	option 'framing' has no choices
 *	option 'framing': default 'x' is not one of: lines, reads
 *	option 'n': default 0 is outside [1, 10]
 */
int pn_plugopt_check(const struct pinetd_option *opts, size_t conf_size,
		     char *err, size_t errlen);

/* Number of entries before PINETD_OPT_END (0 for a NULL table). */
size_t pn_plugopt_count(const struct pinetd_option *opts);

/* Find an option by name, or NULL. */
const struct pinetd_option *pn_plugopt_find(const struct pinetd_option *opts,
					    const char *name);

/* The index of the ENUM choice called name, or -1. */
int pn_plugopt_choice(const struct pinetd_option *o, const char *name);

/* The name of an ENUM's default choice: def_str, or the first choice
 * when def_str is NULL (NULL when there is no choice at all). */
const char *pn_plugopt_enum_default(const struct pinetd_option *o);

/* Allocate a zeroed conf of `size` bytes holding every default.
 * Returns NULL on allocation failure (or when size is 0). */
void *pn_plugopt_new(const struct pinetd_option *opts, size_t size);

/*
 * Store a value.  Each returns 0, or -1 after writing a reason into err
 * ("value 99999 out of range [1, 65535]", "invalid value 'x' (expected
 * one of: reply, prefix)").
 */
int pn_plugopt_set_str(const struct pinetd_option *o, void *conf,
		       const char *v, char *err, size_t errlen);
int pn_plugopt_set_int(const struct pinetd_option *o, void *conf, int64_t v,
		       char *err, size_t errlen);
int pn_plugopt_set_bool(const struct pinetd_option *o, void *conf, int v);
int pn_plugopt_set_enum(const struct pinetd_option *o, void *conf,
			const char *v, char *err, size_t errlen);

/* Parse `text` according to the option's type and store it. */
int pn_plugopt_set_text(const struct pinetd_option *o, void *conf,
			const char *text, char *err, size_t errlen);

/* Do two confs of one table hold the same values?  (NULL confs: equal.) */
int pn_plugopt_equal(const struct pinetd_option *opts, const void *a,
		     const void *b);

/*
 * pn_plugopt_format -- write the option's value in conf as configuration
 * text: an integer in decimal, true or false, the choice's name, a string
 * in double quotes with backslash escapes (\" \\ \n \t, \xHH for other
 * control bytes), or null for a NULL string.  One value, one text: the
 * fingerprint of a service (conf.h) compares these.
 */
void pn_plugopt_format(const struct pinetd_option *o, const void *conf,
		       FILE *out);

/* A string as pn_plugopt_format writes it (NULL: null). */
void pn_plugopt_quote(const char *s, FILE *out);

/* Release the strings of a conf and the conf itself. */
void pn_plugopt_free(const struct pinetd_option *opts, void *conf);

/* Bytes an option of type t (PINETD_OPT_*) occupies in the conf struct:
 * 8 for STR (a pointer on LP64), 8 for INT, 4 for BOOL and ENUM; 0 for
 * END or an unknown type. */
size_t pn_plugopt_field_size(uint32_t t);

/* Name of an option type, for messages and listings ("string",
 * "integer", "boolean", "choice"; "?" for an unknown type). */
const char *pn_plugopt_type_name(uint32_t t);

#endif
