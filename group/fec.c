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

int fec_encode(unsigned k, size_t block, const uint8_t *const *src, unsigned first,
	       unsigned count, uint8_t *const *parity)
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
	unsigned char *a, *b, *inv, *c, *tbls;
	uint8_t seen[FEC_MAX_ROWS];
	unsigned s, m;
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
	a = cauchy(k);
	b = malloc((size_t)k * k);
	inv = malloc((size_t)k * k);
	c = malloc((size_t)k * nmissing);
	tbls = malloc((size_t)32 * k * nmissing);
	if (!a || !b || !inv || !c || !tbls) {
		r = -ENOMEM;
		goto out;
	}
	/* The rows held, inverted: source j = sum over s of inv[j][s] * sym[s]. */
	for (s = 0; s < k; s++)
		memcpy(b + (size_t)k * s, a + (size_t)k * row[s], k);
	if (gf_invert_matrix(b, inv, (int)k) < 0) {
		r = -EDOM;
		goto out;
	}
	for (m = 0; m < nmissing; m++)
		memcpy(c + (size_t)k * m, inv + (size_t)k * missing[m], k);
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
