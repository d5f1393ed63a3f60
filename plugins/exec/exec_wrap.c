/*
 * exec_wrap.c -- exec-wrap, the exec plugin's helper for inetd's classic
 * semantics: it changes the working directory and puts standard error
 * on the socket, then runs the program with the argv it was given.
 *
 *   exec-wrap [-2] [-C DIR] -- PROGRAM ARGV0 [ARGS...]
 *
 * -2 makes descriptor 2 a copy of 1 (the socket); -C changes to DIR.
 * The worker starts it exactly as it would start PROGRAM (pinetd->spawn:
 * socket on 0 and 1, clean signals, the environment already made), so
 * what the program sees differs only in those two points, and argv[0] is
 * the one inetd.conf gave (tcpd looks at it).  A failure is written to
 * standard error, which is still the worker's log pipe when it happens
 * before the dup (cd fails), and exits 127 like a shell.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int to_socket = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-2") == 0) {
			to_socket = 1;
		} else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "exec-wrap: unknown option '%s'\n", argv[i]);
			return 127;
		}
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: exec-wrap [-2] [-C DIR] -- PROGRAM ARGV0 "
				"[ARGS...]\n");
		return 127;
	}
	if (dir && chdir(dir) < 0) {
		fprintf(stderr, "exec-wrap: cannot change to %s: %s\n", dir,
			strerror(errno));
		return 127;
	}
	if (to_socket && dup2(1, 2) < 0) {
		fprintf(stderr, "exec-wrap: dup2: %s\n", strerror(errno));
		return 127;
	}
	execve(argv[i], argv + i + 1, environ);
	fprintf(stderr, "exec-wrap: cannot run %s: %s\n", argv[i], strerror(errno));
	return 127;
}
