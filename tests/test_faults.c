/* SPDX-License-Identifier: MIT */
/*
 * The nic fault decorator: nic_fault_wrap (nic/fault.h) makes a peer
 * misbehave on the wire in one exact way. Each fault must do exactly what it
 * says and pass everything else through untouched. (The store's faults,
 * devstore_fault, are tested in test_devstore.c.)
 *
 * This program links ethdl_nic, ethdl_platform and ethdl_frame only: it also
 * shows that the nic interface, its in-memory backends and decorators need
 * neither libpcap nor libnet.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fault.h"
#include "frame.h"
#include "nic.h"
#include "proto.h"

static const uint8_t MAC_HOST[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t MAC_BOARD[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t MAC_GROUP[6] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x42};

/* ---- nic fault ---- */

/* A valid frame from src to dst with the given code and sequence; its data
 * is derived from the sequence, so that any change shows. */
static size_t mk(uint8_t *buf, const uint8_t src[6], const uint8_t dst[6], uint8_t code,
		 uint32_t seq, size_t dlen, uint16_t ethertype)
{
	uint8_t data[512];
	struct frame f;
	int n;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < dlen; i++)
		data[i] = (uint8_t)(seq * 7 + i);
	memcpy(f.dst, dst, 6);
	memcpy(f.src, src, 6);
	f.version = FRAME_VERSION;
	f.flags = FRAME_FLAG_ACKREQ;
	f.session = 0x5e551011;
	f.seq = seq;
	f.code = code;
	f.len = (uint16_t)dlen;
	f.data = data;
	n = frame_encode(buf, FRAME_BUF_MAX, &f, ethertype);
	CU_ASSERT_FATAL(n >= (int)FRAME_MIN_LEN);
	return (size_t)n;
}

/* The board side of a loop pair, wrapped with f; *host is the other end. */
static struct nic *board_with(const struct nic_fault *f, struct nic **host)
{
	struct nic *b, *w;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(host, &b, MAC_HOST, MAC_BOARD, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&w, b, f), 0);
	return w;
}

/* Send buf (len) on from; expect nothing, or exactly want (wlen), on to. */
static void expect(struct nic *from, struct nic *to, const uint8_t *buf, size_t len,
		   const uint8_t *want, size_t wlen)
{
	const uint8_t *got;
	size_t glen;

	CU_ASSERT_EQUAL(nic_send(from, buf, len), 0);
	if (!want) {
		CU_ASSERT_EQUAL(nic_recv(to, &got, &glen), 0);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(nic_recv(to, &got, &glen), 1);
	CU_ASSERT_EQUAL(glen, wlen);
	CU_ASSERT(glen == wlen && memcmp(got, want, wlen) == 0);
}

static void pass(struct nic *from, struct nic *to, const uint8_t *buf, size_t len)
{
	expect(from, to, buf, len, buf, len);
}

static void test_fault_none(void)
{
	struct nic_fault f = {0};
	struct nic_fault_stats st;
	struct nic *h, *b = board_with(&f, &h);
	uint8_t buf[FRAME_BUF_MAX];
	size_t n;

	/* name, MAC and MTU of the inner nic; no fd (the loop has none) */
	CU_ASSERT_EQUAL(memcmp(b->mac, MAC_BOARD, 6), 0);
	CU_ASSERT_EQUAL(b->mtu, 1500);
	CU_ASSERT_EQUAL(nic_fd(b), -1);
	CU_ASSERT_EQUAL(nic_join(b, MAC_GROUP), 0);
	for (unsigned code = 0x81; code <= 0x89; code++) {
		n = mk(buf, MAC_BOARD, MAC_HOST, (uint8_t)code, code, 40, FRAME_ETHERTYPE_DEFAULT);
		pass(b, h, buf, n);
		n = mk(buf, MAC_HOST, MAC_BOARD, (uint8_t)(FC_CONNECT + (code - 0x81) % 6), code,
		       40, FRAME_ETHERTYPE_DEFAULT);
		pass(h, b, buf, n);
	}
	/* a frame to the joined group reaches the board */
	n = mk(buf, MAC_HOST, MAC_GROUP, FC_FILE_DATA, 1, 100, FRAME_ETHERTYPE_DEFAULT);
	pass(h, b, buf, n);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.received, 10);
	CU_ASSERT_EQUAL(st.muted + st.rewritten + st.dropped, 0);
	CU_ASSERT_EQUAL(b->stats.tx_frames, 9);
	CU_ASSERT_EQUAL(b->stats.rx_frames, 10);
	nic_close(b);
	nic_close(h);
}

static void test_fault_mute(void)
{
	struct nic_fault f = {.mute = 1};
	struct nic_fault_stats st;
	struct nic *h, *b = board_with(&f, &h);
	uint8_t buf[FRAME_BUF_MAX];
	size_t n;

	for (uint32_t s = 1; s <= 5; s++) {
		n = mk(buf, MAC_HOST, MAC_BOARD, FC_FILE_DATA, s, 200, FRAME_ETHERTYPE_DEFAULT);
		pass(h, b, buf, n); /* hears everything */
		n = mk(buf, MAC_BOARD, MAC_HOST, FC_DOWNLOAD_ACK, s, 10, FRAME_ETHERTYPE_DEFAULT);
		expect(b, h, buf, n, NULL, 0); /* says nothing */
	}
	/* not even what is not ours */
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_ERROR, 1, 10, 0x0800);
	expect(b, h, buf, n, NULL, 0);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.muted, 6);
	CU_ASSERT_EQUAL(st.received, 5);
	nic_close(b);
	nic_close(h);
}

static void test_fault_mute_after(void)
{
	struct nic_fault f = {.mute_after = 2};
	struct nic_fault_stats st;
	struct nic *h, *b = board_with(&f, &h);
	uint8_t buf[FRAME_BUF_MAX], reply[FRAME_BUF_MAX];
	size_t n, rn;

	/* The first two frames of our EtherType are answered. */
	for (uint32_t s = 1; s <= 2; s++) {
		n = mk(buf, MAC_HOST, MAC_BOARD, FC_CONNECT, s, 0, FRAME_ETHERTYPE_DEFAULT);
		pass(h, b, buf, n);
		rn = mk(reply, MAC_BOARD, MAC_HOST, FC_CONNECT_ACK, s, 30, FRAME_ETHERTYPE_DEFAULT);
		pass(b, h, reply, rn);
	}
	/* Frames that are not ours, or damaged, do not count. */
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_CONNECT, 9, 0, 0x88B6);
	pass(h, b, buf, n);
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_CONNECT, 9, 0, FRAME_ETHERTYPE_DEFAULT);
	buf[30] ^= 0x40;
	pass(h, b, buf, n);
	pass(b, h, reply, rn);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.received, 2);
	/* The third is heard, and from then on nothing is sent. */
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_DOWNLOAD, 3, 0, FRAME_ETHERTYPE_DEFAULT);
	pass(h, b, buf, n);
	rn = mk(reply, MAC_BOARD, MAC_HOST, FC_DOWNLOAD_ACK, 3, 30, FRAME_ETHERTYPE_DEFAULT);
	expect(b, h, reply, rn, NULL, 0);
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_DISCONNECT, 4, 0, FRAME_ETHERTYPE_DEFAULT);
	pass(h, b, buf, n);
	rn = mk(reply, MAC_BOARD, MAC_HOST, FC_DISCONNECT_ACK, 4, 0, FRAME_ETHERTYPE_DEFAULT);
	expect(b, h, reply, rn, NULL, 0);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.received, 4);
	CU_ASSERT_EQUAL(st.muted, 2);
	nic_close(b);
	nic_close(h);

	/* Another EtherType is counted when configured. */
	f.ethertype = 0x88B6;
	b = board_with(&f, &h);
	for (uint32_t s = 1; s <= 3; s++) {
		n = mk(buf, MAC_HOST, MAC_BOARD, FC_CONNECT, s, 0, FRAME_ETHERTYPE_DEFAULT);
		pass(h, b, buf, n);
	}
	rn = mk(reply, MAC_BOARD, MAC_HOST, FC_CONNECT_ACK, 1, 0, 0x88B6);
	pass(b, h, reply, rn);
	for (uint32_t s = 1; s <= 3; s++) {
		n = mk(buf, MAC_HOST, MAC_BOARD, FC_CONNECT, s, 0, 0x88B6);
		pass(h, b, buf, n);
	}
	expect(b, h, reply, rn, NULL, 0);
	nic_close(b);
	nic_close(h);
}

static void test_fault_rewrite(void)
{
	struct nic_fault f = {.rewrite_code = FC_DOWNLOAD_ACK, .rewrite_to = FC_READBACK_ACK};
	struct nic_fault_stats st;
	struct nic *h, *b = board_with(&f, &h);
	uint8_t buf[FRAME_BUF_MAX], want[FRAME_BUF_MAX];
	const uint8_t *got;
	struct frame in, out;
	size_t n, glen;

	/* DOWNLOAD_ACK goes out as READBACK_ACK: a valid frame, everything but
	 * the code (and so the CRC) as it was. */
	for (size_t dlen = 0; dlen <= 300; dlen += 100) {
		n = mk(buf, MAC_BOARD, MAC_HOST, FC_DOWNLOAD_ACK, 0, dlen, FRAME_ETHERTYPE_DEFAULT);
		CU_ASSERT_EQUAL_FATAL(nic_send(b, buf, n), 0);
		CU_ASSERT_EQUAL_FATAL(nic_recv(h, &got, &glen), 1);
		CU_ASSERT_EQUAL(glen, n);
		CU_ASSERT_EQUAL_FATAL(frame_decode(&out, got, glen, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT_EQUAL_FATAL(frame_decode(&in, buf, n, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT_EQUAL(out.code, FC_READBACK_ACK);
		CU_ASSERT_EQUAL(out.seq, in.seq);
		CU_ASSERT_EQUAL(out.session, in.session);
		CU_ASSERT_EQUAL(out.flags, in.flags);
		CU_ASSERT_EQUAL(out.len, in.len);
		CU_ASSERT(dlen == 0 || memcmp(out.data, in.data, dlen) == 0);
		/* byte for byte what a board that sent READBACK_ACK would send */
		CU_ASSERT_EQUAL(mk(want, MAC_BOARD, MAC_HOST, FC_READBACK_ACK, 0, dlen,
				   FRAME_ETHERTYPE_DEFAULT),
				n);
		CU_ASSERT(glen == n && memcmp(got, want, n) == 0);
		/* the caller's buffer is left alone */
		CU_ASSERT_EQUAL(buf[26], FC_DOWNLOAD_ACK);
	}
	/* every other code passes untouched, and so does what the board hears */
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_FILE_INFO_ACK, 0, 20, FRAME_ETHERTYPE_DEFAULT);
	pass(b, h, buf, n);
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_DOWNLOAD_ACK, 0, 20, FRAME_ETHERTYPE_DEFAULT);
	pass(h, b, buf, n);
	/* another EtherType, and a damaged frame, are not rewritten */
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_DOWNLOAD_ACK, 0, 20, 0x88B6);
	pass(b, h, buf, n);
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_DOWNLOAD_ACK, 0, 20, FRAME_ETHERTYPE_DEFAULT);
	buf[40] ^= 1;
	pass(b, h, buf, n);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.rewritten, 4);
	nic_close(b);
	nic_close(h);
}

static void test_fault_drop(void)
{
	struct nic_fault f = {.drop_code = FC_READBACK_DATA, .drop_seq = 5};
	struct nic_fault_stats st;
	struct nic *h, *b = board_with(&f, &h);
	uint8_t buf[FRAME_BUF_MAX];
	size_t n;

	for (uint32_t s = 1; s <= 8; s++) {
		n = mk(buf, MAC_BOARD, MAC_HOST, FC_READBACK_DATA, s, 256, FRAME_ETHERTYPE_DEFAULT);
		if (s == 5)
			expect(b, h, buf, n, NULL, 0);
		else
			pass(b, h, buf, n);
	}
	/* sent again, it is left out again */
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_READBACK_DATA, 5, 256, FRAME_ETHERTYPE_DEFAULT);
	expect(b, h, buf, n, NULL, 0);
	/* the same sequence with another code, or heard, passes */
	n = mk(buf, MAC_BOARD, MAC_HOST, FC_READBACK_DONE, 5, 0, FRAME_ETHERTYPE_DEFAULT);
	pass(b, h, buf, n);
	n = mk(buf, MAC_HOST, MAC_BOARD, FC_READBACK_DATA, 5, 256, FRAME_ETHERTYPE_DEFAULT);
	pass(h, b, buf, n);
	nic_fault_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.dropped, 2);
	CU_ASSERT_EQUAL(st.muted + st.rewritten, 0);
	nic_close(b);
	nic_close(h);
}

static void test_fault_args(void)
{
	struct nic_fault f = {0};
	struct nic_fault_stats st;
	struct nic *h, *b, *w = (struct nic *)&f;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&h, &b, MAC_HOST, MAC_BOARD, 1500, 0), 0);
	CU_ASSERT_EQUAL(nic_fault_wrap(&w, b, NULL), -NIC_E_INVAL);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_EQUAL(nic_fault_wrap(&w, NULL, &f), -NIC_E_INVAL);
	memset(&st, 0xff, sizeof(st));
	nic_fault_get_stats(b, &st); /* not a fault nic: zeroes */
	CU_ASSERT_EQUAL(st.received + st.muted + st.rewritten + st.dropped, 0);
	nic_close(b);
	nic_close(h);
}

static CU_TestInfo nic_tests[] = {
	{"no fault passes everything", test_fault_none},
	{"mute hears everything, sends nothing", test_fault_mute},
	{"mute_after answers N frames, then nothing", test_fault_mute_after},
	{"rewrite DOWNLOAD_ACK to READBACK_ACK, CRC sealed", test_fault_rewrite},
	{"drop READBACK_DATA 5, every time", test_fault_drop},
	{"arguments and statistics", test_fault_args},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"nic fault", NULL, NULL, NULL, NULL, nic_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
