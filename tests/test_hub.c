/* SPDX-License-Identifier: MIT */
/*
 * hub unit tests: the in-memory Ethernet segment of many ports that the
 * group download's tests run one host and many boards on. Unicast goes to
 * the port with that MAC, multicast to the ports that joined it, broadcast
 * to all, never back to the sender; a full queue drops and counts.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"

#define MTU 1500

static const uint8_t GROUP[6] = {0x03, 0x65, 0x74, 0x68, 0x00, 0x01};
static const uint8_t GROUP2[6] = {0x03, 0x65, 0x74, 0x68, 0x00, 0x02};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t NOBODY[6] = {0x02, 0x00, 0x00, 0x00, 0x77, 0x77};

/* A frame from src to dst whose bytes past the header follow from tag. */
static size_t make(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], unsigned tag,
		   size_t len)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x88;
	buf[13] = 0xb5;
	for (size_t i = FRAME_ETH_LEN; i < len; i++)
		buf[i] = (uint8_t)(tag * 7 + i);
	return len;
}

static int send_tag(struct nic *from, const uint8_t dst[6], unsigned tag)
{
	uint8_t buf[64];

	return nic_send(from, buf, make(buf, dst, from->mac, tag, sizeof(buf)));
}

/* The tag of the next frame n receives, checking every byte; -1 if none,
 * -2 if a byte is wrong. */
static int recv_tag(struct nic *n)
{
	const uint8_t *buf;
	size_t len;
	uint8_t want[64];
	unsigned tag;

	if (nic_recv(n, &buf, &len) != 1)
		return -1;
	if (len != sizeof(want))
		return -2;
	tag = (uint8_t)(buf[FRAME_ETH_LEN] - FRAME_ETH_LEN) * 183u % 256; /* 7 * 183 = 1 mod 256 */
	make(want, buf, buf + 6, tag, sizeof(want));
	return memcmp(want, buf, len) ? -2 : (int)tag;
}

static unsigned pending(struct nic *n)
{
	unsigned c = 0;

	while (recv_tag(n) != -1)
		c++;
	return c;
}

static struct nic_hub *hub;
static struct nic *port[4];

static void open_hub(unsigned depth)
{
	CU_ASSERT_FATAL(nic_hub_new(&hub, 4, MTU, depth) == 0);
	CU_ASSERT_EQUAL(nic_hub_nports(hub), 4);
	for (unsigned i = 0; i < 4; i++) {
		port[i] = nic_hub_port(hub, i);
		CU_ASSERT_FATAL(port[i] != NULL);
	}
}

static void close_hub(void)
{
	for (unsigned i = 0; i < 4; i++)
		nic_close(port[i]);
	nic_hub_free(hub);
	hub = NULL;
}

static void test_new(void)
{
	struct nic_hub *h = (struct nic_hub *)&h;
	static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 1};
	static const uint8_t mac300[6] = {0x02, 0, 0, 0, 0x01, 0x2c};

	CU_ASSERT_EQUAL(nic_hub_new(&h, 0, MTU, 0), -NIC_E_INVAL);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_FATAL(nic_hub_new(&h, 300, MTU, 0) == 0);
	CU_ASSERT_EQUAL(memcmp(nic_hub_port(h, 0)->mac, mac1, 6), 0);
	CU_ASSERT_EQUAL(memcmp(nic_hub_port(h, 299)->mac, mac300, 6), 0);
	CU_ASSERT_STRING_EQUAL(nic_hub_port(h, 299)->name, "hub:299");
	CU_ASSERT_EQUAL(nic_hub_port(h, 5)->mtu, MTU);
	CU_ASSERT_PTR_NULL(nic_hub_port(h, 300));
	CU_ASSERT_EQUAL(nic_fd(nic_hub_port(h, 0)), -1);
	/* The hub first, the ports after. */
	nic_hub_free(h);
	for (unsigned i = 0; i < 300; i++)
		nic_close(nic_hub_port(h, i));
	nic_hub_free(NULL);
}

static void test_unicast(void)
{
	struct nic_hub_stats st;

	open_hub(0);
	CU_ASSERT_EQUAL(send_tag(port[0], port[2]->mac, 5), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], port[2]->mac, 6), 0);
	CU_ASSERT_EQUAL(send_tag(port[3], port[0]->mac, 9), 0);
	CU_ASSERT_EQUAL(recv_tag(port[2]), 5); /* in order */
	CU_ASSERT_EQUAL(recv_tag(port[2]), 6);
	CU_ASSERT_EQUAL(recv_tag(port[2]), -1);
	CU_ASSERT_EQUAL(recv_tag(port[0]), 9);
	CU_ASSERT_EQUAL(pending(port[1]), 0);
	CU_ASSERT_EQUAL(pending(port[3]), 0);
	nic_hub_get_stats(hub, 2, &st);
	CU_ASSERT_EQUAL(st.queued, 2);
	CU_ASSERT_EQUAL(st.dropped, 0);
	CU_ASSERT_EQUAL(port[0]->stats.tx_frames, 2);
	CU_ASSERT_EQUAL(port[2]->stats.rx_frames, 2);

	/* Nobody has that MAC: sent, and lost. */
	CU_ASSERT_EQUAL(send_tag(port[0], NOBODY, 1), 0);
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(pending(port[i]), 0);

	/* A port's MAC can be changed: frames follow it. */
	uint8_t old[6];

	memcpy(old, port[1]->mac, 6);
	memcpy(port[1]->mac, NOBODY, 6);
	CU_ASSERT_EQUAL(send_tag(port[0], NOBODY, 2), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], old, 3), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 2);
	CU_ASSERT_EQUAL(recv_tag(port[1]), -1);
	close_hub();
}

static void test_frame_size(void)
{
	uint8_t buf[MTU + FRAME_ETH_LEN + 1];

	open_hub(0);
	make(buf, port[1]->mac, port[0]->mac, 0, sizeof(buf));
	CU_ASSERT_EQUAL(nic_send(port[0], buf, sizeof(buf)), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(nic_send(port[0], buf, FRAME_ETH_LEN - 1), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(nic_send(port[0], buf, sizeof(buf) - 1), 0);
	CU_ASSERT_EQUAL(nic_send(port[0], buf, FRAME_ETH_LEN), 0);
	CU_ASSERT_EQUAL(pending(port[1]), 2);
	CU_ASSERT_EQUAL(port[0]->stats.tx_frames, 2);
	close_hub();
}

static void test_multicast(void)
{
	open_hub(0);
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(port[3], GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(port[2], GROUP2), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 4), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 4);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 4);
	CU_ASSERT_EQUAL(pending(port[2]), 0);
	CU_ASSERT_EQUAL(pending(port[0]), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP2, 8), 0);
	CU_ASSERT_EQUAL(recv_tag(port[2]), 8);
	CU_ASSERT_EQUAL(pending(port[1]), 0);
	CU_ASSERT_EQUAL(pending(port[3]), 0);
	/* A unicast MAC is not a group. */
	CU_ASSERT_EQUAL(nic_join(port[1], port[2]->mac), -NIC_E_INVAL);
	close_hub();
}

static void test_leave(void)
{
	struct nic *a, *b;
	static const uint8_t ma[6] = {2, 0, 0, 0, 0, 0xa}, mb[6] = {2, 0, 0, 0, 0, 0xb};

	open_hub(0);
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP), 0); /* once is enough */
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP2), 0);
	CU_ASSERT_EQUAL(nic_join(port[2], GROUP), 0);
	CU_ASSERT_EQUAL(nic_leave(port[1], GROUP), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 1), 0);
	CU_ASSERT_EQUAL(pending(port[1]), 0);
	CU_ASSERT_EQUAL(recv_tag(port[2]), 1);
	/* The other group is still joined. */
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP2, 2), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 2);
	/* Leaving what was never joined is no error; a unicast MAC is. */
	CU_ASSERT_EQUAL(nic_leave(port[3], GROUP), 0);
	CU_ASSERT_EQUAL(nic_leave(port[3], port[2]->mac), -NIC_E_INVAL);
	/* Joining again works again. */
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 3), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 3);
	close_hub();

	/* The loop pair has the op too: leaving what it never joined is no error. */
	CU_ASSERT_FATAL(nic_loop_pair(&a, &b, ma, mb, MTU, 0) == 0);
	CU_ASSERT_EQUAL(nic_leave(a, GROUP), 0);
	nic_close(a);
	nic_close(b);
}

static void test_broadcast(void)
{
	open_hub(0);
	CU_ASSERT_EQUAL(send_tag(port[2], BCAST, 7), 0);
	CU_ASSERT_EQUAL(recv_tag(port[0]), 7);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 7);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 7);
	CU_ASSERT_EQUAL(pending(port[2]), 0);
	close_hub();
}

static void test_not_to_sender(void)
{
	open_hub(0);
	CU_ASSERT_EQUAL(nic_join(port[0], GROUP), 0);
	CU_ASSERT_EQUAL(nic_hub_promisc(hub, 0, 1), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 1), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], BCAST, 2), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], port[0]->mac, 3), 0);
	CU_ASSERT_EQUAL(pending(port[0]), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 2); /* the others got the broadcast */
	CU_ASSERT_EQUAL(recv_tag(port[1]), -1);
	/* Another port with the same MAC does get it. */
	memcpy(port[1]->mac, port[0]->mac, 6);
	CU_ASSERT_EQUAL(send_tag(port[0], port[0]->mac, 4), 0);
	CU_ASSERT_EQUAL(pending(port[0]), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 4);
	close_hub();
}

static void test_promisc(void)
{
	open_hub(0);
	CU_ASSERT_EQUAL(nic_hub_promisc(hub, 3, 1), 0);
	CU_ASSERT_EQUAL(nic_hub_promisc(hub, 4, 1), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(send_tag(port[0], port[1]->mac, 1), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 2), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], NOBODY, 3), 0);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 1);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 2);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 3);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 1);
	CU_ASSERT_EQUAL(pending(port[1]), 0);
	CU_ASSERT_EQUAL(pending(port[2]), 0);
	CU_ASSERT_EQUAL(nic_hub_promisc(hub, 3, 0), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], port[1]->mac, 4), 0);
	CU_ASSERT_EQUAL(pending(port[3]), 0);
	close_hub();
}

static void test_queue_full(void)
{
	struct nic_hub_stats st;

	open_hub(3);
	CU_ASSERT_EQUAL(nic_join(port[1], GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(port[2], GROUP), 0);
	for (unsigned i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(send_tag(port[0], port[1]->mac, i), 0);
	/* Port 1 is full: its copy is dropped, port 2 still gets its own, and
	 * the send succeeds. */
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 10), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], port[1]->mac, 11), 0);
	nic_hub_get_stats(hub, 1, &st);
	CU_ASSERT_EQUAL(st.queued, 3);
	CU_ASSERT_EQUAL(st.dropped, 2);
	nic_hub_get_stats(hub, 2, &st);
	CU_ASSERT_EQUAL(st.queued, 1);
	CU_ASSERT_EQUAL(st.dropped, 0);
	nic_hub_get_stats(hub, 9, &st);
	CU_ASSERT_EQUAL(st.queued, 0);
	CU_ASSERT_EQUAL(recv_tag(port[2]), 10);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 1);
	/* Room again for one. */
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 12), 0);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 2);
	CU_ASSERT_EQUAL(recv_tag(port[1]), 12);
	CU_ASSERT_EQUAL(recv_tag(port[1]), -1);
	close_hub();
}

static void test_closed_port(void)
{
	open_hub(0);
	CU_ASSERT_EQUAL(nic_join(port[2], GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(port[3], GROUP), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 1), 0); /* left queued in port 2 */
	nic_close(port[2]);
	port[2] = NULL;
	CU_ASSERT_PTR_NULL(nic_hub_port(hub, 2));
	CU_ASSERT_EQUAL(nic_hub_promisc(hub, 2, 1), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(send_tag(port[0], GROUP, 2), 0);
	CU_ASSERT_EQUAL(send_tag(port[0], BCAST, 3), 0);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 1);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 2);
	CU_ASSERT_EQUAL(recv_tag(port[3]), 3);
	close_hub(); /* nic_close(NULL) for port 2 */
}

/* Per-board loss: each port wrapped with its own impairment. */
static void test_impair_per_port(void)
{
	struct nic *w[4];
	struct nic_impair p;
	unsigned got[4];

	open_hub(0);
	memset(&p, 0, sizeof(p));
	p.on_rx = 1;
	p.seed = 1;
	w[0] = port[0];
	p.drop = 0;
	CU_ASSERT_FATAL(nic_impair_wrap(&w[1], port[1], &p) == 0);
	p.drop = 1;
	CU_ASSERT_FATAL(nic_impair_wrap(&w[2], port[2], &p) == 0);
	p.drop = 0.3;
	CU_ASSERT_FATAL(nic_impair_wrap(&w[3], port[3], &p) == 0);
	for (unsigned i = 1; i < 4; i++)
		CU_ASSERT_EQUAL(nic_join(w[i], GROUP), 0);
	for (unsigned t = 0; t < 1000; t++)
		CU_ASSERT_EQUAL(send_tag(w[0], GROUP, t), 0);
	for (unsigned i = 1; i < 4; i++)
		got[i] = pending(w[i]);
	CU_ASSERT_EQUAL(got[1], 1000);
	CU_ASSERT_EQUAL(got[2], 0);
	CU_ASSERT(got[3] > 600 && got[3] < 800);
	/* The wrappers own the ports. */
	for (unsigned i = 0; i < 4; i++)
		nic_close(w[i]);
	nic_hub_free(hub);
	hub = NULL;
}

static CU_TestInfo hub_tests[] = {
	{"new, MACs, names, free in any order", test_new},
	{"unicast to the port with that MAC", test_unicast},
	{"frame size", test_frame_size},
	{"multicast only to joined ports", test_multicast},
	{"leave stops delivery", test_leave},
	{"broadcast to all others", test_broadcast},
	{"sender never gets its own frame", test_not_to_sender},
	{"promiscuous port", test_promisc},
	{"full queue drops and counts", test_queue_full},
	{"closed port", test_closed_port},
	{"per-port loss through impair", test_impair_per_port},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"hub", NULL, NULL, NULL, NULL, hub_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
