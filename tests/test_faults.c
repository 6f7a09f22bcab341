/* SPDX-License-Identifier: MIT */
/*
 * Fault decorators: nic_fault_wrap (nic/fault.h) makes a peer misbehave on
 * the wire in one exact way, store_fault_wrap (platform/store_fault.h) makes
 * a board's storage lie in one exact way. Each fault must do exactly what it
 * says and pass everything else through untouched.
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
#include "store_dir.h"
#include "store_fault.h"

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

/* ---- store fault ---- */

/* A store in memory that records what it was asked. */
struct mem {
	uint8_t slot[FT_COUNT][4096];
	uint64_t size[FT_COUNT];
	uint32_t crc[FT_COUNT];
	uint8_t part[4096];
	uint64_t part_size;
	int part_type, open;
	int calls, last_type, fail;
	uint64_t last_off;
	size_t last_len;
	uint32_t last_crc;
};

static struct mem *M(void *ctx)
{
	struct mem *m = ctx;

	m->calls++;
	return m;
}

static int m_info(void *ctx, int type, uint64_t *size, uint32_t *crc)
{
	struct mem *m = M(ctx);

	m->last_type = type;
	if (m->fail)
		return m->fail;
	if (!m->size[type])
		return -ENOENT;
	*size = m->size[type];
	*crc = m->crc[type];
	return 0;
}

static int m_begin(void *ctx, int type, uint64_t size)
{
	struct mem *m = M(ctx);

	m->last_type = type;
	m->last_len = (size_t)size;
	if (m->fail)
		return m->fail;
	m->part_type = type;
	m->part_size = size;
	m->open = 1;
	memset(m->part, 0, sizeof(m->part));
	return 0;
}

static int m_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct mem *m = M(ctx);

	m->last_off = off;
	m->last_len = len;
	if (m->fail)
		return m->fail;
	memcpy(m->part + off, buf, len);
	return 0;
}

static int m_read_new(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem *m = M(ctx);

	m->last_off = off;
	m->last_len = len;
	if (m->fail)
		return m->fail;
	memcpy(buf, m->part + off, len);
	return 0;
}

static int m_commit(void *ctx, uint32_t crc)
{
	struct mem *m = M(ctx);

	m->last_crc = crc;
	if (m->fail)
		return m->fail;
	memcpy(m->slot[m->part_type], m->part, sizeof(m->part));
	m->size[m->part_type] = m->part_size;
	m->crc[m->part_type] = crc;
	m->open = 0;
	return 0;
}

static void m_abort(void *ctx)
{
	M(ctx)->open = 0;
}

static int m_read(void *ctx, int type, uint64_t off, void *buf, size_t len)
{
	struct mem *m = M(ctx);

	m->last_type = type;
	m->last_off = off;
	m->last_len = len;
	if (m->fail)
		return m->fail;
	memcpy(buf, m->slot[type] + off, len);
	return 0;
}

static void mem_init(struct mem *m, struct board_store *st)
{
	memset(m, 0, sizeof(*m));
	*st = (struct board_store){m_info,   m_begin, m_write, m_read_new,
				   m_commit, m_abort, m_read,  m};
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

/* Download data (n bytes) into slot type through st, in pieces of step. */
static void download(const struct board_store *st, int type, const uint8_t *data, size_t n,
		     size_t step)
{
	CU_ASSERT_EQUAL_FATAL(st->begin(st->ctx, type, n), 0);
	for (size_t off = 0; off < n; off += step)
		CU_ASSERT_EQUAL_FATAL(
			st->write(st->ctx, off, data + off, n - off < step ? n - off : step), 0);
	CU_ASSERT_EQUAL_FATAL(st->commit(st->ctx, frame_crc32(0, data, n)), 0);
}

static void test_store_fault_none(void)
{
	struct store_fault f = {0};
	struct board_store in, st;
	struct mem m;
	uint8_t data[3000], got[3000];
	uint64_t size;
	uint32_t crc;

	mem_init(&m, &in);
	CU_ASSERT_EQUAL_FATAL(store_fault_wrap(&st, &in, &f), 0);
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_CONFIG, &size, &crc), -ENOENT);
	CU_ASSERT_EQUAL(m.last_type, FT_CONFIG);
	fill(data, sizeof(data), 1);
	download(&st, FT_ALGORITHM, data, sizeof(data), 1000);
	CU_ASSERT_EQUAL(memcmp(m.slot[FT_ALGORITHM], data, sizeof(data)), 0);
	CU_ASSERT_EQUAL(m.last_crc, frame_crc32(0, data, sizeof(data)));
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_ALGORITHM, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, sizeof(data));
	CU_ASSERT_EQUAL(crc, frame_crc32(0, data, sizeof(data)));
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_ALGORITHM, 0, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_ALGORITHM, 1499, got, 2), 0);
	CU_ASSERT_EQUAL(m.last_off, 1499);
	CU_ASSERT_EQUAL(m.last_len, 2);
	CU_ASSERT_EQUAL(memcmp(got, data + 1499, 2), 0);
	/* errors come back as they are */
	m.fail = -EIO;
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_ALGORITHM, &size, &crc), -EIO);
	CU_ASSERT_EQUAL(st.begin(st.ctx, FT_CONFIG, 10), -EIO);
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, data, 10), -EIO);
	CU_ASSERT_EQUAL(st.read_new(st.ctx, 0, got, 10), -EIO);
	CU_ASSERT_EQUAL(st.commit(st.ctx, 7), -EIO);
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_ALGORITHM, 0, got, 10), -EIO);
	m.fail = 0;
	m.open = 1;
	st.abort(st.ctx);
	CU_ASSERT_EQUAL(m.open, 0);
	store_fault_close(&st);
	CU_ASSERT_PTR_NULL(st.ctx);
	store_fault_close(&st);
	store_fault_close(NULL);
	store_fault_close(&in); /* not a wrapped store: left alone */
	CU_ASSERT_PTR_EQUAL(in.ctx, &m);
}

static void test_store_flip_received(void)
{
	struct store_fault f = {.flip_received = 1};
	struct board_store in, st;
	struct mem m;
	uint8_t data[3000], got[3000], one;
	uint64_t size;
	uint32_t crc;

	mem_init(&m, &in);
	CU_ASSERT_EQUAL_FATAL(store_fault_wrap(&st, &in, &f), 0);
	fill(data, sizeof(data), 2);
	/* out of order: offset 0 last */
	CU_ASSERT_EQUAL_FATAL(st.begin(st.ctx, FT_CONFIG, sizeof(data)), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 2000, data + 2000, 1000), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 1000, data + 1000, 1000), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, data, 1000), 0);
	/* what was stored is what was sent, but for bit 0 of byte 0 */
	CU_ASSERT_EQUAL(st.read_new(st.ctx, 0, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(got[0], data[0] ^ 0x01);
	CU_ASSERT_EQUAL(memcmp(got + 1, data + 1, sizeof(data) - 1), 0);
	CU_ASSERT_EQUAL(data[0], (uint8_t)(2)); /* the caller's buffer is left alone */
	CU_ASSERT_EQUAL(st.commit(st.ctx, 0x1234), 0);
	CU_ASSERT_EQUAL(m.last_crc, 0x1234);
	CU_ASSERT_EQUAL(m.slot[FT_CONFIG][0], data[0] ^ 0x01);
	CU_ASSERT_EQUAL(memcmp(m.slot[FT_CONFIG] + 1, data + 1, sizeof(data) - 1), 0);
	/* reading the slot, and its info, are not touched */
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 0, &one, 1), 0);
	CU_ASSERT_EQUAL(one, data[0] ^ 0x01);
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_CONFIG, &size, &crc), 0);
	CU_ASSERT_EQUAL(crc, 0x1234);
	/* a one-byte write at 0 */
	CU_ASSERT_EQUAL_FATAL(st.begin(st.ctx, FT_PARAMETER, 2), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, "A", 1), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 1, "B", 1), 0);
	CU_ASSERT_EQUAL(st.read_new(st.ctx, 0, got, 2), 0);
	CU_ASSERT_EQUAL(got[0], 'A' ^ 0x01);
	CU_ASSERT_EQUAL(got[1], 'B');
	/* a write error at 0 is the caller's */
	m.fail = -ENOSPC;
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, data, 100), -ENOSPC);
	m.fail = 0;
	st.abort(st.ctx);
	store_fault_close(&st);
}

static void test_store_corrupt_readback(void)
{
	struct store_fault f = {.corrupt_readback = 1};
	struct board_store in, st;
	struct mem m;
	uint8_t data[1001], got[1001], other[600];
	uint64_t size;
	uint32_t crc;

	mem_init(&m, &in);
	CU_ASSERT_EQUAL_FATAL(store_fault_wrap(&st, &in, &f), 0);
	fill(data, sizeof(data), 3);
	download(&st, FT_CONFIG, data, sizeof(data), 300);
	/* stored as sent; info tells the truth */
	CU_ASSERT_EQUAL(memcmp(m.slot[FT_CONFIG], data, sizeof(data)), 0);
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_CONFIG, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, sizeof(data));
	CU_ASSERT_EQUAL(crc, frame_crc32(0, data, sizeof(data)));
	/* the whole file: byte 500 (1001 / 2) differs by 0x20, nothing else */
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 0, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(got[500], data[500] ^ 0x20);
	got[500] ^= 0x20;
	CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
	/* in pieces: only the piece holding 500, at its place */
	for (uint64_t off = 0; off < sizeof(data); off += 100) {
		size_t len = sizeof(data) - off < 100 ? sizeof(data) - off : 100;

		CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, off, got, len), 0);
		if (off == 500) {
			CU_ASSERT_EQUAL(got[0], data[500] ^ 0x20);
			got[0] ^= 0x20;
		}
		CU_ASSERT_EQUAL(memcmp(got, data + off, len), 0);
	}
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 499, got, 1), 0);
	CU_ASSERT_EQUAL(got[0], data[499]);
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 501, got, 1), 0);
	CU_ASSERT_EQUAL(got[0], data[501]);
	/* a download's own read-back is not touched */
	CU_ASSERT_EQUAL_FATAL(st.begin(st.ctx, FT_ALGORITHM, sizeof(other)), 0);
	fill(other, sizeof(other), 4);
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, other, sizeof(other)), 0);
	CU_ASSERT_EQUAL(st.read_new(st.ctx, 0, got, sizeof(other)), 0);
	CU_ASSERT_EQUAL(memcmp(got, other, sizeof(other)), 0);
	CU_ASSERT_EQUAL(st.commit(st.ctx, frame_crc32(0, other, sizeof(other))), 0);
	/* each slot has its own middle, and a new file its own */
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_ALGORITHM, 0, got, sizeof(other)), 0);
	CU_ASSERT_EQUAL(got[300], other[300] ^ 0x20);
	download(&st, FT_CONFIG, other, 200, 200);
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 0, got, 200), 0);
	CU_ASSERT_EQUAL(got[100], other[100] ^ 0x20);
	got[100] ^= 0x20;
	CU_ASSERT_EQUAL(memcmp(got, other, 200), 0);
	/* an empty slot is the inner store's answer */
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_REDUNDANCY, 0, got, 0), 0);
	store_fault_close(&st);
}

/* Both faults over the real directory store: the board's storage as
 * ethdl-board will run it. */
static void test_store_fault_dir(void)
{
	struct store_fault f = {.flip_received = 1, .corrupt_readback = 1};
	struct board_store dir, st;
	char path[] = "/tmp/ethdl-faults-XXXXXX", cmd[64];
	uint8_t data[70000], got[70000];
	uint64_t size;
	uint32_t crc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(path));
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&dir, path), 0);
	CU_ASSERT_EQUAL_FATAL(store_fault_wrap(&st, &dir, &f), 0);
	fill(data, sizeof(data), 5);
	download(&st, FT_CONFIG, data, sizeof(data), 1400);
	CU_ASSERT_EQUAL(st.info(st.ctx, FT_CONFIG, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, sizeof(data));
	/* the CRC the board committed, though not that of what it stored */
	CU_ASSERT_EQUAL(crc, frame_crc32(0, data, sizeof(data)));
	CU_ASSERT_EQUAL(dir.read(dir.ctx, FT_CONFIG, 0, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(got[0], data[0] ^ 0x01);
	CU_ASSERT_EQUAL(memcmp(got + 1, data + 1, sizeof(data) - 1), 0);
	CU_ASSERT_EQUAL(st.read(st.ctx, FT_CONFIG, 0, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(got[0], data[0] ^ 0x01);
	CU_ASSERT_EQUAL(got[35000], data[35000] ^ 0x20);
	store_fault_close(&st);
	store_dir_close(&dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	CU_ASSERT_EQUAL(system(cmd), 0);
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

static CU_TestInfo store_tests[] = {
	{"no fault passes everything", test_store_fault_none},
	{"flip_received flips byte 0 of a download", test_store_flip_received},
	{"corrupt_readback flips byte size/2 of a read", test_store_corrupt_readback},
	{"over store_dir", test_store_fault_dir},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"nic fault", NULL, NULL, NULL, NULL, nic_tests},
	{"store fault", NULL, NULL, NULL, NULL, store_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
