/*
 * conf.h -- read pinetd.conf and its drop-in directory into a service
 * table.
 *
 * The result is plain data (no sockets, no running state), so a reload can
 * read a new table beside the running one and compare them.  Every error
 * is written to the error stream as "FILE:LINE: message" (or "FILE:
 * message"), or logged when there is no stream.
 *
 * Reading the files (pn_config_read_files: a snapshot of their bytes)
 * and parsing them (pn_config_load_snapshot: libconfuse, plugins) are
 * separate steps, so that the supervisor does neither: the checker
 * process (checker.h) reads and parses, and a worker parses the
 * snapshot again after dropping to its user.  A table comes in two
 * kinds:
 *
 *   full  from pn_config_load_snapshot: plugins loaded, pconf filled,
 *         fingerprint NULL;
 *   view  from the checker (view.h): no plugin code behind it -- each
 *         plugin record has name and path, desc and dl NULL; pconf NULL;
 *         fingerprint set; snap holds the bytes it was checked from.
 */
#ifndef PN_CONFIG_H
#define PN_CONFIG_H

#include <stdio.h>

#include "acl.h"
#include "addr.h"
#include "coreopt.h"
#include "loader.h"
#include "privs.h"

struct pn_snapshot;

/* Core per-service defaults. */
#define PN_DEF_MAX_LINE 4096L
#define PN_DEF_OUTPUT_BUFFER (64L * 1024)
#define PN_DEF_OUTPUT_MAX (1024L * 1024)
#define PN_DEF_BACKLOG 4096L
/* udp_reply_rate of a PINETD_PF_REFLECT plugin: replies a second per
 * source address, plenty for people, a loop dies at the first refusal. */
#define PN_DEF_REPLY_RATE 20L

struct pn_service_conf {
	char *name;
	char *file; /* where the service is defined */
	int line;   /* the line of its `plugin` option (or section end) */
	struct pn_plugin *plugin;
	char **listen; /* as written */
	size_t nlisten;
	struct pn_addr *addrs; /* expanded ("*" gives two) */
	size_t naddrs;
	int enabled;
	long max_line;	    /* longest line for PINETD_PF_LINES plugins */
	long output_buffer; /* stop reading while more is queued */
	long output_max;    /* close when more than this would be queued */
	long idle_timeout;  /* seconds; 0: none */
	int log_connections; /* log each connection's open and close */
	void *pconf;	    /* the plugin's option struct */

	/* Defense (0 means unlimited throughout). */
	struct pn_acl acl;	  /* the service's lists, else the global ones */
	long max_connections;	  /* open connections; at the cap: stop accepting */
	long max_per_source;	  /* open connections per source prefix */
	long rate_per_source;	  /* new connections (datagrams) per second */
	long burst_per_source;	  /* token bucket depth */
	long source_prefix4;	  /* aggregation of sources: /32 ... */
	long source_prefix6;	  /* ... and /64 by default */
	long max_duration;	  /* seconds a connection may last */
	long max_bytes_in;	  /* bytes a connection may send us */
	long max_bytes_out;	  /* bytes we may send a connection */
	int udp_guard;		  /* refuse loop-prone and spoofable sources */
	long udp_min_port;	  /* lowest source port answered */
	long *udp_deny_ports;	  /* further refused source ports */
	size_t nudp_deny_ports;
	long udp_reply_ratio;	  /* reply at most ratio x request bytes ... */
	long udp_reply_floor;	  /* ... or this many, whichever is more */
	long wait_max_starts;	  /* "wait": programs started per ... */
	long wait_interval;	  /* ... this many seconds, else ... */
	long wait_pause;	  /* ... not listening for this many seconds */
	long udp_reply_rate;	  /* replies a second per source address */
	long udp_reply_burst;	  /* its token bucket depth */
	/* PROXY protocol on TCP listeners (proxyopt.h). */
	int proxy_versions;	  /* PN_PP_V1 | PN_PP_V2 bits; 0: none */
	struct pn_prefix *proxy_trusted; /* who may send the header */
	size_t nproxy_trusted;
	long proxy_timeout;	  /* seconds the header may take */

	/* Isolation. */
	int mode;		  /* PN_MODE_EVENT or PN_MODE_PROCESS */
	char *user, *group;	  /* as configured; "" when not set */
	struct pn_ident ident;	  /* resolved user (empty: the default) */
	long max_children;	  /* process mode: live children */
	long workers;		  /* event mode: worker processes */
	long memory_max;	  /* a worker's resident bytes; 0: no limit */
	char *worker_group;	  /* services sharing one worker; "" none */

	/* A view's (NULL in a full table): a canonical text of everything
	 * that decides whether a running instance can go on serving --
	 * plugin name and path, every core option, user, group, then a
	 * line "plugin-options" and every plugin option -- but not listen
	 * nor enabled. */
	char *fingerprint;
};

enum { PN_MODE_EVENT = 0, PN_MODE_PROCESS = 1 };

struct pn_config {
	char *path;
	char *plugin_dir;
	char *services_dir; /* "" when none */
	int log_level;
	long backlog;
	long shutdown_timeout; /* seconds open connections get at stop */
	long drain_timeout;    /* seconds a replaced worker may drain */
	long watchdog;	       /* seconds without a heartbeat: kill; 0 off */
	char *pid_file;	       /* daemon mode */
	int core_dumps;	       /* workers may dump core (off: not dumpable) */
	struct pn_service_conf *svcs;
	size_t nsvcs;
	unsigned refs; /* services running from this table (see server.c) */
	struct pn_snapshot *snap;	  /* the bytes parsed, when kept */
	struct pn_plugin *view_plugins; /* a view's plugin records (owned) */
};

#define PN_DEF_SHUTDOWN_TIMEOUT 10L
#define PN_DEF_DRAIN_TIMEOUT 300L
#define PN_DEF_WATCHDOG 10L
#define PN_DEF_PID_FILE "/run/pinetd.pid"

/* The service called name, or NULL. */
const struct pn_service_conf *pn_config_find(const struct pn_config *conf,
					     const char *name);

/* Same plugin and same options, listen and enabled aside: a running
 * instance of a can serve b without being restarted.  Views compare
 * their fingerprints, full tables their fields; a view without a
 * fingerprint is never the same as anything. */
int pn_service_conf_same(const struct pn_service_conf *a,
			 const struct pn_service_conf *b);

/* The same but for the plugin's options (which may differ or not): a
 * running instance of a can serve b once the plugin took b's options
 * (reconfigure).  Views compare the part of their fingerprints before
 * the plugin's options, full tables their fields. */
int pn_service_conf_same_core(const struct pn_service_conf *a,
			      const struct pn_service_conf *b);

/* The fingerprint of a service of a full table (malloc'd), or NULL. */
char *pn_service_fingerprint(const struct pn_service_conf *sc);

/*
 * pn_config_read_files -- read `path` and the drop-in files (*.conf, in
 * name order) of the services_dir it names, as a snapshot (snapshot.h):
 * regular files only, within the size limits.  The main file is parsed
 * leniently for services_dir; no plugin is loaded.  Returns the snapshot,
 * or NULL with the number of errors in *nerrors (errs NULL: logged).
 */
struct pn_snapshot *pn_config_read_files(const char *path, FILE *errs,
					 int *nerrors);

/*
 * pn_config_load_snapshot -- parse the files of snap (read from `path`),
 * load the plugins the services name into `reg`, and check everything:
 * unknown options, plugin options, addresses, transports, duplicates.
 * No file is read (plugins aside).  plugin_dir, when not NULL, overrides
 * the file's.  Returns the full table (snap is not kept), or NULL with
 * the number of errors in *nerrors (errs NULL: logged).
 */
struct pn_config *pn_config_load_snapshot(const struct pn_snapshot *snap,
					  const char *path,
					  const char *plugin_dir,
					  struct pn_registry *reg, FILE *errs,
					  int *nerrors);

/*
 * pn_config_load -- pn_config_read_files then pn_config_load_snapshot, in
 * this process: for tests and tools.  The daemon goes through the checker
 * (checker.h).  The table keeps the snapshot (conf->snap).
 */
struct pn_config *pn_config_load(const char *path, const char *plugin_dir,
				 struct pn_registry *reg, FILE *errs,
				 int *nerrors);

/*
 * What a load is doing ("reading FILE", "parsing FILE", "loading plugin
 * 'x' for service 'y' (FILE:LINE)"), told before each step so that a
 * checker that dies on the way can say where.  NULL: nothing is told.
 */
typedef void pn_config_progress_fn(void *arg, const char *what);
void pn_config_set_progress(pn_config_progress_fn *fn, void *arg);

void pn_config_free(struct pn_config *conf);

struct pn_facts;

/*
 * pn_config_facts -- what the files of snap say about each service's
 * name, user, group, listen addresses and enabled state, and the pid
 * file, read by a lenient pass that loads no plugin (see facts.h).
 * Returns 0, or -1 (errors to errs) with f empty.
 */
int pn_config_facts(const struct pn_snapshot *snap, const char *path,
		    FILE *errs, struct pn_facts *f);

/* Print the table: one line per service with plugin, state, addresses. */
void pn_config_summary(const struct pn_config *conf, FILE *out);

#endif
