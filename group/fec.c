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

/*
 * The sources held are identity rows, so only the e absent ones are unknown:
 * each parity row r held gives  sum over absent m of a(r,m) src_m  =
 * parity_r + sum over held j of a(r,j) src_j  (y_r; GF(2^8) adds by XOR).
 * Solve that e x e Cauchy system: src_m = sum over r of inv[m][r] y_r, i.e.
 * one pass over the k symbols with D = inv * E, where row r of E has a(r,j)
 * under held source j and 1 under parity r. O(e^2 k) to set up instead of
 * inverting k x k: a generation of 128 missing a few blocks decodes at once.
 */
int fec_decode(unsigned k, size_t block, const uint8_t *row, const uint8_t *const *sym,
	       const uint8_t *missing, unsigned nmissing, uint8_t *const *out)
{
	unsigned char *a = NULL, *c = NULL, *inv = NULL, *d = NULL, *tbls = NULL;
	uint8_t seen[FEC_MAX_ROWS], absent[FEC_MAX_K], par[FEC_MAX_K], col[FEC_MAX_ROWS];
	unsigned s, m, r, j, e = 0, np = 0;
	int rc = 0;

	if (!k || k > FEC_MAX_K || !block || block > INT32_MAX || nmissing > k)
		return -EINVAL;
	memset(seen, 0, sizeof(seen));
	for (s = 0; s < k; s++) {
		if (row[s] >= FEC_MAX_ROWS || seen[row[s]])
			return -EINVAL;
		seen[row[s]] = 1;
		col[row[s]] = (uint8_t)s;
		if (row[s] >= k)
			par[np++] = row[s];
	}
	for (m = 0; m < nmissing; m++)
		if (missing[m] >= k || seen[missing[m]])
			return -EINVAL;
	if (!nmissing)
		return 0;
	for (j = 0; j < k; j++)
		if (!seen[j])
			absent[e++] = (uint8_t)j;
	/* k distinct rows: as many parity rows as absent sources */
	a = cauchy(k);
	c = malloc((size_t)e * e);
	inv = malloc((size_t)e * e);
	d = calloc((size_t)nmissing, k);
	tbls = malloc((size_t)32 * k * nmissing);
	if (!a || !c || !inv || !d || !tbls) {
		rc = -ENOMEM;
		goto out;
	}
	for (r = 0; r < e; r++)
		for (m = 0; m < e; m++)
			c[(size_t)e * r + m] = a[(size_t)k * par[r] + absent[m]];
	if (gf_invert_matrix(c, inv, (int)e) < 0) {
		rc = -EDOM;
		goto out;
	}
	for (m = 0; m < nmissing; m++) {
		unsigned char *dm = d + (size_t)k * m;
		unsigned im;

		for (im = 0; im < e && absent[im] != missing[m]; im++)
			;
		for (r = 0; r < e; r++) {
			unsigned char w = inv[(size_t)e * im + r];

			if (!w)
				continue;
			/* w * (parity_r + sum over held j of a(r,j) src_j) */
			dm[col[par[r]]] ^= w;
			for (j = 0; j < k; j++)
				if (seen[j])
					dm[col[j]] ^= gf_mul(w, a[(size_t)k * par[r] + j]);
		}
	}
	ec_init_tables((int)k, (int)nmissing, d, tbls);
	ec_encode_data((int)block, (int)k, (int)nmissing, tbls, (unsigned char **)sym,
		       (unsigned char **)out);
out:
	free(a);
	free(c);
	free(inv);
	free(d);
	free(tbls);
	return rc;
}
