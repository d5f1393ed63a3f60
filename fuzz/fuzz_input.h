/*
 * fuzz_input.h -- read a fuzzer's input as a sequence of small decisions
 * and byte runs (shared by the fuzz targets; header only).
 *
 * A reader never fails: past the end it yields zeros and empty runs, so a
 * target can always consume the same structure and libFuzzer's mutations
 * of one field do not shift the meaning of every later byte more than
 * necessary.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fz_in {
	const uint8_t *p;
	size_t n;
};

/* fz_left -- bytes not yet consumed. */
static inline size_t fz_left(const struct fz_in *in)
{
	return in->n;
}

/* fz_u8 -- the next byte, or 0 at the end. */
static inline unsigned fz_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* fz_u16 -- the next two bytes, little-endian (zeros past the end). */
static inline unsigned fz_u16(struct fz_in *in)
{
	unsigned lo = fz_u8(in);

	return lo | fz_u8(in) << 8;
}

/* fz_bytes -- up to `want` bytes; *got receives how many there were. */
static inline const uint8_t *fz_bytes(struct fz_in *in, size_t want,
				      size_t *got)
{
	const uint8_t *p = in->p;

	if (want > in->n)
		want = in->n;
	in->p += want;
	in->n -= want;
	*got = want;
	return p;
}

/* fz_check -- when cond is false, report the broken invariant and abort,
 * so libFuzzer keeps the input as a crash (needs stdio.h, stdlib.h). */
#define fz_check(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "invariant failed at %s:%d: %s: ",     \
				__FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
