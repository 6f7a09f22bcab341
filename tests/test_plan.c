/* SPDX-License-Identifier: MIT */
/*
 * plan unit tests: the group sender's repair planner on synthetic reports
 * (PROTOCOL.md §8): multicast parity for the neediest board, grown by the
 * loss, capped by the parity indices left; a far laggard served point to
 * point; boards that did not answer ignored.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <string.h>

#include "cunit_main.h"
#include "plan.h"

#define MAXB 8
#define MAXG 8

/* One planner call's arrays, with room to spare. */
struct fixture {
	uint8_t need[MAXB * MAXG];
	uint8_t known[MAXB];
	uint32_t blocks;
	uint16_t rows[MAXG];
	uint16_t parity[MAXG];
	uint8_t unicast[MAXB];
	uint16_t uparity[MAXB * MAXG];
	uint8_t short_gen[MAXG];
	struct plan_in in;
	struct plan_out out;
};

/* nboards boards (all answered), ngen generations of 128 blocks, all 127
 * parity indices left, outputs filled with garbage the planner must
 * overwrite. */
static void setup(struct fixture *f, unsigned nboards, uint32_t ngen)
{
	memset(f, 0, sizeof(*f));
	memset(f->known, 1, sizeof(f->known));
	for (unsigned g = 0; g < MAXG; g++)
		f->rows[g] = 127;
	memset(f->parity, 0xa5, sizeof(f->parity));
	memset(f->unicast, 0xa5, sizeof(f->unicast));
	memset(f->uparity, 0xa5, sizeof(f->uparity));
	memset(f->short_gen, 0xa5, sizeof(f->short_gen));
	f->blocks = ngen * 128;
	f->in.nboards = nboards;
	f->in.ngen = ngen;
	f->in.need = f->need;
	f->in.need_known = f->known;
	f->in.blocks = &f->blocks;
	f->in.loss = 0;
	f->in.rows_left = f->rows;
	f->out.parity = f->parity;
	f->out.unicast = f->unicast;
	f->out.uparity = f->uparity;
	f->out.short_gen = f->short_gen;
	f->out.frames = 12345;
}

static void set_need(struct fixture *f, unsigned b, uint32_t g, unsigned need)
{
	f->need[b * f->in.ngen + g] = (uint8_t)need;
}

static unsigned uparity(const struct fixture *f, unsigned b, uint32_t g)
{
	return f->uparity[b * f->in.ngen + g];
}

static void assert_no_laggard(const struct fixture *f)
{
	for (unsigned b = 0; b < f->in.nboards; b++) {
		CU_ASSERT_EQUAL(f->unicast[b], 0);
		for (uint32_t g = 0; g < f->in.ngen; g++)
			CU_ASSERT_EQUAL(uparity(f, b, g), 0);
	}
}

static void test_generations(void)
{
	CU_ASSERT_EQUAL(plan_generations(0, 128), 0);
	CU_ASSERT_EQUAL(plan_generations(1, 128), 1);
	CU_ASSERT_EQUAL(plan_generations(128, 128), 1);
	CU_ASSERT_EQUAL(plan_generations(129, 128), 2);
	CU_ASSERT_EQUAL(plan_generations(10, 0), 0);
	CU_ASSERT_EQUAL(plan_gen_size(300, 128, 0), 128);
	CU_ASSERT_EQUAL(plan_gen_size(300, 128, 2), 44);
	CU_ASSERT_EQUAL(plan_gen_size(300, 128, 3), 0);
	CU_ASSERT_EQUAL(plan_gen_size(256, 128, 1), 128);
}

static void test_grow(void)
{
	CU_ASSERT_EQUAL(plan_grow(0, 0.3), 0);
	CU_ASSERT_EQUAL(plan_grow(12, 0), 12);
	CU_ASSERT_EQUAL(plan_grow(12, 0.05), 13);    /* 12.63 */
	CU_ASSERT_EQUAL(plan_grow(19, 0.05), 20);    /* exactly 20 */
	CU_ASSERT_EQUAL(plan_grow(4, 0.2), 5);	     /* exactly 5: 1 - 0.2 is not 0.8 in binary */
	CU_ASSERT_EQUAL(plan_grow(8, 0.2), 10);	     /* exactly 10 */
	CU_ASSERT_EQUAL(plan_grow(7, 0.3), 10);	     /* exactly 10 */
	CU_ASSERT_EQUAL(plan_grow(70, 0.3), 100);    /* exactly 100 */
	CU_ASSERT_EQUAL(plan_grow(71, 0.3), 102);    /* 101.43 */
	CU_ASSERT_EQUAL(plan_grow(3, 0.1), 4);	     /* 3.33 */
	CU_ASSERT_EQUAL(plan_grow(9, 0.1), 10);	     /* exactly 10 */
	CU_ASSERT_EQUAL(plan_grow(1, 0.0000001), 2); /* a real loss adds one to a whole */
	CU_ASSERT_EQUAL(plan_grow(6, 1.0 / 7), 7);   /* 1/7 is not exact in binary */
	CU_ASSERT_EQUAL(plan_grow(2, 1.0 / 3), 3);
	CU_ASSERT_EQUAL(plan_grow(12, 0.5), 24);
	CU_ASSERT_EQUAL(plan_grow(12, 0.9), 24); /* clamped at 0.5 */
	CU_ASSERT_EQUAL(plan_grow(12, 1.0), 24);
	CU_ASSERT_EQUAL(plan_grow(255, 7.0), 510);
	CU_ASSERT_EQUAL(plan_grow(12, -0.3), 12); /* clamped at 0 */
	CU_ASSERT_EQUAL(plan_grow(12, NAN), 12);
	/* Every ratio of small whole numbers whose quotient is a whole number
	 * gives exactly it. */
	for (unsigned den = 2; den <= 20; den++)
		for (unsigned lost = 1; 2 * lost <= den; lost++)
			for (unsigned q = 1; q <= 20; q++) {
				unsigned need = q * (den - lost);

				CU_ASSERT_EQUAL(plan_grow(need, (double)lost / den), q * den);
				CU_ASSERT_EQUAL(plan_grow(need + 1, (double)lost / den),
						q * den + (den + den - lost - 1) / (den - lost));
			}
}

static void test_one_board(void)
{
	struct fixture f;

	setup(&f, 1, 3);
	set_need(&f, 0, 0, 12);
	set_need(&f, 0, 2, 100);
	/* One board alone is never a laggard, however far behind. */
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 112);
	CU_ASSERT_EQUAL(f.out.frames, 112);
	CU_ASSERT_EQUAL(f.parity[0], 12);
	CU_ASSERT_EQUAL(f.parity[1], 0);
	CU_ASSERT_EQUAL(f.parity[2], 100);
	for (unsigned g = 0; g < 3; g++)
		CU_ASSERT_EQUAL(f.short_gen[g], 0);
	assert_no_laggard(&f);
}

static void test_nothing_needed(void)
{
	struct fixture f;

	setup(&f, 3, 2);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 0);
	CU_ASSERT_EQUAL(f.out.frames, 0);
	CU_ASSERT_EQUAL(f.parity[0], 0);
	CU_ASSERT_EQUAL(f.parity[1], 0);
	CU_ASSERT_EQUAL(f.short_gen[0], 0);
	CU_ASSERT_EQUAL(f.short_gen[1], 0);
	assert_no_laggard(&f);
}

static void test_multicast_is_max(void)
{
	struct fixture f;

	setup(&f, 3, 3);
	set_need(&f, 0, 0, 5);
	set_need(&f, 1, 0, 9);
	set_need(&f, 2, 0, 2);
	set_need(&f, 0, 1, 7);
	set_need(&f, 1, 1, 1);
	set_need(&f, 2, 2, 4);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 9 + 7 + 4);
	CU_ASSERT_EQUAL(f.parity[0], 9);
	CU_ASSERT_EQUAL(f.parity[1], 7);
	CU_ASSERT_EQUAL(f.parity[2], 4);
	assert_no_laggard(&f);
}

static void test_loss_growth(void)
{
	struct fixture f;

	setup(&f, 2, 2);
	set_need(&f, 0, 0, 12);
	set_need(&f, 1, 0, 3);
	set_need(&f, 1, 1, 10);
	f.in.loss = 0.05;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 13 + 11);
	CU_ASSERT_EQUAL(f.parity[0], 13);
	CU_ASSERT_EQUAL(f.parity[1], 11);

	f.in.loss = 0.8; /* clamped at 0.5 */
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 24 + 20);
	CU_ASSERT_EQUAL(f.parity[0], 24);
	CU_ASSERT_EQUAL(f.parity[1], 20);

	f.in.loss = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 12 + 10);
	CU_ASSERT_EQUAL(f.parity[0], 12);
}

static void test_rows_cap(void)
{
	struct fixture f;

	setup(&f, 2, 4);
	set_need(&f, 0, 0, 10);
	set_need(&f, 1, 1, 10);
	set_need(&f, 0, 2, 10);
	set_need(&f, 1, 3, 10);
	f.rows[0] = 5;	/* the need does not fit: short */
	f.rows[1] = 10; /* the need fits, its growth does not: not short */
	f.rows[2] = 9;	/* one short */
	f.rows[3] = 0;	/* nothing left */
	f.in.loss = 0.2;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 5 + 10 + 9 + 0);
	CU_ASSERT_EQUAL(f.out.frames, 24);
	CU_ASSERT_EQUAL(f.parity[0], 5);
	CU_ASSERT_EQUAL(f.short_gen[0], 1);
	CU_ASSERT_EQUAL(f.parity[1], 10);
	CU_ASSERT_EQUAL(f.short_gen[1], 0);
	CU_ASSERT_EQUAL(f.parity[2], 9);
	CU_ASSERT_EQUAL(f.short_gen[2], 1);
	CU_ASSERT_EQUAL(f.parity[3], 0);
	CU_ASSERT_EQUAL(f.short_gen[3], 1);
	assert_no_laggard(&f);

	/* A generation nobody needs is never short, even with no rows left. */
	setup(&f, 2, 1);
	f.rows[0] = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 0);
	CU_ASSERT_EQUAL(f.short_gen[0], 0);
}

static void test_unknown_ignored(void)
{
	struct fixture f;

	setup(&f, 3, 2);
	set_need(&f, 0, 0, 3);
	set_need(&f, 1, 0, 50); /* did not answer: its old report is stale */
	set_need(&f, 1, 1, 50);
	set_need(&f, 2, 1, 4);
	f.known[1] = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 3 + 4);
	CU_ASSERT_EQUAL(f.parity[0], 3);
	CU_ASSERT_EQUAL(f.parity[1], 4);
	assert_no_laggard(&f);

	/* Two boards of which one answered: it is alone, never a laggard. */
	setup(&f, 2, 1);
	set_need(&f, 0, 0, 100);
	f.known[1] = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 100);
	CU_ASSERT_EQUAL(f.parity[0], 100);
	assert_no_laggard(&f);

	/* Nobody answered: nothing planned. */
	setup(&f, 2, 1);
	set_need(&f, 0, 0, 100);
	f.known[0] = f.known[1] = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 0);
	CU_ASSERT_EQUAL(f.parity[0], 0);
	CU_ASSERT_EQUAL(f.short_gen[0], 0);
	assert_no_laggard(&f);
}

/* Board 1 needs `lag` in total over generations 0 and 1, boards 0 and 2
 * need `other` and a little in generation 0; blocks as given. */
static void laggard_case(struct fixture *f, unsigned lag, unsigned other, uint32_t blocks)
{
	setup(f, 3, 2);
	f->blocks = blocks;
	set_need(f, 1, 0, lag - lag / 2);
	set_need(f, 1, 1, lag / 2);
	set_need(f, 0, 0, other);
	set_need(f, 2, 0, 1);
}

static void test_laggard(void)
{
	struct fixture f;

	/* 41 > 4 x 10 and 41 > 1% of 256: a laggard. */
	laggard_case(&f, 41, 10, 256);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 10 + 21 + 20);
	CU_ASSERT_EQUAL(f.unicast[0], 0);
	CU_ASSERT_EQUAL(f.unicast[1], 1);
	CU_ASSERT_EQUAL(f.unicast[2], 0);
	CU_ASSERT_EQUAL(f.parity[0], 10); /* the rest's largest need */
	CU_ASSERT_EQUAL(f.parity[1], 0);
	CU_ASSERT_EQUAL(uparity(&f, 1, 0), 21);
	CU_ASSERT_EQUAL(uparity(&f, 1, 1), 20);
	CU_ASSERT_EQUAL(uparity(&f, 0, 0), 0);
	CU_ASSERT_EQUAL(uparity(&f, 2, 0), 0);
	CU_ASSERT_EQUAL(f.short_gen[0], 0);
	CU_ASSERT_EQUAL(f.short_gen[1], 0);

	/* The 4x boundary: 40 is not more than 4 x 10. */
	laggard_case(&f, 40, 10, 256);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 20 + 20);
	CU_ASSERT_EQUAL(f.parity[0], 20);
	CU_ASSERT_EQUAL(f.parity[1], 20);
	assert_no_laggard(&f);

	/* The 1% boundary: 41 of 4100 blocks is not more than 1%... */
	laggard_case(&f, 41, 10, 4100);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 21 + 20);
	assert_no_laggard(&f);
	/* ...of 4099 it is. */
	laggard_case(&f, 41, 10, 4099);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 10 + 21 + 20);
	CU_ASSERT_EQUAL(f.unicast[1], 1);

	/* The next neediest complete: any need past 1% makes a laggard. */
	laggard_case(&f, 30, 0, 256);
	f.need[2 * 2] = 0;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 15 + 15);
	CU_ASSERT_EQUAL(f.unicast[1], 1);
	CU_ASSERT_EQUAL(f.parity[0], 0);
	CU_ASSERT_EQUAL(uparity(&f, 1, 0), 15);

	/* Two boards equally behind: neither is a laggard. */
	setup(&f, 3, 1);
	set_need(&f, 0, 0, 60);
	set_need(&f, 1, 0, 60);
	set_need(&f, 2, 0, 1);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 60);
	assert_no_laggard(&f);

	/* A board that did not answer is not the next neediest. */
	laggard_case(&f, 41, 20, 256);
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 21 + 20);
	assert_no_laggard(&f);
	f.known[0] = 0; /* now the next neediest needs 1 */
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 1 + 21 + 20);
	CU_ASSERT_EQUAL(f.unicast[1], 1);
	CU_ASSERT_EQUAL(f.unicast[0], 0);
	CU_ASSERT_EQUAL(uparity(&f, 0, 0), 0);
}

static void test_laggard_loss_and_rows(void)
{
	struct fixture f;

	/* Laggard grown by the loss; its indices come after the multicast ones
	 * and are capped by what those leave. */
	laggard_case(&f, 100, 10, 256); /* gen 0: 50 + 10, gen 1: 50 */
	f.in.loss = 0.05;
	f.rows[0] = 60;
	f.rows[1] = 127;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 11 + 49 + 53);
	CU_ASSERT_EQUAL(f.parity[0], 11);
	CU_ASSERT_EQUAL(uparity(&f, 1, 0), 49); /* 53 wanted, 60 - 11 left */
	CU_ASSERT_EQUAL(f.short_gen[0], 1);	/* need 50 > 49 */
	CU_ASSERT_EQUAL(f.parity[1], 0);
	CU_ASSERT_EQUAL(uparity(&f, 1, 1), 53);
	CU_ASSERT_EQUAL(f.short_gen[1], 0);

	/* The laggard's need fits but its growth does not: not short. */
	laggard_case(&f, 100, 10, 256);
	f.in.loss = 0.05;
	f.rows[0] = 61;
	CU_ASSERT_EQUAL(plan_code(&f.in, &f.out), 11 + 50 + 53);
	CU_ASSERT_EQUAL(uparity(&f, 1, 0), 50);
	CU_ASSERT_EQUAL(f.short_gen[0], 0);
	CU_ASSERT_EQUAL(f.out.frames, 114);
}

static void test_frames_total(void)
{
	struct fixture f;
	uint64_t sum = 0;

	setup(&f, MAXB, MAXG);
	for (unsigned b = 0; b < MAXB; b++)
		for (unsigned g = 0; g < MAXG; g++)
			set_need(&f, b, g, (b * 7 + g * 13) % 23);
	f.in.loss = 0.1;
	for (unsigned g = 0; g < MAXG; g++)
		f.rows[g] = (uint16_t)(g * 3);
	plan_code(&f.in, &f.out);
	for (unsigned g = 0; g < MAXG; g++) {
		unsigned m = 0;

		for (unsigned b = 0; b < MAXB; b++)
			if (f.need[b * MAXG + g] > m)
				m = f.need[b * MAXG + g];
		CU_ASSERT(f.parity[g] <= f.rows[g]);
		CU_ASSERT_EQUAL(f.parity[g],
				plan_grow(m, 0.1) < f.rows[g] ? plan_grow(m, 0.1) : f.rows[g]);
		CU_ASSERT_EQUAL(f.short_gen[g], m > f.rows[g]);
		sum += f.parity[g];
	}
	CU_ASSERT(sum > 0);
	CU_ASSERT_EQUAL(f.out.frames, sum);
	assert_no_laggard(&f);
}

static void test_resend_group(void)
{
	CU_ASSERT_EQUAL(plan_resend_group(0), -1);
	CU_ASSERT_EQUAL(plan_resend_group(1), 0);
	CU_ASSERT_EQUAL(plan_resend_group(2), 1);
	CU_ASSERT_EQUAL(plan_resend_group(500), 1);
}

static CU_TestInfo plan_tests[] = {
	{"generations", test_generations},
	{"grow by the loss, exact", test_grow},
	{"one board", test_one_board},
	{"nothing needed", test_nothing_needed},
	{"multicast covers the largest need", test_multicast_is_max},
	{"loss growth and clamp", test_loss_growth},
	{"rows left cap, short generations", test_rows_cap},
	{"boards that did not answer are ignored", test_unknown_ignored},
	{"laggard: 4x and 1% rules", test_laggard},
	{"laggard: loss and rows after the multicast ones", test_laggard_loss_and_rows},
	{"frames total", test_frames_total},
	{"resend to the group or a board", test_resend_group},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"plan", NULL, NULL, NULL, NULL, plan_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
