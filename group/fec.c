/* SPDX-License-Identifier: MIT */
/* fec: Reed-Solomon parity of one generation with ISA-L's Cauchy matrix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>

#include "fec.h"

/* The rows a generation of k uses: [I; C], FEC_MAX_ROWS x k. */
static unsigned char *cauchy(unsigned k)
{
	unsigned char *a = malloc((size_t)FEC_MAX_ROWS * k);

	if (a)
		gf_gen_cauchy1_matrix(a, (int)FEC_MAX_ROWS, (int)k);
	return a;
}

int fec_encode(unsigned k, size_t block, const uint8_t *const *src, unsigned first, unsigned count,
	       uint8_t *const *parity)
{
	unsigned char *a, *tbls;

	if (!k || k > FEC_MAX_K || !block || block > INT32_MAX || first > fec_max_parity(k) ||
	    count > fec_max_parity(k) - first)
		return -EINVAL;
	if (!count)
		return 0;
	a = cauchy(k);
	tbls = malloc((size_t)32 * k * count);
	if (!a || !tbls) {
		free(a);
		free(tbls);
		return -ENOMEM;
	}
	ec_init_tables((int)k, (int)count, a + (size_t)k * (k + first), tbls);
	ec_encode_data((int)block, (int)k, (int)count, tbls, (unsigned char **)src,
		       (unsigned char **)parity);
	free(a);
	free(tbls);
	return 0;
}

int fec_decode(unsigned k, size_t block, const uint8_t *row, const uint8_t *const *sym,
	       const uint8_t *missing, unsigned nmissing, uint8_t *const *out)
{
	unsigned char *a = NULL, *b = NULL, *inv = NULL, *c = NULL, *tbls = NULL;
	uint8_t seen[FEC_MAX_ROWS], par[FEC_MAX_K], absent[FEC_MAX_K];
	unsigned s, m, np, na;
	int r = 0;

	if (!k || k > FEC_MAX_K || !block || block > INT32_MAX || nmissing > k)
		return -EINVAL;
	memset(seen, 0, sizeof(seen));
	for (s = 0; s < k; s++) {
		if (row[s] >= FEC_MAX_ROWS || seen[row[s]])
			return -EINVAL;
		seen[row[s]] = 1;
	}
	for (m = 0; m < nmissing; m++)
		if (missing[m] >= k || seen[missing[m]])
			return -EINVAL;
	if (!nmissing)
		return 0;
	/* Only the sources that are absent are unknown: with the parity rows
	 * held (as many as sources absent), C_par,absent · x = p − C_par,held · s
	 * is a system of that size, not of k. Invert it (np × np), then fold
	 * the held sources into one row of k coefficients per block wanted. */
	for (s = 0, np = 0; s < k; s++)
		if (row[s] >= k)
			par[np++] = s;
	for (s = 0, na = 0; s < k; s++)
		if (!seen[s])
			absent[na++] = (uint8_t)s;
	if (na != np)
		return -EINVAL; /* cannot happen: k distinct rows */
	a = cauchy(k);
	b = malloc((size_t)np * np);
	inv = malloc((size_t)np * np);
	c = malloc((size_t)k * nmissing);
	tbls = malloc((size_t)32 * k * nmissing);
	if (!a || !b || !inv || !c || !tbls) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < np; i++)
		for (unsigned j = 0; j < na; j++)
			b[(size_t)np * i + j] = a[(size_t)k * row[par[i]] + absent[j]];
	if (gf_invert_matrix(b, inv, (int)np) < 0) {
		r = -EDOM;
		goto out;
	}
	for (m = 0; m < nmissing; m++) {
		const unsigned char *w; /* the row of inv that gives missing[m] */
		unsigned j;

		for (j = 0; absent[j] != missing[m]; j++)
			;
		w = inv + (size_t)np * j;
		for (s = 0; s < k; s++) {
			unsigned char v = 0;

			if (row[s] >= k) {
				for (unsigned i = 0; i < np; i++)
					if (par[i] == s)
						v = w[i];
			} else {
				for (unsigned i = 0; i < np; i++)
					v ^= gf_mul(w[i], a[(size_t)k * row[par[i]] + row[s]]);
			}
			c[(size_t)k * m + s] = v;
		}
	}
	ec_init_tables((int)k, (int)nmissing, c, tbls);
	ec_encode_data((int)block, (int)k, (int)nmissing, tbls, (unsigned char **)sym,
		       (unsigned char **)out);
out:
	free(a);
	free(b);
	free(inv);
	free(c);
	free(tbls);
	return r;
}
