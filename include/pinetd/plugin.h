/*
 * pinetd/plugin.h -- the pinetd service plugin API, version 1.0.
 *
 * NAME
 *	pinetd plugin API 1.0 (ABI 1, frozen: later versions only add)
 *
 * DESCRIPTION
 *	A pinetd service plugin is a shared object that exports one symbol,
 *	`pinetd_plugin_v1`, a constant struct pinetd_plugin defined with
 *	PINETD_PLUGIN_DEFINE.  The descriptor says what the plugin is (name,
 *	description, transports), what options it takes (a data table the
 *	daemon turns into configuration schema, with file:line errors) and
 *	which callbacks it implements; the daemon owns sockets, buffers,
 *	limits, timers and processes and calls the plugin on events.
 *
 *	The plugin talks back through the core table, struct pinetd_core.
 *	The daemon stores its address in the plugin's `pinetd` variable
 *	(defined by PINETD_PLUGIN_DEFINE) before any callback runs, so
 *	plugin code just writes pinetd->send(c, buf, len).  Plugins have no
 *	link-time dependency on the daemon: the test kit (pinetd_testkit.h)
 *	fills the same variable with a fake core.
 *
 * WHERE AND HOW OFTEN CALLBACKS RUN
 *	init and fini run once per service per process that serves it: in
 *	each worker of the service (`workers = N` gives N), and in the
 *	checker process of `pinetd -t` (init, then fini at once, with a
 *	real service: log and service_name work).  A
 *	process-mode child (PINETD_PF_PROCESS) is forked from its worker
 *	after init and runs no init or fini of its own.  Plugin code never
 *	runs as root: workers and the checker switch to the service's user
 *	before they load a plugin.  Every other callback runs in the worker
 *	(or the process-mode child) on its single event-loop thread and must
 *	not block.  Every buffer handed to a callback is valid only during
 *	the call.
 *
 * CALLBACK ORDER (streams)
 *	on_open; then any number of on_data or on_line, on_drain and timer
 *	and watch callbacks; at most one on_eof; then exactly one on_close.
 *	Every on_open is matched by exactly one on_close, also when on_open
 *	refused the connection (why = PINETD_CLOSE_REFUSED).  on_close is
 *	never called from inside a core function: a plugin may close() or
 *	send() to any connection from any callback; the on_close arrives
 *	later, from the event loop.
 *
 * RELOAD
 *	A reload that leaves a service unchanged leaves its worker, state
 *	and connections alone.  When only the plugin's own options changed
 *	and the plugin has reconfigure(), the worker calls it with the new
 *	option struct and keeps state and connections.  Any other change
 *	(or a refused reconfigure) starts a new worker with a fresh init;
 *	the old one drains its connections (drain_timeout) and then runs
 *	fini.
 *
 * COMPATIBILITY
 *	- The daemon looks up `pinetd_plugin_v1` and checks abi == 1.
 *	- It accepts a descriptor whose `size` is at least
 *	  PINETD_PLUGIN_MIN_SIZE and treats members beyond `size` as absent
 *	  (NULL, 0), so a plugin built against an older 1.x header loads.
 *	  Members beyond what the daemon knows are ignored: a plugin that
 *	  needs a newer daemon says so in `requires` (feature names), and
 *	  an older daemon refuses it by name.  Unknown `flags` bits are
 *	  refused (a flag changes how the daemon treats the plugin).
 *	- Option entries are stepped through by `option_size`, so the
 *	  option struct may grow too.
 *	- The core table only grows: check PINETD_HAS(member) before using
 *	  a member newer than the daemon you need to support.
 *	- Structures hold fixed-width integers only.
 */
#ifndef PINETD_PLUGIN_H
#define PINETD_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes (struct pinetd_plugin.abi). */
#define PINETD_ABI_VERSION 1u
/* The API version: major = ABI, minor grows with every addition. */
#define PINETD_API_MAJOR 1
#define PINETD_API_MINOR 0

/* The one symbol a plugin exports. */
#define PINETD_PLUGIN_SYMBOL "pinetd_plugin_v1"

/* Transports (struct pinetd_plugin.transports). */
#define PINETD_TCP (1u << 0)
#define PINETD_UDP (1u << 1)

/*
 * Plugin flags (struct pinetd_plugin.flags).  A daemon refuses a plugin
 * with a flag it does not know.
 *
 * PINETD_PF_LINES	the core frames the byte stream into lines and calls
 *			on_line() instead of on_data().  A line ends at LF;
 *			a CR right before the LF is removed.  Lines longer
 *			than the service's max_line are cut (see
 *			PINETD_LINE_TRUNCATED).  A plugin that also has
 *			on_data may switch a connection to reads
 *			(pinetd->frame_reads).
 * PINETD_PF_HALF_CLOSE	the peer's end-of-file (a shutdown of its sending
 *			side) does not end the connection: on_eof is called,
 *			the core stops reading and the connection stays
 *			open, sending, until the plugin closes it or shuts
 *			its own side down (pinetd->shutdown), or the peer
 *			goes away.  Without the flag a connection ends once
 *			the peer's EOF has arrived (after on_eof) and the
 *			queued output is written.
 * PINETD_PF_PROCESS	the plugin blocks (or execs): it runs in process
 *			mode, one child process per connection.
 * PINETD_PF_EVENT	the plugin shares state between connections (a chat
 *			room): it must run in event mode, in one process.
 * PINETD_PF_SPAWN	the plugin hands each connection to a program it
 *			starts with pinetd->spawn() from on_open (exec), and
 *			serves UDP through on_wait() and pinetd->spawn_wait():
 *			it runs in event mode and its on_wait() runs in the
 *			worker.
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
#define PINETD_PF_KNOWN_1_0 0x3fu /* every flag of API 1.0 */

/* Flags handed to on_line(). */
#define PINETD_LINE_TRUNCATED (1u << 0) /* longer than max_line: the rest up
					   to the next LF was discarded */
#define PINETD_LINE_NOEOL (1u << 1)	/* last bytes before EOF, no LF */
#define PINETD_LINE_CRLF (1u << 2)	/* ended with CR LF, not a bare LF */

/*
 * Features a daemon offers, by name, for struct pinetd_plugin.requires.
 * A daemon of API 1.0 offers all of these; later versions add names.
 */
#define PINETD_FEATURE_API_1_0 "api-1.0"

/* Opaque handles owned by the core. */
typedef struct pinetd_conn pinetd_conn;	  /* one stream connection */
typedef struct pinetd_svc pinetd_svc;	  /* one configured service */
typedef struct pinetd_dgram pinetd_dgram; /* one received datagram */

/*
 * Timers and watches are named by 64-bit handles, never 0.  A handle
 * that has ended (stopped, fired for the last time, or cancelled with
 * its owner) stays harmless: every call on it returns -1 and does
 * nothing, and the number is never given out again.
 */
typedef uint64_t pinetd_timer;
typedef uint64_t pinetd_watch;

/* Why a connection ended (the `why` of on_close). */
#define PINETD_CLOSE_PEER 0	/* the peer closed its side (EOF) */
#define PINETD_CLOSE_ERROR 1	/* I/O error: reset, broken pipe, ... */
#define PINETD_CLOSE_PLUGIN 2	/* the plugin called pinetd->close() */
#define PINETD_CLOSE_TIMEOUT 3	/* the service's idle_timeout expired */
#define PINETD_CLOSE_OVERFLOW 4 /* queued output exceeded output_max */
#define PINETD_CLOSE_SHUTDOWN 5 /* the service or the daemon is stopping */
#define PINETD_CLOSE_LIMIT 6	/* max_duration, max_bytes_in or _out */
#define PINETD_CLOSE_REFUSED 7	/* on_open returned -1 */
/* Later versions may add reasons: treat an unknown one like ERROR. */

/* Log levels: the syslog(3) priorities. */
#define PINETD_LOG_ERR 3
#define PINETD_LOG_WARNING 4
#define PINETD_LOG_NOTICE 5
#define PINETD_LOG_INFO 6
#define PINETD_LOG_DEBUG 7

/* Watch events: what a watch asks for, and what its callback is told. */
#define PINETD_READABLE (1u << 0)
#define PINETD_WRITABLE (1u << 1)
#define PINETD_HANGUP (1u << 2) /* reported only: error or hang-up */
/* Given to watch(): the core owns the descriptor and closes it when the
 * watch ends (watch_close, or its owner closing). */
#define PINETD_WATCH_OWN_FD (1u << 8)

/*
 * Plugin options.
 *
 * A plugin describes its options as a table of struct pinetd_option,
 * ended by PINETD_OPTION_END.  The daemon adds them to the schema of
 * every service that uses the plugin, so a misspelled or mistyped option
 * is reported with file:line like any other.  Before init() the daemon
 * allocates conf_size zeroed bytes and stores each value at `offset`:
 *
 *	PINETD_OPT_STR	 const char *	 (owned by the core; valid until
 *					  fini, or until a reconfigure
 *					  that replaced the struct returns)
 *	PINETD_OPT_INT	 int64_t	 (checked against [min, max] if
 *					  min < max)
 *	PINETD_OPT_BOOL	 int32_t	 (0 or 1)
 *	PINETD_OPT_ENUM	 int32_t	 (index into `choices`, NULL-ended)
 *
 * Defaults: def_str for STR, def_int for INT and BOOL, and for ENUM the
 * choice's name in def_str (NULL: the first choice).  The daemon refuses
 * a plugin whose ENUM default names no choice.
 */
#define PINETD_OPT_END 0u
#define PINETD_OPT_STR 1u
#define PINETD_OPT_INT 2u
#define PINETD_OPT_BOOL 3u
#define PINETD_OPT_ENUM 4u

/* The smallest option entry (struct pinetd_plugin.option_size) a daemon
 * of API 1.x accepts: the entry of 1.0. */
#define PINETD_OPTION_MIN_SIZE 64u

struct pinetd_option {
	const char *name;
	uint32_t type;	 /* PINETD_OPT_* */
	uint32_t offset; /* in the plugin's conf struct */
	const char *def_str;
	int64_t def_int;
	int64_t min, max;
	const char *const *choices;
	const char *help; /* one line, shown by --list-plugins and docs */
};

/*
 * What the core tells a plugin about one service (foreach_service).
 * Pointers are valid during the callback only.
 */
struct pinetd_service_info {
	uint32_t size; /* of this struct: later versions append members */
	int32_t enabled;
	const char *name;
	const char *plugin;
	const char *const *listen; /* "tcp://127.0.0.1:7007", ... */
	uint64_t nlisten;
	uint64_t connections; /* open stream connections now */
};

/* Callbacks of timers, watches and child processes.  `state` is the
 * service's state (what init put in *state), `arg` what was given. */
typedef void pinetd_timer_fn(void *state, pinetd_timer t, void *arg);
typedef void pinetd_watch_fn(void *state, pinetd_watch w, int fd,
			     uint32_t events, void *arg);
typedef void pinetd_child_fn(void *state, pid_t pid, int status, void *arg);

/*
 * struct pinetd_core -- what the daemon offers plugins.
 *
 * `abi` and `size` describe the table; members are only ever appended.
 * Unless said otherwise a function returns 0 on success and -1 when it
 * did nothing (a closed connection, an ended handle, a bad argument).
 */
struct pinetd_core {
	uint32_t abi;
	uint32_t size;

	/* ---- stream output ---- */

	/*
	 * send -- queue bytes for a connection.  Writes at once when nothing
	 * is queued, queues the rest.  While more than the service's
	 * output_buffer is queued the core stops reading the peer; when the
	 * queue would exceed output_max the connection is closed with
	 * PINETD_CLOSE_OVERFLOW.  Returns 0, or -1 when the bytes were
	 * dropped: the connection is closing or closed, its write side was
	 * shut down, or it was handed to a program.
	 */
	int (*send)(pinetd_conn *c, const void *buf, size_t len);
	/* sendv -- send the iovcnt buffers of iov as one (one write, one
	 * TCP segment when it fits); like send. */
	int (*sendv)(pinetd_conn *c, const struct iovec *iov, int iovcnt);
	/* sendf, vsendf -- printf-style send; like send. */
	int (*sendf)(pinetd_conn *c, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	int (*vsendf)(pinetd_conn *c, const char *fmt, va_list ap)
		__attribute__((format(printf, 2, 0)));
	/* pending -- bytes queued for c, not yet written. */
	size_t (*pending)(const pinetd_conn *c);
	/*
	 * want_drain -- on != 0: call on_drain() each time the socket is
	 * writable and nothing is queued; 0 stops it.  A generator
	 * (chargen) produces output at the pace the peer reads; a proxy
	 * resumes its backend once the client has read.
	 */
	void (*want_drain)(pinetd_conn *c, int on);

	/* ---- stream control ---- */

	/*
	 * close -- end the connection once its queued output is written
	 * (or after 10 s of the peer not reading).  Input is ignored from
	 * now on; on_close(PINETD_CLOSE_PLUGIN) follows from the loop.
	 */
	void (*close)(pinetd_conn *c);
	/*
	 * shutdown -- end the sending side: once the queued output is
	 * written the core shuts the socket's write side down (the peer
	 * reads EOF) and further sends return -1.  Reading goes on; the
	 * connection ends when the peer's EOF arrives too (after on_eof),
	 * or the plugin closes it.
	 */
	int (*shutdown)(pinetd_conn *c);
	/*
	 * pause -- on != 0: stop reading c (no on_data or on_line until
	 * resumed, lines already read included; the kernel's buffers then
	 * push back on the peer); 0 resumes, delivering what was held
	 * from the event loop (not from inside this call).  Idle time does
	 * not count while paused by the plugin.
	 */
	int (*pause)(pinetd_conn *c, int on);
	/*
	 * frame_reads -- for a PINETD_PF_LINES plugin that also has on_data:
	 * on != 0 hands c's input to on_data as it is read instead of
	 * framing it into lines; 0 frames lines again.  Call it from
	 * on_open: a partial line carried at the switch is dropped.
	 * Returns -1 when the plugin has no on_data.
	 */
	int (*frame_reads)(pinetd_conn *c, int on);

	/* ---- connection facts ---- */

	/* peer_name -- "192.0.2.1:4242" or "[2001:db8::1]:4242". */
	const char *(*peer_name)(const pinetd_conn *c);
	/* peer_addr, local_addr -- the peer's and our address of c; *len
	 * (if len is not NULL) receives its size. */
	const struct sockaddr *(*peer_addr)(const pinetd_conn *c,
					    socklen_t *len);
	const struct sockaddr *(*local_addr)(const pinetd_conn *c,
					     socklen_t *len);
	/* conn_data -- the plugin's conn_size bytes for c, zeroed at open;
	 * NULL when conn_size is 0.  Valid until on_close returns. */
	void *(*conn_data)(pinetd_conn *c);
	/* conn_service -- the service c belongs to. */
	pinetd_svc *(*conn_service)(pinetd_conn *c);
	/*
	 * conn_fd -- c's socket, for a process-mode plugin that hands it to
	 * another program.  The core still owns it and closes it.
	 */
	int (*conn_fd)(pinetd_conn *c);
	/*
	 * foreach_conn -- call fn for every open connection of svc (closing
	 * ones are skipped); stops at, and returns, fn's first non-zero
	 * value, else 0.  fn may close or send to any connection.
	 */
	int (*foreach_conn)(pinetd_svc *svc,
			    int (*fn)(pinetd_conn *c, void *arg), void *arg);

	/* ---- datagrams ---- */

	/*
	 * reply, replyv -- send a datagram back to d's sender, from the
	 * address d was sent to, within the service's udp_reply_ratio (cut)
	 * and udp_reply_rate.  Returns 0, or -1 when dropped (over budget,
	 * the socket buffer was full, the service stopped).
	 */
	int (*reply)(pinetd_dgram *d, const void *buf, size_t len);
	int (*replyv)(pinetd_dgram *d, const struct iovec *iov, int iovcnt);
	/* dgram_peer_name, dgram_peer_addr -- d's sender. */
	const char *(*dgram_peer_name)(const pinetd_dgram *d);
	const struct sockaddr *(*dgram_peer_addr)(const pinetd_dgram *d,
						  socklen_t *len);
	/* dgram_service -- the service d arrived for. */
	pinetd_svc *(*dgram_service)(const pinetd_dgram *d);
	/*
	 * dgram_keep -- a copy of d (its sender, the address and listener
	 * it came to, its length for udp_reply_ratio) that outlives
	 * on_datagram, to answer later with reply(), e.g. once a backend
	 * has answered.  Free it with dgram_release; those left when the
	 * service stops are freed after fini, and replies to them return
	 * -1 once their listener closed (a reload removed the address).
	 * Returns NULL when out of memory.
	 */
	pinetd_dgram *(*dgram_keep)(pinetd_dgram *d);
	void (*dgram_release)(pinetd_dgram *kept);

	/* ---- timers, watches, child processes ---- */

	/*
	 * timer_start -- call fn after after_ms milliseconds, then every
	 * every_ms if it is not 0.  The timer belongs to c when c is not
	 * NULL (it ends after c's on_close has returned), else to svc (it
	 * ends after fini has returned).  Timers cost nothing while they
	 * wait: the worker sleeps until the earliest one.  Returns the
	 * handle, or 0 (out of memory, or c is closed or closing).
	 */
	pinetd_timer (*timer_start)(pinetd_svc *svc, pinetd_conn *c,
				    uint64_t after_ms, uint64_t every_ms,
				    pinetd_timer_fn *fn, void *arg);
	/* timer_stop -- cancel t (from any callback, its own included). */
	int (*timer_stop)(pinetd_timer t);

	/*
	 * watch -- call fn when fd (a descriptor of the plugin's: a socket
	 * to a backend, a pipe) becomes readable or writable, as events
	 * asks (PINETD_READABLE | PINETD_WRITABLE; PINETD_HANGUP is always
	 * reported while the watch asks for something).  Level-triggered.
	 * Owned like a timer: by c when c is not NULL, else by svc; the
	 * watch ends with its owner.  With PINETD_WATCH_OWN_FD in events
	 * the core closes fd when the watch ends; else the plugin closes
	 * it, after watch_close (or from on_close); a plugin may watch one
	 * fd of its own several times.  Returns the handle, or 0 (bad fd,
	 * an owned fd already watched, out of memory, c closed or
	 * closing); on failure fd stays the plugin's, PINETD_WATCH_OWN_FD
	 * or not.
	 */
	pinetd_watch (*watch)(pinetd_svc *svc, pinetd_conn *c, int fd,
			      uint32_t events, pinetd_watch_fn *fn, void *arg);
	/* watch_set -- change what w asks for (0: nothing, for now). */
	int (*watch_set)(pinetd_watch w, uint32_t events);
	/* watch_close -- end w (and close its fd if PINETD_WATCH_OWN_FD);
	 * no event of w is delivered afterwards, not even one already
	 * read in the same batch. */
	int (*watch_close)(pinetd_watch w);

	/*
	 * child_watch -- the plugin started process pid (fork, posix_spawn)
	 * and wants to know when it ends: the core reaps it and calls fn
	 * with its wait status.  The core reaps only its own children and
	 * those given here: a plugin that waits for its children itself
	 * (waitpid) is never raced.  Owned by svc.  Returns 0 or -1 (pid
	 * is not a child of this process, or out of memory).
	 */
	int (*child_watch)(pinetd_svc *svc, pid_t pid, pinetd_child_fn *fn,
			   void *arg);

	/* ---- programs (PINETD_PF_SPAWN) ---- */

	/*
	 * spawn -- hand the connection over to a program.
	 *
	 * Starts path with argv and envp (used as they are: no PATH
	 * search, nothing inherited) as a child of the worker, with the
	 * connection's socket, in blocking mode, on its descriptors 0 and
	 * 1 and a pipe to the worker on 2; every other descriptor is
	 * closed, every signal has its default disposition and none is
	 * blocked.  The program gets SIGKILL should the worker die.  The
	 * worker closes its own copy of the socket; it logs each line of
	 * the program's standard error, stops the program at the service's
	 * max_duration (SIGTERM, then SIGKILL two seconds later) and when
	 * the service stops, and counts it against max_children.  When the
	 * program exits the core logs its exit status and run time and
	 * ends the connection: on_close follows, with PINETD_CLOSE_PLUGIN,
	 * or PINETD_CLOSE_LIMIT (max_duration) or PINETD_CLOSE_SHUTDOWN
	 * when the core stopped it.  From the call on, send() to c is
	 * dropped and no input arrives.  Returns the program's pid, or -1
	 * after writing a one-line reason into err; c is then untouched.
	 */
	pid_t (*spawn)(pinetd_conn *c, const char *path, char *const argv[],
		       char *const envp[], char *err, size_t errlen);
	/*
	 * spawn_wait -- from on_wait: hand the listening datagram socket fd
	 * of svc over to a program, inetd's "wait".  Like spawn, with the
	 * listening socket on 0 and 1; the core polls the socket again once
	 * the program has exited.  Returns the pid, or -1 with err.
	 */
	pid_t (*spawn_wait)(pinetd_svc *svc, int fd, const char *path,
			    char *const argv[], char *const envp[], char *err,
			    size_t errlen);

	/* ---- the service and the daemon ---- */

	/* service_name -- the service's configured name. */
	const char *(*service_name)(const pinetd_svc *svc);
	/* log, vlog -- a log line attributed to the service (svc may be
	 * NULL: attributed to the plugin). */
	void (*log)(pinetd_svc *svc, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void (*vlog)(pinetd_svc *svc, int level, const char *fmt, va_list ap)
		__attribute__((format(printf, 3, 0)));
	/*
	 * foreach_service -- call fn for every service of this daemon, in
	 * configuration order; stops at the first non-zero return.
	 */
	int (*foreach_service)(pinetd_svc *svc,
			       int (*fn)(const struct pinetd_service_info *,
					 void *arg),
			       void *arg);
	/* start_time -- when the daemon started, in seconds since the
	 * epoch (for uptime). */
	int64_t (*start_time)(void);
	/* now -- milliseconds on a monotonic clock, as the event loop last
	 * read it (the test kit's fake clock under test). */
	uint64_t (*now)(void);
};

/* The minimum size of the core table of API 1.0. */
#define PINETD_CORE_MIN_SIZE                                                   \
	(offsetof(struct pinetd_core, now) + sizeof(void (*)(void)))

/*
 * PINETD_CORE_HAS -- whether the core table `core` has `member`: a plugin
 * built against a newer header may run on an older 1.x daemon, whose
 * table is shorter.  PINETD_HAS(member) asks it of `pinetd`.
 */
#define PINETD_CORE_HAS(core, member)                                          \
	((core)->size >= offsetof(struct pinetd_core, member) +                \
				 sizeof((core)->member))
#define PINETD_HAS(member) PINETD_CORE_HAS(pinetd, member)

/*
 * struct pinetd_plugin -- the descriptor a plugin exports.
 *
 * Required: name and transports (PINETD_PLUGIN_DEFINE fills abi, size,
 * option_size and core).  For UDP, on_datagram (or on_wait in process or
 * spawn mode).  Everything else is optional: a stream service without
 * on_data or on_line has its input read and dropped (discard).
 *
 * init(svc, conf, &state, err, errlen)
 *	Once per service per process (see above).  conf points at the
 *	filled option struct (NULL when conf_size is 0).  Put what the
 *	other callbacks need in *state.  Without init, or if init leaves
 *	*state NULL, state is conf.  Return 0, or -1 after writing a
 *	one-line reason into err (reported with the service's file:line).
 * fini(state)
 *	The service stopped in this process: every connection has had its
 *	on_close.  Timers, watches and kept datagrams it owned end after.
 * reconfigure(state, svc, conf, err, errlen)
 *	Only the plugin's options changed on a reload: conf is the new
 *	option struct.  Return 0 to use it from now on (the old struct is
 *	freed after the call; a state that was the old conf becomes the
 *	new one), or -1 with a reason in err to refuse, having changed
 *	nothing (the service then gets a new worker, as without the
 *	callback).  Connections, timers and watches stay.
 * on_open(state, c)
 *	A connection was accepted.  Return 0, or -1 to refuse it: it is
 *	closed at once (queued output dropped) and on_close follows with
 *	PINETD_CLOSE_REFUSED.
 * on_data(state, c, buf, len)
 *	Bytes arrived (len > 0): what one read returned.
 * on_line(state, c, line, len, flags)
 *	A line arrived (PINETD_PF_LINES): without its LF or CR LF,
 *	NUL-terminated at line[len], writable.  flags: PINETD_LINE_*.
 * on_eof(state, c)
 *	The peer shut its sending side down (after the last partial line).
 *	Without PINETD_PF_HALF_CLOSE the connection then ends once its
 *	output is written.
 * on_drain(state, c)
 *	Asked for with pinetd->want_drain(): the socket can take more.
 * on_close(state, c, why)
 *	The connection is gone: the last chance to use conn_data and the
 *	timers and watches c owns, which end when it returns.  send() to
 *	c is dropped.  why: PINETD_CLOSE_*.
 * on_datagram(state, d, buf, len)
 *	A datagram arrived (len may be 0).  Reply with pinetd->reply(), now
 *	or later (dgram_keep).
 * on_wait(state, svc, fd)
 *	Datagram services in process mode ("wait" in inetd.conf): called in
 *	a child process with the listening socket when a datagram is
 *	waiting; the core polls the socket again once the child has
 *	exited.  Returns the child's exit status.  With PINETD_PF_SPAWN:
 *	called in the worker, must not block; hands fd to a program with
 *	pinetd->spawn_wait() and returns 0, or returns -1 (the core drops
 *	the waiting datagram and polls again).
 */
struct pinetd_plugin {
	uint32_t abi;	      /* PINETD_ABI_VERSION */
	uint32_t size;	      /* sizeof(struct pinetd_plugin) */
	uint32_t option_size; /* sizeof(struct pinetd_option) */
	uint32_t transports;  /* PINETD_TCP | PINETD_UDP */
	uint32_t flags;	      /* PINETD_PF_* */
	uint32_t conf_size;   /* bytes of the option struct */
	uint32_t conn_size;   /* bytes of per-connection data */
	uint32_t reserved0;   /* zero */
	const char *name;
	const char *description;
	const struct pinetd_option *options;
	/* NULL-terminated feature names the daemon must offer, or NULL. */
	const char *const *requires;
	/* Where the daemon stores the core table (the plugin's `pinetd`). */
	const struct pinetd_core **core;

	int (*init)(pinetd_svc *svc, const void *conf, void **state, char *err,
		    size_t errlen);
	void (*fini)(void *state);
	int (*on_open)(void *state, pinetd_conn *c);
	void (*on_data)(void *state, pinetd_conn *c, const char *buf,
			size_t len);
	void (*on_line)(void *state, pinetd_conn *c, char *line, size_t len,
			uint32_t flags);
	void (*on_drain)(void *state, pinetd_conn *c);
	void (*on_close)(void *state, pinetd_conn *c, int why);
	/* ---- PINETD_PLUGIN_MIN_SIZE ends here ---- */
	void (*on_datagram)(void *state, pinetd_dgram *d, const char *buf,
			    size_t len);
	int (*on_wait)(void *state, pinetd_svc *svc, int fd);
	void (*on_eof)(void *state, pinetd_conn *c);
	int (*reconfigure)(void *state, pinetd_svc *svc, const void *conf,
			   char *err, size_t errlen);
};

/*
 * The smallest descriptor a daemon of API 1.x accepts: up to on_close.
 * Members after it, and any a later header appends, count as absent when
 * the descriptor's size does not cover them.
 */
#define PINETD_PLUGIN_MIN_SIZE                                                 \
	(offsetof(struct pinetd_plugin, on_close) + sizeof(void (*)(void)))

/*
 * pinetd -- the core table, stored by the daemon (or the test kit) before
 * the first callback.  Defined by PINETD_PLUGIN_DEFINE; one per plugin.
 */
extern const struct pinetd_core *pinetd __attribute__((visibility("hidden")));

/*
 * PINETD_PLUGIN_DEFINE -- define the exported descriptor and `pinetd`:
 *
 *	PINETD_PLUGIN_DEFINE(
 *		.name = "echo",
 *		.transports = PINETD_TCP | PINETD_UDP,
 *		.on_data = echo_data,
 *	);
 *
 * fills in abi, size, option_size and core, and gives the descriptor
 * default visibility (build with -fvisibility=hidden: it is the one
 * symbol a plugin exports).
 */
#define PINETD_PLUGIN_DEFINE(...)                                              \
	const struct pinetd_core *pinetd;                                      \
	extern const struct pinetd_plugin pinetd_plugin_v1;                    \
	__attribute__((visibility("default"))) const struct pinetd_plugin      \
		pinetd_plugin_v1 = {                                           \
			.abi = PINETD_ABI_VERSION,                             \
			.size = sizeof(struct pinetd_plugin),                  \
			.option_size = sizeof(struct pinetd_option),           \
			.core = &pinetd,                                       \
			__VA_ARGS__                                            \
		}

/* Entries of an option table. */
#define PINETD_OPTION_STR(n, T, field, def, help_)                          \
	{ .name = (n), .type = PINETD_OPT_STR,                                 \
	  .offset = (uint32_t)offsetof(T, field), .def_str = (def),           \
	  .help = (help_) }
#define PINETD_OPTION_INT(n, T, field, def, lo, hi, help_)                  \
	{ .name = (n), .type = PINETD_OPT_INT,                                 \
	  .offset = (uint32_t)offsetof(T, field), .def_int = (def),           \
	  .min = (lo), .max = (hi), .help = (help_) }
#define PINETD_OPTION_BOOL(n, T, field, def, help_)                         \
	{ .name = (n), .type = PINETD_OPT_BOOL,                                \
	  .offset = (uint32_t)offsetof(T, field), .def_int = (def),           \
	  .help = (help_) }
/* def: the name of the default choice. */
#define PINETD_OPTION_ENUM(n, T, field, def, choices_, help_)               \
	{ .name = (n), .type = PINETD_OPT_ENUM,                                \
	  .offset = (uint32_t)offsetof(T, field), .def_str = (def),           \
	  .choices = (choices_), .help = (help_) }
#define PINETD_OPTION_END { .name = NULL, .type = PINETD_OPT_END }

#ifdef __cplusplus
}
#endif

#endif /* PINETD_PLUGIN_H */
