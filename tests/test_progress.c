/* SPDX-License-Identifier: MIT */
/* The progress lines (cmd/progress.c) on a fake clock: the rate, the
 * percentage and the ETA of a line, the phase a person sees, the resume
 * note, the cadence on a terminal and elsewhere, and -q. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "progress.h"

static void test_grouped(void)
{
	char b[32];

	CU_ASSERT_STRING_EQUAL(progress_grouped(0, b, sizeof(b)), "0");
	CU_ASSERT_STRING_EQUAL(progress_grouped(999, b, sizeof(b)), "999");
	CU_ASSERT_STRING_EQUAL(progress_grouped(1000, b, sizeof(b)), "1,000");
	CU_ASSERT_STRING_EQUAL(progress_grouped(3145728, b, sizeof(b)), "3,145,728");
	CU_ASSERT_STRING_EQUAL(progress_grouped(18446744073709551615u, b, sizeof(b)),
			       "18,446,744,073,709,551,615");
	CU_ASSERT_STRING_EQUAL(progress_grouped(1234567, b, 4), "1,2");
}

static void test_format(void)
{
	char b[160];

	/* 4 MB of 8 MB, 2 MB of it moved in 1 s: 2.00 MB/s, 2 s to go. */
	progress_format(b, sizeof(b), PP_DATA, 4000000, 8000000, 2000000, 1000000);
	CU_ASSERT_STRING_EQUAL(b,
			       "data      4,000,000 of 8,000,000 bytes  50%  2.00 MB/s  ETA 0:02");
	progress_format(b, sizeof(b), PP_READBACK, 8388608, 8388608, 8388608, 500000);
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "read-back"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "100%"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "16.78 MB/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "ETA 0:00"));
	/* Nothing moved yet: no rate, no ETA. */
	progress_format(b, sizeof(b), PP_DATA, 0, 1000, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "  0%  0.00 MB/s  ETA -:--"));
	/* An hour and more. */
	progress_format(b, sizeof(b), PP_DATA, 1000, 3601000, 1000, 1000000);
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "ETA 1:00:00"));
	/* No size: the phase and its time. */
	progress_format(b, sizeof(b), PP_CONNECT, 0, 0, 0, 1250000);
	CU_ASSERT_STRING_EQUAL(b, "connect   1.2 s");
}

static void test_phase(void)
{
	struct sess_host_stats st = {.phase = SESS_PH_DOWNLOAD, .windowed = 1, .frames = 100};

	CU_ASSERT_EQUAL(progress_phase_of(&st), PP_DATA);
	st.data_frames_sent = 100;
	st.board_has = 100;
	CU_ASSERT_EQUAL(progress_phase_of(&st), PP_DATA);
	st.board_has = 90;
	st.data_frames_sent = 103; /* every frame went, three again */
	CU_ASSERT_EQUAL(progress_phase_of(&st), PP_REPAIR);
	st.phase = SESS_PH_READBACK;
	CU_ASSERT_EQUAL(progress_phase_of(&st), PP_READBACK);
	st.phase = SESS_PH_DEVICE;
	CU_ASSERT_EQUAL(progress_phase_of(&st), PP_ACTIVATE);
	st.phase = SESS_PH_CONNECT;
	CU_ASSERT_STRING_EQUAL(progress_phase_name(progress_phase_of(&st)), "connect");
}

static void test_resume(void)
{
	struct sess_host_stats st = {.phase = SESS_PH_DOWNLOAD, .block = 1024, .resumed = 3072};
	char b[128];

	CU_ASSERT_EQUAL(progress_resumed_bytes(&st, 8388608), 3145728);
	CU_ASSERT_EQUAL(progress_resumed_bytes(&st, 1000), 1000);
	CU_ASSERT_STRING_EQUAL(progress_resume_line(b, sizeof(b), 3145728, 8388608),
			       "resuming: 3,145,728 of 8,388,608 bytes already on the board");
}

/* Run a 10 s download of 10 MB, stats every 100 ms, into a memory stream. */
static char *run(int tty, int quiet, int verbose, unsigned *printed)
{
	struct sess_host_stats st = {.phase = SESS_PH_CONNECT, .total = 10000000, .block = 1000};
	struct progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t t0 = 1000000000;

	progress_init(&p, f, tty, quiet, verbose, t0);
	for (uint64_t ms = 0; ms <= 11000; ms += 100) {
		uint64_t now = t0 + ms * 1000;

		if (ms >= 500 && ms < 10500) {
			st.phase = SESS_PH_DOWNLOAD;
			st.resumed = 1000;
			st.done = (ms - 500) * 900; /* 0.9 MB/s after 1 MB resumed */
		} else if (ms >= 10500)
			st.phase = SESS_PH_DONE;
		progress_update(&p, &st, now);
	}
	progress_end(&p);
	*printed = p.printed;
	fclose(f);
	return buf;
}

static void test_cadence(void)
{
	unsigned n;
	char *out = run(0, 0, 0, &n);

	/* Not a terminal: at 5 s and 10 s, whole lines, the resume note first. */
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ethdl: resuming: 1,000,000 of 10,000,000 bytes "
					   "already on the board\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ethdl: data      5,050,000 of 10,000,000 bytes  50%"
					   "  0.90 MB/s  ETA 0:06\n"));
	CU_ASSERT_PTR_NULL(strchr(out, '\r'));
	free(out);

	/* A terminal: redrawn in place every 200 ms, one newline at the end. */
	out = run(1, 0, 0, &n);
	CU_ASSERT(n >= 50 && n <= 56);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\rdata "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[K"));
	CU_ASSERT_EQUAL(out[strlen(out) - 1], '\n');
	free(out);

	/* -q: nothing at all. */
	out = run(0, 1, 0, &n);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	free(out);

	/* -v: the phase changes. */
	out = run(0, 1, 1, &n);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ethdl: phase data\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ethdl: phase closing\n"));
	free(out);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"grouped digits", test_grouped},
		{"line: rate, percentage, ETA", test_format},
		{"phase as a person sees it", test_phase},
		{"resume note", test_resume},
		{"cadence: terminal, not a terminal, -q, -v", test_cadence},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {{"progress", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

	return cunit_run(suites);
}
