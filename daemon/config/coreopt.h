/*
 * coreopt.h -- the core's service options, one table.
 *
 * Each row is one option of a `service` section (or one field derived
 * from options, like mode from `execution`), and drives everything done
 * by option rather than by hand:
 *
 *   - the libconfuse schema (type, default) -- conf.c;
 *   - the names a plugin option may not take -- loader.c;
 *   - for a numeric field of struct pn_service_conf (offset): reading it
 *     with its range check at its group's place in conf.c, the
 *     comparison of pn_service_conf_same and the fingerprint (when
 *     `same`), and the view's encoding (view.c), in table order.
 *
 * Adding a plain numeric option is adding a row (and the field).  Options
 * with more than a value (listen, allow, deny, udp_deny_ports, user,
 * execution...) have a row for the schema and are read by hand.
 */
#ifndef PN_COREOPT_H
#define PN_COREOPT_H

#include <stddef.h>

struct pn_service_conf;

/* How libconfuse sees an option; PN_CO_FIELD: no option, a field only. */
enum pn_core_type {
	PN_CO_FIELD = 0,
	PN_CO_STR,
	PN_CO_STR_LIST,
	PN_CO_BOOL,
	PN_CO_INT,
	PN_CO_INT_LIST,
};

/* Where conf.c reads a numeric option: with the basics, the defense
 * options or the isolation options; PN_CG_HAND: read by hand. */
enum pn_core_group { PN_CG_HAND = 0, PN_CG_BASIC, PN_CG_DEFENSE, PN_CG_ISOLATION };

#define PN_CO_NOFIELD ((size_t)-1)

struct pn_core_option {
	const char *name;	/* the option's name (a field's, PN_CO_FIELD) */
	enum pn_core_type type;
	long def;		/* default of PN_CO_INT, PN_CO_BOOL */
	const char *sdef;	/* default of strings and lists; NULL: none */
	size_t offset;		/* numeric field, or PN_CO_NOFIELD */
	int is_int;		/* the field is an int, else a long */
	long lo, hi;		/* its range */
	enum pn_core_group group;
	int same;		/* compared by pn_service_conf_same, fingerprinted */
};

/* Every core service option, ending with a NULL name. */
extern const struct pn_core_option pn_core_options[];

/* 1 when the row has a numeric field in struct pn_service_conf. */
static inline int pn_core_numeric(const struct pn_core_option *o)
{
	return o->offset != PN_CO_NOFIELD;
}

long pn_core_field_get(const struct pn_service_conf *sc,
		       const struct pn_core_option *o);
void pn_core_field_set(struct pn_service_conf *sc, const struct pn_core_option *o,
		       long v);

/* 1 when name is a core service option (a plugin option may not take it). */
int pn_core_option_name(const char *name);

/* 1 when every `same` numeric field of a and b is equal. */
int pn_core_fields_same(const struct pn_service_conf *a,
			const struct pn_service_conf *b);

#endif
