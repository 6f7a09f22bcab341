/* SPDX-License-Identifier: MIT */
/*
 * The replay engine (replay/, what `ethdl replay` runs): the committed
 * captures played against a fresh sess_board over a loop pair, on a fake
 * clock. A sound board answers as recorded; a board that corrupts the
 * read-back, answers with the wrong code or says nothing diverges at the
 * right frame of the capture. Also: the comparer field by field, and the
 * capture reader on pcapng, on a non-Ethernet link type and on junk.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cunit_main.h"
#include "rm_dir.h"
#include "devstore_dir.h"
#include "devstore_fault.h"
#include "fault.h"
#include "frame.h"
#include "nic.h"
#include "readback.h"
#include "replay.h"
#include "session.h"

#define CAPTURES     ETHDL_SOURCE_DIR "/captures"
#define LIVE_SESSION 0x5eed1234u
#define GUARD	     100000

static const uint8_t live_host[6] = {0x02, 0, 0, 0, 0xaa, 1};
static const uint8_t live_board[6] = {0x02, 0, 0, 0, 0xbb, 2};

static void load(struct rp_capture *c, const char *name)
{
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/%s.pcap", CAPTURES, name);
	if (rp_capture_load(c, path, NULL, err))
		fprintf(stderr, "\n  %s: %s\n", path, err);
	CU_ASSERT_FATAL(c->n > 0);
}

struct misbehave {
	int corrupt_readback, wrong_reply, mute;
};

/* Play capture NAME against a fresh board (live MACs and session differ
 * from the recorded ones) until the engine is done; returns its result. */
static struct rp_result play(const char *name, const struct misbehave *m, enum rp_speed speed,
			     uint64_t *took_us)
{
	struct rp_capture c;
	struct rp_engine *e = calloc(1, sizeof(*e));
	struct sess_board *b = calloc(1, sizeof(*b));
	struct sess_board_config bc = {.vendor = "other", .model = "kind", .serial = "9"};
	struct nic_fault nf = {.mute = m->mute};
	struct devstore_fault sf = {.corrupt_readback = m->corrupt_readback};
	struct devstore store, faulty;
	struct rp_config cfg = {.session = LIVE_SESSION, .speed = speed};
	struct nic *hn, *bn, *w;
	char dir[] = "/tmp/ethdl-replay-cmd.XXXXXX";
	uint64_t now = 5000000, t0 = now;
	struct rp_result res;
	int guard;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	load(&c, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&store, dir, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&faulty, &store, &sf), 0);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hn, &bn, live_host, live_board, 1500, 0), 0);
	if (m->wrong_reply) {
		nf.rewrite_code = FC_DOWNLOAD_ACK;
		nf.rewrite_to = FC_READBACK_ACK;
	}
	CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&w, bn, &nf), 0);
	bn = w;
	bc.nic = bn;
	bc.store = &faulty;
	CU_ASSERT_EQUAL_FATAL(sess_board_init(b, &bc), 0);
	cfg.nic = hn;
	memcpy(cfg.peer, live_board, 6);
	CU_ASSERT_EQUAL_FATAL(rp_init(e, &c, &cfg), 0);

	for (guard = 0; guard < GUARD && !rp_done(e); guard++) {
		uint64_t before = hn->stats.tx_frames + bn->stats.tx_frames, d1, d2;
		const uint8_t *buf;
		size_t len;

		if (now >= rp_next_deadline(e))
			rp_poll(e, now);
		while (nic_recv(bn, &buf, &len) == 1)
			sess_board_input(b, buf, len, now);
		if (now >= sess_board_next_deadline(b))
			sess_board_poll(b, now);
		while (nic_recv(hn, &buf, &len) == 1)
			rp_input(e, buf, len, now);
		rp_poll(e, now);
		if (rp_done(e))
			break;
		if (hn->stats.tx_frames + bn->stats.tx_frames != before)
			continue;
		/* quiet: on to the nearest deadline */
		d1 = rp_next_deadline(e);
		d2 = sess_board_next_deadline(b);
		d1 = d1 < d2 ? d1 : d2;
		now = d1 > now ? d1 : now + 1;
	}
	CU_ASSERT(guard < GUARD);
	res = *rp_result(e);
	if (took_us)
		*took_us = now - t0;
	if (res.state != RP_MATCH)
		fprintf(stderr, "\n  %s: %s at frame %u (%s)\n    expected %s\n    got      %s\n",
			name, rp_state_name(res.state), res.frame, res.field, res.expected,
			res.got);
	rp_dispose(e);
	free(e);
	sess_board_dispose(b);
	free(b);
	nic_close(bn);
	nic_close(hn);
	devstore_fault_close(&faulty);
	devstore_dir_close(&store);
	rm_dir(dir);
	rp_capture_free(&c);
	return res;
}

static size_t host_frames(const char *name)
{
	struct rp_capture c;
	size_t n = 0;

	load(&c, name);
	for (size_t i = 0; i < c.n; i++)
		n += c.v[i].from_host;
	rp_capture_free(&c);
	return n;
}

static void test_sound_board(void)
{
	static const char *const names[] = {"happy_strict", "happy_windowed", "happy_strict_board",
					    "happy_windowed_board"};
	static const struct misbehave none;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct rp_result r = play(names[i], &none, RP_FAST, NULL);

		CU_ASSERT_EQUAL(r.state, RP_MATCH);
		CU_ASSERT_EQUAL(r.sent, host_frames(names[i]));
		CU_ASSERT(r.compared >= 9); /* 5 control answers, 4 data frames at least */
		/* another board: identity skipped, and said so */
		CU_ASSERT(r.skipped & (1ull << T_VENDOR));
		CU_ASSERT(r.skipped & (1ull << T_SERIAL));
	}
}

static void test_recorded_speed(void)
{
	static const struct misbehave none;
	uint64_t fast, slow;
	struct rp_result r = play("happy_strict", &none, RP_FAST, &fast);

	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	r = play("happy_strict", &none, RP_RECORDED, &slow);
	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	/* the recorded host took ~25 ms to its DISCONNECT */
	if (slow <= fast + 20000)
		fprintf(stderr, "\n  fast %llu us, recorded %llu us\n", (unsigned long long)fast,
			(unsigned long long)slow);
	CU_ASSERT(slow > fast + 20000);
}

static void test_corrupt_readback(void)
{
	const struct misbehave m = {.corrupt_readback = 1};
	struct rp_result r = play("happy_windowed", &m, RP_FAST, NULL);

	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 25); /* READBACK_DATA seq 2: offset 2500 */
	CU_ASSERT_STRING_EQUAL(r.field, "data byte 1021");
	CU_ASSERT(!strncmp(r.expected, "READBACK_DATA seq 2", 19));
	CU_ASSERT(!strncmp(r.got, "READBACK_DATA seq 2", 19));
	r = play("happy_strict", &m, RP_FAST, NULL);
	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 15);
}

static void test_wrong_reply(void)
{
	const struct misbehave m = {.wrong_reply = 1};
	static const struct misbehave none;
	struct rp_result r = play("happy_windowed", &m, RP_FAST, NULL);

	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 4);
	CU_ASSERT_STRING_EQUAL(r.field, "code");
	CU_ASSERT(!strncmp(r.expected, "DOWNLOAD_ACK seq 0", 18));
	CU_ASSERT(!strncmp(r.got, "READBACK_ACK seq 0", 18));
	CU_ASSERT_EQUAL(r.sent, 2);
	/* the capture of such a board matches it, and not a sound one */
	r = play("wrong_command", &m, RP_FAST, NULL);
	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	r = play("wrong_command", &none, RP_FAST, NULL);
	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 4);
}

static void test_silent(void)
{
	const struct misbehave m = {.mute = 1};
	uint64_t took;
	struct rp_result r = play("happy_strict", &m, RP_FAST, &took);

	CU_ASSERT_EQUAL(r.state, RP_SILENT);
	CU_ASSERT_EQUAL(r.frame, 2); /* the CONNECT_ACK */
	CU_ASSERT_EQUAL(r.sent, 1);
	CU_ASSERT(took >= 3000000 && took < 3100000);
	/* connect_failed recorded a silent board: nothing awaited, a match */
	r = play("connect_failed", &m, RP_FAST, NULL);
	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	CU_ASSERT_EQUAL(r.sent, 7);
}

/* ---- the comparer ---- */

static int mk(uint8_t *buf, uint8_t code, uint32_t seq, const uint8_t *data, size_t len)
{
	struct frame f = {.version = FRAME_VERSION,
			  .session = LIVE_SESSION,
			  .seq = seq,
			  .code = code,
			  .len = (uint16_t)len,
			  .data = data};

	memcpy(f.dst, live_host, 6);
	memcpy(f.src, live_board, 6);
	return frame_encode(buf, FRAME_BUF_MAX, &f, FRAME_ETHERTYPE_DEFAULT);
}

static void test_compare(void)
{
	static uint8_t a[FRAME_BUF_MAX], b[FRAME_BUF_MAX];
	uint8_t da[64], db[64];
	struct tlv_writer w;
	struct rp_diff d;
	char line[256];
	size_t alen;
	int la, lb;

	tlv_writer_init(&w, da, sizeof(da));
	tlv_put_str(&w, T_VENDOR, "acme");
	tlv_put_u32(&w, T_CAPS, CAP_WINDOW | CAP_DEVICE);
	tlv_put_u8(&w, T_NOTICE, NOTICE_FILE_CRC);
	alen = w.len;
	la = mk(a, FC_ERROR, 0, da, alen);
	/* identity differs, a capability the recording's host did not ask for too */
	tlv_writer_init(&w, db, sizeof(db));
	tlv_put_str(&w, T_VENDOR, "other");
	tlv_put_u32(&w, T_CAPS, CAP_WINDOW | CAP_DEVICE | CAP_AUTH);
	tlv_put_u8(&w, T_NOTICE, NOTICE_FILE_CRC);
	lb = mk(b, FC_ERROR, 0, db, w.len);
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, CAP_WINDOW | CAP_DEVICE, &d),
			0);
	CU_ASSERT(d.skipped & (1ull << T_VENDOR));
	/* ... but one it did is compared */
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, CAP_AUTH, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "tlv caps");
	/* another notice */
	db[w.len - 1] = NOTICE_TIMEOUT;
	lb = mk(b, FC_ERROR, 0, db, w.len);
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, 0, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "tlv notice");
	rp_describe(b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "ERROR seq 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "notice=TIMEOUT"));
	/* sequence, session, a TLV only in the answer */
	lb = mk(b, FC_ERROR, 1, da, alen);
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, 0, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "sequence");
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, a, (size_t)la, FRAME_ETHERTYPE_DEFAULT, 7, 0, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "session");
	tlv_writer_init(&w, db, sizeof(db));
	tlv_put_u8(&w, T_NOTICE, NOTICE_FILE_CRC);
	la = mk(a, FC_ERROR, 0, db, w.len);
	tlv_put_u32(&w, T_GOT, 5);
	lb = mk(b, FC_ERROR, 0, db, w.len);
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)lb, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, 0, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "tlv got not recorded");
	/* damaged frames: a bad CRC against a good one */
	memcpy(b, a, (size_t)la);
	b[29 + 1] ^= 1;
	CU_ASSERT_EQUAL(rp_compare(a, (size_t)la, b, (size_t)la, FRAME_ETHERTYPE_DEFAULT,
				   LIVE_SESSION, 0, &d),
			1);
	CU_ASSERT_STRING_EQUAL(d.field, "frame CRC");
}

/* ---- the capture reader ---- */

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f); /* host order: the section's byte-order magic says which */
}

/* The frames of happy_strict.pcap, as a pcapng (SHB, IDB, one EPB each). */
static void write_pcapng(FILE *f, const struct rp_capture *c)
{
	static const uint8_t zero[4];

	put32(f, 0x0A0D0D0A), put32(f, 28), put32(f, 0x1A2B3C4D);
	put32(f, 0x00000001); /* version 1.0 */
	put32(f, 0xffffffff), put32(f, 0xffffffff), put32(f, 28);
	put32(f, 1), put32(f, 20), put32(f, 1 /* LINKTYPE_ETHERNET, reserved 0 */);
	put32(f, 65535), put32(f, 20);
	for (size_t i = 0; i < c->n; i++) {
		uint32_t pad = (uint32_t)((4 - c->v[i].len % 4) % 4);
		uint32_t tot = 32 + (uint32_t)c->v[i].len + pad;
		uint64_t t = 1700000000000000ull + c->v[i].t;

		put32(f, 6), put32(f, tot), put32(f, 0);
		put32(f, (uint32_t)(t >> 32)), put32(f, (uint32_t)t);
		put32(f, (uint32_t)c->v[i].len), put32(f, (uint32_t)c->v[i].len);
		fwrite(c->v[i].buf, 1, c->v[i].len, f);
		fwrite(zero, 1, pad, f);
		put32(f, tot);
	}
}

static void test_pcapng(void)
{
	struct rp_capture c, ng;
	char err[256];
	FILE *f = tmpfile();

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	load(&c, "happy_strict");
	write_pcapng(f, &c);
	rewind(f);
	CU_ASSERT_EQUAL_FATAL(rp_capture_load_fp(&ng, f, NULL, err), 0);
	CU_ASSERT_EQUAL(ng.n, c.n);
	CU_ASSERT_EQUAL(ng.session, c.session);
	CU_ASSERT_EQUAL(ng.host_caps, c.host_caps);
	for (size_t i = 0; i < c.n && i < ng.n; i++) {
		CU_ASSERT_EQUAL(ng.v[i].len, c.v[i].len);
		CU_ASSERT_EQUAL(ng.v[i].from_host, c.v[i].from_host);
		CU_ASSERT_EQUAL(ng.v[i].t, c.v[i].t);
		CU_ASSERT_EQUAL(ng.v[i].num, c.v[i].num);
		CU_ASSERT(!memcmp(ng.v[i].buf, c.v[i].buf, c.v[i].len));
	}
	rp_capture_free(&ng);
	rp_capture_free(&c);
}

static void test_refused(void)
{
	struct rp_capture c;
	char err[256], path[] = "/tmp/ethdl-replay-dlt.XXXXXX";
	pcap_t *p = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *d;
	FILE *f;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	d = pcap_dump_open(p, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	pcap_dump_close(d);
	pcap_close(p);
	CU_ASSERT_EQUAL(rp_capture_load(&c, path, NULL, err), -RP_E_LINKTYPE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not Ethernet"));
	unlink(path);
	f = tmpfile();
	fputs("this is no capture at all", f);
	rewind(f);
	CU_ASSERT_EQUAL(rp_capture_load_fp(&c, f, NULL, err), -RP_E_OPEN);
	CU_ASSERT_EQUAL(rp_capture_load(&c, "/nonexistent/x.pcap", NULL, err), -RP_E_OPEN);
	/* a capture of the right kind with another EtherType holds no session */
	{
		struct rp_capture_opts o = {.ethertype = 0x88B6};

		CU_ASSERT_EQUAL(rp_capture_load(&c, CAPTURES "/happy_strict.pcap", &o, err),
				-RP_E_NOCONNECT);
	}
}

/* ---- board side: the board's frames against a live sess_host ---- */

#define FILE_SIZE 5000 /* captures/record.sh */
static uint8_t content[FILE_SIZE];

static void gen_content(void)
{
	uint64_t x = 1; /* seed */

	for (size_t i = 0; i < FILE_SIZE; i += 8) {
		uint64_t z = (x += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		for (size_t k = 0; k < 8 && i + k < FILE_SIZE; k++)
			content[i + k] = (uint8_t)(z >> (8 * k));
	}
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > FILE_SIZE || len > FILE_SIZE - off)
		return -1;
	memcpy(buf, content + off, len);
	return 0;
}

/* A host downloading the recorded file (changed at byte flip, if >= 0)
 * against the board side of capture NAME. The host's exit code in *host_exit. */
static struct rp_result play_board_side(const char *name, int strict, long flip, int *host_exit)
{
	struct rp_capture c;
	struct rp_engine *e = calloc(1, sizeof(*e));
	struct sess_host *h = calloc(1, sizeof(*h));
	struct rb_compare *cmp = calloc(1, sizeof(*cmp));
	struct sess_source src = {.read = mem_read};
	struct sess_sink sink;
	struct sess_host_config hc;
	struct rp_config cfg = {.session = 1, .board_side = 1};
	struct nic *hn, *bn;
	char path[] = "/tmp/ethdl-replay-bs.XXXXXX";
	uint64_t now = 7000000;
	struct rp_result res;
	int fd, guard;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmp);
	gen_content();
	if (flip >= 0)
		content[flip] ^= 0x40;
	load(&c, name);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(write(fd, content, FILE_SIZE), FILE_SIZE);
	rb_compare_init(cmp, fd, FILE_SIZE);
	sink = rb_compare_sink(cmp);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hn, &bn, live_host, live_board, 1500, 0), 0);
	cfg.nic = bn;
	CU_ASSERT_EQUAL_FATAL(rp_init(e, &c, &cfg), 0);
	memset(&hc, 0, sizeof(hc));
	hc.nic = hn;
	memcpy(hc.board, live_board, 6);
	hc.job = SESS_DOWNLOAD;
	hc.readback = 1;
	hc.type = FT_CONFIG;
	hc.name = "config-5000.bin";
	hc.size = FILE_SIZE;
	hc.crc = frame_crc32(0, content, FILE_SIZE);
	hc.src = &src;
	hc.sink = &sink;
	hc.strict = strict;
	hc.session_id = LIVE_SESSION;
	CU_ASSERT_EQUAL_FATAL(sess_host_init(h, &hc), 0);
	rp_poll(e, now);
	sess_host_start(h, now);
	for (guard = 0; guard < GUARD && !(rp_done(e) && sess_host_done(h)); guard++) {
		uint64_t before = hn->stats.tx_frames + bn->stats.tx_frames, d1, d2;
		const uint8_t *buf;
		size_t len;

		while (nic_recv(bn, &buf, &len) == 1)
			rp_input(e, buf, len, now);
		rp_poll(e, now);
		while (nic_recv(hn, &buf, &len) == 1)
			sess_host_input(h, buf, len, now);
		if (!sess_host_done(h) && now >= sess_host_next_deadline(h))
			sess_host_poll(h, now);
		if (hn->stats.tx_frames + bn->stats.tx_frames != before)
			continue;
		d1 = rp_next_deadline(e);
		d2 = sess_host_done(h) ? UINT64_MAX : sess_host_next_deadline(h);
		d1 = d1 < d2 ? d1 : d2;
		if (d1 == UINT64_MAX)
			break;
		now = d1 > now ? d1 : now + 1;
	}
	CU_ASSERT(guard < GUARD);
	res = *rp_result(e);
	*host_exit = sess_host_done(h) ? sess_exit_code(sess_host_result(h)) : -1;
	if (res.state != RP_MATCH)
		fprintf(stderr,
			"\n  %s (board side): %s at frame %u (%s)\n    expected %s\n    got      "
			"%s\n",
			name, rp_state_name(res.state), res.frame, res.field, res.expected,
			res.got);
	sess_host_dispose(h);
	free(h);
	free(cmp);
	close(fd);
	rp_dispose(e);
	free(e);
	nic_close(hn);
	nic_close(bn);
	rp_capture_free(&c);
	return res;
}

static void test_board_side(void)
{
	int hx;
	struct rp_result r = play_board_side("happy_strict_board", 1, -1, &hx);

	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	CU_ASSERT_EQUAL(hx, 0);
	CU_ASSERT_EQUAL(r.sent, 11); /* the board's frames of the capture */
	r = play_board_side("happy_windowed_board", 0, -1, &hx);
	CU_ASSERT_EQUAL(r.state, RP_MATCH);
	CU_ASSERT_EQUAL(hx, 0);
	/* a host sending other bytes: its FILE_DATA seq 2 differs (byte 3000 - 1479) */
	r = play_board_side("happy_strict_board", 1, 3000, &hx);
	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 5); /* FILE_INFO: its CRC differs first */
	CU_ASSERT_STRING_EQUAL(r.field, "tlv crc");
	/* a windowed host against a strict recording: CONNECT's caps differ */
	r = play_board_side("happy_strict_board", 0, -1, &hx);
	CU_ASSERT_EQUAL(r.state, RP_DIVERGED);
	CU_ASSERT_EQUAL(r.frame, 1);
}

static CU_TestInfo engine_tests[] = {
	{"committed captures against a sound board: match", test_sound_board},
	{"--speed recorded keeps the recorded gaps", test_recorded_speed},
	{"corrupt read-back: diverges at the READBACK_DATA", test_corrupt_readback},
	{"wrong reply: diverges at the DOWNLOAD_ACK", test_wrong_reply},
	{"silent board: no answer within the 3 s timer", test_silent},
	{"board side: a live host against the board's recording", test_board_side},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo parts_tests[] = {
	{"compare: skipped, masked and differing fields", test_compare},
	{"capture: pcapng reads as the pcap", test_pcapng},
	{"capture: other link type, junk, no session refused", test_refused},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"replay engine", NULL, NULL, NULL, NULL, engine_tests},
	{"replay parts", NULL, NULL, NULL, NULL, parts_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
