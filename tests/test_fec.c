/* SPDX-License-Identifier: MIT */
/*
 * fec unit tests: the Reed-Solomon codec of one generation over ISA-L
 * (PROTOCOL.md §8). Any k distinct symbols recover a generation, byte for
 * byte, for generations of 1 to 128 and blocks of 1 to 1473 bytes; k - 1
 * do not, and the codec says so without writing; and the parity is the
 * Cauchy matrix a(r, j) = 1 / (r xor j) over GF(2^8) mod 0x11D that §8
 * describes, checked against a reference computed here.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "fec.h"

static const unsigned KS[] = {1, 2, 7, 128};
static const size_t BLOCKS[] = {1, 17, 1473};
#define NK     (sizeof(KS) / sizeof(KS[0]))
#define NBLOCK (sizeof(BLOCKS) / sizeof(BLOCKS[0]))

/* splitmix64, seeded per test so a failure replays. */
static uint64_t rng;

static uint64_t next_rand(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

/* A[0..n) shuffled: the first m are a random m-subset. */
static void shuffle(uint8_t *a, unsigned n)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = below(i);
		uint8_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* count blocks of block bytes, in one allocation, with pointers to each. */
struct blocks {
	uint8_t *mem;
	uint8_t *p[FEC_MAX_ROWS];
};

static void blocks_alloc(struct blocks *b, unsigned count, size_t block)
{
	b->mem = malloc(count * block + 1);
	CU_ASSERT_FATAL(b->mem != NULL);
	for (unsigned i = 0; i < count; i++)
		b->p[i] = b->mem + i * block;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next_rand();
}

/* ---- reference GF(2^8), polynomial 0x11D ---- */

static uint8_t gf_mul_ref(uint8_t a, uint8_t b)
{
	unsigned r = 0, x = a;

	for (; b; b >>= 1) {
		if (b & 1)
			r ^= x;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11D;
	}
	return (uint8_t)r;
}

static uint8_t gf_inv_ref(uint8_t a)
{
	static uint8_t inv[256];

	/* a^254 = a^-1 in GF(2^8); computed once per a */
	if (a && !inv[a]) {
		uint8_t r = 1;

		for (unsigned i = 0; i < 254; i++)
			r = gf_mul_ref(r, a);
		inv[a] = r;
	}
	return inv[a];
}

static void test_gf_reference(void)
{
	/* The reference itself: known products and every inverse. */
	CU_ASSERT_EQUAL(gf_mul_ref(2, 0x80), 0x1D);
	CU_ASSERT_EQUAL(gf_mul_ref(3, 7), 9);
	CU_ASSERT_EQUAL(gf_mul_ref(0, 0x55), 0);
	for (unsigned a = 1; a < 256; a++)
		CU_ASSERT_EQUAL(gf_mul_ref((uint8_t)a, gf_inv_ref((uint8_t)a)), 1);
}

/* Parity index i of a generation is sum over j of src_j / ((k + i) xor j). */
static void test_parity_is_cauchy(void)
{
	const size_t block = 17;

	rng = 11;
	for (unsigned ki = 0; ki < NK; ki++) {
		unsigned k = KS[ki], np = fec_max_parity(k);
		struct blocks src, par;
		uint8_t inv[FEC_MAX_ROWS][FEC_MAX_K];
		unsigned bad = 0;

		blocks_alloc(&src, k, block);
		blocks_alloc(&par, np, block);
		fill_random(src.mem, k * block);
		CU_ASSERT_EQUAL_FATAL(
			fec_encode(k, block, (const uint8_t *const *)src.p, 0, np, par.p), 0);
		for (unsigned r = k; r < FEC_MAX_ROWS; r++)
			for (unsigned j = 0; j < k; j++)
				inv[r][j] = gf_inv_ref((uint8_t)(r ^ j));
		for (unsigned i = 0; i < np; i++)
			for (size_t p = 0; p < block; p++) {
				uint8_t want = 0;

				for (unsigned j = 0; j < k; j++)
					want ^= gf_mul_ref(inv[k + i][j], src.p[j][p]);
				bad += par.p[i][p] != want;
			}
		CU_ASSERT_EQUAL(bad, 0);
		/* A run of indices from the middle is the same rows. */
		if (np >= 4) {
			struct blocks mid;

			blocks_alloc(&mid, 3, block);
			CU_ASSERT_EQUAL(fec_encode(k, block, (const uint8_t *const *)src.p, np - 4,
						   3, mid.p),
					0);
			CU_ASSERT_EQUAL(memcmp(mid.mem, par.p[np - 4], 3 * block), 0);
			free(mid.mem);
		}
		free(src.mem);
		free(par.mem);
	}
}

/*
 * One trial: encode parity indices first .. first + p - 1 of a random
 * generation, erase e random source blocks (e <= p), and decode from the
 * k - e blocks left and e of the parity blocks, in a random order.
 * Returns 1 when every byte came back.
 */
static int round_trip(unsigned k, size_t block, unsigned first, unsigned p, unsigned e)
{
	struct blocks src, par, out;
	uint8_t order[FEC_MAX_ROWS], pick[FEC_MAX_ROWS], row[FEC_MAX_K], missing[FEC_MAX_K];
	const uint8_t *sym[FEC_MAX_K];
	unsigned s = 0, ok;

	blocks_alloc(&src, k, block);
	blocks_alloc(&par, p, block);
	blocks_alloc(&out, e ? e : 1, block);
	fill_random(src.mem, k * block);
	CU_ASSERT_EQUAL_FATAL(fec_encode(k, block, (const uint8_t *const *)src.p, first, p, par.p),
			      0);
	for (unsigned i = 0; i < k; i++)
		order[i] = (uint8_t)i;
	shuffle(order, k);
	for (unsigned i = 0; i < p; i++)
		pick[i] = (uint8_t)i;
	shuffle(pick, p);
	for (unsigned i = 0; i < e; i++)
		missing[i] = order[i];
	for (unsigned i = e; i < k; i++, s++) {
		row[s] = order[i];
		sym[s] = src.p[order[i]];
	}
	for (unsigned i = 0; i < e; i++, s++) {
		row[s] = (uint8_t)(k + first + pick[i]);
		sym[s] = par.p[pick[i]];
	}
	/* Symbols in any order. */
	for (unsigned i = k; i > 1; i--) {
		unsigned j = below(i);
		uint8_t tr = row[i - 1];
		const uint8_t *ts = sym[i - 1];

		row[i - 1] = row[j], sym[i - 1] = sym[j];
		row[j] = tr, sym[j] = ts;
	}
	memset(out.mem, 0xEE, (e ? e : 1) * block);
	ok = fec_decode(k, block, row, sym, missing, e, out.p) == 0;
	for (unsigned m = 0; m < e && ok; m++)
		ok = !memcmp(out.p[m], src.p[missing[m]], block);
	free(src.mem);
	free(par.mem);
	free(out.mem);
	return (int)ok;
}

static void test_round_trip(void)
{
	rng = 1;
	for (unsigned ki = 0; ki < NK; ki++)
		for (unsigned bi = 0; bi < NBLOCK; bi++) {
			unsigned k = KS[ki], max = fec_max_parity(k);
			size_t block = BLOCKS[bi];
			/* A decode of k = 128 inverts a 128 x 128 matrix: tens of ms. */
			unsigned trials = k >= 64 ? 2 : 15, failed = 0, ran = 0;
			const unsigned ps[] = {1, 3, k < 16 ? k : 16, k, max};

			for (unsigned pi = 0; pi < 5; pi++) {
				unsigned p = ps[pi] < max ? ps[pi] : max;
				/* from the start, the middle and the end of the rows */
				const unsigned firsts[] = {0, p < max ? 1 : 0, (max - p) / 2,
							   max - p};

				for (unsigned fi = 0; fi < 4; fi++)
					for (unsigned t = 0; t < trials; t++) {
						unsigned lim = p < k ? p : k;
						/* The limit itself every other trial. */
						unsigned e = ran & 1 ? lim : below(lim + 1);

						failed += !round_trip(k, block, firsts[fi], p, e);
						ran++;
					}
			}
			CU_ASSERT(ran >= 20);
			CU_ASSERT_EQUAL(failed, 0);
		}
}

/* Every source block lost, k parity blocks: the whole generation from
 * parity alone (k = 128 has 127 parity rows: all of them and one block). */
static void test_all_parity(void)
{
	rng = 2;
	for (unsigned ki = 0; ki < NK; ki++)
		for (unsigned bi = 0; bi < NBLOCK; bi++) {
			unsigned k = KS[ki], max = fec_max_parity(k), p = k < max ? k : max;

			CU_ASSERT(round_trip(k, BLOCKS[bi], max - p, p, p));
		}
}

/* p + 1 erasures and p parity: k - 1 distinct symbols. Filling the k-th
 * slot with a repeat is refused, and nothing is written. */
static void test_one_past_limit(void)
{
	rng = 3;
	for (unsigned ki = 0; ki < NK; ki++)
		for (unsigned bi = 0; bi < NBLOCK; bi++) {
			unsigned k = KS[ki], p = k > 1 ? k / 2 : 0, e = p + 1;
			size_t block = BLOCKS[bi];
			struct blocks src, par, out;
			uint8_t order[FEC_MAX_K], row[FEC_MAX_K], missing[FEC_MAX_K];
			const uint8_t *sym[FEC_MAX_K];
			unsigned s = 0, touched = 0;

			blocks_alloc(&src, k, block);
			blocks_alloc(&par, p ? p : 1, block);
			blocks_alloc(&out, e, block);
			fill_random(src.mem, k * block);
			CU_ASSERT_EQUAL(
				fec_encode(k, block, (const uint8_t *const *)src.p, 0, p, par.p),
				0);
			for (unsigned i = 0; i < k; i++)
				order[i] = (uint8_t)i;
			shuffle(order, k);
			for (unsigned i = 0; i < e; i++)
				missing[i] = order[i];
			for (unsigned i = e; i < k; i++, s++)
				row[s] = order[i], sym[s] = src.p[order[i]];
			for (unsigned i = 0; i < p; i++, s++)
				row[s] = (uint8_t)(k + i), sym[s] = par.p[i];
			CU_ASSERT_EQUAL(s, k - 1);
			/* The k-th symbol: a repeat of one already given. */
			row[s] = row[below(s ? s : 1)];
			sym[s] = s ? sym[0] : src.p[0];
			memset(out.mem, 0xEE, e * block);
			if (s) {
				CU_ASSERT_EQUAL(fec_decode(k, block, row, sym, missing, e, out.p),
						-EINVAL);
			} else {
				/* k = 1, no parity: the only block is missing, and the
				 * one row given is the missing block itself. */
				row[0] = missing[0];
				CU_ASSERT_EQUAL(fec_decode(k, block, row, sym, missing, e, out.p),
						-EINVAL);
			}
			for (size_t i = 0; i < e * block; i++)
				touched += out.mem[i] != 0xEE;
			CU_ASSERT_EQUAL(touched, 0);
			free(src.mem);
			free(par.mem);
			free(out.mem);
		}
}

static void test_bad_arguments(void)
{
	uint8_t a[4] = {1, 2, 3, 4}, b[4], c[4];
	const uint8_t *src[2] = {a, b};
	uint8_t *par[2] = {b, c};
	uint8_t row[FEC_MAX_K], missing[1] = {0};
	const uint8_t *sym[FEC_MAX_K];
	uint8_t *out[1] = {c};

	CU_ASSERT_EQUAL(fec_max_parity(0), 0);
	CU_ASSERT_EQUAL(fec_max_parity(1), 254);
	CU_ASSERT_EQUAL(fec_max_parity(128), 127);
	CU_ASSERT_EQUAL(fec_max_parity(129), 0);

	/* encode: k, block, indices */
	CU_ASSERT_EQUAL(fec_encode(0, 4, src, 0, 1, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(129, 4, src, 0, 1, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(2, 0, src, 0, 1, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 252, 1, par), 0); /* the last index */
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 252, 2, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 253, 1, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 251, 2, par), 0);
	CU_ASSERT_EQUAL(fec_encode(128, 4, src, 127, 1, par), -EINVAL);
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 0, 254, NULL), -EINVAL); /* past, before any use */
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 253, 0, par), 0);	       /* nothing, at the end */
	CU_ASSERT_EQUAL(fec_encode(2, 4, src, 254, 0, par), -EINVAL);

	/* decode: k, rows, missing */
	for (unsigned i = 0; i < FEC_MAX_K; i++)
		row[i] = (uint8_t)(i + 1), sym[i] = a;
	memset(c, 0xEE, sizeof(c));
	CU_ASSERT_EQUAL(fec_decode(0, 4, row, sym, missing, 1, out), -EINVAL);
	CU_ASSERT_EQUAL(fec_decode(129, 4, row, sym, missing, 1, out), -EINVAL);
	CU_ASSERT_EQUAL(fec_decode(2, 0, row, sym, missing, 1, out), -EINVAL);
	row[1] = 255; /* past the last row */
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 1, out), -EINVAL);
	row[1] = 1; /* repeated */
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 1, out), -EINVAL);
	row[1] = 2;
	missing[0] = 1; /* given among the rows */
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 1, out), -EINVAL);
	missing[0] = 2; /* not a source block of k = 2 */
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 1, out), -EINVAL);
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 3, out), -EINVAL); /* > k */
	for (unsigned i = 0; i < sizeof(c); i++)
		CU_ASSERT_EQUAL(c[i], 0xEE);
	/* Nothing missing: nothing to do. */
	missing[0] = 0;
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 0, out), 0);
	CU_ASSERT_EQUAL(c[0], 0xEE);
	/* The rows checked are k, not more: a repeat past k is not looked at. */
	row[2] = 1;
	CU_ASSERT_EQUAL(fec_decode(2, 4, row, sym, missing, 1, out), 0);
}

/* The last generation of a file: k_g < FEC_K, its last block short and
 * padded with zeros. Lost, it comes back as its bytes and the padding. */
static void test_last_generation(void)
{
	const size_t block = 1473, size = 5 * FEC_K * block + 3 * block + 700;
	const unsigned n = (unsigned)((size + block - 1) / block), k = n - 5 * FEC_K;
	uint8_t *file = malloc(size);
	struct blocks src, par, out;
	uint8_t row[FEC_MAX_K], missing[2];
	const uint8_t *sym[FEC_MAX_K];

	CU_ASSERT_FATAL(file != NULL);
	CU_ASSERT_EQUAL(k, 4);
	rng = 4;
	fill_random(file, size);
	/* The generation as the board holds it: k blocks, the last padded. */
	blocks_alloc(&src, k, block);
	memset(src.mem, 0, k * block);
	memcpy(src.mem, file + (size_t)5 * FEC_K * block, size - (size_t)5 * FEC_K * block);
	blocks_alloc(&par, 2, block);
	CU_ASSERT_EQUAL(fec_encode(k, block, (const uint8_t *const *)src.p, 7, 2, par.p), 0);
	/* Blocks 1 and 3 (the short one) lost; parity 8 and 7 received. */
	row[0] = 0, sym[0] = src.p[0];
	row[1] = (uint8_t)(k + 8), sym[1] = par.p[1];
	row[2] = 2, sym[2] = src.p[2];
	row[3] = (uint8_t)(k + 7), sym[3] = par.p[0];
	missing[0] = 3, missing[1] = 1;
	blocks_alloc(&out, 2, block);
	memset(out.mem, 0xEE, 2 * block);
	CU_ASSERT_EQUAL(fec_decode(k, block, row, sym, missing, 2, out.p), 0);
	CU_ASSERT_EQUAL(memcmp(out.p[1], file + (size_t)(5 * FEC_K + 1) * block, block), 0);
	CU_ASSERT_EQUAL(memcmp(out.p[0], file + (size_t)(5 * FEC_K + 3) * block, 700), 0);
	for (size_t i = 700; i < block; i++)
		CU_ASSERT_EQUAL_FATAL(out.p[0][i], 0);
	free(file);
	free(src.mem);
	free(par.mem);
	free(out.mem);
}

static CU_TestInfo fec_tests[] = {
	{"reference GF(2^8)", test_gf_reference},
	{"parity is the Cauchy matrix of PROTOCOL.md", test_parity_is_cauchy},
	{"round trip, random erasures up to the parity", test_round_trip},
	{"whole generation from parity alone", test_all_parity},
	{"one erasure past the limit fails cleanly", test_one_past_limit},
	{"bad arguments", test_bad_arguments},
	{"last generation, short and padded", test_last_generation},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"fec", NULL, NULL, NULL, NULL, fec_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
