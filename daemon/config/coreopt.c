/*
 * coreopt.c -- the core's service options (see coreopt.h).
 */
#include "coreopt.h"

#include <limits.h>
#include <string.h>

#include "conf.h"

#define F(n) offsetof(struct pn_service_conf, n)
#define NOF PN_CO_NOFIELD

/* A numeric option read into the field of the same name. */
#define INT_OPT(n, def, lo, hi, g) \
	{ #n, PN_CO_INT, (def), NULL, F(n), 0, (lo), (hi), (g), 1 }
#define BOOL_OPT(n, def, g) \
	{ #n, PN_CO_BOOL, (def), NULL, F(n), 1, 0, 1, (g), 1 }
/* An option read by hand. */
#define HAND_OPT(n, type, def, sdef) \
	{ #n, (type), (def), (sdef), NOF, 0, 0, 0, PN_CG_HAND, 0 }

/*
 * In the order of the schema; the numeric rows in the order of the
 * view's encoding and of the fingerprint (view.c, conf.c).
 */
const struct pn_core_option pn_core_options[] = {
	HAND_OPT(plugin, PN_CO_STR, 0, NULL),
	HAND_OPT(listen, PN_CO_STR_LIST, 0, NULL),
	HAND_OPT(enabled, PN_CO_BOOL, 1, NULL),
	INT_OPT(max_line, PN_DEF_MAX_LINE, 1, 1L << 20, PN_CG_BASIC),
	INT_OPT(output_buffer, PN_DEF_OUTPUT_BUFFER, 1024, 1L << 30, PN_CG_BASIC),
	INT_OPT(output_max, PN_DEF_OUTPUT_MAX, 1024, 1L << 30, PN_CG_BASIC),
	INT_OPT(idle_timeout, 0, 0, 366L * 86400, PN_CG_BASIC),
	BOOL_OPT(log_connections, 1, PN_CG_BASIC),
	HAND_OPT(allow, PN_CO_STR_LIST, 0, NULL),
	HAND_OPT(deny, PN_CO_STR_LIST, 0, NULL),
	INT_OPT(max_connections, 0, 0, 1L << 24, PN_CG_DEFENSE),
	INT_OPT(max_per_source, 0, 0, 1L << 24, PN_CG_DEFENSE),
	INT_OPT(rate_per_source, 0, 0, 1L << 24, PN_CG_DEFENSE),
	INT_OPT(burst_per_source, 0, 0, 1L << 24, PN_CG_DEFENSE),
	INT_OPT(source_prefix4, 32, 0, 32, PN_CG_DEFENSE),
	INT_OPT(source_prefix6, 64, 0, 128, PN_CG_DEFENSE),
	INT_OPT(max_duration, 0, 0, 366L * 86400, PN_CG_DEFENSE),
	INT_OPT(max_bytes_in, 0, 0, LONG_MAX, PN_CG_DEFENSE),
	INT_OPT(max_bytes_out, 0, 0, LONG_MAX, PN_CG_DEFENSE),
	BOOL_OPT(udp_guard, 1, PN_CG_DEFENSE),
	INT_OPT(udp_min_port, 1024, 0, 65536, PN_CG_DEFENSE),
	HAND_OPT(udp_deny_ports, PN_CO_INT_LIST, 0, "{2049}"),
	INT_OPT(udp_reply_ratio, 0, 0, 65535, PN_CG_DEFENSE),
	INT_OPT(udp_reply_floor, 512, 0, 65507, PN_CG_DEFENSE),
	INT_OPT(wait_max_starts, 40, 0, 100000, PN_CG_DEFENSE),
	INT_OPT(wait_interval, 60, 1, 86400, PN_CG_DEFENSE),
	INT_OPT(wait_pause, 60, 1, 86400, PN_CG_DEFENSE),
	/* -1: PN_DEF_REPLY_RATE for reflecting plugins, else 0 (service.c). */
	INT_OPT(udp_reply_rate, -1, -1, 1L << 24, PN_CG_DEFENSE),
	INT_OPT(udp_reply_burst, 0, 0, 1L << 24, PN_CG_DEFENSE),
	/* PROXY protocol (proxyopt.c): the versions accepted, a field. */
	HAND_OPT(proxy_protocol, PN_CO_STR, 0, "none"),
	{ "proxy_versions", PN_CO_FIELD, 0, NULL, F(proxy_versions), 1, 0, 3,
	  PN_CG_HAND, 1 },
	HAND_OPT(proxy_trusted, PN_CO_STR_LIST, 0, NULL),
	INT_OPT(proxy_timeout, 3, 1, 3600, PN_CG_DEFENSE),
	HAND_OPT(execution, PN_CO_STR, 0, NULL),
	/* Not an option: what `execution` and the plugin decide. */
	{ "mode", PN_CO_FIELD, 0, NULL, F(mode), 1, PN_MODE_EVENT, PN_MODE_PROCESS,
	  PN_CG_HAND, 1 },
	HAND_OPT(user, PN_CO_STR, 0, ""),
	HAND_OPT(group, PN_CO_STR, 0, ""),
	INT_OPT(max_children, 256, 1, 1L << 20, PN_CG_ISOLATION),
	INT_OPT(workers, 1, 1, 256, PN_CG_ISOLATION),
	INT_OPT(memory_max, 0, 0, LONG_MAX, PN_CG_ISOLATION),
	HAND_OPT(worker_group, PN_CO_STR, 0, ""),
	{ NULL, PN_CO_FIELD, 0, NULL, NOF, 0, 0, 0, PN_CG_HAND, 0 },
};

long pn_core_field_get(const struct pn_service_conf *sc,
		       const struct pn_core_option *o)
{
	const char *p = (const char *)sc + o->offset;

	return o->is_int ? *(const int *)(const void *)p : *(const long *)(const void *)p;
}

void pn_core_field_set(struct pn_service_conf *sc, const struct pn_core_option *o,
		       long v)
{
	char *p = (char *)sc + o->offset;

	if (o->is_int)
		*(int *)(void *)p = (int)v;
	else
		*(long *)(void *)p = v;
}

int pn_core_option_name(const char *name)
{
	for (const struct pn_core_option *o = pn_core_options; o->name; o++)
		if (o->type != PN_CO_FIELD && strcmp(o->name, name) == 0)
			return 1;
	return 0;
}

int pn_core_fields_same(const struct pn_service_conf *a,
			const struct pn_service_conf *b)
{
	for (const struct pn_core_option *o = pn_core_options; o->name; o++)
		if (pn_core_numeric(o) && o->same &&
		    pn_core_field_get(a, o) != pn_core_field_get(b, o))
			return 0;
	return 1;
}
