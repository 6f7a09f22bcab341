/* SPDX-License-Identifier: MIT */
/* plan: the group sender's repair planner. */
#include <string.h>

#include "plan.h"

uint64_t plan_code(const struct plan_in *in, struct plan_out *out)
{
	(void)in;
	memset(out->parity, 0, 0);
	out->frames = 0;
	return 0;
}
