/*
 * pinetd/plugin.h -- the pinetd service plugin API.
 *
 * NAME
 *	pinetd plugin API, version 1
 *
 * DESCRIPTION
 *	A pinetd service plugin is a shared object that exports exactly one
 *	symbol, `pinetd_plugin`, a constant struct pinetd_plugin (use the
 *	PINETD_PLUGIN_DEFINE macro).  The descriptor says what the plugin is
 *	(name, description, transports), what options it accepts (a data
 *	table the daemon turns into configuration schema) and which callbacks
 *	it implements.
 *
 *	The daemon calls init() once per configured service that uses the
 *	plugin, handing it the core table (struct pinetd_core): the only way
 *	a plugin talks back to the daemon.  Plugins have no link-time
 *	dependency on the daemon, so a test can hand a plugin a fake table.
 *
 *	All callbacks of one service run on one event loop thread and must
 *	not block.  Every buffer handed to a callback is valid only for the
 *	duration of the call.
 *
 * CALLBACK ORDER (stream services)
 *	on_open, then any number of on_data or on_line (and on_drain when
 *	requested), then exactly one on_close.  on_close is never called from
 *	inside a core helper: a plugin may call core->close() or core->send()
 *	on any connection from any callback and the matching on_close arrives
 *	later, from the event loop.
 *
 * COMPATIBILITY
 *	The daemon rejects a descriptor whose `abi` differs from the daemon's
 *	PINETD_ABI_VERSION or whose `size` is smaller than the daemon's
 *	sizeof(struct pinetd_plugin).  New members are only ever appended
 *	(taking `reserved` slots), and the ABI number changes when a member
 *	changes meaning.
 */
#ifndef PINETD_PLUGIN_H
#define PINETD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes.  Bump on any incompatible change. */
#define PINETD_ABI_VERSION 1u

/* The name of the one symbol a plugin exports. */
#define PINETD_PLUGIN_SYMBOL "pinetd_plugin"

/* Transports a plugin supports (struct pinetd_plugin.transports). */
#define PINETD_TCP (1u << 0)
#define PINETD_UDP (1u << 1)

/*
 * Plugin flags (struct pinetd_plugin.flags).
 *
 * PINETD_PF_LINES	the core frames the byte stream into lines and calls
 *			on_line() instead of on_data().  A line ends at LF;
 *			a CR right before the LF is removed.  Lines longer
 *			than the service's max_line are cut (see
 *			PINETD_LINE_TRUNCATED).  A plugin that also has
 *			on_data may ask for it per connection instead
 *			(core->frame_reads).
 * PINETD_PF_HALF_CLOSE	the peer's end-of-file (a shutdown of its sending
 *			side) does not end the connection: the core stops
 *			reading and keeps sending until the plugin closes it
 *			or the peer goes away.  Without the flag a connection
 *			ends once the peer's EOF has arrived and the queued
 *			output is written.  For generators (chargen).
 * PINETD_PF_PROCESS	the plugin blocks (or execs): it must run in process
 *			mode, one child process per connection.
 * PINETD_PF_EVENT	the plugin shares state between connections (a chat
 *			room): it must run in event mode, in one process.
 * PINETD_PF_SPAWN	the plugin hands each connection to a program it
 *			starts with core->spawn() from on_open (exec), and
 *			serves UDP through on_wait() and core->spawn_wait():
 *			it runs in event mode, needs no on_data or
 *			on_datagram, and its on_wait() runs in the worker.
 * PINETD_PF_REFLECT	the plugin answers every datagram whatever it holds
 *			(echo, chargen, daytime, ...): two such services can
 *			answer each other for ever.  The core gives its UDP
 *			replies a per-source budget by default
 *			(udp_reply_rate in pinetd.conf(5)).
 */
#define PINETD_PF_LINES (1u << 0)
#define PINETD_PF_HALF_CLOSE (1u << 1)
#define PINETD_PF_PROCESS (1u << 2)
#define PINETD_PF_EVENT (1u << 3)
#define PINETD_PF_SPAWN (1u << 4)
#define PINETD_PF_REFLECT (1u << 5)

/* Flags handed to on_line(). */
#define PINETD_LINE_TRUNCATED (1u << 0) /* longer than max_line: the rest up
					   to the next LF was discarded */
#define PINETD_LINE_NOEOL (1u << 1)	/* last bytes before EOF, no LF */
#define PINETD_LINE_CRLF (1u << 2)	/* ended with CR LF, not a bare LF */

/* Opaque handles owned by the core. */
typedef struct pinetd_conn pinetd_conn;	  /* one stream connection */
typedef struct pinetd_svc pinetd_svc;	  /* one configured service */
typedef struct pinetd_dgram pinetd_dgram; /* one received datagram */

/* Why a connection ended (argument of on_close). */
enum pinetd_close_reason {
	PINETD_CLOSE_PEER = 0,	   /* the peer closed its side (EOF) */
	PINETD_CLOSE_ERROR = 1,	   /* I/O error: reset, broken pipe, ... */
	PINETD_CLOSE_PLUGIN = 2,   /* the plugin called core->close() */
	PINETD_CLOSE_TIMEOUT = 3,  /* the service's idle_timeout expired */
	PINETD_CLOSE_OVERFLOW = 4, /* queued output exceeded output_max */
	PINETD_CLOSE_SHUTDOWN = 5, /* the service or the daemon is stopping */
	PINETD_CLOSE_LIMIT = 6,	   /* max_duration, max_bytes_in or _out */
};
/* Later versions may add reasons: treat an unknown one like ERROR. */

/* Log levels: the syslog(3) priorities. */
enum pinetd_log_level {
	PINETD_LOG_ERR = 3,
	PINETD_LOG_WARNING = 4,
	PINETD_LOG_NOTICE = 5,
	PINETD_LOG_INFO = 6,
	PINETD_LOG_DEBUG = 7,
};

/*
 * Plugin options.
 *
 * A plugin describes its options as a table of struct pinetd_option,
 * terminated by an entry of type PINETD_OPT_END.  The daemon adds them to
 * the schema of every service that uses the plugin, so a misspelled or
 * mistyped option is reported with file:line like any other.  Before
 * init() the daemon allocates conf_size zeroed bytes and stores each value
 * at `offset`:
 *
 *	PINETD_OPT_STR	 const char *	 (owned by the core; valid until fini)
 *	PINETD_OPT_INT	 long		 (checked against [min, max] if min < max)
 *	PINETD_OPT_BOOL	 int		 (0 or 1)
 *	PINETD_OPT_ENUM	 int		 (index into `choices`, NULL-terminated)
 *
 * Defaults come from def_str (STR), def_int (INT, BOOL and ENUM, the
 * latter as an index).
 */
enum pinetd_opt_type {
	PINETD_OPT_END = 0,
	PINETD_OPT_STR,
	PINETD_OPT_INT,
	PINETD_OPT_BOOL,
	PINETD_OPT_ENUM,
};

struct pinetd_option {
	const char *name;
	enum pinetd_opt_type type;
	size_t offset;
	const char *def_str;
	long def_int;
	long min, max;
	const char *const *choices;
	const char *help; /* one line, shown by --list-plugins and docs */
};

/*
 * What the core tells a plugin about one service (foreach_service).
 * Pointers are valid during the callback only.
 */
struct pinetd_service_info {
	const char *name;
	const char *plugin;
	const char *const *listen; /* "tcp://127.0.0.1:7007", ... */
	size_t nlisten;
	unsigned long connections; /* open stream connections now */
	int enabled;
};

/*
 * struct pinetd_core -- the helpers the daemon offers to plugins.
 *
 * A plugin receives a pointer to this table in init() and keeps it in its
 * per-service state.  `abi` and `size` describe the table itself; members
 * are only ever appended.
 */
struct pinetd_core {
	uint32_t abi;
	uint32_t size;

	/*
	 * send -- queue bytes for a stream connection.
	 * Writes at once when nothing is queued, queues the rest.  When the
	 * queue would exceed the service's output_max the connection is
	 * closed with PINETD_CLOSE_OVERFLOW.  Returns 0, or -1 when the
	 * connection is closing and the bytes were dropped.
	 */
	int (*send)(pinetd_conn *c, const void *buf, size_t len);

	/* sendf -- printf-style send; same return as send. */
	int (*sendf)(pinetd_conn *c, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	/*
	 * close -- end a connection after its queued output has been
	 * written (bounded by the service's output timeout).  Further
	 * input is ignored.  on_close(PINETD_CLOSE_PLUGIN) follows later.
	 */
	void (*close)(pinetd_conn *c);

	/* peer_name -- "192.0.2.1:4242" or "[2001:db8::1]:4242". */
	const char *(*peer_name)(const pinetd_conn *c);

	/* peer_addr -- the peer's socket address; *len receives its size. */
	const struct sockaddr *(*peer_addr)(const pinetd_conn *c,
					    socklen_t *len);

	/* conn_data -- the plugin's conn_size bytes for this connection,
	 * zeroed at open; NULL when conn_size is 0. */
	void *(*conn_data)(pinetd_conn *c);

	/* pending -- bytes queued for the connection, not yet written. */
	size_t (*pending)(const pinetd_conn *c);

	/*
	 * want_drain -- ask for on_drain() (on != 0) each time the socket
	 * is writable and nothing is queued; on = 0 stops it.  Lets a
	 * generator (chargen) produce output at the pace the peer reads.
	 */
	void (*want_drain)(pinetd_conn *c, int on);

	/*
	 * foreach_conn -- call fn for every open connection of the service
	 * (connections that are closing are skipped).  Stops at, and
	 * returns, the first non-zero value fn returns; else 0.
	 */
	int (*foreach_conn)(pinetd_svc *svc,
			    int (*fn)(pinetd_conn *c, void *arg), void *arg);

	/* reply -- send a datagram back to the sender of d.  Returns 0 or
	 * -1 (dropped: the socket buffer was full or the send failed). */
	int (*reply)(pinetd_dgram *d, const void *buf, size_t len);

	/* dgram_peer_name / dgram_peer_addr -- the sender of d. */
	const char *(*dgram_peer_name)(const pinetd_dgram *d);
	const struct sockaddr *(*dgram_peer_addr)(const pinetd_dgram *d,
						  socklen_t *len);

	/* service_name -- the service's configured name. */
	const char *(*service_name)(const pinetd_svc *svc);

	/* log -- a log line attributed to the service. */
	void (*log)(pinetd_svc *svc, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/*
	 * foreach_service -- call fn for every service of this daemon, in
	 * configuration order; stops at the first non-zero return.
	 */
	int (*foreach_service)(pinetd_svc *svc,
			       int (*fn)(const struct pinetd_service_info *,
					 void *arg),
			       void *arg);

	/* start_time -- when the daemon started (for uptime). */
	time_t (*start_time)(void);

	/*
	 * conn_fd -- the connection's socket, for plugins that hand it to
	 * another program (the exec plugin, in process mode).  The core
	 * still owns it and closes it at the end.
	 */
	int (*conn_fd)(pinetd_conn *c);

	/*
	 * spawn -- hand the connection over to a program.
	 *
	 * Starts path with argv and envp (prepared by the caller, used as
	 * they are: no PATH search, nothing inherited) as a child of the
	 * worker itself, with the connection's socket, in blocking mode, on
	 * its descriptors 0 and 1 and a pipe to the worker on 2; every
	 * other descriptor is closed, every signal has its default
	 * disposition and none is blocked.  The program gets SIGKILL should
	 * the worker die (PR_SET_PDEATHSIG).  The worker closes its own
	 * copy of the socket, so the client sees the end of the stream
	 * when the program (and whatever it left holding the socket) has
	 * exited; it logs each line of the program's standard error, stops
	 * the program at the service's max_duration (SIGTERM, then SIGKILL
	 * two seconds later) and when the service stops, and counts it
	 * against max_children.  When the program exits the core logs its
	 * exit status and run time and ends the connection: on_close
	 * follows, with PINETD_CLOSE_PLUGIN, or PINETD_CLOSE_LIMIT (max_-
	 * duration) or PINETD_CLOSE_SHUTDOWN when the core stopped it.
	 * From the call on, send() to c is dropped and no on_data arrives.
	 *
	 * Event mode only (PINETD_PF_SPAWN): a process-mode child cannot.
	 * Returns the program's pid, or -1 after writing a one-line reason
	 * into err ("execve: No such file or directory"); the connection
	 * is then untouched.
	 */
	long (*spawn)(pinetd_conn *c, const char *path, char *const argv[],
		      char *const envp[], char *err, size_t errlen);

	/*
	 * spawn_wait -- from on_wait: hand the listening datagram socket fd
	 * of svc over to a program, inetd's "wait".  Like spawn, with the
	 * listening socket on 0 and 1; the core polls the socket again once
	 * the program has exited.  Returns the pid, or -1 with err.
	 */
	long (*spawn_wait)(pinetd_svc *svc, int fd, const char *path,
			   char *const argv[], char *const envp[], char *err,
			   size_t errlen);

	/*
	 * frame_reads -- for a PINETD_PF_LINES plugin that also has on_data:
	 * on != 0 hands c's input to on_data as it is read, one call per
	 * read, instead of framing it into lines; on = 0 frames lines
	 * again.  Lets a service option choose between the two (ack's
	 * `framing`).  Call it from on_open, before input arrives: a
	 * partial line carried at the switch is dropped.  In read framing
	 * nothing is delivered at the peer's EOF (there is no partial
	 * line).  Returns 0, or -1 when the plugin has no on_data (nothing
	 * changes).  Check PINETD_CORE_HAS(core, frame_reads) first: older
	 * daemons lack it.
	 */
	int (*frame_reads)(pinetd_conn *c, int on);
};

/*
 * PINETD_CORE_HAS -- whether the core table `core` has `member`: a plugin
 * built against this header may run on an older daemon, whose table is
 * shorter (members are only ever appended).
 */
#define PINETD_CORE_HAS(core, member)                                          \
	((core)->size >= offsetof(struct pinetd_core, member) +                \
				 sizeof((core)->member))

/*
 * struct pinetd_plugin -- the descriptor a plugin exports.
 *
 * Required: abi, size, name, transports, init; on_data or on_line for TCP
 * (on_line when flags has PINETD_PF_LINES); on_datagram for UDP.
 *
 * init(core, svc, conf, &state, err, errlen)
 *	Called once per service.  conf points at the filled option struct
 *	(NULL when conf_size is 0) and lives until fini.  Store core and
 *	conf in a state of your own and put it in *state: every other
 *	callback receives it.  Return 0, or -1 after writing a one-line
 *	reason into err (the daemon reports it with the service's file:line).
 * fini(state)
 *	The service stopped: every connection has had its on_close.
 * on_open(state, c)
 *	A connection was accepted.  Return 0, or -1 to close it at once
 *	(no on_close follows).
 * on_data(state, c, buf, len)
 *	Bytes arrived (len > 0): what one read returned.  A PINETD_PF_LINES
 *	plugin gets it only for connections switched by core->frame_reads.
 * on_line(state, c, line, len, flags)
 *	A line arrived (PINETD_PF_LINES): without its LF or CR LF,
 *	NUL-terminated at line[len], writable.  flags: PINETD_LINE_*
 *	(PINETD_LINE_CRLF tells which ending it had).
 * on_drain(state, c)
 *	Requested with core->want_drain(): the socket can take more.
 * on_close(state, c, why)
 *	The connection is gone; the last chance to use conn_data.
 *	core->send() to c is dropped from here on.
 * on_datagram(state, d, buf, len)
 *	A datagram arrived (len may be 0).  Reply with core->reply().
 * on_wait(state, svc, fd)
 *	Datagram services in process mode ("wait" in inetd.conf): called in
 *	a child process with the listening socket when a datagram is
 *	waiting; the core polls the socket again only once the child has
 *	exited.  Returns the child's exit status.
 *	With PINETD_PF_SPAWN: called in the worker, must not block; hands
 *	fd to a program with core->spawn_wait() and returns 0, or returns
 *	-1 (the core drops the waiting datagram and polls again).
 */
struct pinetd_plugin {
	uint32_t abi;  /* PINETD_ABI_VERSION */
	uint32_t size; /* sizeof(struct pinetd_plugin) */
	const char *name;
	const char *description;
	unsigned transports; /* PINETD_TCP | PINETD_UDP */
	unsigned flags;	     /* PINETD_PF_* */
	const struct pinetd_option *options;
	size_t conf_size;
	size_t conn_size;

	int (*init)(const struct pinetd_core *core, pinetd_svc *svc,
		    const void *conf, void **state, char *err, size_t errlen);
	void (*fini)(void *state);
	int (*on_open)(void *state, pinetd_conn *c);
	void (*on_data)(void *state, pinetd_conn *c, const char *buf,
			size_t len);
	void (*on_line)(void *state, pinetd_conn *c, char *line, size_t len,
			unsigned flags);
	void (*on_drain)(void *state, pinetd_conn *c);
	void (*on_close)(void *state, pinetd_conn *c,
			 enum pinetd_close_reason why);
	void (*on_datagram)(void *state, pinetd_dgram *d, const char *buf,
			    size_t len);
	int (*on_wait)(void *state, pinetd_svc *svc, int fd);

	void *reserved[7]; /* zero; room for growth without an ABI bump */
};

/*
 * PINETD_PLUGIN_DEFINE -- define the exported descriptor:
 *
 *	PINETD_PLUGIN_DEFINE = {
 *		.name = "echo", .transports = PINETD_TCP | PINETD_UDP, ...
 *	};
 *
 * fills in abi and size and gives the symbol default visibility.
 */
#define PINETD_PLUGIN_DEFINE                                                   \
	extern const struct pinetd_plugin pinetd_plugin;                       \
	__attribute__((visibility("default"))) const struct pinetd_plugin      \
		pinetd_plugin

#define PINETD_PLUGIN_HEAD                                                     \
	.abi = PINETD_ABI_VERSION, .size = sizeof(struct pinetd_plugin)

/* Helpers for option tables. */
#define PINETD_OPTION_STR(n, T, field, def, help_)                          \
	{ .name = (n), .type = PINETD_OPT_STR,                                 \
	  .offset = offsetof(T, field), .def_str = (def), .help = (help_) }
#define PINETD_OPTION_INT(n, T, field, def, lo, hi, help_)                  \
	{ .name = (n), .type = PINETD_OPT_INT,                                 \
	  .offset = offsetof(T, field), .def_int = (def), .min = (lo),      \
	  .max = (hi), .help = (help_) }
#define PINETD_OPTION_BOOL(n, T, field, def, help_)                         \
	{ .name = (n), .type = PINETD_OPT_BOOL,                                \
	  .offset = offsetof(T, field), .def_int = (def), .help = (help_) }
#define PINETD_OPTION_ENUM(n, T, field, def, choices_, help_)               \
	{ .name = (n), .type = PINETD_OPT_ENUM,                                \
	  .offset = offsetof(T, field), .def_int = (def),                   \
	  .choices = (choices_), .help = (help_) }
#define PINETD_OPTION_END { .name = NULL, .type = PINETD_OPT_END }

#ifdef __cplusplus
}
#endif

#endif /* PINETD_PLUGIN_H */
