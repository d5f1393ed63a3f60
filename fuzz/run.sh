#!/bin/sh
# run.sh -- run one libFuzzer target for a bounded time on its corpus.
#
#   fuzz/run.sh TARGET SECONDS [LIBFUZZER-OPTIONS...]
#
# TARGET is fuzz_conf, fuzz_addr, fuzz_framer, fuzz_chat, fuzz_telnet,
# fuzz_sources or fuzz_proxyproto,
# built by `make fuzz` (fuzz/fuzz.mk) into FUZZ_BIN (default: the fuzz/bin
# directory of the build tree, top_builddir, default the source tree).
# The seed corpus fuzz/corpus/TARGET is copied to a scratch directory, so
# the repository is never modified; the target's dictionary
# fuzz/dict/TARGET.dict is used when there is one.
#
# Exit status: 0 when the time ran out without a crash, 1 on a crash (the
# crashing input is kept and its path printed), 2 on a usage or setup
# error.  FUZZ_KEEP=1 keeps the scratch directory (the grown corpus) in
# every case.  The last line printed is a summary:
#   fuzz_chat: 300 s, 12345678 executions, 0 crashes
set -u

usage() {
	echo "usage: $0 TARGET SECONDS [LIBFUZZER-OPTIONS...]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
case $seconds in '' | *[!0-9]*) usage ;; esac

srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$srcdir}"
: "${FUZZ_BIN:=$top_builddir/fuzz/bin}"
bin=$FUZZ_BIN/$target
if [ ! -x "$bin" ]; then
	echo "$0: $bin not found: build it with 'make fuzz'" >&2
	exit 2
fi
if [ ! -d "$srcdir/fuzz/corpus/$target" ]; then
	echo "$0: no seed corpus $srcdir/fuzz/corpus/$target" >&2
	exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/$target.XXXXXX") || exit 2
mkdir "$scratch/corpus" "$scratch/artifacts" || exit 2
cp "$srcdir/fuzz/corpus/$target"/* "$scratch/corpus/" || exit 2
dict=
[ -f "$srcdir/fuzz/dict/$target.dict" ] && dict=-dict=$srcdir/fuzz/dict/$target.dict

# -timeout: an input that takes 10 s is a hang, reported like a crash.
# The grace period lets libFuzzer stop by itself at max_total_time.
rc=0
start=$(date +%s)
timeout -k 10 $((seconds + 60)) "$bin" -max_total_time="$seconds" \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$scratch/artifacts/" $dict "$@" "$scratch/corpus" \
	>"$scratch/log" 2>&1 || rc=$?
elapsed=$(($(date +%s) - start))

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log" | tail -n 1)
crashes=$(find "$scratch/artifacts" -type f | wc -l)
if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
	tail -n 60 "$scratch/log" >&2
	for f in "$scratch/artifacts"/*; do
		[ -f "$f" ] && echo "$target: crashing input kept: $f" >&2
	done
	echo "$target: log: $scratch/log" >&2
	echo "$target: $elapsed s, ${execs:-?} executions, $crashes crashes (exit $rc)"
	exit 1
fi
echo "$target: corpus $(ls "$scratch/corpus" | wc -l) inputs"
if [ -n "${FUZZ_KEEP:-}" ]; then
	echo "$target: scratch kept: $scratch"
else
	rm -rf "$scratch"
fi
echo "$target: $elapsed s, ${execs:-?} executions, 0 crashes"
