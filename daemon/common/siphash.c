/*
 * siphash.c -- SipHash-2-4 (see siphash.h), written from the paper's
 * description: a 256-bit state of four 64-bit words, two compression
 * rounds per 8-byte message word, four finalisation rounds.
 */
#include "siphash.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

/* Little-endian 64-bit word at p, whatever the host's order. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One SipRound. */
static void round1(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	round1(v);
	round1(v);
	v[0] ^= m;
}

uint64_t pn_siphash(const struct pn_sipkey *key, const void *data,
		    size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		key->k0 ^ 0x736f6d6570736575ULL, /* "somepseudorandomlygeneratedbytes" */
		key->k1 ^ 0x646f72616e646f6dULL,
		key->k0 ^ 0x6c7967656e657261ULL,
		key->k1 ^ 0x7465646279746573ULL,
	};
	size_t whole = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	for (size_t i = 0; i < whole; i += 8)
		compress(v, le64(p + i));
	/* The last word: the 0-7 remaining bytes, the length's low byte on top. */
	for (size_t i = whole; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - whole));
	compress(v, last);
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		round1(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int pn_sipkey_random(struct pn_sipkey *key)
{
	static uint64_t calls;
	uint8_t b[16];
	ssize_t n;

	do
		n = getrandom(b, sizeof b, GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof b) {
		key->k0 = le64(b);
		key->k1 = le64(b + 8);
		return 0;
	}
	/* No entropy yet: a key that at least differs per process and call. */
	int saved = n < 0 ? errno : EAGAIN;
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	struct pn_sipkey fixed = { 0x70696e6574642d31ULL, (uint64_t)(uintptr_t)&calls };
	uint64_t seed[5];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	clock_gettime(CLOCK_MONOTONIC, &ts[1]);
	seed[0] = (uint64_t)ts[0].tv_sec << 32 ^ (uint64_t)ts[0].tv_nsec;
	seed[1] = (uint64_t)ts[1].tv_sec << 32 ^ (uint64_t)ts[1].tv_nsec;
	seed[2] = (uint64_t)getpid();
	seed[3] = (uint64_t)(uintptr_t)key;
	seed[4] = ++calls;
	key->k0 = pn_siphash(&fixed, seed, sizeof seed);
	seed[4] = ++calls;
	key->k1 = pn_siphash(&fixed, seed, sizeof seed);
	errno = saved;
	return -1;
}
