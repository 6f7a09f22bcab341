/* SPDX-License-Identifier: MIT */
/*
 * nic unit tests: the loop, impair, file and capture backends, and the parts
 * of the live backend that need no traffic. When the process may create a
 * network namespace (root), live traffic is also tested over veth pairs in a
 * private, unnamed namespace that disappears when the suite ends; the
 * machine's own interfaces are never used.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"

#define BUF 1600

static const uint8_t MAC_A[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t MAC_OTHER[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t MAC_GROUP[6] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x42};
static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Opens must set *out to NULL on failure: start from something else. */
static struct nic sentinel;

/* A valid FILE_DATA frame whose data is derived from seq. */
static size_t make_frame_type(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
			      uint32_t seq, size_t dlen, uint16_t ethertype)
{
	uint8_t data[BUF];
	struct frame f;
	int n;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < dlen; i++)
		data[i] = (uint8_t)(seq * 31 + i);
	memcpy(f.dst, dst, 6);
	memcpy(f.src, src, 6);
	f.session = 0x5e551011;
	f.seq = seq;
	f.code = FC_FILE_DATA;
	f.len = (uint16_t)dlen;
	f.data = data;
	n = frame_encode(buf, BUF, &f, ethertype);
	CU_ASSERT_FATAL(n >= (int)FRAME_MIN_LEN);
	return (size_t)n;
}

static size_t make_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint32_t seq,
			 size_t dlen)
{
	return make_frame_type(buf, dst, src, seq, dlen, FRAME_ETHERTYPE_DEFAULT);
}

/* Sequence number of a received frame, or -1 if it does not decode. */
static long seq_of(const uint8_t *buf, size_t len)
{
	struct frame f;

	if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT))
		return -1;
	return (long)f.seq;
}

/* ---- loop ---- */

static void test_loop_both_ways(void)
{
	uint8_t tx[BUF];
	const uint8_t *rx;
	struct nic *a, *b;
	size_t len, rlen;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT(memcmp(a->mac, MAC_A, 6) == 0);
	CU_ASSERT(memcmp(b->mac, MAC_B, 6) == 0);
	CU_ASSERT_EQUAL(a->mtu, 1500);

	len = make_frame(tx, MAC_B, MAC_A, 1, 100);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	CU_ASSERT_EQUAL(nic_recv(a, &rx, &rlen), 0);
	CU_ASSERT_EQUAL_FATAL(nic_recv(b, &rx, &rlen), 1);
	CU_ASSERT_EQUAL(rlen, len);
	CU_ASSERT(memcmp(rx, tx, len) == 0);

	len = make_frame(tx, MAC_A, MAC_B, 2, 1000);
	CU_ASSERT_EQUAL(nic_send(b, tx, len), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	CU_ASSERT_EQUAL_FATAL(nic_recv(a, &rx, &rlen), 1);
	CU_ASSERT_EQUAL(rlen, len);
	CU_ASSERT(memcmp(rx, tx, len) == 0);
	CU_ASSERT_EQUAL(nic_fd(a), -1);
	nic_close(a);
	nic_close(b);
}

static void test_loop_order(void)
{
	uint8_t tx[BUF];
	const uint8_t *rx;
	struct nic *a, *b;
	size_t len, rlen;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	for (uint32_t i = 1; i <= 300; i++) {
		len = make_frame(tx, MAC_B, MAC_A, i, i % 1400);
		CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	}
	for (uint32_t i = 1; i <= 300; i++) {
		CU_ASSERT_EQUAL_FATAL(nic_recv(b, &rx, &rlen), 1);
		len = make_frame(tx, MAC_B, MAC_A, i, i % 1400);
		CU_ASSERT_EQUAL(rlen, len);
		CU_ASSERT(rlen == len && memcmp(rx, tx, len) == 0);
	}
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	nic_close(a);
	nic_close(b);
}

static void test_loop_full(void)
{
	uint8_t tx[BUF];
	const uint8_t *rx;
	struct nic *a, *b;
	size_t len, rlen;
	static const long expect[] = {1, 2, 3, 4, 6};

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 4), 0);
	for (uint32_t i = 1; i <= 4; i++) {
		len = make_frame(tx, MAC_B, MAC_A, i, 10);
		CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	}
	len = make_frame(tx, MAC_B, MAC_A, 5, 10);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), -NIC_E_FULL);
	/* The other direction has its own queue. */
	CU_ASSERT_EQUAL(nic_send(b, tx, len), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 1);
	len = make_frame(tx, MAC_B, MAC_A, 6, 10);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(nic_recv(b, &rx, &rlen), 1);
		CU_ASSERT_EQUAL(seq_of(rx, rlen), expect[i + 1]);
	}
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	CU_ASSERT_EQUAL(a->stats.tx_frames, 5);
	nic_close(a);
	nic_close(b);
}

static void test_loop_empty(void)
{
	uint8_t tx[BUF];
	const uint8_t *rx;
	struct nic *a, *b;
	size_t len, rlen;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL(nic_recv(a, &rx, &rlen), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	len = make_frame(tx, MAC_B, MAC_A, 1, 10);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 1);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	CU_ASSERT_EQUAL(b->stats.rx_frames, 1);
	nic_close(a);
	nic_close(b);
}

static void test_loop_stats(void)
{
	uint8_t tx[BUF], big[BUF];
	const uint8_t *rx;
	struct nic *a, *b;
	size_t len, rlen, bytes = 0;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1000, 2), 0);
	for (uint32_t i = 1; i <= 2; i++) {
		len = make_frame(tx, MAC_B, MAC_A, i, 100 * i);
		CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
		bytes += len;
	}
	/* Neither a full queue nor an oversized frame is counted. */
	CU_ASSERT_EQUAL(nic_send(a, tx, len), -NIC_E_FULL);
	memset(big, 0, sizeof(big));
	CU_ASSERT_EQUAL(nic_send(b, big, 1000 + FRAME_ETH_LEN + 1), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(nic_send(b, big, 1000 + FRAME_ETH_LEN), 0);
	CU_ASSERT_EQUAL(a->stats.tx_frames, 2);
	CU_ASSERT_EQUAL(a->stats.tx_bytes, bytes);
	CU_ASSERT_EQUAL(b->stats.tx_frames, 1);
	CU_ASSERT_EQUAL(b->stats.tx_bytes, 1014);
	while (nic_recv(b, &rx, &rlen) == 1)
		;
	CU_ASSERT_EQUAL(b->stats.rx_frames, 2);
	CU_ASSERT_EQUAL(b->stats.rx_bytes, bytes);
	CU_ASSERT_EQUAL(a->stats.rx_frames, 0);
	nic_close(a);
	nic_close(b);
}

/* ---- impair ---- */

struct outcome {
	unsigned delivered, bad;
	long seq[40000]; /* delivered order; -1 for a frame that does not decode */
	uint32_t crc;	 /* over every delivered byte */
	struct nic_impair_stats st;
};

static struct outcome out1, out2;

/* Send count frames from a to b through an impair nic on a (tx) or b (rx),
 * then receive all that arrive. */
static void run_impair(const struct nic_impair *p, unsigned count, struct outcome *o)
{
	struct nic *a, *b, *w, *tx, *rx;
	uint8_t buf[BUF];
	const uint8_t *r;
	size_t len;

	memset(o, 0, sizeof(*o));
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 2 * count + 64), 0);
	CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, p->on_tx ? a : b, p), 0);
	tx = p->on_tx ? w : a;
	rx = p->on_tx ? b : w;
	for (unsigned i = 1; i <= count; i++) {
		len = make_frame(buf, MAC_B, MAC_A, i, 20 + i % 200);
		CU_ASSERT_EQUAL(nic_send(tx, buf, len), 0);
	}
	while (nic_recv(rx, &r, &len) == 1) {
		CU_ASSERT_FATAL(o->delivered < sizeof(o->seq) / sizeof(o->seq[0]));
		o->seq[o->delivered] = seq_of(r, len);
		if (o->seq[o->delivered] < 0)
			o->bad++;
		o->delivered++;
		o->crc = frame_crc32(o->crc, r, len);
	}
	nic_impair_get_stats(w, &o->st);
	CU_ASSERT_EQUAL(o->st.seen, count);
	nic_close(w);
	nic_close(p->on_tx ? b : a);
}

/* Number of times each sequence number 1..count was delivered. */
static void tally(const struct outcome *o, unsigned count, unsigned *times)
{
	memset(times, 0, (count + 1) * sizeof(*times));
	for (unsigned i = 0; i < o->delivered; i++)
		if (o->seq[i] >= 1 && o->seq[i] <= (long)count)
			times[o->seq[i]]++;
}

static void test_impair_drop(void)
{
	struct nic_impair p = {.drop = 0.1, .seed = 1, .on_tx = 1};

	run_impair(&p, 20000, &out1);
	CU_ASSERT(out1.delivered >= 17800 && out1.delivered <= 18200);
	CU_ASSERT_EQUAL(out1.st.dropped, 20000 - out1.delivered);
	CU_ASSERT_EQUAL(out1.bad, 0);
	for (unsigned i = 1; i < out1.delivered; i++)
		CU_ASSERT_FATAL(out1.seq[i] > out1.seq[i - 1]);

	p.on_tx = 0;
	p.on_rx = 1;
	run_impair(&p, 20000, &out2);
	CU_ASSERT(out2.delivered >= 17800 && out2.delivered <= 18200);
	CU_ASSERT_EQUAL(out2.st.dropped, 20000 - out2.delivered);
}

static void test_impair_corrupt(void)
{
	struct nic_impair p = {.corrupt = 0.05, .seed = 2, .on_rx = 1};
	uint8_t buf[BUF];
	unsigned crc_errors = 0;
	struct nic *a, *b, *w;
	const uint8_t *r;
	struct frame f;
	size_t len;
	int e;

	run_impair(&p, 20000, &out1);
	CU_ASSERT_EQUAL(out1.delivered, 20000);
	CU_ASSERT_EQUAL(out1.bad, out1.st.corrupted);
	CU_ASSERT(out1.bad >= 800 && out1.bad <= 1200);

	/* Most flips land in the data, which only the CRC covers. */
	p.corrupt = 1;
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, b, &p), 0);
	for (uint32_t i = 1; i <= 200; i++) {
		len = make_frame(buf, MAC_B, MAC_A, i, 1000);
		CU_ASSERT_EQUAL(nic_send(a, buf, len), 0);
		CU_ASSERT_EQUAL_FATAL(nic_recv(w, &r, &len), 1);
		CU_ASSERT(memcmp(r, buf, FRAME_ETH_LEN) == 0);
		e = frame_decode(&f, r, len, FRAME_ETHERTYPE_DEFAULT);
		CU_ASSERT(e < 0);
		crc_errors += e == -FRAME_E_CRC;
	}
	CU_ASSERT(crc_errors > 150);
	nic_close(w);
	nic_close(a);
}

static void test_impair_duplicate(void)
{
	static unsigned times[20001];
	struct nic_impair p = {.duplicate = 0.1, .seed = 3, .on_tx = 1};
	unsigned twice = 0;

	run_impair(&p, 20000, &out1);
	CU_ASSERT_EQUAL(out1.delivered, 20000 + out1.st.duplicated);
	CU_ASSERT(out1.st.duplicated >= 1800 && out1.st.duplicated <= 2200);
	tally(&out1, 20000, times);
	for (unsigned i = 1; i <= 20000; i++) {
		CU_ASSERT_FATAL(times[i] == 1 || times[i] == 2);
		twice += times[i] == 2;
	}
	CU_ASSERT_EQUAL(twice, out1.st.duplicated);
	/* Sent back to back. */
	for (unsigned i = 1; i < out1.delivered; i++)
		CU_ASSERT_FATAL(out1.seq[i] >= out1.seq[i - 1]);
}

static void check_permutation(const struct outcome *o, unsigned count, unsigned missing_max)
{
	static unsigned times[20001];
	unsigned late = 0, missing = 0;

	tally(o, count, times);
	for (unsigned i = 1; i <= count; i++) {
		CU_ASSERT_FATAL(times[i] <= 1);
		missing += times[i] == 0;
	}
	CU_ASSERT(missing <= missing_max);
	for (unsigned i = 1; i < o->delivered; i++)
		late += o->seq[i] < o->seq[i - 1];
	CU_ASSERT(late > 0);
	CU_ASSERT(o->st.reordered > 0);
	CU_ASSERT(late <= o->st.reordered);
}

static void test_impair_reorder(void)
{
	struct nic_impair p = {.reorder = 0.1, .seed = 4, .on_rx = 1};

	run_impair(&p, 2000, &out1);
	CU_ASSERT_EQUAL(out1.delivered, 2000);
	check_permutation(&out1, 2000, 0);

	/* On send, a held frame goes after the next one; the very last may
	 * still be held when the nic closes. */
	p.on_rx = 0;
	p.on_tx = 1;
	run_impair(&p, 2000, &out2);
	CU_ASSERT(out2.delivered >= 1999);
	check_permutation(&out2, 2000, 1);
}

struct fake_clock {
	uint64_t t;
};

static uint64_t fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->t;
}

static void test_impair_delay(void)
{
	struct fake_clock clk = {.t = 5000};
	struct nic_impair p = {.delay = 1, .delay_us = 1000, .seed = 5, .on_rx = 1};
	struct nic_impair_stats st;
	uint8_t buf[BUF];
	struct nic *a, *b, *w;
	const uint8_t *r;
	size_t len;

	p.now_us = fake_now;
	p.clock_ctx = &clk;
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, b, &p), 0);
	for (uint32_t i = 1; i <= 10; i++) {
		len = make_frame(buf, MAC_B, MAC_A, i, 50);
		CU_ASSERT_EQUAL(nic_send(a, buf, len), 0);
	}
	CU_ASSERT_EQUAL(nic_recv(w, &r, &len), 0);
	clk.t = 6000;
	CU_ASSERT_EQUAL(nic_recv(w, &r, &len), 0);
	clk.t = 6001;
	for (long i = 1; i <= 10; i++) {
		CU_ASSERT_EQUAL_FATAL(nic_recv(w, &r, &len), 1);
		CU_ASSERT_EQUAL(seq_of(r, len), i);
	}
	CU_ASSERT_EQUAL(nic_recv(w, &r, &len), 0);
	nic_impair_get_stats(w, &st);
	CU_ASSERT_EQUAL(st.delayed, 10);
	nic_close(w);
	nic_close(a);

	/* On send, held frames go out when the wrapper is next used. */
	clk.t = 100;
	p.on_rx = 0;
	p.on_tx = 1;
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, a, &p), 0);
	for (uint32_t i = 1; i <= 3; i++) {
		len = make_frame(buf, MAC_B, MAC_A, i, 50);
		CU_ASSERT_EQUAL(nic_send(w, buf, len), 0);
	}
	CU_ASSERT_EQUAL(nic_recv(b, &r, &len), 0);
	clk.t = 1100;
	CU_ASSERT_EQUAL(nic_recv(w, &r, &len), 0);
	CU_ASSERT_EQUAL(nic_recv(b, &r, &len), 0);
	clk.t = 1101;
	CU_ASSERT_EQUAL(nic_recv(w, &r, &len), 0);
	for (long i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL_FATAL(nic_recv(b, &r, &len), 1);
		CU_ASSERT_EQUAL(seq_of(r, len), i);
	}
	CU_ASSERT_EQUAL(nic_recv(b, &r, &len), 0);
	nic_close(w);
	nic_close(b);
}

static void test_impair_replay(void)
{
	struct nic_impair p = {
		.drop = 0.05,
		.corrupt = 0.05,
		.duplicate = 0.05,
		.reorder = 0.05,
		.seed = 77,
		.on_rx = 1,
	};

	run_impair(&p, 5000, &out1);
	run_impair(&p, 5000, &out2);
	CU_ASSERT(out1.st.dropped && out1.st.corrupted && out1.st.duplicated && out1.st.reordered);
	CU_ASSERT_EQUAL(out1.delivered, out2.delivered);
	CU_ASSERT_EQUAL(out1.crc, out2.crc);
	CU_ASSERT(memcmp(&out1.st, &out2.st, sizeof(out1.st)) == 0);
	CU_ASSERT(memcmp(out1.seq, out2.seq, out1.delivered * sizeof(out1.seq[0])) == 0);

	p.seed = 78;
	run_impair(&p, 5000, &out2);
	CU_ASSERT(out1.crc != out2.crc);
}

static void test_impair_direction(void)
{
	struct nic_impair p = {.drop = 1, .seed = 6, .on_tx = 1};
	struct nic_impair_stats st;
	uint8_t buf[BUF];
	struct nic *a, *b, *w;
	const uint8_t *r;
	size_t len;
	int got;

	for (int rx = 0; rx <= 1; rx++) {
		p.on_tx = !rx;
		p.on_rx = rx;
		CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
		CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, a, &p), 0);
		for (uint32_t i = 1; i <= 5; i++) {
			len = make_frame(buf, MAC_B, MAC_A, i, 50);
			CU_ASSERT_EQUAL(nic_send(w, buf, len), 0);
			len = make_frame(buf, MAC_A, MAC_B, i, 50);
			CU_ASSERT_EQUAL(nic_send(b, buf, len), 0);
		}
		for (got = 0; nic_recv(b, &r, &len) == 1; got++)
			;
		CU_ASSERT_EQUAL(got, rx ? 5 : 0);
		for (got = 0; nic_recv(w, &r, &len) == 1; got++)
			CU_ASSERT_EQUAL(seq_of(r, len), got + 1);
		CU_ASSERT_EQUAL(got, rx ? 0 : 5);
		nic_impair_get_stats(w, &st);
		CU_ASSERT_EQUAL(st.seen, 5);
		CU_ASSERT_EQUAL(st.dropped, 5);
		nic_close(w);
		nic_close(b);
	}
	/* Other nics have no impair statistics. */
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	memset(&st, 0xff, sizeof(st));
	nic_impair_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.seen, 0);
	nic_close(a);
	nic_close(b);
}

/* ---- file and capture ---- */

static char tmpdir[] = "/tmp/test_nic.XXXXXX";
static char path_buf[4][256];

static const char *tmp_path(int i, const char *name)
{
	snprintf(path_buf[i], sizeof(path_buf[i]), "%s/%s", tmpdir, name);
	return path_buf[i];
}

static int file_suite_init(void)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int file_suite_cleanup(void)
{
	static const char *const names[] = {"cap.pcap", "empty.pcap", "garbage.pcap"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmp_path(0, names[i]));
	return rmdir(tmpdir);
}

/* A capture with no frames in it. */
static const char *empty_capture(void)
{
	const char *path = tmp_path(1, "empty.pcap");
	char err[NIC_ERRBUF_SIZE];
	struct nic *a, *b, *c;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_capture_wrap(&c, a, path, err), 0);
	nic_close(c);
	nic_close(b);
	return path;
}

static void test_capture_replay(void)
{
	static const int script[] = {'a', 'b', 'r', 'a', 'b', 'b', 'r', 'r', 'a'};
	uint8_t expect[8][BUF], buf[BUF];
	char perr[PCAP_ERRBUF_SIZE];
	size_t expect_len[8], len, n = 0;
	const char *path = tmp_path(0, "cap.pcap");
	char err[NIC_ERRBUF_SIZE];
	struct nic *a, *b, *c, *f;
	struct pcap_pkthdr *h;
	const u_char *data;
	const uint8_t *r;
	uint32_t seq = 1;
	pcap_t *p;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_capture_wrap(&c, a, path, err), 0);
	CU_ASSERT_STRING_EQUAL(c->name, a->name);
	CU_ASSERT(memcmp(c->mac, MAC_A, 6) == 0);
	CU_ASSERT_EQUAL(c->mtu, 1500);
	CU_ASSERT_EQUAL(nic_fd(c), -1);
	CU_ASSERT_EQUAL(nic_join(c, MAC_GROUP), 0);
	/* a: c sends, b: b sends, r: c receives what b sent. */
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		switch (script[i]) {
		case 'a':
			len = make_frame(buf, MAC_B, MAC_A, seq++, 100 + i);
			CU_ASSERT_EQUAL(nic_send(c, buf, len), 0);
			memcpy(expect[n], buf, len);
			expect_len[n++] = len;
			break;
		case 'b':
			len = make_frame(buf, MAC_A, MAC_B, seq++, 1400 - i);
			CU_ASSERT_EQUAL(nic_send(b, buf, len), 0);
			break;
		case 'r':
			CU_ASSERT_EQUAL_FATAL(nic_recv(c, &r, &len), 1);
			memcpy(expect[n], r, len);
			expect_len[n++] = len;
			break;
		}
	}
	/* Nothing waiting: nothing written. */
	CU_ASSERT_EQUAL(nic_recv(c, &r, &len), 0);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(c->stats.tx_frames, 3);
	CU_ASSERT_EQUAL(c->stats.rx_frames, 3);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(nic_recv(b, &r, &len), 1);
	nic_close(c);
	nic_close(b);

	p = pcap_open_offline(path, perr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1)
		CU_ASSERT(h->ts.tv_sec > 0 && h->caplen == h->len);
	pcap_close(p);

	CU_ASSERT_EQUAL_FATAL(nic_file_open(&f, path, err), 0);
	CU_ASSERT(memcmp(f->mac, MAC_B, 6) == 0);
	CU_ASSERT(f->mtu >= 1500);
	CU_ASSERT_EQUAL(nic_fd(f), -1);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(nic_recv(f, &r, &len), 1);
		CU_ASSERT_EQUAL(len, expect_len[i]);
		CU_ASSERT(len == expect_len[i] && memcmp(r, expect[i], len) == 0);
	}
	CU_ASSERT_EQUAL(nic_recv(f, &r, &len), 0);
	CU_ASSERT_EQUAL(nic_recv(f, &r, &len), 0);
	CU_ASSERT_EQUAL(f->stats.rx_frames, n);
	nic_close(f);

	/* The same through nic_open's "file:" name. */
	snprintf((char *)buf, sizeof(buf), "file:%s", path);
	CU_ASSERT_EQUAL_FATAL(nic_open(&f, (char *)buf, NULL, err), 0);
	CU_ASSERT_STRING_EQUAL(f->name, (char *)buf);
	CU_ASSERT_EQUAL(nic_recv(f, &r, &len), 1);
	CU_ASSERT(len == expect_len[0] && memcmp(r, expect[0], len) == 0);
	nic_close(f);
}

static void test_file_empty(void)
{
	static const uint8_t zero[6];
	char err[NIC_ERRBUF_SIZE];
	const uint8_t *r;
	struct nic *f;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(nic_file_open(&f, empty_capture(), err), 0);
	CU_ASSERT(memcmp(f->mac, zero, 6) == 0);
	CU_ASSERT_EQUAL(nic_recv(f, &r, &len), 0);
	nic_close(f);
}

static void test_file_errors(void)
{
	const char *missing = "/nonexistent-ethdl-dir/missing.pcap";
	const char *garbage = tmp_path(0, "garbage.pcap");
	char err[NIC_ERRBUF_SIZE];
	struct nic *a, *b, *c, *f = &sentinel;
	FILE *fp;

	err[0] = '\0';
	CU_ASSERT_EQUAL(nic_file_open(&f, missing, err), -NIC_E_FILE);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

	fp = fopen(garbage, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("this is not a capture file, but it is long enough to look like one\n", fp);
	fclose(fp);
	err[0] = '\0';
	CU_ASSERT_EQUAL(nic_file_open(&f, garbage, err), -NIC_E_FILE);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, garbage));

	/* On failure the caller keeps inner. */
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	err[0] = '\0';
	CU_ASSERT_EQUAL(nic_capture_wrap(&c, a, missing, err), -NIC_E_FILE);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
	nic_close(a);
	nic_close(b);
}

static void test_file_sent(void)
{
	uint8_t buf[3][BUF], big[9100];
	char err[NIC_ERRBUF_SIZE];
	size_t len[3], l;
	struct nic *f, *a, *b;
	const uint8_t *s;

	CU_ASSERT_EQUAL_FATAL(nic_file_open(&f, empty_capture(), err), 0);
	CU_ASSERT_EQUAL(nic_file_sent_count(f), 0);
	CU_ASSERT_PTR_NULL(nic_file_sent(f, 0, &l));
	for (int i = 0; i < 3; i++) {
		len[i] = make_frame(buf[i], MAC_A, MAC_B, (uint32_t)i + 1, 300 * (size_t)i);
		CU_ASSERT_EQUAL(nic_send(f, buf[i], len[i]), 0);
	}
	memset(big, 0, sizeof(big));
	CU_ASSERT_EQUAL(nic_send(f, big, sizeof(big)), -NIC_E_INVAL);
	CU_ASSERT_EQUAL_FATAL(nic_file_sent_count(f), 3);
	for (size_t i = 0; i < 3; i++) {
		s = nic_file_sent(f, i, &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(l == len[i] && memcmp(s, buf[i], l) == 0);
	}
	CU_ASSERT_PTR_NULL(nic_file_sent(f, 3, &l));
	CU_ASSERT_EQUAL(f->stats.tx_frames, 3);
	nic_close(f);

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL(nic_send(a, buf[0], len[0]), 0);
	CU_ASSERT_EQUAL(nic_file_sent_count(a), 0);
	CU_ASSERT_PTR_NULL(nic_file_sent(a, 0, &l));
	nic_close(a);
	nic_close(b);
}

/* ---- live, without traffic ---- */

static void test_list_lo(void)
{
	char err[NIC_ERRBUF_SIZE];
	struct nic_info *info, one;
	int n, lo = 0;

	n = nic_list(NULL, 0, err);
	CU_ASSERT_FATAL(n >= 1);
	info = calloc((size_t)n, sizeof(*info));
	CU_ASSERT_PTR_NOT_NULL_FATAL(info);
	CU_ASSERT_EQUAL_FATAL(nic_list(info, n, err), n);
	for (int i = 0; i < n; i++) {
		CU_ASSERT(info[i].name[0] != '\0');
		if (strcmp(info[i].name, "lo"))
			continue;
		lo++;
		CU_ASSERT_EQUAL(info[i].mtu, 65536);
		CU_ASSERT_EQUAL(info[i].ethernet, 0);
	}
	CU_ASSERT_EQUAL(lo, 1);
	CU_ASSERT_EQUAL(nic_list(&one, 1, err), n);
	CU_ASSERT_STRING_EQUAL(one.name, info[0].name);
	free(info);
}

static void test_open_errors(void)
{
	char err[NIC_ERRBUF_SIZE];
	struct nic *n = &sentinel;

	CU_ASSERT_EQUAL(nic_live_open(&n, "no-such-if0", NULL, err), -NIC_E_NODEV);
	CU_ASSERT_PTR_NULL(n);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-if0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such interface"));
	CU_ASSERT_EQUAL(nic_open(&n, "no-such-if0", NULL, err), -NIC_E_NODEV);
	CU_ASSERT_EQUAL(nic_live_open(&n, "a-name-longer-than-ifnamsiz", NULL, err), -NIC_E_NODEV);

	CU_ASSERT_EQUAL(nic_live_open(&n, "lo", NULL, err), -NIC_E_NOTETHER);
	CU_ASSERT_PTR_NULL(n);
	CU_ASSERT(strncmp(err, "lo:", 3) == 0);

	CU_ASSERT_EQUAL(nic_open(&n, "", NULL, err), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(nic_live_open(&n, "", NULL, err), -NIC_E_INVAL);
}

static void test_strerror(void)
{
	for (int i = 0; i < NIC_ERR_COUNT; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(nic_strerror(i));
		CU_ASSERT_STRING_EQUAL(nic_strerror(i), nic_strerror(-i));
		CU_ASSERT_STRING_NOT_EQUAL(nic_strerror(i), "?");
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(nic_strerror(i), nic_strerror(j));
	}
	CU_ASSERT_STRING_EQUAL(nic_strerror(NIC_ERR_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(nic_strerror(-NIC_ERR_COUNT), "?");
}

/* ---- live traffic, in a private network namespace ---- */

static int home_ns = -1; /* the namespace we came from */
static int in_ns;

static int netns_init(void)
{
	static const char setup[] =
		"exec >/dev/null 2>&1;"
		"ip link add ethdl-ta type veth peer name ethdl-tb &&"
		"ip link set ethdl-ta up && ip link set ethdl-tb up &&"
		"ip link add ethdl-tc type veth peer name ethdl-td &&"
		"ip link set ethdl-tc up &&"
		"ip link add ethdl-te type veth peer name ethdl-tf &&"
		"ip link set ethdl-te mtu 500 && ip link set ethdl-te up && ip link set ethdl-tf "
		"up &&"
		"ip link add ethdl-tg type veth peer name ethdl-th &&"
		"ip link set ethdl-tg up && ip link set ethdl-th up &&"
		"tc qdisc add dev ethdl-tg root tbf rate 1mbit burst 1600 limit 4000";

	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_ns < 0 || unshare(CLONE_NEWNET)) {
		fprintf(stderr, "\n  (no network namespace: live traffic tests skipped)\n");
		return 0;
	}
	in_ns = 1;
	if (system(setup)) {
		fprintf(stderr, "\n  (cannot create veth pairs: live traffic tests skipped)\n");
		if (setns(home_ns, CLONE_NEWNET))
			return -1;
		in_ns = 0;
	}
	return 0;
}

static int netns_cleanup(void)
{
	/* Leaving the namespace deletes it and every veth in it. */
	if (in_ns && setns(home_ns, CLONE_NEWNET))
		return -1;
	in_ns = 0;
	if (home_ns >= 0)
		close(home_ns);
	return 0;
}

/* Receive one frame, waiting up to a second for it with poll(). */
static int wait_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct pollfd pfd = {.fd = nic_fd(n), .events = POLLIN};
	int r = nic_recv(n, buf, len);

	if (r)
		return r;
	if (poll(&pfd, 1, 1000) != 1)
		return 0;
	return nic_recv(n, buf, len);
}

static void test_live_refusals(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct cap[2];
	char err[NIC_ERRBUF_SIZE];
	uint32_t saved;
	struct nic *n;

	if (!in_ns)
		return;
	CU_ASSERT_EQUAL(nic_live_open(&n, "ethdl-td", NULL, err), -NIC_E_DOWN);
	CU_ASSERT(strncmp(err, "ethdl-td:", 9) == 0);
	CU_ASSERT_EQUAL(nic_live_open(&n, "ethdl-tc", NULL, err), -NIC_E_NOCARRIER);
	CU_ASSERT(strncmp(err, "ethdl-tc:", 9) == 0);
	CU_ASSERT_EQUAL(nic_live_open(&n, "ethdl-te", NULL, err), -NIC_E_MTU);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "500"));

	/* Without CAP_NET_RAW in the effective set (it stays permitted, so it
	 * can be raised again). */
	CU_ASSERT_EQUAL_FATAL(syscall(SYS_capget, &hdr, cap), 0);
	saved = cap[0].effective;
	cap[0].effective &= ~(1u << CAP_NET_RAW);
	CU_ASSERT_EQUAL_FATAL(syscall(SYS_capset, &hdr, cap), 0);
	CU_ASSERT_EQUAL(nic_live_open(&n, "ethdl-ta", NULL, err), -NIC_E_PERM);
	CU_ASSERT_PTR_NULL(n);
	CU_ASSERT(strncmp(err, "ethdl-ta:", 9) == 0);
	cap[0].effective = saved;
	CU_ASSERT_EQUAL_FATAL(syscall(SYS_capset, &hdr, cap), 0);
}

static void test_live_traffic(void)
{
	uint8_t tx[BUF], ucast[BUF];
	char err[NIC_ERRBUF_SIZE];
	struct nic_info info[16];
	size_t len, ulen, rlen;
	struct nic *a, *b;
	const uint8_t *rx;
	int n, found = 0;

	if (!in_ns)
		return;
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&a, "ethdl-ta", NULL, err), 0);
	CU_ASSERT_EQUAL_FATAL(nic_open(&b, "ethdl-tb", NULL, err), 0);
	CU_ASSERT_STRING_EQUAL(a->name, "ethdl-ta");
	CU_ASSERT_EQUAL(a->mtu, 1500);
	CU_ASSERT(nic_fd(a) >= 0);
	n = nic_list(info, 16, err);
	for (int i = 0; i < n && i < 16; i++) {
		if (strcmp(info[i].name, "ethdl-ta"))
			continue;
		found = 1;
		CU_ASSERT(memcmp(info[i].mac, a->mac, 6) == 0);
		CU_ASSERT(info[i].has_mac && info[i].ethernet && info[i].up && info[i].carrier);
		CU_ASSERT_EQUAL(info[i].mtu, 1500);
	}
	CU_ASSERT(found);

	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	ulen = make_frame(ucast, b->mac, a->mac, 1, 1400);
	CU_ASSERT_EQUAL(nic_send(a, ucast, ulen), 0);
	CU_ASSERT_EQUAL(nic_flush(a), 0);
	CU_ASSERT_EQUAL_FATAL(wait_recv(b, &rx, &rlen), 1);
	CU_ASSERT(rlen == ulen && memcmp(rx, ucast, ulen) == 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	/* Not our own frames, nor another EtherType, nor another unicast MAC. */
	CU_ASSERT_EQUAL(nic_recv(a, &rx, &rlen), 0);
	len = make_frame_type(tx, b->mac, a->mac, 2, 100, 0x88B6);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	len = make_frame(tx, MAC_OTHER, a->mac, 3, 100);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	/* Broadcast, and a group after joining it. */
	len = make_frame(tx, MAC_BCAST, a->mac, 4, 100);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	CU_ASSERT_EQUAL(nic_join(b, MAC_GROUP), 0);
	CU_ASSERT_EQUAL(nic_join(b, MAC_OTHER), -NIC_E_INVAL);
	len = make_frame(tx, MAC_GROUP, a->mac, 5, 100);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	CU_ASSERT_EQUAL(nic_flush(a), 0);
	CU_ASSERT_EQUAL_FATAL(wait_recv(b, &rx, &rlen), 1);
	CU_ASSERT_EQUAL(seq_of(rx, rlen), 4);
	CU_ASSERT_EQUAL_FATAL(wait_recv(b, &rx, &rlen), 1);
	CU_ASSERT_EQUAL(seq_of(rx, rlen), 5);
	CU_ASSERT(memcmp(rx, tx, len) == 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);

	/* The other way, full size, many in a row. */
	for (uint32_t i = 1; i <= 500; i++) {
		len = make_frame(tx, a->mac, b->mac, i, 1500 - FRAME_OVERHEAD);
		CU_ASSERT_EQUAL(nic_send(b, tx, len), 0);
	}
	CU_ASSERT_EQUAL(nic_flush(b), 0);
	for (long i = 1; i <= 500; i++) {
		CU_ASSERT_EQUAL_FATAL(wait_recv(a, &rx, &rlen), 1);
		CU_ASSERT_EQUAL(rlen, 1514);
		CU_ASSERT_EQUAL(seq_of(rx, rlen), i);
	}
	CU_ASSERT_EQUAL(a->stats.rx_frames, 500);
	CU_ASSERT_EQUAL(b->stats.tx_frames, 500);
	CU_ASSERT_EQUAL(nic_send(a, tx, 1515), -NIC_E_INVAL);
	CU_ASSERT_EQUAL(nic_send(a, tx, 10), -NIC_E_INVAL);
	nic_close(a);
	nic_close(b);
}

/* The default ring: twice the default window (1024) of MTU frames, no more
 * (every page costs a fault the first time it is touched). */
static void test_ring_bytes(void)
{
	CU_ASSERT_EQUAL(nic_ring_bytes(1500), 4u << 20);
	CU_ASSERT_EQUAL(nic_ring_bytes(1946), 4u << 20);
	CU_ASSERT_EQUAL(nic_ring_bytes(1947), 8u << 20);
	CU_ASSERT_EQUAL(nic_ring_bytes(9000), 32u << 20);
	CU_ASSERT_EQUAL(nic_ring_bytes(65536), NIC_RING_MAX);
	CU_ASSERT(nic_ring_bytes(1500) / 2048 >= 2 * 1024);
}

/* A ring too small for what comes: the frames it dropped are counted
 * (nic_rx_dropped; the board reports them as T_OVERRUN), once its reader
 * has emptied it. */
static void test_live_overrun(void)
{
	struct nic_config cfg = {.buffer_bytes = 64 << 10};
	char err[NIC_ERRBUF_SIZE];
	const uint8_t *rx;
	uint8_t tx[BUF];
	size_t len, rlen;
	unsigned got = 0;
	struct nic *a, *b;

	if (!in_ns)
		return;
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&a, "ethdl-ta", NULL, err), 0);
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&b, "ethdl-tb", &cfg, err), 0);
	CU_ASSERT_EQUAL(nic_rx_dropped(b), 0);
	for (uint32_t i = 0; i < 2000; i++) {
		len = make_frame(tx, b->mac, a->mac, i, 1400);
		while (nic_send(a, tx, len) == -NIC_E_FULL)
			nic_flush(a);
	}
	while (nic_flush(a) > 0)
		;
	while (wait_recv(b, &rx, &rlen) == 1)
		got++;
	CU_ASSERT(got > 0 && got < 2000);
	CU_ASSERT_EQUAL(nic_rx_dropped(b), 2000 - got);
	nic_close(a);
	nic_close(b);
}

/* The live nic's socket is not handed a copy of each frame it sends. */
static void test_live_ignores_outgoing(void)
{
	char err[NIC_ERRBUF_SIZE];
	struct nic *a;
	int v = 0;
	socklen_t l = sizeof(v);

	if (!in_ns)
		return;
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&a, "ethdl-ta", NULL, err), 0);
	CU_ASSERT_EQUAL(getsockopt(nic_fd(a), SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, &l), 0);
	CU_ASSERT_EQUAL(v, 1);
	nic_close(a);
}

static void test_live_config(void)
{
	struct nic_config cfg = {.ethertype = 0x88B6, .promisc = 1, .buffer_bytes = 1 << 20};
	char err[NIC_ERRBUF_SIZE];
	const uint8_t *rx;
	uint8_t tx[BUF];
	size_t len, rlen;
	struct nic *a, *b;

	if (!in_ns)
		return;
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&a, "ethdl-ta", NULL, err), 0);
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&b, "ethdl-tb", &cfg, err), 0);
	len = make_frame(tx, MAC_OTHER, a->mac, 1, 100);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	len = make_frame_type(tx, MAC_OTHER, a->mac, 2, 100, 0x88B6);
	CU_ASSERT_EQUAL(nic_send(a, tx, len), 0);
	CU_ASSERT_EQUAL(nic_flush(a), 0);
	CU_ASSERT_EQUAL_FATAL(wait_recv(b, &rx, &rlen), 1);
	CU_ASSERT(rlen == len && memcmp(rx, tx, len) == 0);
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0);
	nic_close(a);
	nic_close(b);
}

/* A frame the qdisc has no room for is refused with -NIC_E_FULL: at once
 * when frames go one by one (libnet); batched (sendmmsg), once the queue of
 * frames accepted but not yet taken by the kernel is full too, and those
 * stay queued, none lost. */
static void qdisc_full(int path, int *sent, int *full, int *queued)
{
	struct nic_config cfg = {.send_path = path}, rcfg = {.promisc = 1};
	char err[NIC_ERRBUF_SIZE];
	struct nic *g, *h;
	const uint8_t *rx;
	uint8_t tx[BUF];
	size_t len, rlen;
	long expect = 1;

	*sent = *full = 0;
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&h, "ethdl-th", &rcfg, err), 0);
	CU_ASSERT_EQUAL_FATAL(nic_live_open(&g, "ethdl-tg", &cfg, err), 0);
	for (uint32_t i = 1; i <= 100; i++) {
		len = make_frame(tx, MAC_OTHER, g->mac, (uint32_t)(*sent + 1), 1400);
		switch (nic_send(g, tx, len)) {
		case 0: (*sent)++; break;
		case -NIC_E_FULL: (*full)++; break;
		default: CU_FAIL("send failed");
		}
	}
	*queued = nic_flush(g);
	/* Close passes on what is queued; the peer gets every frame accepted,
	 * once, in order. */
	nic_close(g);
	while (wait_recv(h, &rx, &rlen) == 1)
		CU_ASSERT_EQUAL(seq_of(rx, rlen), expect++);
	CU_ASSERT_EQUAL(expect - 1, *sent);
	nic_close(h);
}

static void test_live_qdisc_full(void)
{
	int sent, full, queued;

	if (!in_ns)
		return;
	qdisc_full(NIC_SEND_LIBNET, &sent, &full, &queued);
	CU_ASSERT(sent >= 2);
	CU_ASSERT(full > 50);
	CU_ASSERT_EQUAL(queued, 0);
	qdisc_full(NIC_SEND_SENDMMSG, &sent, &full, &queued);
	CU_ASSERT_EQUAL(sent + full, 100);
	CU_ASSERT(full > 20);
	CU_ASSERT(queued > 50);
}

/* ---- main ---- */

static CU_TestInfo loop_tests[] = {
	{"a to b and b to a, identical", test_loop_both_ways},
	{"order is kept", test_loop_order},
	{"full queue refuses", test_loop_full},
	{"empty returns 0", test_loop_empty},
	{"statistics", test_loop_stats},
	CU_TEST_INFO_NULL,
};

/* A sent frame held for reordering is not held for good: it goes at the
 * latest when its sender next looks for input, though it sends nothing
 * more (a board that only answers would otherwise never be heard). */
static void test_impair_reorder_tx_released(void)
{
	struct nic_impair p = {.reorder = 1.0, .seed = 5, .on_tx = 1};
	uint8_t buf[FRAME_BUF_MAX];
	const uint8_t *r;
	size_t len, got;
	struct nic *a, *b, *w;
	struct nic_impair_stats st;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&w, b, &p), 0);
	len = make_frame(buf, MAC_A, MAC_B, 1, 100);
	CU_ASSERT_EQUAL(nic_send(w, buf, len), 0);
	nic_impair_get_stats(w, &st);
	CU_ASSERT_EQUAL(st.reordered, 1);
	CU_ASSERT_EQUAL(nic_recv(a, &r, &got), 0); /* held */
	CU_ASSERT_EQUAL(nic_recv(w, &r, &got), 0); /* the sender looks for input */
	CU_ASSERT_EQUAL_FATAL(nic_recv(a, &r, &got), 1);
	CU_ASSERT(got == len && memcmp(r, buf, len) == 0);
	nic_close(w);
	nic_close(a);
}

static CU_TestInfo impair_tests[] = {
	{"drop 10%", test_impair_drop},
	{"corrupt 5% is detected", test_impair_corrupt},
	{"duplicate", test_impair_duplicate},
	{"reorder is a permutation", test_impair_reorder},
	{"a sent frame held for reordering goes when its sender reads",
	 test_impair_reorder_tx_released},
	{"delay on a fake clock", test_impair_delay},
	{"same seed, same outcome", test_impair_replay},
	{"on_tx and on_rx apart", test_impair_direction},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo file_tests[] = {
	{"capture, then replay identical", test_capture_replay},
	{"empty capture", test_file_empty},
	{"missing, garbage, unwritable", test_file_errors},
	{"sent frames are kept", test_file_sent},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo live_tests[] = {
	{"list has lo", test_list_lo},
	{"open refuses bad names", test_open_errors},
	{"strerror names are distinct", test_strerror},
	{"default ring: 2048 MTU frames, at most 32 MiB", test_ring_bytes},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo netns_tests[] = {
	{"down, no carrier, MTU, permission", test_live_refusals},
	{"traffic over veth", test_live_traffic},
	{"EtherType and promiscuous options", test_live_config},
	{"a ring too small: its drops counted", test_live_overrun},
	{"not handed a copy of what it sends", test_live_ignores_outgoing},
	{"full qdisc", test_live_qdisc_full},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"nic loop", NULL, NULL, NULL, NULL, loop_tests},
	{"nic impair", NULL, NULL, NULL, NULL, impair_tests},
	{"nic file", file_suite_init, file_suite_cleanup, NULL, NULL, file_tests},
	{"nic live", NULL, NULL, NULL, NULL, live_tests},
	{"nic live veth", netns_init, netns_cleanup, NULL, NULL, netns_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
