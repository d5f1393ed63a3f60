/*
 * proxy.h -- what the proxy plugin's files share (internal: not installed).
 *
 * proxy.c holds the descriptor and the life of a connection (options,
 * connecting to the backend, the connect timeout, the end), proxy_relay.c
 * moves bytes both ways with backpressure and passes half-closes on,
 * proxy_linger.c finishes writing to a backend after its client has gone,
 * proxy_addr.c parses `backend`.  Names used across these files carry the
 * double prefix proxy__.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <pinetd/plugin.h>

/*
 * The high-water marks, in bytes.  A client whose bytes the backend has
 * not taken past PROXY_MARK is paused; a backend is no longer read while
 * more than PROXY_OUT_MARK is queued for its client.  The second stays
 * well under the smallest sensible output_max (the core closes a
 * connection whose queue would pass it): at most PROXY_OUT_MARK plus one
 * read (PROXY_READ) is ever queued.
 */
#define PROXY_MARK (64u * 1024u)
#define PROXY_OUT_MARK (32u * 1024u)
/* One read from a backend. */
#define PROXY_READ (16u * 1024u)
/* A paused client is resumed once the backend has taken all but this. */
#define PROXY_LOW_MARK (16u * 1024u)
/* How long a backend gets to take what its departed client sent, in ms. */
#define PROXY_LINGER_MS 10000u

/* The plugin's options (the table in proxy.c). */
struct proxy_conf {
	const char *backend;	 /* "tcp://HOST:PORT" */
	int64_t connect_timeout; /* seconds */
	int32_t send_proxy;	 /* PROXY header to the backend: 0 none, 1, 2 */
};

/* One parsed backend address. */
struct proxy_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char name[64]; /* "tcp://127.0.0.1:8080", "tcp://[::1]:8080" */
};

struct proxy_linger;

/* Per service (the state). */
struct proxy {
	pinetd_svc *svc;
	struct proxy_addr backend;
	uint64_t timeout_ms;	     /* connect_timeout */
	int send_proxy;		     /* 0, or the PROXY header's version */
	struct proxy_linger *linger; /* backends still being written to */
};

/* Per connection (conn_data, zeroed by the core at open). */
struct proxy_conn {
	int fd;		   /* the backend socket, -1 before it exists */
	pinetd_watch w;	   /* on fd, owns it (PINETD_WATCH_OWN_FD) */
	pinetd_timer t;	   /* the connect timeout */
	uint32_t want;	   /* the events w asks for now */
	int connected;	   /* the backend accepted */
	int failed;	   /* the backend side is over: stop everything */
	int client_eof;	   /* the client shut its sending side down */
	int backend_eof;   /* the backend did (we called pinetd->shutdown) */
	int wr_shut;	   /* we shut the backend socket's write side down */
	int paused;	   /* we paused the client (backend not taking) */
	int held;	   /* we stopped reading the backend (client slow) */
	char *buf;	   /* client bytes the backend has not taken yet */
	size_t off, len, cap; /* buf[off, off + len) is pending */
};

/*
 * proxy__parse_addr -- parse `tcp://HOST:PORT` (HOST an IPv4 literal or
 * an IPv6 literal in brackets, PORT 1 to 65535) into *a.  Returns 0, or
 * -1 after writing a one-line reason into err.
 */
int proxy__parse_addr(const char *s, struct proxy_addr *a, char *err,
		      size_t errlen);

/*
 * proxy__fail -- the backend side of c is over: log why (naming client
 * and backend), stop the backend's watch and close the client once its
 * queued output is written.  Idempotent.
 */
void proxy__fail(struct proxy *p, pinetd_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* proxy__rearm -- ask w for the events pc's state calls for. */
void proxy__rearm(struct proxy_conn *pc);

/* proxy__backend_event -- the watch callback of a connected backend. */
void proxy__backend_event(struct proxy *p, pinetd_conn *c, uint32_t events);

/* The callbacks of proxy_relay.c (see pinetd_plugin). */
void proxy__on_data(void *state, pinetd_conn *c, const char *buf,
		    size_t len);
void proxy__on_eof(void *state, pinetd_conn *c);
void proxy__on_drain(void *state, pinetd_conn *c);

/*
 * proxy__linger -- c ended cleanly with len bytes of its input still
 * unwritten to its backend fd: keep a duplicate of fd open and write
 * them, then shut the write side down and close, giving up after
 * PROXY_LINGER_MS.  Takes fd and buf (malloc'ed) over, also when it
 * fails (out of memory: the bytes are dropped).  Returns 0 or -1.
 */
int proxy__linger(struct proxy *p, int fd, char *buf, size_t off,
		  size_t len);
/* proxy__linger_free_all -- from fini: forget every lingering backend
 * (their watches end after fini and close the descriptors). */
void proxy__linger_free_all(struct proxy *p);

/* Append n bytes to pc's pending buffer (sent to the backend once
 * connected): 0, or -1 (out of memory). */
int proxy__buf_append(struct proxy_conn *pc, const char *b, size_t n);

#endif /* PROXY_H */
