/* SPDX-License-Identifier: MIT */
/*
 * The batching contract of the nic interface: what nic_send accepts goes
 * out once, in order, when the batch is full, on nic_flush or on close; a
 * batch that meets a full queue part way keeps the rest, first in line; a
 * queue that cannot drain refuses with -NIC_E_FULL and nothing is lost or
 * sent twice. Tested on the queue alone (a kernel that takes k frames) and
 * on the batch decorator over the in-memory loop pair.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "cunit_main.h"
#include "nic.h"

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};

/* A frame whose bytes say which it is. */
static size_t frame_of(uint8_t *buf, uint32_t id)
{
	memset(buf, 0, 64);
	memcpy(buf, MAC_B, 6);
	memcpy(buf + 6, MAC_A, 6);
	buf[12] = 0x88;
	buf[13] = 0xb5;
	memcpy(buf + 20, &id, sizeof(id));
	return 64;
}

static uint32_t id_of(const uint8_t *buf)
{
	uint32_t id;

	memcpy(&id, buf + 20, sizeof(id));
	return id;
}

/* A kernel that takes at most `room` frames in all, then is full, and
 * fails the frame numbered `fail_id` for good. */
struct kernel {
	uint32_t got[256];
	unsigned ngot, room, calls;
	uint32_t fail_id;
};

static int kernel_xmit(void *ctx, uint8_t *const *frames, const size_t *lens, unsigned n)
{
	struct kernel *k = ctx;
	unsigned i;

	k->calls++;
	for (i = 0; i < n && k->room; i++) {
		CU_ASSERT_EQUAL(lens[i], 64);
		if (id_of(frames[i]) == k->fail_id)
			return i ? (int)i : -NIC_E_IO;
		k->got[k->ngot++] = id_of(frames[i]);
		k->room--;
	}
	return i ? (int)i : -NIC_E_FULL;
}

static void test_queue_full_midway(void)
{
	struct nic_batchq q;
	struct kernel k = {.room = 5};
	uint8_t buf[64];
	uint32_t id = 1;
	int r;

	CU_ASSERT_EQUAL_FATAL(nic_batchq_init(&q, 8, 64), 0);
	/* 8 queued: the full batch goes, the kernel takes 5 of them. */
	for (; id <= 8; id++)
		CU_ASSERT_EQUAL(nic_batchq_send(&q, buf, frame_of(buf, id), kernel_xmit, &k), 0);
	CU_ASSERT_EQUAL(k.ngot, 5);
	CU_ASSERT_EQUAL(q.count, 3);
	/* Room for 5 more in the queue, then it is full and cannot drain. */
	for (; id <= 13; id++)
		CU_ASSERT_EQUAL(nic_batchq_send(&q, buf, frame_of(buf, id), kernel_xmit, &k), 0);
	r = nic_batchq_send(&q, buf, frame_of(buf, id), kernel_xmit, &k);
	CU_ASSERT_EQUAL(r, -NIC_E_FULL);
	CU_ASSERT_EQUAL(nic_batchq_flush(&q, kernel_xmit, &k), 8);
	/* The kernel drains a little: part of the queue goes, in order. */
	k.room = 3;
	CU_ASSERT_EQUAL(nic_batchq_flush(&q, kernel_xmit, &k), 5);
	/* The refused frame is offered again and queued now. */
	CU_ASSERT_EQUAL(nic_batchq_send(&q, buf, frame_of(buf, id), kernel_xmit, &k), 0);
	id++;
	k.room = 100;
	CU_ASSERT_EQUAL(nic_batchq_flush(&q, kernel_xmit, &k), 0);
	CU_ASSERT_EQUAL_FATAL(k.ngot, id - 1);
	for (unsigned i = 0; i < k.ngot; i++)
		CU_ASSERT_EQUAL(k.got[i], i + 1);
	CU_ASSERT(q.partial >= 1);
	nic_batchq_dispose(&q);
}

static void test_queue_failure_reported_once(void)
{
	struct nic_batchq q;
	struct kernel k = {.room = 100, .fail_id = 3};
	uint8_t buf[64];

	CU_ASSERT_EQUAL_FATAL(nic_batchq_init(&q, 8, 64), 0);
	for (uint32_t id = 1; id <= 5; id++)
		CU_ASSERT_EQUAL(nic_batchq_send(&q, buf, frame_of(buf, id), kernel_xmit, &k), 0);
	/* 1 and 2 go, 3 fails for good: dropped and said once. */
	CU_ASSERT_EQUAL(nic_batchq_flush(&q, kernel_xmit, &k), -NIC_E_IO);
	CU_ASSERT_EQUAL(nic_batchq_flush(&q, kernel_xmit, &k), 0);
	CU_ASSERT_EQUAL_FATAL(k.ngot, 4);
	CU_ASSERT_EQUAL(k.got[0], 1);
	CU_ASSERT_EQUAL(k.got[1], 2);
	CU_ASSERT_EQUAL(k.got[2], 4);
	CU_ASSERT_EQUAL(k.got[3], 5);
	CU_ASSERT_EQUAL(nic_batchq_send(&q, buf, 65, kernel_xmit, &k), -NIC_E_INVAL);
	nic_batchq_dispose(&q);
}

/* Receive what b has: ids appended to got. */
static unsigned drain(struct nic *b, uint32_t *got, unsigned n)
{
	const uint8_t *buf;
	size_t len;

	while (nic_recv(b, &buf, &len) == 1)
		got[n++] = id_of(buf);
	return n;
}

static void test_decorator_over_full_loop(void)
{
	struct nic *a, *b, *w;
	uint8_t buf[64];
	uint32_t got[256], refused = 0;
	unsigned ngot = 0, accepted = 0;

	/* The loop queue holds 10 frames; the batch 8. */
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 10), 0);
	CU_ASSERT_EQUAL_FATAL(nic_batch_wrap(&w, a, 8), 0);
	CU_ASSERT_EQUAL(w->mtu, 1500);
	/* Queued, not yet passed on. */
	for (uint32_t id = 1; id <= 3; id++)
		CU_ASSERT_EQUAL(nic_send(w, buf, frame_of(buf, id)), 0);
	CU_ASSERT_EQUAL(drain(b, got, 0), 0);
	CU_ASSERT_EQUAL(nic_flush(w), 0);
	ngot = drain(b, got, 0);
	CU_ASSERT_EQUAL(ngot, 3);
	/* 40 frames into a loop that holds 10 and is not drained: the second
	 * batch meets the full loop part way; then the queue is full too. */
	for (uint32_t id = 4; id <= 43; id++) {
		int r = nic_send(w, buf, frame_of(buf, id));

		if (r == 0) {
			CU_ASSERT_EQUAL(refused, 0); /* nothing after a refusal */
			accepted++;
		} else {
			CU_ASSERT_EQUAL(r, -NIC_E_FULL);
			if (!refused)
				refused = id;
		}
	}
	CU_ASSERT_EQUAL(accepted, 18); /* 10 in the loop, 8 in the batch */
	CU_ASSERT_EQUAL(refused, 22);
	CU_ASSERT_EQUAL(nic_flush(w), 8);
	ngot = drain(b, got, ngot);
	CU_ASSERT_EQUAL(nic_flush(w), 0);
	ngot = drain(b, got, ngot);
	/* The refused ones, offered again, go after. */
	for (uint32_t id = refused; id <= 43; id++) {
		CU_ASSERT_EQUAL(nic_send(w, buf, frame_of(buf, id)), 0);
		if (id % 7 == 0)
			ngot = drain(b, got, ngot);
	}
	nic_flush(w);
	ngot = drain(b, got, ngot);
	CU_ASSERT_EQUAL(nic_flush(w), 0);
	ngot = drain(b, got, ngot);
	CU_ASSERT_EQUAL_FATAL(ngot, 43);
	for (unsigned i = 0; i < ngot; i++)
		CU_ASSERT_EQUAL(got[i], i + 1);
	CU_ASSERT_EQUAL(w->stats.tx_frames, 43);
	CU_ASSERT_EQUAL(a->stats.tx_frames, 43);
	/* What is queued at close goes. */
	CU_ASSERT_EQUAL(nic_send(w, buf, frame_of(buf, 44)), 0);
	nic_close(w);
	CU_ASSERT_EQUAL(drain(b, got, 0), 1);
	CU_ASSERT_EQUAL(got[0], 44);
	nic_close(b);
}

static void test_send_path_names(void)
{
	CU_ASSERT_EQUAL(nic_send_path_parse("libnet"), NIC_SEND_LIBNET);
	CU_ASSERT_EQUAL(nic_send_path_parse("sendmmsg"), NIC_SEND_SENDMMSG);
	CU_ASSERT_EQUAL(nic_send_path_parse("bypass"), NIC_SEND_BYPASS);
	CU_ASSERT_EQUAL(nic_send_path_parse("txring"), -NIC_E_INVAL);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a batch meeting a full queue part way", test_queue_full_midway},
		{"a frame failing for good is dropped and said once",
		 test_queue_failure_reported_once},
		{"the batch decorator over a full loop", test_decorator_over_full_loop},
		{"send path names", test_send_path_names},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"batch", NULL, NULL, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
