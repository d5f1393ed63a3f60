#!/bin/sh
# exec-env.sh -- a test program for the exec plugin (test_exec.sh), run by
# pinetd as an inetd program with the connection on stdin and stdout.
#
# It reports what such a program finds on arrival: its arguments (their
# count, then one a line), the user it runs as, its environment (one
# NAME=value a line, sorted) and the descriptors open in a program it
# runs (ls's own, including the one ls opens to read the directory) and
# the signals blocked and ignored in a program it runs (grep's), then
# writes one line to stderr, which must reach pinetd's log and never the
# client.  Lines from the client are answered after that, until EOF.
echo "exec-env: this line goes to the log" >&2
echo "--args"
printf '%s\n' "$#" "$@"
echo "--user"
id -un
echo "--env"
env | LC_ALL=C sort
echo "--fds"
ls /proc/self/fd
echo "--signals"
grep -E '^Sig(Blk|Ign)' /proc/self/status
echo "--end"
while IFS= read -r line; do
	echo "got: $line"
done
