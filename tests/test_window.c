/* SPDX-License-Identifier: MIT */
/*
 * window unit tests: the bitmap, the receiver's window and its block status
 * reports, and the sender's window with probes and selective repair. The
 * sender is driven against a real receiver (recvwin) whose reports it reads,
 * so that what is tested is the round trip a session makes.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "frame.h"
#include "proto.h"
#include "window.h"

/* ---- helpers ---- */

/* A receiver's report, as the board would put it into BOARD_STATUS. */
struct report {
	uint8_t buf[600];
	size_t len;
};

static void make_report(const struct recvwin *r, struct report *rep)
{
	struct tlv_writer w;

	tlv_writer_init(&w, rep->buf, sizeof(rep->buf));
	recvwin_report(r, &w);
	CU_ASSERT_FATAL(!w.overflow);
	rep->len = w.len;
}

static uint64_t get_u(const struct report *rep, uint8_t type)
{
	uint64_t v = 0xdeadbeef;

	CU_ASSERT(tlv_get_uint(rep->buf, rep->len, type, &v));
	return v;
}

/* Send one probe if due; returns its id or 0. */
static uint32_t maybe_probe(struct sendwin *s, uint64_t now)
{
	if (!sendwin_probe_due(s, now))
		return 0;
	return sendwin_probe_sent(s, now);
}

/* ---- bitmap ---- */

static void test_bitmap(void)
{
	struct bitmap b;
	static const uint32_t set[] = {1, 8, 9, 16, 17, 20};

	CU_ASSERT_EQUAL_FATAL(bitmap_init(&b, 20), 0);
	CU_ASSERT_EQUAL(b.n, 20);
	for (uint32_t s = 0; s <= 22; s++)
		CU_ASSERT_EQUAL(bitmap_get(&b, s), 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		bitmap_set(&b, set[i]);
	for (uint32_t s = 1; s <= 20; s++) {
		int want = 0;

		for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
			want |= set[i] == s;
		CU_ASSERT_EQUAL(bitmap_get(&b, s), want);
	}
	/* Sequence 0 and past n are never set, whatever the bytes hold. */
	CU_ASSERT_EQUAL(bitmap_get(&b, 0), 0);
	CU_ASSERT_EQUAL(bitmap_get(&b, 21), 0);
	CU_ASSERT_EQUAL(bitmap_get(&b, UINT32_MAX), 0);
	/* bit s-1 for sequence s, LSB first */
	CU_ASSERT_EQUAL(b.bits[0], 0x81);
	CU_ASSERT_EQUAL(b.bits[1], 0x81);
	CU_ASSERT_EQUAL(b.bits[2], 0x09);
	bitmap_dispose(&b);
	CU_ASSERT_PTR_NULL(b.bits);
	bitmap_dispose(&b); /* twice is harmless */

	CU_ASSERT_EQUAL_FATAL(bitmap_init(&b, 0), 0);
	CU_ASSERT_EQUAL(bitmap_get(&b, 1), 0);
	bitmap_dispose(&b);
}

/* ---- receiver ---- */

static void test_recvwin_mark(void)
{
	struct recvwin r;

	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 10), 0);
	CU_ASSERT_EQUAL(r.cum, 0);
	CU_ASSERT_EQUAL(r.high, 0);
	CU_ASSERT_EQUAL(r.have, 0);
	CU_ASSERT(!recvwin_complete(&r));

	CU_ASSERT_EQUAL(recvwin_mark(&r, 3), 1);
	CU_ASSERT_EQUAL(r.cum, 0);
	CU_ASSERT_EQUAL(r.high, 3);
	CU_ASSERT_EQUAL(r.have, 1);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 3), 0); /* duplicate */
	CU_ASSERT_EQUAL(r.have, 1);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 0), -1);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 11), -1);
	CU_ASSERT_EQUAL(recvwin_mark(&r, UINT32_MAX), -1);
	CU_ASSERT_EQUAL(r.have, 1);
	CU_ASSERT_EQUAL(r.high, 3);

	CU_ASSERT_EQUAL(recvwin_mark(&r, 1), 1);
	CU_ASSERT_EQUAL(r.cum, 1);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 2), 1);
	CU_ASSERT_EQUAL(r.cum, 3); /* 2 closes the gap up to 3 */
	CU_ASSERT_EQUAL(r.high, 3);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 2), 0);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 7), 1);
	CU_ASSERT_EQUAL(r.cum, 3);
	CU_ASSERT_EQUAL(r.high, 7);
	CU_ASSERT_EQUAL(recvwin_mark(&r, 5), 1);
	CU_ASSERT_EQUAL(r.high, 7); /* high does not go down */
	CU_ASSERT_EQUAL(r.have, 5);
	for (uint32_t s = 1; s <= 10; s++)
		recvwin_mark(&r, s);
	CU_ASSERT_EQUAL(r.cum, 10);
	CU_ASSERT_EQUAL(r.high, 10);
	CU_ASSERT_EQUAL(r.have, 10);
	CU_ASSERT(recvwin_complete(&r));
	recvwin_dispose(&r);

	/* An empty transfer is complete from the start. */
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 0), 0);
	CU_ASSERT(recvwin_complete(&r));
	CU_ASSERT_EQUAL(recvwin_mark(&r, 1), -1);
	recvwin_dispose(&r);
}

static void test_recvwin_report(void)
{
	struct recvwin r;
	struct report rep;
	const uint8_t *map;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 10), 0);
	/* Nothing yet: cum, high, have, and no bitmap. */
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(get_u(&rep, T_CUM), 0);
	CU_ASSERT_EQUAL(get_u(&rep, T_HIGH), 0);
	CU_ASSERT_EQUAL(get_u(&rep, T_HAVE), 0);
	CU_ASSERT_PTR_NULL(tlv_find(rep.buf, rep.len, T_BASE, 0, &len));
	CU_ASSERT_PTR_NULL(tlv_find(rep.buf, rep.len, T_BITMAP, 0, &len));

	/* In order, no holes: still no bitmap. */
	recvwin_mark(&r, 1);
	recvwin_mark(&r, 2);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(get_u(&rep, T_CUM), 2);
	CU_ASSERT_EQUAL(get_u(&rep, T_HIGH), 2);
	CU_ASSERT_EQUAL(get_u(&rep, T_HAVE), 2);
	CU_ASSERT_PTR_NULL(tlv_find(rep.buf, rep.len, T_BITMAP, 0, &len));

	/* {1, 2, 4, 7}: base 3, bits for 3..7 = 0 1 0 0 1 */
	recvwin_mark(&r, 4);
	recvwin_mark(&r, 7);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(get_u(&rep, T_CUM), 2);
	CU_ASSERT_EQUAL(get_u(&rep, T_HIGH), 7);
	CU_ASSERT_EQUAL(get_u(&rep, T_HAVE), 4);
	CU_ASSERT_EQUAL(get_u(&rep, T_BASE), 3);
	map = tlv_find(rep.buf, rep.len, T_BITMAP, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(map[0], 0x12);
	recvwin_dispose(&r);

	/* A span wider than one TLV holds is cut at 255 bytes of bitmap. */
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 5000), 0);
	recvwin_mark(&r, 1);
	recvwin_mark(&r, 10);
	recvwin_mark(&r, 2041);
	recvwin_mark(&r, 2042);
	recvwin_mark(&r, 5000);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(get_u(&rep, T_CUM), 1);
	CU_ASSERT_EQUAL(get_u(&rep, T_HIGH), 5000);
	CU_ASSERT_EQUAL(get_u(&rep, T_HAVE), 5);
	CU_ASSERT_EQUAL(get_u(&rep, T_BASE), 2);
	map = tlv_find(rep.buf, rep.len, T_BITMAP, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_EQUAL(len, 255);
	CU_ASSERT_TRUE(tlv_valid(rep.buf, rep.len));
	/* seq 10 is bit 8; seq 2041 is bit 2039, the last one; 2042 is cut */
	CU_ASSERT_EQUAL(map[1], 0x01);
	CU_ASSERT_EQUAL(map[254], 0x80);
	for (size_t i = 2; i < 254; i++)
		CU_ASSERT_EQUAL(map[i], 0);
	CU_ASSERT_EQUAL(map[0], 0);
	recvwin_dispose(&r);
}

/* ---- sender ---- */

static void test_sendwin_window_limit(void)
{
	struct sendwin s;
	struct recvwin r;
	struct report rep;
	uint32_t seq, expect = 1;

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 100, 8), 0);
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 100), 0);
	for (uint32_t i = 1; i <= 8; i++)
		CU_ASSERT_EQUAL(sendwin_next(&s), i);
	/* 8 beyond cum 0: the window is full */
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	CU_ASSERT_EQUAL(s.sent_new, 8);
	CU_ASSERT(!sendwin_all_sent(&s));

	/* The receiver got 1..3: exactly 3 more may go. */
	for (uint32_t i = 1; i <= 3; i++)
		recvwin_mark(&r, i);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, rep.buf, rep.len, 1000), 3);
	CU_ASSERT_EQUAL(s.cum, 3);
	CU_ASSERT_EQUAL(sendwin_next(&s), 9);
	CU_ASSERT_EQUAL(sendwin_next(&s), 10);
	CU_ASSERT_EQUAL(sendwin_next(&s), 11);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);

	/* Frames received beyond a hole do not open the window: only cum does. */
	for (uint32_t i = 5; i <= 11; i++)
		recvwin_mark(&r, i);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, rep.buf, rep.len, 2000), 7);
	CU_ASSERT_EQUAL(s.cum, 3);
	CU_ASSERT_EQUAL(s.acked_count, 10);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	recvwin_mark(&r, 4);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, rep.buf, rep.len, 3000), 1);
	CU_ASSERT_EQUAL(s.cum, 11);

	/* Through to the end, acknowledging at random: never more than the
	 * window beyond cum, every seq once, in order. */
	expect = 12;
	srand(7);
	for (int guard = 0; !sendwin_complete(&s); guard++) {
		CU_ASSERT_FATAL(guard < 10000);
		seq = sendwin_next(&s);
		if (seq) {
			CU_ASSERT_EQUAL(seq, expect);
			CU_ASSERT(seq - s.cum <= 8);
			expect++;
			recvwin_mark(&r, seq);
		}
		if (!seq || rand() % 3 == 0) {
			make_report(&r, &rep);
			CU_ASSERT(sendwin_on_report(&s, 0, rep.buf, rep.len, 4000) >= 0);
		}
		CU_ASSERT_FATAL(expect <= 101);
	}
	CU_ASSERT_EQUAL(expect, 101);
	CU_ASSERT(sendwin_all_sent(&s));
	CU_ASSERT_EQUAL(s.sent_new, 100);
	CU_ASSERT_EQUAL(s.sent_repair, 0);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	sendwin_dispose(&s);
	recvwin_dispose(&r);
}

static void test_sendwin_probe(void)
{
	struct sendwin s;
	uint64_t now = 1000; /* less than the first RTO after time 0 */
	uint32_t id;

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 100, 16), 0);
	CU_ASSERT_EQUAL(s.probe_every, 4);
	CU_ASSERT(!sendwin_probe_due(&s, now));
	for (uint32_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(sendwin_next(&s), i);
		CU_ASSERT(!sendwin_probe_due(&s, now));
	}
	CU_ASSERT_EQUAL(sendwin_next(&s), 4);
	CU_ASSERT(sendwin_probe_due(&s, now)); /* a quarter window */
	id = sendwin_probe_sent(&s, now);
	CU_ASSERT_EQUAL(id, 1);
	CU_ASSERT_EQUAL(s.probes[1 % SENDWIN_PROBES].hw, 4);
	CU_ASSERT(!sendwin_probe_due(&s, now));
	for (uint32_t i = 5; i <= 7; i++) {
		CU_ASSERT_EQUAL(sendwin_next(&s), i);
		CU_ASSERT(!sendwin_probe_due(&s, now));
	}
	CU_ASSERT_EQUAL(sendwin_next(&s), 8);
	CU_ASSERT(sendwin_probe_due(&s, now));
	CU_ASSERT_EQUAL(sendwin_probe_sent(&s, now), 2);
	CU_ASSERT_EQUAL(s.probes_sent, 2);

	/* Stalled: a probe is due one RTO after the last one, not before. */
	CU_ASSERT_EQUAL(sendwin_deadline(&s), now + s.rto_us);
	CU_ASSERT(!sendwin_probe_due(&s, now + s.rto_us - 1));
	CU_ASSERT(sendwin_probe_due(&s, now + s.rto_us));
	sendwin_dispose(&s);

	/* The window full and nothing to repair: the sender can only wait
	 * for news, so the next probe goes one smoothed round trip after the
	 * last (10 ms here), not one RTO (30 ms); each further one without
	 * news twice as late. */
	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 100, 16), 0);
	for (uint32_t i = 1; i <= 4; i++)
		sendwin_next(&s);
	id = sendwin_probe_sent(&s, now);
	{
		uint8_t rep[64];
		struct tlv_writer w;

		tlv_writer_init(&w, rep, sizeof(rep));
		tlv_put_u32(&w, T_CUM, 4);
		tlv_put_u32(&w, T_HIGH, 4);
		tlv_put_u32(&w, T_HAVE, 4);
		CU_ASSERT_EQUAL(sendwin_on_report(&s, id, rep, w.len, now + 10000), 4);
	}
	CU_ASSERT_EQUAL(s.srtt_us, 10000);
	CU_ASSERT_EQUAL(s.rto_us, 30000);
	now += 10000;
	for (uint32_t i = 5; i <= 20; i++) {
		CU_ASSERT_EQUAL(sendwin_next(&s), i);
		if (sendwin_probe_due(&s, now))
			sendwin_probe_sent(&s, now);
	}
	CU_ASSERT_EQUAL(sendwin_next(&s), 0); /* 16 beyond CUM 4: full */
	CU_ASSERT_EQUAL(sendwin_deadline(&s), now + 10000);
	CU_ASSERT(!sendwin_probe_due(&s, now + 9999));
	CU_ASSERT(sendwin_probe_due(&s, now + 10000));
	sendwin_probe_sent(&s, now + 10000);
	CU_ASSERT_EQUAL(sendwin_deadline(&s), now + 10000 + 20000);
	sendwin_dispose(&s);

	/* The last frame of the file always asks for a probe. */
	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 6, 16), 0);
	for (uint32_t i = 1; i <= 4; i++)
		sendwin_next(&s);
	CU_ASSERT(sendwin_probe_due(&s, now));
	sendwin_probe_sent(&s, now);
	CU_ASSERT_EQUAL(sendwin_next(&s), 5);
	CU_ASSERT(!sendwin_probe_due(&s, now));
	CU_ASSERT_EQUAL(sendwin_next(&s), 6);
	CU_ASSERT(sendwin_probe_due(&s, now));
	CU_ASSERT(sendwin_all_sent(&s));
	sendwin_dispose(&s);

	/* A window of 1 probes after every frame. */
	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 6, 1), 0);
	CU_ASSERT_EQUAL(s.probe_every, 1);
	CU_ASSERT_EQUAL(sendwin_next(&s), 1);
	CU_ASSERT(sendwin_probe_due(&s, now));
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	sendwin_dispose(&s);
}

static void test_sendwin_rtt(void)
{
	struct sendwin s;
	struct recvwin r;
	struct report rep;
	uint32_t id;

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 10, 8), 0);
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 10), 0);
	sendwin_next(&s);
	id = sendwin_probe_sent(&s, 100000);
	recvwin_mark(&r, 1);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, id, rep.buf, rep.len, 104000), 1);
	CU_ASSERT_EQUAL(s.srtt_us, 4000);
	/* The RTO is above the round trip, and bounded. */
	CU_ASSERT(s.rto_us > 4000 && s.rto_us <= 500000);
	sendwin_dispose(&s);
	recvwin_dispose(&r);
}

static int contains(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static void test_sendwin_repair(void)
{
	struct sendwin s;
	struct recvwin r;
	struct report old, rep;
	uint64_t now = 1000;
	uint32_t seq, id, p2 = 0, p3;
	static const uint32_t lost[] = {2, 6};

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 100, 16), 0);
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 100), 0);
	/* 1..8 with probes after 4 and 8; 2 and 6 are lost on the way. */
	for (uint32_t i = 1; i <= 8; i++) {
		seq = sendwin_next(&s);
		CU_ASSERT_EQUAL(seq, i);
		if (!contains(lost, 2, seq))
			recvwin_mark(&r, seq);
		id = maybe_probe(&s, now);
		if (id)
			p2 = id;
	}
	CU_ASSERT_EQUAL(p2, 2);
	CU_ASSERT_EQUAL(s.probes[2].hw, 8);

	/* The report answering probe 2 (hw 8) shows 2 and 6 missing. */
	make_report(&r, &old);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 2, old.buf, old.len, now + 500), 6);
	CU_ASSERT_EQUAL(s.cum, 1);
	CU_ASSERT_EQUAL(s.acked_count, 6);
	/* One repair pass: exactly 2 and 6, then new frames. */
	CU_ASSERT_EQUAL(sendwin_next(&s), 2);
	CU_ASSERT_EQUAL(sendwin_next(&s), 6);
	CU_ASSERT_EQUAL(s.sent_repair, 2);
	CU_ASSERT_EQUAL(sendwin_next(&s), 9);
	CU_ASSERT_EQUAL(s.sent_repair, 2);
	CU_ASSERT(sendwin_probe_due(&s, now + 500)); /* the pass asks for a probe */
	/* The repairs are lost again; 9 arrives. */
	recvwin_mark(&r, 9);

	/* Until a probe sent after the pass is answered, 2 and 6 are not sent
	 * again: neither the old report coming again, nor an unsolicited one,
	 * nor a report answering the earlier probe 1 starts a pass. */
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 2, old.buf, old.len, now + 600), 0);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, rep.buf, rep.len, now + 600), 1);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 1, rep.buf, rep.len, now + 600), 0);
	for (int i = 0; i < 20; i++) {
		seq = sendwin_next(&s);
		CU_ASSERT(seq != 2 && seq != 6);
		if (!seq)
			break;
		recvwin_mark(&r, seq);
	}
	CU_ASSERT_EQUAL(s.sent_repair, 2);
	/* cum is still 1: the window allows up to 17 */
	CU_ASSERT_EQUAL(s.next, 18);

	/* A probe after the pass, answered with 2 and 6 still missing: one
	 * more pass, again exactly 2 and 6, each once. */
	p3 = sendwin_probe_sent(&s, now + 700);
	CU_ASSERT_EQUAL(p3, 3);
	make_report(&r, &rep);
	CU_ASSERT(sendwin_on_report(&s, p3, rep.buf, rep.len, now + 800) >= 0);
	CU_ASSERT_EQUAL(sendwin_next(&s), 2);
	CU_ASSERT_EQUAL(sendwin_next(&s), 6);
	CU_ASSERT_EQUAL(s.sent_repair, 4);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0); /* window still full at cum 1 */
	CU_ASSERT_EQUAL(s.sent_repair, 4);

	/* They arrive now: cum jumps, the window opens. */
	recvwin_mark(&r, 2);
	recvwin_mark(&r, 6);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, rep.buf, rep.len, now + 900), 2);
	CU_ASSERT_EQUAL(s.cum, 17);
	CU_ASSERT_EQUAL(sendwin_next(&s), 18);
	sendwin_dispose(&s);
	recvwin_dispose(&r);
}

static void test_sendwin_complete(void)
{
	struct sendwin s;
	struct recvwin r;
	struct report rep;
	uint32_t id = 0;

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 5, 8), 0);
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, 5), 0);
	for (uint32_t i = 1; i <= 5; i++) {
		CU_ASSERT_EQUAL(sendwin_next(&s), i);
		recvwin_mark(&r, i);
	}
	CU_ASSERT(sendwin_all_sent(&s));
	CU_ASSERT(!sendwin_complete(&s));
	CU_ASSERT(sendwin_probe_due(&s, 1000));
	id = sendwin_probe_sent(&s, 1000);
	make_report(&r, &rep);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, id, rep.buf, rep.len, 2000), 5);
	CU_ASSERT(sendwin_complete(&s));
	CU_ASSERT_EQUAL(s.cum, 5);
	CU_ASSERT_EQUAL(s.acked_count, 5);
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	/* Complete: no probe is ever due, even long after. */
	CU_ASSERT(!sendwin_probe_due(&s, 10000000));
	/* The same report again acknowledges nothing new. */
	CU_ASSERT_EQUAL(sendwin_on_report(&s, id, rep.buf, rep.len, 3000), 0);
	sendwin_dispose(&s);
	recvwin_dispose(&r);

	/* A transfer of no frames is complete at once. */
	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 0, 8), 0);
	CU_ASSERT(sendwin_complete(&s));
	CU_ASSERT(sendwin_all_sent(&s));
	CU_ASSERT_EQUAL(sendwin_next(&s), 0);
	sendwin_dispose(&s);
}

/* xorshift32, so that the loss pattern is fixed */
static uint32_t rng(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* The whole round trip over a lossy, order-keeping link: what the sender
 * takes as acknowledged is always what the receiver has, every frame gets
 * through, and repairs are about the loss, not a multiple of it. */
static void test_round_trip_lossy(void)
{
	enum { N = 3000, WINDOW = 256 };
	struct sendwin s;
	struct recvwin r;
	struct report rep;
	uint32_t x = 12345, lost = 0, seq, id;
	uint64_t now = 1000000, sent = 0;
	unsigned rounds = 0;

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, N, WINDOW), 0);
	CU_ASSERT_EQUAL_FATAL(recvwin_init(&r, N), 0);
	while (!sendwin_complete(&s) && rounds < 100000) {
		rounds++;
		now += 10;
		seq = sendwin_next(&s);
		if (seq) {
			sent++;
			if (rng(&x) % 100 < 10)
				lost++;
			else
				recvwin_mark(&r, seq);
		}
		id = maybe_probe(&s, now);
		if (id && rng(&x) % 100 >= 10) { /* reports are lost too */
			make_report(&r, &rep);
			CU_ASSERT_FATAL(sendwin_on_report(&s, id, rep.buf, rep.len, now + 50) >= 0);
			for (uint32_t q = 1; q <= N; q++)
				if (bitmap_get(&s.acked, q) && !bitmap_get(&r.got, q))
					CU_FAIL_FATAL("acknowledged a frame the receiver lacks");
		}
		if (!seq && !id)
			now += s.rto_us; /* stalled: wait for the probe timer */
	}
	CU_ASSERT(sendwin_complete(&s));
	CU_ASSERT(recvwin_complete(&r));
	CU_ASSERT_EQUAL(s.sent_new, N);
	CU_ASSERT_EQUAL(sent, s.sent_new + s.sent_repair);
	/* every lost transmission needs one more; no more than that is sent
	 * when the link keeps order */
	CU_ASSERT(s.sent_repair >= lost);
	CU_ASSERT(s.sent_repair <= lost + lost / 10);
	printf("(%u lost, %llu repaired) ", lost, (unsigned long long)s.sent_repair);
	sendwin_dispose(&s);
	recvwin_dispose(&r);
}

/* ---- malformed reports ---- */

static int report_of(struct sendwin *s, int cum, int high, int base, int with_map)
{
	uint8_t buf[64], map[2] = {0xff, 0xff};
	struct tlv_writer w;

	tlv_writer_init(&w, buf, sizeof(buf));
	if (cum >= 0)
		tlv_put_u32(&w, T_CUM, (uint32_t)cum);
	if (high >= 0)
		tlv_put_u32(&w, T_HIGH, (uint32_t)high);
	if (base >= 0)
		tlv_put_u32(&w, T_BASE, (uint32_t)base);
	if (with_map)
		tlv_put(&w, T_BITMAP, map, sizeof(map));
	return sendwin_on_report(s, 0, buf, w.len, 1000);
}

static void test_malformed_reports(void)
{
	struct sendwin s;
	uint8_t trunc[] = {T_CUM, 4, 0, 0}; /* length runs past the data */

	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 10, 16), 0);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(sendwin_next(&s), (uint32_t)i + 1);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, NULL, 0, 1000), -1);
	CU_ASSERT_EQUAL(sendwin_on_report(&s, 0, trunc, sizeof(trunc), 1000), -1);
	CU_ASSERT_EQUAL(report_of(&s, -1, 3, -1, 0), -1);  /* no CUM */
	CU_ASSERT_EQUAL(report_of(&s, 3, -1, -1, 0), -1);  /* no HIGH */
	CU_ASSERT_EQUAL(report_of(&s, 11, 11, -1, 0), -1); /* cum > n */
	CU_ASSERT_EQUAL(report_of(&s, 3, 11, -1, 0), -1);  /* high > n */
	CU_ASSERT_EQUAL(report_of(&s, 5, 4, -1, 0), -1);   /* high < cum */
	CU_ASSERT_EQUAL(report_of(&s, 3, 8, 4, 0), -1);	   /* BASE without BITMAP */
	CU_ASSERT_EQUAL(report_of(&s, 3, 8, 0, 1), -1);	   /* BASE 0 */
	CU_ASSERT_EQUAL(report_of(&s, 3, 8, 11, 1), -1);   /* BASE > n */
	/* None of them acknowledged anything. */
	CU_ASSERT_EQUAL(s.acked_count, 0);
	CU_ASSERT_EQUAL(s.cum, 0);
	CU_ASSERT_EQUAL(s.high, 0);

	/* Well formed: cum 3, and 4..10 from the bitmap. */
	CU_ASSERT_EQUAL(report_of(&s, 3, 8, 4, 1), 3 + 7);
	CU_ASSERT_EQUAL(s.cum, 10);
	CU_ASSERT(sendwin_complete(&s));
	sendwin_dispose(&s);

	/* A bitmap running past n acknowledges nothing past n. */
	CU_ASSERT_EQUAL_FATAL(sendwin_init(&s, 10, 16), 0);
	for (int i = 0; i < 10; i++)
		sendwin_next(&s);
	CU_ASSERT_EQUAL(report_of(&s, 0, 10, 9, 1), 2);
	CU_ASSERT_EQUAL(s.acked_count, 2);
	CU_ASSERT(bitmap_get(&s.acked, 9) && bitmap_get(&s.acked, 10));
	sendwin_dispose(&s);
}

static CU_TestInfo window_tests[] = {
	{"bitmap", test_bitmap},
	{"recvwin mark: new, duplicate, out of range", test_recvwin_mark},
	{"recvwin report TLVs", test_recvwin_report},
	{"sendwin never more than the window beyond cum", test_sendwin_window_limit},
	{"sendwin probe every quarter window and on stall", test_sendwin_probe},
	{"sendwin RTT from a probe's answer", test_sendwin_rtt},
	{"sendwin repair resends exactly the missing, once", test_sendwin_repair},
	{"sendwin completion", test_sendwin_complete},
	{"round trip over a lossy link", test_round_trip_lossy},
	{"malformed reports are rejected", test_malformed_reports},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"window", NULL, NULL, NULL, NULL, window_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
