/* SPDX-License-Identifier: MIT */
/* The conformance suite run against the reference board machine on an
 * in-memory nic, with a fake clock: the timer cases take no real time. The
 * board is the reference, so every case must pass (or be n/a where the
 * board lacks the capability); a board broken one exact way (the fault
 * decorators of ethdl-board's fault options) must fail the cases named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "conform.h"
#include "cunit_main.h"
#include "devstore_fault.h"
#include "fault.h"
#include "mem_devstore.h"

static const uint8_t MAC_H[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x02};

struct rig {
	struct devstore mem, faulty;
	struct nic *hn, *bn;
	struct sess_board b;
	uint64_t now;
	struct conform_result res[64];
	size_t nres;
};

struct board_setup {
	int strict, no_group;
	struct nic_fault fault;
	struct devstore_fault sfault;
};

static void log_stderr(void *ctx, const char *msg)
{
	fprintf(stderr, "%s: %s\n", (const char *)ctx, msg);
}

static uint64_t fake_now(void *ctx)
{
	return ((struct rig *)ctx)->now;
}

/* Frames the board really sent (the fault nic swallows some). */
static uint64_t sent(struct rig *r)
{
	struct nic_fault_stats fs;

	nic_fault_get_stats(r->bn, &fs);
	return r->bn->stats.tx_frames - fs.muted - fs.dropped;
}

/* Run the board until it sends something or the deadline comes. */
static int fake_wait(void *ctx, uint64_t deadline)
{
	struct rig *r = ctx;

	r->now += 50; /* every exchange of frames takes a little time, as on a wire */
	for (int spins = 0; spins < 100000; spins++) {
		uint64_t tx0 = sent(r), next;
		const uint8_t *buf;
		size_t len;

		while (nic_recv(r->bn, &buf, &len) == 1) {
			if (getenv("CONFORM_LOG") && len > 26)
				fprintf(stderr, "  %llu board <- %s seq %u\n",
					(unsigned long long)r->now, frame_code_name(buf[26]),
					(unsigned)get_be32(buf + 22));
			sess_board_input(&r->b, buf, len, r->now);
		}
		sess_board_poll(&r->b, r->now); /* as ethdl-board's loop: after every input */
		if (sent(r) != tx0)
			return 1;
		if (r->now >= deadline) {
			r->now += 100; /* time passes, as it does for a real caller */
			return 0;
		}
		next = sess_board_next_deadline(&r->b);
		if (next > deadline)
			next = deadline;
		if (next < r->now + 500)
			next = r->now + 500;
		r->now = next;
	}
	return 0;
}

static struct rig *rig_up(const struct board_setup *bs)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct sess_board_config bc;
	struct nic *lb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->now = 1000000;
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->mem), 0);
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&r->faulty, &r->mem, &bs->sfault), 0);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&r->hn, &lb, MAC_H, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&r->bn, lb, &bs->fault), 0);
	memset(&bc, 0, sizeof(bc));
	bc.nic = r->bn;
	bc.store = &r->faulty;
	bc.vendor = "acme";
	bc.model = "unit";
	bc.serial = "0001";
	bc.strict = bs->strict;
	bc.no_group = bs->no_group;
	if (getenv("CONFORM_LOG")) {
		bc.log = log_stderr;
		bc.log_ctx = "board";
	}
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);
	return r;
}

static void rig_down(struct rig *r)
{
	sess_board_dispose(&r->b);
	nic_close(r->hn);
	nic_close(r->bn);
	devstore_fault_close(&r->faulty);
	mem_devstore_close(&r->mem);
	free(r);
}

/* Run the cases named (NULL: all), then the end-state check. */
static struct rig *run_suite(const struct board_setup *bs, const char *const *only)
{
	struct rig *r = rig_up(bs);
	struct conform_config cc = {.seed = 7};
	struct conform_io io = {r->hn, 0, fake_now, fake_wait, r};
	struct conform *cf;

	memcpy(cc.board, MAC_B, 6);
	if (getenv("CONFORM_LOG")) {
		cc.log = log_stderr;
		cc.log_ctx = "conform";
	}
	cf = conform_new(&cc, &io);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_EQUAL_FATAL(conform_begin(cf, &r->res[0]), 0);
	for (size_t i = 0; i < conform_ncases; i++) {
		int take = !only;

		for (const char *const *o = only; o && *o; o++)
			take |= !strcmp(*o, conform_cases[i].name);
		if (!take)
			continue;
		CU_ASSERT_EQUAL(conform_run(cf, &conform_cases[i], &r->res[r->nres]), 0);
		r->nres++;
	}
	conform_end(cf, &r->res[r->nres++]);
	conform_free(cf);
	for (size_t i = 0; i < r->nres; i++)
		printf("\n    %-5s %s%s%s", conform_res_name(r->res[i].result), r->res[i].name,
		       r->res[i].detail[0] ? ": " : "", r->res[i].detail);
	printf("\n");
	return r;
}

static const char *detail_of(const struct rig *r, const char *name)
{
	for (size_t i = 0; i < r->nres; i++)
		if (!strcmp(r->res[i].name, name))
			return r->res[i].detail;
	return "";
}

static int result_of(const struct rig *r, const char *name)
{
	for (size_t i = 0; i < r->nres; i++)
		if (!strcmp(r->res[i].name, name))
			return r->res[i].result;
	return -1;
}

static void test_reference_board_passes(void)
{
	struct board_setup bs = {0};
	struct rig *r = run_suite(&bs, NULL);
	size_t na = 0;

	CU_ASSERT_EQUAL(r->nres, conform_ncases + 1);
	for (size_t i = 0; i < r->nres; i++) {
		CU_ASSERT_NOT_EQUAL(r->res[i].result, CONFORM_FAIL);
		na += r->res[i].result == CONFORM_NA;
	}
	CU_ASSERT_EQUAL(na, 1); /* auth-required: the board has no key */
	CU_ASSERT_EQUAL(result_of(r, "auth-required"), CONFORM_NA);
	CU_ASSERT_EQUAL(result_of(r, "resume"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "discover"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "timeout-readback"), CONFORM_PASS);
	rig_down(r);
}

static void test_strict_board_windowed_na(void)
{
	static const char *const windowed[] = {"windowed-download",
					       "frame-crc-windowed",
					       "timeout-readback",
					       "resume",
					       "info",
					       "log",
					       "discover",
					       NULL};
	struct board_setup bs = {.strict = 1};
	struct rig *r = run_suite(&bs, NULL);

	for (size_t i = 0; i < r->nres; i++)
		CU_ASSERT_NOT_EQUAL(r->res[i].result, CONFORM_FAIL);
	for (const char *const *w = windowed; *w; w++)
		CU_ASSERT_EQUAL(result_of(r, *w), CONFORM_NA);
	CU_ASSERT_EQUAL(result_of(r, "strict-exchange"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "frame-crc"), CONFORM_PASS);
	rig_down(r);
}

static const char *const fault_cases[] = {"connect",	    "strict-exchange",	"readback",
					  "download-large", "overlap-download", NULL};

static void test_wrong_reply_fails(void)
{
	struct board_setup bs = {
		.fault = {.rewrite_code = FC_DOWNLOAD_ACK, .rewrite_to = FC_READBACK_ACK}};
	struct rig *r = run_suite(&bs, fault_cases);

	CU_ASSERT_EQUAL(result_of(r, "connect"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "strict-exchange"), CONFORM_FAIL);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(detail_of(r, "strict-exchange"), "expected DOWNLOAD_ACK, got READBACK_ACK"));
	CU_ASSERT_EQUAL(result_of(r, "readback"), CONFORM_FAIL);
	rig_down(r);
}

static void test_flip_received_fails(void)
{
	struct board_setup bs = {.sfault = {.flip_received = 1}};
	struct rig *r = run_suite(&bs, fault_cases);

	CU_ASSERT_EQUAL(result_of(r, "connect"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "strict-exchange"), CONFORM_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(detail_of(r, "strict-exchange"), "ERROR FILE_CRC"));
	CU_ASSERT_EQUAL(result_of(r, "download-large"), CONFORM_FAIL);
	rig_down(r);
}

static void test_corrupt_readback_fails(void)
{
	struct board_setup bs = {.sfault = {.corrupt_readback = 1}};
	struct rig *r = run_suite(&bs, fault_cases);

	CU_ASSERT_EQUAL(result_of(r, "connect"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "readback"), CONFORM_FAIL);
	CU_ASSERT_EQUAL(result_of(r, "download-large"), CONFORM_FAIL);
	CU_ASSERT_EQUAL(result_of(r, "overlap-download"), CONFORM_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(detail_of(r, "overlap-download"), "READBACK_MISMATCH"));
	rig_down(r);
}

static void test_skip_readback_seq_fails(void)
{
	struct board_setup bs = {
		.fault = {.drop_code = FC_READBACK_DATA, .drop_code_also = FC_OVL_DATA, .drop_seq = 3}};
	struct rig *r = run_suite(&bs, fault_cases);

	CU_ASSERT_EQUAL(result_of(r, "connect"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "readback"), CONFORM_FAIL);
	CU_ASSERT_EQUAL(result_of(r, "download-large"), CONFORM_FAIL);
	CU_ASSERT_EQUAL(result_of(r, "overlap-download"), CONFORM_FAIL);
	rig_down(r);
}

static void test_silent_after_fails(void)
{
	struct board_setup bs = {.fault = {.mute_after = 40}};
	struct rig *r = run_suite(&bs, fault_cases);

	CU_ASSERT_EQUAL(result_of(r, "connect"), CONFORM_PASS);
	CU_ASSERT_EQUAL(result_of(r, "download-large"), CONFORM_FAIL);
	CU_ASSERT_EQUAL(result_of(r, "end-state"), CONFORM_FAIL);
	rig_down(r);
}

/* Every case has steps, a unique name, and its steps describe themselves. */
static void test_table_is_sound(void)
{
	for (size_t i = 0; i < conform_ncases; i++) {
		const struct conform_case *c = &conform_cases[i];
		char t[200];

		CU_ASSERT_PTR_EQUAL(conform_find(c->name), c);
		CU_ASSERT(c->steps[0].kind != CF_END);
		for (const struct cf_step *s = c->steps; s->kind != CF_END; s++) {
			conform_step_text(s, t, sizeof(t));
			CU_ASSERT(t[0] && strcmp(t, "?"));
		}
	}
	CU_ASSERT_PTR_NULL(conform_find("no-such-case"));
}

static CU_TestInfo tests[] = {
	{"the table is sound", test_table_is_sound},
	{"the reference board passes every case", test_reference_board_passes},
	{"a strict board: windowed and extension cases n/a", test_strict_board_windowed_na},
	{"--wrong-reply fails strict-exchange", test_wrong_reply_fails},
	{"--flip-received fails strict-exchange", test_flip_received_fails},
	{"--corrupt-readback fails readback", test_corrupt_readback_fails},
	{"--skip-readback-seq fails readback", test_skip_readback_seq_fails},
	{"--silent-after fails download-large", test_silent_after_fails},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"conform", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
