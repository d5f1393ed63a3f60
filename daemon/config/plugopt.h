/*
 * plugopt.h -- fill a plugin's option struct from its option table.
 *
 * Self-contained like framer.c: the daemon's configuration code and the
 * plugin test kit share it.  Strings stored in a conf struct are owned by
 * it and released by pn_plugopt_free().
 */
#ifndef PN_PLUGOPT_H
#define PN_PLUGOPT_H

#include <stddef.h>
#include <stdio.h>

#include <pinetd/plugin.h>

/* Number of entries before PINETD_OPT_END (0 for a NULL table). */
size_t pn_plugopt_count(const struct pinetd_option *opts);

/* Find an option by name, or NULL. */
const struct pinetd_option *pn_plugopt_find(const struct pinetd_option *opts,
					    const char *name);

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
int pn_plugopt_set_int(const struct pinetd_option *o, void *conf, long v,
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

/* Bytes an option of this type occupies in the conf struct. */
size_t pn_plugopt_field_size(enum pinetd_opt_type t);

/* Name of an option type, for messages and listings. */
const char *pn_plugopt_type_name(enum pinetd_opt_type t);

#endif
