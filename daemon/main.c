/*
 * main.c -- the pinetd command line.
 *
 * Exit codes (documented in pinetd(8)):
 *   0  success (and -t found no error)
 *   1  configuration error: bad file, option, address or plugin
 *   2  usage error: bad command line
 *   3  system error: a socket could not be bound, epoll failed, ...
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "loader.h"
#include "log.h"
#include "server.h"

#ifndef PN_CONFFILE
#define PN_CONFFILE "/etc/pinetd/pinetd.conf"
#endif

enum { EXIT_CONFIG = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3 };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pinetd [-f] [-d] [-t] [-c FILE] [-P DIR]\n"
		"A plugin-driven inetd-style super-server.\n"
		"\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -f, --foreground       stay in the foreground, log to stderr\n"
		"  -d, --debug            log debug messages (implies nothing else)\n"
		"  -t, --test             check the configuration and plugins, print\n"
		"                         a summary, bind nothing, exit\n"
		"  -P, --plugin-dir DIR   load plugins from DIR (overrides plugin_dir)\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n"
		"\n"
		"Exit status: 0 ok, 1 configuration error, 2 usage error, 3 system error.\n",
		PN_CONFFILE);
}

/* -t: also run every enabled service's plugin init() and fini(), which
 * may refuse a combination of options. */
static int check_plugins(const struct pn_config *conf)
{
	int bad = 0;

	for (size_t i = 0; i < conf->nsvcs; i++) {
		const struct pn_service_conf *sc = &conf->svcs[i];
		const struct pinetd_plugin *d = sc->plugin->desc;
		char err[512] = "";
		void *state = NULL;

		if (d->init(&pn_core, NULL, sc->pconf, &state, err, sizeof err) != 0) {
			fprintf(stderr, "%s:%d: service '%s': plugin '%s': %s\n",
				sc->file, sc->line, sc->name, d->name,
				err[0] ? err : "init failed");
			bad++;
			continue;
		}
		if (d->fini)
			d->fini(state);
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "test", no_argument, NULL, 't' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = PN_CONFFILE, *plugin_dir = NULL;
	int foreground = 0, debug = 0, test = 0, opt, nerr = 0, rc;
	struct pn_registry reg;
	struct pn_config *conf;
	struct pn_server srv;

	while ((opt = getopt_long(argc, argv, "c:fdtP:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'd': debug = 1; break;
		case 't': test = 1; break;
		case 'P': plugin_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pinetd %s (plugin ABI %u)\n", PACKAGE_VERSION,
				 PINETD_ABI_VERSION);
			return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinetd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!foreground && !test) {
		fprintf(stderr, "pinetd: only foreground mode (-f) is available in "
				"this version; run it under systemd or with -f\n");
		return EXIT_USAGE;
	}
	pn_log_open("pinetd", 1, debug ? LOG_DEBUG : LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	pn_registry_init(&reg);
	conf = pn_config_load(path, plugin_dir, &reg, stderr, &nerr);
	if (!conf) {
		fprintf(stderr, "pinetd: %s: %d error%s\n", path, nerr,
			nerr == 1 ? "" : "s");
		pn_registry_free(&reg);
		return EXIT_CONFIG;
	}
	if (test) {
		int bad = check_plugins(conf);
		if (bad == 0)
			pn_config_summary(conf, stdout);
		else
			fprintf(stderr, "pinetd: %s: %d error%s\n", path, bad,
				bad == 1 ? "" : "s");
		pn_config_free(conf);
		pn_registry_free(&reg);
		return bad ? EXIT_CONFIG : 0;
	}
	if (!debug)
		pn_log_set_level(conf->log_level);

	if (pn_server_open(&srv, conf) < 0) {
		rc = EXIT_SYSTEM;
	} else if (pn_server_init_plugins(&srv) < 0) {
		rc = EXIT_CONFIG;
	} else {
		rc = pn_server_run(&srv);
	}
	pn_server_close(&srv);
	pn_config_free(conf);
	pn_registry_free(&reg);
	return rc;
}
