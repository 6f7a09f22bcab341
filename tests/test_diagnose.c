/* SPDX-License-Identifier: MIT */
/* The diagnosis of a board that does not answer (cmd/diagnose.c): frames
 * counted by category, the classifier on counts, the MACs refused before
 * sending, the causes of a nic that does not open; and the -vv frame line
 * (cmd/trace.c). */
#include <CUnit/CUnit.h>
#include <string.h>

#include "cunit_main.h"
#include "diagnose.h"
#include "frame.h"
#include "nic.h"
#include "trace.h"

static const uint8_t BOARD[6] = {0x02, 0xe7, 0xd1, 0, 0, 2};
static const uint8_t SELF[6] = {0x02, 0xe7, 0xd1, 0, 0, 1};
static const uint8_t OTHER[6] = {0x02, 0xe7, 0xd1, 0, 0, 9};

/* A valid frame from src to dst (len returned). */
static size_t good(uint8_t *buf, const uint8_t *src, const uint8_t *dst)
{
	struct frame f = {.version = FRAME_VERSION, .session = 1, .code = FC_CONNECT_ACK};
	int n;

	memcpy(f.src, src, 6);
	memcpy(f.dst, dst, 6);
	n = frame_encode(buf, FRAME_BUF_MAX, &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT(n > 0);
	return n > 0 ? (size_t)n : 0;
}

static void test_count(void)
{
	struct diag_counts c = {0};
	uint8_t buf[FRAME_BUF_MAX];
	size_t n;

	n = good(buf, SELF, BOARD);
	diag_count_frame(&c, buf, n, BOARD, SELF, 0); /* our own: not counted */
	CU_ASSERT_EQUAL(c.rx, 0);
	n = good(buf, OTHER, SELF);
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.rx, 1);
	CU_ASSERT_EQUAL(c.board, 0);
	n = good(buf, BOARD, SELF);
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_valid, 1);
	buf[FRAME_HDR_LEN] ^= 1; /* the CRC (no data) */
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_invalid, 1);
	n = good(buf, BOARD, SELF);
	buf[16] = 7; /* version */
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_version, 1);
	CU_ASSERT_EQUAL(c.version_seen, 7);
	buf[14] = 0x45; /* no start flag */
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_foreign, 1);
	buf[12] = 0x08, buf[13] = 0x00;
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_etype, 1);
	CU_ASSERT_EQUAL(c.etype_seen, 0x0800);
	n = good(buf, BOARD, OTHER);
	diag_count_frame(&c, buf, n, BOARD, SELF, 0);
	CU_ASSERT_EQUAL(c.board_other_dst, 1);
	CU_ASSERT_EQUAL(memcmp(c.other_dst, OTHER, 6), 0);
	CU_ASSERT_EQUAL(c.rx, 7);
	CU_ASSERT_EQUAL(c.board, 6);
	/* another EtherType of our own configuration */
	n = good(buf, BOARD, SELF);
	diag_count_frame(&c, buf, n, BOARD, SELF, 0x88b6);
	CU_ASSERT_EQUAL(c.board_etype, 2);
	CU_ASSERT_EQUAL(c.etype_seen, 0x88b5);
}

static const char *classify(const struct diag_counts *c, const struct sess_result *r,
			    struct diag *d)
{
	return diag_classify(c, r, "eth1", BOARD, 0, 3.0, d) ? d->code : "none";
}

static void test_classify(void)
{
	struct diag_counts c = {0};
	struct sess_result busy = {.notice = NOTICE_CONNECT_FAILED, .detail = D_BUSY};
	struct diag d;

	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "silent_link");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "nothing at all was received on eth1 in 3.0 s"));
	CU_ASSERT_STRING_EQUAL(classify(NULL, NULL, &d), "none");
	CU_ASSERT_PTR_NULL(d.code);
	CU_ASSERT_STRING_EQUAL(classify(NULL, &busy, &d), "busy");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "wait"));
	c.rx = 12;
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "no_board");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "12 frames arrived on eth1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "ethdl discover -i eth1"));
	c.board = c.board_etype = 5;
	c.etype_seen = 0x86dd;
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "other_ethertype");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "0x86dd (IPv6)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "--ethertype 86dd"));
	c.board_other_dst = 2;
	memcpy(c.other_dst, OTHER, 6);
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "busy_elsewhere");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "02:e7:d1:00:00:09"));
	c.board_version = 1;
	c.version_seen = 2;
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "other_version");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "version 2, not 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "--ethertype"));
	c.board_invalid = 3;
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "invalid_frames");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "3 frames from 02:e7:d1:00:00:02 failed"));
	/* The board answered us: the session's own words are enough. */
	c.board_valid = 4;
	c.board_other_dst = 0;
	CU_ASSERT_STRING_EQUAL(classify(&c, NULL, &d), "none");
	/* Busy from the board's own answer wins over any count. */
	CU_ASSERT_STRING_EQUAL(classify(&c, &busy, &d), "busy");
}

static void test_bad_target(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	struct diag d;

	CU_ASSERT_EQUAL(diag_bad_target(bcast, SELF, "eth1", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "group_address");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "ethdl group"));
	CU_ASSERT_EQUAL(diag_bad_target(mcast, NULL, NULL, &d), 1);
	CU_ASSERT_EQUAL(diag_bad_target(SELF, SELF, "eth1", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "own_mac");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.text, "this host's own MAC on eth1"));
	CU_ASSERT_EQUAL(diag_bad_target(BOARD, SELF, "eth1", &d), 0);
	CU_ASSERT_PTR_NULL(d.code);
	CU_ASSERT_EQUAL(diag_bad_target(SELF, NULL, NULL, &d), 0);
}

static void test_open_failure(void)
{
	struct diag d;

	CU_ASSERT_EQUAL(diag_open_failure(-NIC_E_NODEV, "eth9", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "no_interface");
	CU_ASSERT_STRING_EQUAL(d.text, "no interface eth9 here");
	CU_ASSERT_STRING_EQUAL(d.hint, "ethdl list shows the interfaces");
	CU_ASSERT_EQUAL(diag_open_failure(-NIC_E_DOWN, "eth9", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "interface_down");
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "ip link set eth9 up"));
	CU_ASSERT_EQUAL(diag_open_failure(-NIC_E_NOCARRIER, "eth9", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "no_carrier");
	CU_ASSERT_EQUAL(diag_open_failure(-NIC_E_PERM, "eth9", &d), 1);
	CU_ASSERT_STRING_EQUAL(d.code, "no_permission");
	/* the real path of this program */
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "setcap cap_net_raw,cap_net_admin+ep /"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.hint, "test_diagnose"));
	CU_ASSERT_EQUAL(diag_open_failure(-NIC_E_IO, "eth9", &d), 0);
}

static void test_current(void)
{
	struct diag d = {.code = "silent_link"};

	diag_clear();
	CU_ASSERT_PTR_NULL(diag_current());
	diag_set(&d);
	CU_ASSERT_STRING_EQUAL(diag_current()->code, "silent_link");
	diag_clear();
	CU_ASSERT_PTR_NULL(diag_current());
}

static void test_trace(void)
{
	uint8_t buf[FRAME_BUF_MAX];
	char line[160];
	size_t n = good(buf, BOARD, SELF);

	trace_format(line, sizeof(line), "rx", buf, n, 0);
	CU_ASSERT_STRING_EQUAL(line, "rx CONNECT_ACK seq 0 len 0");
	buf[FRAME_HDR_LEN] ^= 1;
	trace_format(line, sizeof(line), "rx", buf, n, 0);
	CU_ASSERT_STRING_EQUAL(line, "rx CONNECT_ACK seq 0 len 0 (bad CRC)");
	trace_format(line, sizeof(line), "tx", buf, n, 0x88b6);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "tx 60 bytes: "));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"frames counted by category", test_count},
		{"classifier on counts", test_classify},
		{"own and group MACs refused", test_bad_target},
		{"interface that does not open", test_open_failure},
		{"the current diagnosis", test_current},
		{"-vv frame line", test_trace},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {{"diagnose", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

	return cunit_run(suites);
}
