/*
 * lg_hist.c -- fixed-size log-linear latency histogram.
 *
 * A run may complete tens of millions of operations; keeping every sample
 * would cost memory and a sort.  Instead each sample increments one of
 * LG_HIST_BUCKETS counters: values below 64 ns have a bucket each, and
 * every power of two above that is divided into 64 equal sub-buckets, so
 * a percentile is off by at most 1/64 of its value.
 */
#include "lg.h"

/* Bucket of a value: exact below 64, else (exponent, 6 next bits). */
static unsigned bucket_of(uint64_t ns)
{
	unsigned e;

	if (ns < LG_HIST_SUB)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns);	/* e >= 6 */
	return (e - 5u) * LG_HIST_SUB +
	       (unsigned)((ns >> (e - 6u)) & (LG_HIST_SUB - 1));
}

/* Middle of a bucket's range: the value reported for its percentile. */
static uint64_t value_of(unsigned idx)
{
	unsigned e, sub;
	uint64_t low, width;

	if (idx < LG_HIST_SUB)
		return idx;
	e = idx / LG_HIST_SUB + 5u;
	sub = idx % LG_HIST_SUB;
	width = 1ull << (e - 6u);
	low = (uint64_t)(LG_HIST_SUB + sub) << (e - 6u);
	return low + width / 2;
}

void lg_hist_add(struct lg_hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/*
 * lg_hist_pct() returns the value below which `pct` percent (0..100) of
 * the samples fall, to the precision of a bucket, never above the largest
 * sample; 0 for an empty histogram.
 */
uint64_t lg_hist_pct(const struct lg_hist *h, double pct)
{
	uint64_t rank, seen = 0;
	unsigned i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)((double)h->count * pct / 100.0 + 0.5);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < LG_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = value_of(i);

			return v > h->max_ns ? h->max_ns : v;
		}
	}
	return h->max_ns;
}
