/* SPDX-License-Identifier: MIT */
/* plan: the group sender's repair planner. */
#include <string.h>

#include "plan.h"

unsigned plan_grow(unsigned need, double loss)
{
	double x;
	unsigned p;

	/* !(loss > 0) is also true for NaN. */
	if (!(loss > 0))
		return need;
	x = need / (1 - (loss < 0.5 ? loss : 0.5));
	p = (unsigned)x;
	return x - p > x * 1e-12 ? p + 1 : p;
}

static uint64_t total_need(const struct plan_in *in, unsigned b)
{
	const uint8_t *need = in->need + (size_t)b * in->ngen;
	uint64_t t = 0;

	for (uint32_t g = 0; g < in->ngen; g++)
		t += need[g];
	return t;
}

/* The laggard, or nboards when there is none: the neediest board when its
 * total is more than 4 times the next neediest's and more than 1% of the
 * blocks. Two boards at least must have answered. */
static unsigned find_laggard(const struct plan_in *in)
{
	uint64_t first = 0, second = 0, blocks = in->blocks ? *in->blocks : 0;
	unsigned known = 0, top = in->nboards;

	for (unsigned b = 0; b < in->nboards; b++) {
		uint64_t t;

		if (!in->need_known[b])
			continue;
		t = total_need(in, b);
		if (!known++ || t > first) {
			second = known > 1 ? first : 0;
			first = t;
			top = b;
		} else if (t > second) {
			second = t;
		}
	}
	if (known < 2 || first <= 4 * second || first * 100 <= blocks)
		return in->nboards;
	return top;
}

uint64_t plan_code(const struct plan_in *in, struct plan_out *out)
{
	unsigned lag = find_laggard(in);

	memset(out->unicast, 0, in->nboards);
	memset(out->uparity, 0, (size_t)in->nboards * in->ngen * sizeof(*out->uparity));
	out->frames = 0;
	for (uint32_t g = 0; g < in->ngen; g++) {
		unsigned m = 0, rows = in->rows_left[g], planned;

		for (unsigned b = 0; b < in->nboards; b++) {
			unsigned need = in->need[(size_t)b * in->ngen + g];

			if (in->need_known[b] && b != lag && need > m)
				m = need;
		}
		planned = m ? plan_grow(m, in->loss) : 0;
		if (planned > rows)
			planned = rows;
		out->parity[g] = (uint16_t)planned;
		out->short_gen[g] = m > rows;
		out->frames += planned;
		if (lag < in->nboards) {
			unsigned need = in->need[(size_t)lag * in->ngen + g];
			unsigned left = rows - planned, own = need ? plan_grow(need, in->loss) : 0;

			if (own > left)
				own = left;
			out->uparity[(size_t)lag * in->ngen + g] = (uint16_t)own;
			if (need > left)
				out->short_gen[g] = 1;
			out->frames += own;
		}
	}
	if (lag < in->nboards)
		out->unicast[lag] = 1;
	return out->frames;
}
