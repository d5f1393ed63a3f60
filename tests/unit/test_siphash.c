/* Unit tests for daemon/common/siphash.c: SipHash-2-4 against the
 * reference test vectors, and the random key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "siphash.h"

/*
 * The reference implementation's vectors (vectors_sip64 in vectors.h of
 * github.com/veorq/SipHash): key 00 01 .. 0f, message i bytes 00 01 ..
 * i-1 for i = 0..63, the 8 output bytes read little-endian.  Entry 15 is
 * the paper's own example (Appendix A): a129ca6149be45e5.
 */
static const uint64_t vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
	0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
	0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
	0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
	0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
	0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
	0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
	0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
	0x958a324ceb064572ULL,
};

static const struct pn_sipkey ref_key = { 0x0706050403020100ULL,
					  0x0f0e0d0c0b0a0908ULL };

static void test_siphash_matches_reference_vectors(void **st)
{
	uint8_t msg[64];

	(void)st;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t len = 0; len < 64; len++)
		assert_true(pn_siphash(&ref_key, msg, len) == vectors[len]);
	assert_true(pn_siphash(&ref_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

/* Reading unaligned input gives the same result as aligned input. */
static void test_siphash_reads_unaligned_input(void **st)
{
	uint8_t buf[80];

	(void)st;
	for (int i = 0; i < 64; i++)
		buf[i + 3] = (uint8_t)i;
	for (size_t len = 0; len < 64; len++)
		assert_true(pn_siphash(&ref_key, buf + 3, len) == vectors[len]);
}

static void test_siphash_depends_on_the_key(void **st)
{
	struct pn_sipkey k = ref_key;
	uint8_t msg[15];

	(void)st;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	k.k1 ^= 1;
	assert_true(pn_siphash(&k, msg, 15) != vectors[15]);
}

/* Two keys drawn in a row differ (from getrandom, or the fallback). */
static void test_sipkey_random_draws_fresh_keys(void **st)
{
	struct pn_sipkey a, b;

	(void)st;
	pn_sipkey_random(&a);
	pn_sipkey_random(&b);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
	assert_true(a.k0 != 0 || a.k1 != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_matches_reference_vectors),
		cmocka_unit_test(test_siphash_reads_unaligned_input),
		cmocka_unit_test(test_siphash_depends_on_the_key),
		cmocka_unit_test(test_sipkey_random_draws_fresh_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
