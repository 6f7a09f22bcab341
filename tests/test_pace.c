/* SPDX-License-Identifier: MIT */
/*
 * Pacing (session/pace.c) on a fake clock: over 10 s at rates from 10 Mbit/s
 * to 1 Gbit/s, with wake-ups 1 to 4 ms late, the rate achieved is within 2%
 * of the rate set, and no stretch of time carries more than its share plus
 * the allowed credit. And the sender (xsend) paces through it.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"
#include "pace.h"
#include "xfer.h"

#define FRAME 1514u /* a data frame of 1479 bytes */
#define SECS  10u

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

struct run {
	uint64_t bytes, wakeups, most_in_wakeup;
	double worst_excess; /* most bytes beyond rate x time in any stretch */
};

/* Send as a paced sender does for secs of fake time, waking late by
 * late_min..late_max microseconds each time. */
static void drive(uint64_t rate, uint64_t late_min, uint64_t late_max, struct run *out)
{
	struct pace p;
	uint64_t now = 1000, end = now + (uint64_t)SECS * 1000000, seed = rate;
	/* min over earlier stretches' starts of (bytes before - rate x t) */
	double low = 0;

	memset(out, 0, sizeof(*out));
	pace_init(&p, rate, FRAME, now);
	while (now < end) {
		uint64_t in_wakeup = 0, next;
		double start = (double)out->bytes - (double)rate / 8e6 * (double)now, here;

		if (start < low || out->wakeups == 0)
			low = start;
		while (pace_ready(&p, now)) {
			pace_charge(&p, FRAME);
			in_wakeup += FRAME;
		}
		out->bytes += in_wakeup;
		out->wakeups++;
		if (in_wakeup > out->most_in_wakeup)
			out->most_in_wakeup = in_wakeup;
		here = (double)out->bytes - (double)rate / 8e6 * (double)now;
		if (here - low > out->worst_excess)
			out->worst_excess = here - low;
		next = pace_next(&p);
		CU_ASSERT_FATAL(next > now); /* the credit is spent */
		now = next + late_min + (late_max > late_min ? lcg(&seed) % (late_max - late_min) : 0);
	}
}

static void check_rate(uint64_t rate)
{
	struct pace p;
	struct run r;
	double got;

	pace_init(&p, rate, FRAME, 0);
	drive(rate, 1000, 4000, &r);
	got = (double)r.bytes * 8 / SECS;
	CU_ASSERT(got > 0.98 * (double)rate);
	CU_ASSERT(got < 1.02 * (double)rate);
	CU_ASSERT(r.most_in_wakeup <= pace_burst_bytes(&p));
	CU_ASSERT(r.worst_excess <= (double)pace_burst_bytes(&p));
}

static void test_10m(void)
{
	check_rate(10000000);
}

static void test_100m(void)
{
	check_rate(100000000);
}

static void test_1g(void)
{
	check_rate(1000000000);
}

static void test_on_time_batches(void)
{
	struct run r;

	/* Woken exactly when due, at 1 Gbit/s: a batch of frames per wake-up,
	 * not one. */
	drive(1000000000, 0, 0, &r);
	CU_ASSERT(r.bytes / r.wakeups >= 16 * FRAME);
	CU_ASSERT((double)r.bytes * 8 / SECS > 0.98e9);
	/* At 10 Mbit/s a frame takes 1.2 ms: one per wake-up. */
	drive(10000000, 0, 0, &r);
	CU_ASSERT_EQUAL(r.most_in_wakeup, FRAME);
}

static void test_bounded_credit(void)
{
	struct pace p;
	uint64_t sent = 0;

	/* A second asleep earns no more than the bound. */
	pace_init(&p, 100000000, FRAME, 0);
	while (pace_ready(&p, 1000000)) {
		pace_charge(&p, FRAME);
		sent += FRAME;
	}
	CU_ASSERT(sent <= pace_burst_bytes(&p));
	CU_ASSERT(sent + FRAME > pace_burst_bytes(&p) - FRAME);
	CU_ASSERT(pace_burst_bytes(&p) < 100000000 / 8 / 50); /* well under 20 ms */
	/* Not pacing: always ready, no deadline. */
	pace_init(&p, 0, FRAME, 0);
	CU_ASSERT(pace_ready(&p, 0));
	pace_charge(&p, FRAME);
	CU_ASSERT(pace_ready(&p, 0));
	CU_ASSERT_EQUAL(pace_next(&p), 0);
}

/* ---- the sender's hook ---- */

static int read_zero(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	memset(buf, 0, len);
	return 0;
}

static void test_sender_paced(void)
{
	static const uint8_t ma[6] = {2, 0, 0, 0, 0, 1}, mb[6] = {2, 0, 0, 0, 0, 2};
	static uint8_t tx[FRAME_BUF_MAX];
	struct xsend_config cfg;
	struct xsend s;
	struct nic *a, *b;
	uint64_t now = 5000, start = now, bytes = 0, seed = 7, rate = 200000000;
	const uint8_t *buf;
	size_t len;
	double got;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, ma, mb, 1500, 0), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.nic = a;
	memcpy(cfg.dst, mb, 6);
	cfg.data_code = FC_FILE_DATA;
	cfg.size = 64ull << 20;
	cfg.block = 1479;
	cfg.rate_bps = rate;
	cfg.read = read_zero;
	cfg.tx = tx;
	CU_ASSERT_EQUAL_FATAL(xsend_init(&s, &cfg, now), 0);
	/* One fake second, waking 1-4 ms late. */
	while (now < start + 1000000) {
		CU_ASSERT_FATAL(xsend_poll(&s, now) >= 0);
		while (nic_recv(b, &buf, &len) == 1)
			bytes += len;
		if (xsend_deadline(&s) > now)
			now = xsend_deadline(&s) + 1000 + lcg(&seed) % 3000;
	}
	got = (double)bytes * 8 / ((double)(now - start) / 1e6);
	CU_ASSERT(got > 0.98 * (double)rate);
	CU_ASSERT(got < 1.02 * (double)rate);
	xsend_dispose(&s);
	nic_close(a);
	nic_close(b);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"10 Mbit/s, wake-ups 1-4 ms late", test_10m},
		{"100 Mbit/s, wake-ups 1-4 ms late", test_100m},
		{"1 Gbit/s, wake-ups 1-4 ms late", test_1g},
		{"a batch per wake-up", test_on_time_batches},
		{"the credit is bounded", test_bounded_credit},
		{"the sender paces through it", test_sender_paced},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"pace", NULL, NULL, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
