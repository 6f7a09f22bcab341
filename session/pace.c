/* SPDX-License-Identifier: MIT */
#include "pace.h"

#define MICRO 1000000u

void pace_init(struct pace *p, uint64_t rate_bps, size_t frame_bytes, uint64_t now)
{
	uint64_t batch;

	p->rate_bps = rate_bps;
	p->frame = (uint64_t)frame_bytes * 8 * MICRO;
	/* bits x 1e6 accrue at rate_bps per microsecond */
	batch = rate_bps * PACE_BATCH_US;
	if (batch > p->frame * PACE_BATCH_FRAMES)
		batch = p->frame * PACE_BATCH_FRAMES;
	if (batch < p->frame)
		batch = p->frame;
	p->batch = batch;
	p->cap = batch + rate_bps * PACE_SLACK_US;
	p->credit = batch;
	p->last = now;
}

static void refill(struct pace *p, uint64_t now)
{
	uint64_t dt;

	if (now <= p->last)
		return;
	dt = now - p->last;
	p->last = now;
	if (dt > p->cap / p->rate_bps + 1) {
		p->credit = p->cap;
		return;
	}
	p->credit += dt * p->rate_bps;
	if (p->credit > p->cap)
		p->credit = p->cap;
}

int pace_ready(struct pace *p, uint64_t now)
{
	if (!p->rate_bps)
		return 1;
	refill(p, now);
	return p->credit >= p->frame;
}

void pace_charge(struct pace *p, size_t bytes)
{
	uint64_t c = (uint64_t)bytes * 8 * MICRO;

	if (!p->rate_bps)
		return;
	p->credit = p->credit > c ? p->credit - c : 0;
}

uint64_t pace_next(const struct pace *p)
{
	if (!p->rate_bps)
		return 0;
	if (p->credit >= p->frame)
		return p->last;
	return p->last + (p->batch - p->credit + p->rate_bps - 1) / p->rate_bps;
}

uint64_t pace_burst_bytes(const struct pace *p)
{
	return p->cap / (8 * MICRO);
}
