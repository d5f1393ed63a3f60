/*
 * compat.c -- one plugin built against descriptors of several sizes, for
 * the two-way compatibility rules of pinetd/plugin.h
 * (integration/test_compat.sh, unit/test_loader.c):
 *
 *   compat_same      the descriptor as this header has it
 *   compat_short     one member shorter: `size` stops before the last
 *                    member (reconfigure), as a plugin built against an
 *                    older 1.x header would have it; loads, and the
 *                    daemon treats reconfigure as absent even though
 *                    the bytes after `size` hold a function
 *   compat_long      one member longer: the descriptor is embedded in a
 *                    bigger struct with a member this daemon does not
 *                    know, as a newer header would have it; loads
 *   compat_tiny      `size` below PINETD_PLUGIN_MIN_SIZE: refused
 *   compat_requires  requires a feature no daemon offers: refused by name
 *   compat_flag      a flag bit this daemon does not know: refused
 *   compat_old       exports the pre-1.0 symbol `pinetd_plugin`: refused,
 *                    with a word on rebuilding it
 *
 * Every variant is named "compat" and answers each line with
 * "compat VARIANT: LINE".  Its reconfigure logs "compat reconfigure"
 * (never called for compat_short).
 */
#include <stddef.h>
#include <stdio.h>

#include <pinetd/plugin.h>

#ifndef COMPAT_VARIANT
#define COMPAT_VARIANT "same"
#endif

struct compat_conf {
	const char *word;
};

static const struct pinetd_option compat_options[] = {
	PINETD_OPTION_STR("word", struct compat_conf, word, "x",
			  "a word, to change on reload"),
	PINETD_OPTION_END,
};

static void compat_line(void *state, pinetd_conn *c, char *line, size_t len,
			uint32_t flags)
{
	(void)state;
	(void)len;
	(void)flags;
	pinetd->sendf(c, "compat %s: %s\n", COMPAT_VARIANT, line);
}

static int compat_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			      char *err, size_t errlen)
{
	(void)state;
	(void)conf;
	(void)err;
	(void)errlen;
	pinetd->log(svc, PINETD_LOG_NOTICE, "compat reconfigure");
	return 0;
}

#define COMPAT_MEMBERS                                                         \
	.name = "compat", .description = "compatibility test plugin",          \
	.transports = PINETD_TCP, .flags = PINETD_PF_LINES | COMPAT_FLAGS,     \
	.options = compat_options, .conf_size = sizeof(struct compat_conf),    \
	.on_line = compat_line, .reconfigure = compat_reconfigure,             \
	.requires = COMPAT_REQUIRES

#ifdef COMPAT_UNKNOWN_FLAG
#define COMPAT_FLAGS (1u << 30)
#else
#define COMPAT_FLAGS 0
#endif
#ifdef COMPAT_IMPOSSIBLE
static const char *const impossible[] = { "api-1.0", "teleport-9.9", NULL };
#define COMPAT_REQUIRES impossible
#else
#define COMPAT_REQUIRES NULL
#endif

#if defined(COMPAT_LONG)
/* A newer header's descriptor: ours plus a member appended. */
struct newer_plugin {
	struct pinetd_plugin base;
	void (*on_something_new)(void *state);
};

static void something_new(void *state) { (void)state; }

const struct pinetd_core *pinetd;
extern const struct newer_plugin pinetd_plugin_v1;
__attribute__((visibility("default"))) const struct newer_plugin
	pinetd_plugin_v1 = {
		.base = {
			.abi = PINETD_ABI_VERSION,
			.size = sizeof(struct newer_plugin),
			.option_size = sizeof(struct pinetd_option),
			.core = &pinetd,
			COMPAT_MEMBERS,
		},
		.on_something_new = something_new,
	};
#else
#if defined(COMPAT_SHORT)
#define COMPAT_SIZE offsetof(struct pinetd_plugin, reconfigure)
#elif defined(COMPAT_TINY)
#define COMPAT_SIZE (PINETD_PLUGIN_MIN_SIZE - sizeof(void *))
#else
#define COMPAT_SIZE sizeof(struct pinetd_plugin)
#endif
#ifdef COMPAT_OLD
#define COMPAT_SYMBOL pinetd_plugin
#else
#define COMPAT_SYMBOL pinetd_plugin_v1
#endif
/* PINETD_PLUGIN_DEFINE with another size: what an older header built. */
const struct pinetd_core *pinetd;
extern const struct pinetd_plugin COMPAT_SYMBOL;
__attribute__((visibility("default"))) const struct pinetd_plugin
	COMPAT_SYMBOL = {
		.abi = PINETD_ABI_VERSION,
		.size = COMPAT_SIZE,
		.option_size = sizeof(struct pinetd_option),
		.core = &pinetd,
		COMPAT_MEMBERS,
	};
#endif
