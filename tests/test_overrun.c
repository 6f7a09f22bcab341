// SPDX-License-Identifier: MIT
/*
 * Pacing for overrun (PROTOCOL.md §4): a board whose receive queue is
 * shorter than what the host sends at once drops frames for lack of room,
 * says so in its status reports (T_OVERRUN), and the host paces its data
 * frames; a board that does not say it (as one without T_OVERRUN) keeps
 * losing frames to repair. Host and board on a hub whose ports hold 48
 * frames, on a fake clock.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cunit_main.h"
#include "frame.h"
#include "host.h"
#include "mem_devstore.h"
#include "nic.h"
#include "proto.h"
#include "session.h"

#define SEC  1000000ull
#define T0   (5 * SEC)
#define SIZE (4u << 20)
#define SID  0x0e7e0001u

static const uint8_t MAC_H[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x22};

static uint8_t *data;

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > SIZE || len > SIZE - off)
		return -EIO;
	memcpy(buf, data + off, len);
	return 0;
}

static uint8_t *rb;

static int rb_begin(void *ctx, uint64_t size)
{
	(void)ctx;
	return size == SIZE ? 0 : -EINVAL;
}

static int rb_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(rb + off, buf, len);
	return 0;
}

static int rb_finish(void *ctx, struct sess_verdict *v)
{
	(void)ctx;
	memset(v, 0, sizeof(*v));
	v->differs = memcmp(rb, data, SIZE) != 0;
	return 0;
}

struct result {
	int exit;
	uint64_t dropped, sent, overrun, paced_bps;
	unsigned frames;
	int holds;
};

/* One verified download; hide: the board never sees its queue's drops (a
 * board that does not report them). */
static struct result download(int hide, uint64_t rate_bps)
{
	struct nic_hub *hub;
	struct nic *hn, *bn;
	struct devstore st;
	struct sess_board b;
	struct sess_host h;
	struct sess_board_config bc = {0};
	struct sess_host_config hc = {0};
	struct sess_source src = {src_read, NULL};
	struct sess_sink sink = {rb_begin, rb_write, rb_finish, NULL};
	struct nic_hub_stats hs;
	struct sess_host_stats hst;
	struct result res = {0};
	uint64_t now = T0, end = T0 + 120 * SEC;

	CU_ASSERT_EQUAL_FATAL(nic_hub_new(&hub, 2, 1500, 48), 0);
	hn = nic_hub_port(hub, 0);
	bn = nic_hub_port(hub, 1);
	memcpy(hn->mac, MAC_H, 6);
	memcpy(bn->mac, MAC_B, 6);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	bc.nic = bn;
	bc.store = &st;
	bc.vendor = "acme";
	bc.model = "unit";
	bc.serial = "7";
	hc.nic = hn;
	memcpy(hc.board, MAC_B, 6);
	hc.job = SESS_DOWNLOAD;
	hc.readback = 1;
	hc.type = FT_CONFIG;
	hc.name = "overrun.bin";
	hc.size = SIZE;
	hc.crc = frame_crc32(0, data, SIZE);
	hc.src = &src;
	hc.sink = &sink;
	hc.session_id = SID;
	hc.rate_bps = rate_bps;
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&b, &bc), 0);
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&h, &hc), 0);
	sess_host_start(&h, now);
	while (!sess_host_done(&h) && now < end) {
		const uint8_t *buf;
		size_t len;
		uint64_t next;

		if (hide)
			bn->stats.rx_dropped = 0;
		while (nic_recv(bn, &buf, &len) == 1)
			sess_board_input(&b, buf, len, now);
		sess_board_poll(&b, now);
		while (nic_recv(hn, &buf, &len) == 1)
			sess_host_input(&h, buf, len, now);
		sess_host_poll(&h, now);
		next = sess_host_next_deadline(&h);
		if (sess_board_next_deadline(&b) < next)
			next = sess_board_next_deadline(&b);
		/* a turn is at least 20 us: the board takes what its queue
		 * holds each turn, so a host sending more than 48 frames a
		 * turn overruns it */
		now = next > now + 20 ? (next < now + SEC ? next : now + SEC) : now + 20;
	}
	sess_host_stats(&h, &hst);
	nic_hub_get_stats(hub, 1, &hs);
	res.exit = sess_exit_code(sess_host_result(&h));
	res.dropped = hs.dropped;
	res.sent = hst.data_frames_sent;
	res.frames = hst.frames;
	res.overrun = hst.overrun;
	res.paced_bps = hst.overrun_bps;
	{
		const struct dev_image *im = dev_image(sess_board_device(&b), FT_CONFIG, DEV_ACTIVE);
		uint64_t size = 0;
		const uint8_t *p = im ? mem_devstore_image(&st, im->id, &size, NULL) : NULL;

		res.holds = p && size == SIZE && memcmp(p, data, SIZE) == 0;
	}
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "\n  hide %d rate %llu: exit %d, %llu of %u frames sent, %llu dropped, "
				"board said %llu, paced %llu bit/s\n",
			hide, (unsigned long long)rate_bps, res.exit, (unsigned long long)res.sent,
			res.frames, (unsigned long long)res.dropped, (unsigned long long)res.overrun,
			(unsigned long long)res.paced_bps);
	sess_host_dispose(&h);
	sess_board_dispose(&b);
	mem_devstore_close(&st);
	nic_close(hn);
	nic_close(bn);
	nic_hub_free(hub);
	return res;
}

static void test_paced_on_overrun(void)
{
	struct result told = download(0, 0), silent = download(1, 0);

	CU_ASSERT_EQUAL(told.exit, 0);
	CU_ASSERT(told.holds);
	CU_ASSERT(told.overrun > 0);
	CU_ASSERT(told.paced_bps > 0);
	CU_ASSERT_EQUAL(silent.exit, 0);
	CU_ASSERT(silent.holds);
	CU_ASSERT_EQUAL(silent.overrun, 0);
	CU_ASSERT_EQUAL(silent.paced_bps, 0);
	/* the board that said so lost a few frames before the pace held; the
	 * one that did not kept losing them */
	CU_ASSERT(silent.dropped > silent.frames / 10);
	CU_ASSERT(told.dropped * 4 < silent.dropped);
	CU_ASSERT(told.sent < told.frames + told.frames / 10);
}

/* An operator's rate that still overruns the board is lowered. */
static void test_operator_rate_lowered(void)
{
	struct result r = download(0, 100000000000ull), silent = download(1, 100000000000ull);

	CU_ASSERT_EQUAL(r.exit, 0);
	CU_ASSERT(r.holds);
	CU_ASSERT(r.overrun > 0);
	CU_ASSERT(r.paced_bps > 0 && r.paced_bps < 100000000000ull / 4 * 3);
	CU_ASSERT(r.dropped * 4 < silent.dropped);
}

static int suite_init(void)
{
	data = malloc(SIZE);
	rb = calloc(1, SIZE);
	if (!data || !rb)
		return 1;
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 12));
	return 0;
}

static int suite_cleanup(void)
{
	free(data);
	free(rb);
	return 0;
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a board that overruns is paced; one that does not say keeps losing",
		 test_paced_on_overrun},
		{"an operator's rate that overruns the board is lowered", test_operator_rate_lowered},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"overrun", suite_init, suite_cleanup, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
