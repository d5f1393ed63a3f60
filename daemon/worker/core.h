/*
 * core.h -- the table of helpers handed to plugins (struct pinetd_core).
 */
#ifndef PN_CORE_H
#define PN_CORE_H

#include <time.h>

#include <pinetd/plugin.h>

extern const struct pinetd_core pn_core;

/* The daemon's start time, reported by core->start_time(). */
void pn_core_set_start_time(time_t t);

/* The server whose loop core->now() reads (one per process). */
struct pn_server;
void pn_core_set_server(struct pn_server *srv);

#endif
