/* SPDX-License-Identifier: MIT */
/*
 * Replay tests: the captures in captures/ are real sessions between ethdl
 * and ethdl-board over a veth pair (captures/record.sh). Each is replayed
 * against today's state machines, in both directions:
 *
 *  - board replay: the host's frames of a capture are pushed, at their
 *    recorded times, into a loop pair whose other end belongs to a fresh
 *    sess_board (empty store in a temporary directory, as at recording
 *    time; the test hooks the board ran with). Its replies must be the
 *    board's frames of the capture.
 *  - host replay: the board's frames are pushed into a fresh sess_host
 *    with the recorded session id, MACs and the same file (regenerated
 *    from its seed). Its frames must be the host's frames of the capture,
 *    and its result the recorded one (captures/NAME.json).
 *
 * The clock is the capture's timestamps: between two recorded frames the
 * machine is polled at each deadline it names, as the programs' poll loops
 * do, so timers (resends, the 3-second timeout) fire as they did live.
 *
 * How frames are compared. Where the exchange is strict (and for sessions
 * without a data phase) the frames must be byte-identical and in the same
 * order. In the windowed exchange the moments at which status probes go
 * out (STATUS_QUERY, RB_STATUS_QUERY) come from RTO timers and from how
 * many frames one poll sent, so neither their number nor where data frames
 * fall between them is fixed by the input. There the test compares the
 * ordered list of control frames (every code except the four status codes
 * and the two data codes), byte for byte, and the set of data sequence
 * numbers, each with its bytes.
 *
 * A host-side capture ends when the host does, and a host that fails sends
 * DISCONNECT and exits without waiting: the board's DISCONNECT_ACK, and
 * repeats of replies still in flight, are not in it. In the board replay,
 * such trailing frames beyond the recorded ones are not counted as extra.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cunit_main.h"
#include "rm_dir.h"
#include "frame.h"
#include "nic.h"
#include "readback.h"
#include "session.h"
#include "fault.h"
#include "devstore_dir.h"
#include "devstore_fault.h"

#define CAPTURES  ETHDL_SOURCE_DIR "/captures"
#define FILE_SIZE 5000 /* captures/record.sh: SIZE */
#define FILE_SEED 1    /* captures/record.sh: SEED */
#define FILE_NAME "config-5000.bin"
#define LOOP_MTU  1500	 /* the veth MTU at recording time */
#define GUARD	  200000 /* polls per step before the test calls it a busy loop */

/* ---- the file every capture downloads ---- */

static uint8_t content[FILE_SIZE];
static uint32_t content_crc;

/* splitmix64, 8 bytes little endian per step: the generator of record.sh. */
static void gen_content(void)
{
	uint64_t x = FILE_SEED;

	for (size_t i = 0; i < FILE_SIZE; i += 8) {
		uint64_t z = (x += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		for (size_t k = 0; k < 8 && i + k < FILE_SIZE; k++)
			content[i + k] = (uint8_t)(z >> (8 * k));
	}
	content_crc = frame_crc32(0, content, FILE_SIZE);
}

/* ---- frames and captures ---- */

struct rec {
	uint64_t t; /* microseconds */
	uint8_t *buf;
	size_t len;
	int from_host;
};

struct flist {
	struct rec *v;
	size_t n, cap;
};

static void flist_add(struct flist *l, uint64_t t, const uint8_t *buf, size_t len, int from_host)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		CU_ASSERT_PTR_NOT_NULL_FATAL(l->v);
	}
	l->v[l->n].t = t;
	l->v[l->n].buf = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l->v[l->n].buf);
	memcpy(l->v[l->n].buf, buf, len);
	l->v[l->n].len = len;
	l->v[l->n].from_host = from_host;
	l->n++;
}

static void flist_free(struct flist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].buf);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct capture {
	struct flist all;
	struct flist host, board; /* the two directions */
	uint8_t host_mac[6], board_mac[6];
	uint32_t session;
};

static void capture_free(struct capture *c)
{
	flist_free(&c->all);
	flist_free(&c->host);
	flist_free(&c->board);
}

/* Load captures/NAME.pcap. The host is the source of the first CONNECT. */
static int capture_load(const char *name, struct capture *c)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int found = 0;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s.pcap", CAPTURES, name);
	p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "\n  %s\n", err);
		return -1;
	}
	while (pcap_next_ex(p, &h, &data) == 1)
		flist_add(&c->all, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
			  data, h->caplen, 0);
	pcap_close(p);
	for (size_t i = 0; i < c->all.n && !found; i++) {
		struct frame f;

		if (frame_decode(&f, c->all.v[i].buf, c->all.v[i].len, FRAME_ETHERTYPE_DEFAULT) ==
			    0 &&
		    f.code == FC_CONNECT) {
			memcpy(c->host_mac, f.src, 6);
			memcpy(c->board_mac, f.dst, 6);
			c->session = f.session;
			found = 1;
		}
	}
	if (!found) {
		fprintf(stderr, "\n  %s: no CONNECT\n", path);
		return -1;
	}
	for (size_t i = 0; i < c->all.n; i++) {
		struct rec *r = &c->all.v[i];

		r->from_host = r->len >= 12 && memcmp(r->buf + 6, c->host_mac, 6) == 0;
		flist_add(r->from_host ? &c->host : &c->board, r->t, r->buf, r->len, r->from_host);
	}
	return 0;
}

/* The exit code the recording host reported in captures/NAME.json (-1 if none),
 * and the "offset" field if there is one. */
static int recorded_exit(const char *name, long long *offset)
{
	char path[512], text[2048];
	const char *s;
	FILE *f;
	size_t n;
	int code = -1;

	snprintf(path, sizeof(path), "%s/%s.json", CAPTURES, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	s = strstr(text, "\"exit\":");
	if (s)
		code = atoi(s + 7);
	s = strstr(text, "\"offset\":");
	if (offset)
		*offset = s ? atoll(s + 9) : -1;
	return code;
}

/* ---- comparing ---- */

static const char *describe(const struct rec *r, char *out, size_t cap)
{
	struct frame f;
	int e = frame_decode(&f, r->buf, r->len, FRAME_ETHERTYPE_DEFAULT);

	if (e < 0 && e != -FRAME_E_CRC && e != -FRAME_E_CODE)
		snprintf(out, cap, "undecodable (%s), %zu bytes", frame_strerror(e), r->len);
	else
		snprintf(out, cap, "%s seq %u len %u%s", frame_code_name(f.code), f.seq, f.len,
			 e ? " (damaged)" : "");
	return out;
}

static int is_status(int code)
{
	return code == FC_STATUS_QUERY || code == FC_BOARD_STATUS || code == FC_RB_STATUS_QUERY ||
	       code == FC_HOST_STATUS;
}

static int is_data(int code)
{
	return code == FC_FILE_DATA || code == FC_READBACK_DATA;
}

static void dump_lists(const char *what, const struct flist *want, const struct flist *got)
{
	char a[96], b[96];
	size_t n = want->n > got->n ? want->n : got->n;

	fprintf(stderr, "\n  %s: recorded %zu frames, replay %zu:\n", what, want->n, got->n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "    %3zu  %-36s %s\n", i,
			i < want->n ? describe(&want->v[i], a, sizeof(a)) : "-",
			i < got->n ? describe(&got->v[i], b, sizeof(b)) : "-");
}

/* Byte-identical frames in the same order. */
static int compare_exact(const char *what, const struct flist *want, const struct flist *got)
{
	for (size_t i = 0; i < want->n || i < got->n; i++) {
		if (i >= want->n || i >= got->n || want->v[i].len != got->v[i].len ||
		    memcmp(want->v[i].buf, got->v[i].buf, got->v[i].len) != 0) {
			dump_lists(what, want, got);
			fprintf(stderr, "  first difference at frame %zu\n", i);
			return -1;
		}
	}
	return 0;
}

/* Control frames in order, byte for byte; data frames as a set of
 * sequence numbers, each with the same bytes. Damaged frames (which only
 * the strict captures hold) are compared by compare_exact only. */
static int compare_relaxed(const char *what, const struct flist *want, const struct flist *got)
{
	const struct flist *l[2] = {want, got};
	size_t nctl[2] = {0, 0};
	size_t *ctl[2];
	const struct rec **data[2];
	int ret = 0;

	for (int k = 0; k < 2; k++) {
		ctl[k] = calloc(l[k]->n + 1, sizeof(size_t));
		data[k] = calloc(65536, sizeof(*data[k]));
		CU_ASSERT_PTR_NOT_NULL_FATAL(ctl[k]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(data[k]);
		for (size_t i = 0; i < l[k]->n; i++) {
			struct frame f;

			if (frame_decode(&f, l[k]->v[i].buf, l[k]->v[i].len,
					 FRAME_ETHERTYPE_DEFAULT))
				continue;
			if (is_data(f.code)) {
				if (f.seq < 65536 && !data[k][f.seq])
					data[k][f.seq] = &l[k]->v[i];
			} else if (!is_status(f.code)) {
				ctl[k][nctl[k]++] = i;
			}
		}
	}
	if (nctl[0] != nctl[1])
		ret = -1;
	for (size_t i = 0; !ret && i < nctl[0]; i++) {
		const struct rec *a = &want->v[ctl[0][i]], *b = &got->v[ctl[1][i]];

		if (a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0) {
			fprintf(stderr, "\n  %s: control frame %zu differs\n", what, i);
			ret = -1;
		}
	}
	for (size_t s = 0; !ret && s < 65536; s++) {
		const struct rec *a = data[0][s], *b = data[1][s];

		if (!a != !b || (a && (a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0))) {
			fprintf(stderr, "\n  %s: data frame seq %zu %s\n", what, s,
				!a   ? "not recorded"
				: !b ? "missing"
				     : "differs");
			ret = -1;
		}
	}
	if (ret)
		dump_lists(what, want, got);
	for (int k = 0; k < 2; k++) {
		free(ctl[k]);
		free(data[k]);
	}
	return ret;
}

static int code_of(const struct rec *r)
{
	struct frame f;

	return frame_decode(&f, r->buf, r->len, FRAME_ETHERTYPE_DEFAULT) == 0 ? f.code : -1;
}

/* 1 if l holds a frame byte-identical to r. */
static int in_list(const struct flist *l, const struct rec *r)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].len == r->len && memcmp(l->v[i].buf, r->buf, r->len) == 0)
			return 1;
	return 0;
}

/* ---- what each capture is ---- */

struct replay_case {
	const char *name; /* captures/NAME.pcap */
	int exact;	  /* compare byte for byte, in order */
	int host_strict;  /* ethdl --strict */
	int notice;	  /* the host's result */
	int exit_code;
	/* ethdl-board flags at recording time */
	int silent;
	unsigned silent_after;
	int flip_received, corrupt_readback, wrong_reply;
	double corrupt; /* --corrupt P --impair-on tx --seed SEED */
	uint64_t seed;
};

#define CASE(n, ex, hs, no, ec)                                                                    \
	.name = n, .exact = ex, .host_strict = hs, .notice = no, .exit_code = ec

static const struct replay_case C_HAPPY_W = {CASE("happy_windowed", 0, 0, NOTICE_NONE, 0)};
static const struct replay_case C_HAPPY_W_BOARD = {
	CASE("happy_windowed_board", 0, 0, NOTICE_NONE, 0)};
static const struct replay_case C_HAPPY_S = {CASE("happy_strict", 1, 1, NOTICE_NONE, 0)};
static const struct replay_case C_HAPPY_S_BOARD = {
	CASE("happy_strict_board", 1, 1, NOTICE_NONE, 0)};
static const struct replay_case C_CONNECT = {
	CASE("connect_failed", 1, 0, NOTICE_CONNECT_FAILED, 11), .silent = 1};
static const struct replay_case C_FRAME_CRC = {CASE("frame_crc", 1, 1, NOTICE_FRAME_CRC, 12),
					       .corrupt = 0.2, .seed = 4};
static const struct replay_case C_FILE_CRC = {CASE("file_crc", 0, 0, NOTICE_FILE_CRC, 13),
					      .flip_received = 1};
static const struct replay_case C_TIMEOUT = {CASE("timeout", 0, 0, NOTICE_TIMEOUT, 14),
					     .silent_after = 4};
static const struct replay_case C_MISMATCH = {
	CASE("readback_mismatch", 0, 0, NOTICE_READBACK_MISMATCH, 15), .corrupt_readback = 1};
static const struct replay_case C_WRONG = {CASE("wrong_command", 1, 0, NOTICE_WRONG_COMMAND, 16),
					   .wrong_reply = 1};

static void collect(struct nic *n, struct flist *out, uint64_t t, int from_host)
{
	const uint8_t *buf;
	size_t len;

	while (nic_recv(n, &buf, &len) == 1)
		flist_add(out, t, buf, len, from_host);
}

/* ---- board replay ---- */

static void board_advance(struct sess_board *b, uint64_t *cur, uint64_t until, struct nic *peer,
			  struct flist *out)
{
	int guard;

	for (guard = 0; guard < GUARD; guard++) {
		uint64_t d = sess_board_next_deadline(b);

		if (d > until)
			break;
		if (d > *cur)
			*cur = d;
		sess_board_poll(b, *cur);
		collect(peer, out, *cur, 0);
	}
	CU_ASSERT(guard < GUARD); /* the deadline always moves on */
}

static void replay_board(const struct replay_case *rc)
{
	struct capture c;
	struct flist out = {0};
	struct devstore store;
	struct sess_board *b;
	struct sess_board_config cfg = {
		.vendor = "ethdl",
		.model = "board-emulator",
		.serial = "0001", /* ethdl-board defaults */
	};
	/* the board's misbehaviours, as ethdl-board's options make them */
	struct nic_fault nf = {.mute = rc->silent, .mute_after = (unsigned)rc->silent_after};
	struct devstore_fault sf = {.flip_received = rc->flip_received,
				    .corrupt_readback = rc->corrupt_readback};
	struct devstore faulty;
	struct nic *hn, *bn, *wrapped;
	char dir[] = "/tmp/ethdl-replay.XXXXXX";
	uint64_t cur;
	int r;

	CU_ASSERT_EQUAL_FATAL(capture_load(rc->name, &c), 0);
	CU_ASSERT_FATAL(c.host.n > 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&store, dir, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hn, &bn, c.host_mac, c.board_mac, LOOP_MTU, 0), 0);
	if (rc->corrupt > 0) {
		/* The same seeded damage on the same sequence of frames sent. */
		struct nic_impair p = {.corrupt = rc->corrupt, .seed = rc->seed, .on_tx = 1};

		CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&wrapped, bn, &p), 0);
		bn = wrapped;
	}
	if (rc->wrong_reply) {
		nf.rewrite_code = FC_DOWNLOAD_ACK;
		nf.rewrite_to = FC_READBACK_ACK;
	}
	CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&wrapped, bn, &nf), 0);
	bn = wrapped;
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&faulty, &store, &sf), 0);
	b = calloc(1, sizeof(*b));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	cfg.nic = bn;
	cfg.store = &faulty;
	CU_ASSERT_EQUAL_FATAL(sess_board_init(b, &cfg), 0);

	cur = c.host.v[0].t;
	for (size_t i = 0; i < c.host.n; i++) {
		const struct rec *in = &c.host.v[i];
		const uint8_t *buf;
		size_t len;

		board_advance(b, &cur, in->t, hn, &out);
		if (in->t > cur)
			cur = in->t;
		r = nic_send(hn, in->buf, in->len);
		CU_ASSERT_EQUAL(r, 0);
		while (nic_recv(bn, &buf, &len) == 1)
			sess_board_input(b, buf, len, cur);
		sess_board_poll(b, cur);
		collect(hn, &out, cur, 0);
	}
	board_advance(b, &cur, cur, hn, &out);

	/* The capture ends when the host does: what the board sent after
	 * the host's last look is not in it. Beyond the recorded frames, a
	 * trailing DISCONNECT_ACK and repeats of replies already recorded
	 * (answers to a repeated query, still in flight) are not extra. */
	while (out.n > c.board.n && code_of(&c.host.v[c.host.n - 1]) == FC_DISCONNECT &&
	       (code_of(&out.v[out.n - 1]) == FC_DISCONNECT_ACK ||
		in_list(&c.board, &out.v[out.n - 1]))) {
		free(out.v[out.n - 1].buf);
		out.n--;
	}
	{
		char what[128];

		snprintf(what, sizeof(what), "board replay of %s", rc->name);
		if (rc->exact)
			CU_ASSERT_EQUAL(compare_exact(what, &c.board, &out), 0);
		CU_ASSERT_EQUAL(compare_relaxed(what, &c.board, &out), 0);
	}
	/* After a failure the board's slot holds nothing (it held nothing before). */
	if (rc->notice == NOTICE_FILE_CRC || rc->notice == NOTICE_WRONG_COMMAND ||
	    rc->notice == NOTICE_CONNECT_FAILED) {
		CU_ASSERT_PTR_NULL(dev_image(sess_board_device(b), FT_CONFIG, DEV_ACTIVE));
	} else if (rc->notice == NOTICE_NONE) {
		const struct dev_image *im = dev_image(sess_board_device(b), FT_CONFIG, DEV_ACTIVE);

		CU_ASSERT_PTR_NOT_NULL_FATAL(im);
		CU_ASSERT_EQUAL(im->size, FILE_SIZE);
		CU_ASSERT_EQUAL(im->crc, content_crc);
	}

	sess_board_dispose(b);
	free(b);
	nic_close(bn);
	nic_close(hn);
	devstore_fault_close(&faulty);
	devstore_dir_close(&store);
	rm_dir(dir);
	flist_free(&out);
	capture_free(&c);
}

/* ---- host replay ---- */

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > FILE_SIZE || len > FILE_SIZE - off)
		return -EIO;
	memcpy(buf, content + off, len);
	return 0;
}

static void host_advance(struct sess_host *h, uint64_t *cur, uint64_t until, struct nic *peer,
			 struct flist *out)
{
	int guard;

	for (guard = 0; guard < GUARD && !sess_host_done(h); guard++) {
		uint64_t d = sess_host_next_deadline(h);

		if (d > until)
			break;
		if (d > *cur)
			*cur = d;
		sess_host_poll(h, *cur);
		collect(peer, out, *cur, 1);
	}
	CU_ASSERT(guard < GUARD);
}

static void replay_host(const struct replay_case *rc)
{
	struct capture c;
	struct flist out = {0};
	struct sess_source src = {.read = mem_read};
	struct rb_compare *cmp;
	struct sess_sink sink;
	struct sess_host *h;
	struct sess_host_config cfg;
	struct nic *hn, *bn;
	char path[] = "/tmp/ethdl-replay-file.XXXXXX";
	long long rec_offset;
	uint64_t cur;
	int fd;

	CU_ASSERT_EQUAL_FATAL(capture_load(rc->name, &c), 0);
	/* The compare sink reads the local file through a descriptor. */
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(write(fd, content, FILE_SIZE), FILE_SIZE);
	cmp = malloc(sizeof(*cmp));
	h = malloc(sizeof(*h));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	rb_compare_init(cmp, fd, FILE_SIZE);
	sink = rb_compare_sink(cmp);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hn, &bn, c.host_mac, c.board_mac, LOOP_MTU, 0), 0);

	memset(&cfg, 0, sizeof(cfg));
	cfg.nic = hn;
	memcpy(cfg.board, c.board_mac, 6);
	cfg.job = SESS_DOWNLOAD;
	cfg.readback = 1;
	cfg.type = FT_CONFIG;
	cfg.name = FILE_NAME;
	cfg.size = FILE_SIZE;
	cfg.crc = content_crc;
	cfg.src = &src;
	cfg.sink = &sink;
	cfg.strict = rc->host_strict;
	cfg.no_overlap = 1; /* as the recorded host: no CAP_OVERLAP (PROTOCOL.md §10) */
	cfg.session_id = c.session;
	CU_ASSERT_EQUAL_FATAL(sess_host_init(h, &cfg), 0);

	cur = c.all.v[0].t;
	sess_host_start(h, cur);
	collect(bn, &out, cur, 1);
	for (size_t i = 0; i < c.board.n && !sess_host_done(h); i++) {
		const struct rec *in = &c.board.v[i];
		const uint8_t *buf;
		size_t len;

		host_advance(h, &cur, in->t, bn, &out);
		if (sess_host_done(h))
			break;
		if (in->t > cur)
			cur = in->t;
		CU_ASSERT_EQUAL(nic_send(bn, in->buf, in->len), 0);
		while (nic_recv(hn, &buf, &len) == 1)
			sess_host_input(h, buf, len, cur);
		sess_host_poll(h, cur);
		collect(bn, &out, cur, 1);
	}
	/* What the board said is all there was: let the timers run out. */
	host_advance(h, &cur, cur + 10 * PROTO_TIMEOUT_US, bn, &out);
	CU_ASSERT_FATAL(sess_host_done(h));

	{
		char what[128];

		snprintf(what, sizeof(what), "host replay of %s", rc->name);
		if (rc->exact)
			CU_ASSERT_EQUAL(compare_exact(what, &c.host, &out), 0);
		CU_ASSERT_EQUAL(compare_relaxed(what, &c.host, &out), 0);
	}
	CU_ASSERT_EQUAL(h->result.notice, rc->notice);
	CU_ASSERT_EQUAL(sess_exit_code(&h->result), rc->exit_code);
	if (h->result.notice != rc->notice)
		fprintf(stderr, "\n  host replay of %s: %s: %s\n", rc->name,
			frame_notice_name(h->result.notice), h->result.text);
	/* The recording host said the same (board-side captures have no JSON). */
	if (!strstr(rc->name, "_board")) {
		CU_ASSERT_EQUAL(recorded_exit(rc->name, &rec_offset), rc->exit_code);
		if (rc->notice == NOTICE_READBACK_MISMATCH)
			CU_ASSERT_EQUAL((long long)h->result.offset, rec_offset);
	}

	sess_host_dispose(h);
	free(h);
	free(cmp);
	close(fd);
	nic_close(hn);
	nic_close(bn);
	flist_free(&out);
	capture_free(&c);
}

/* ---- the captures themselves ---- */

static void test_captures_sane(void)
{
	static const char *const names[] = {
		"happy_windowed",    "happy_windowed_board",
		"happy_strict",	     "happy_strict_board",
		"connect_failed",    "frame_crc",
		"file_crc",	     "timeout",
		"readback_mismatch", "wrong_command",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct capture c;
		int saw_info = 0;

		CU_ASSERT_EQUAL_FATAL(capture_load(names[i], &c), 0);
		CU_ASSERT(c.host.n > 0);
		CU_ASSERT(c.session != 0);
		/* Every frame is of the recorded session, from one of the two. */
		for (size_t k = 0; k < c.all.n; k++) {
			const struct rec *r = &c.all.v[k];

			CU_ASSERT(r->len >= FRAME_MIN_LEN);
			CU_ASSERT(r->from_host || memcmp(r->buf + 6, c.board_mac, 6) == 0);
			CU_ASSERT_EQUAL(get_be32(r->buf + 18), c.session);
		}
		/* FILE_INFO announces the file the test regenerates. */
		for (size_t k = 0; k < c.host.n; k++) {
			struct frame f;
			uint64_t v;

			if (frame_decode(&f, c.host.v[k].buf, c.host.v[k].len,
					 FRAME_ETHERTYPE_DEFAULT) ||
			    f.code != FC_FILE_INFO)
				continue;
			saw_info = 1;
			CU_ASSERT(tlv_get_uint(f.data, f.len, T_SIZE, &v) && v == FILE_SIZE);
			CU_ASSERT(tlv_get_uint(f.data, f.len, T_CRC, &v) && v == content_crc);
		}
		CU_ASSERT(saw_info || !strcmp(names[i], "connect_failed") ||
			  !strcmp(names[i], "wrong_command"));
		capture_free(&c);
	}
}

#define REPLAY(dir, c)                                                                             \
	static void test_##dir##_##c(void)                                                         \
	{                                                                                          \
		replay_##dir(&C_##c);                                                              \
	}

REPLAY(board, HAPPY_W)
REPLAY(board, HAPPY_W_BOARD)
REPLAY(board, HAPPY_S)
REPLAY(board, HAPPY_S_BOARD)
REPLAY(board, CONNECT)
REPLAY(board, FRAME_CRC)
REPLAY(board, FILE_CRC)
REPLAY(board, TIMEOUT)
REPLAY(board, MISMATCH)
REPLAY(board, WRONG)
REPLAY(host, HAPPY_W)
REPLAY(host, HAPPY_W_BOARD)
REPLAY(host, HAPPY_S)
REPLAY(host, HAPPY_S_BOARD)
REPLAY(host, CONNECT)
REPLAY(host, FRAME_CRC)
REPLAY(host, FILE_CRC)
REPLAY(host, TIMEOUT)
REPLAY(host, MISMATCH)
REPLAY(host, WRONG)

static CU_TestInfo capture_tests[] = {
	{"captures load, one session, file as regenerated", test_captures_sane},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo board_tests[] = {
	{"happy path, windowed", test_board_HAPPY_W},
	{"happy path, windowed (board-side capture)", test_board_HAPPY_W_BOARD},
	{"happy path, strict", test_board_HAPPY_S},
	{"happy path, strict (board-side capture)", test_board_HAPPY_S_BOARD},
	{"connect failed (--silent)", test_board_CONNECT},
	{"frame CRC (--corrupt 0.2 --seed 4, strict)", test_board_FRAME_CRC},
	{"file CRC (--flip-received)", test_board_FILE_CRC},
	{"timeout (--silent-after 4)", test_board_TIMEOUT},
	{"read-back mismatch (--corrupt-readback)", test_board_MISMATCH},
	{"wrong command (--wrong-reply)", test_board_WRONG},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo host_tests[] = {
	{"happy path, windowed", test_host_HAPPY_W},
	{"happy path, windowed (board-side capture)", test_host_HAPPY_W_BOARD},
	{"happy path, strict", test_host_HAPPY_S},
	{"happy path, strict (board-side capture)", test_host_HAPPY_S_BOARD},
	{"connect failed", test_host_CONNECT},
	{"frame CRC", test_host_FRAME_CRC},
	{"file CRC", test_host_FILE_CRC},
	{"timeout", test_host_TIMEOUT},
	{"read-back mismatch", test_host_MISMATCH},
	{"wrong command", test_host_WRONG},
	CU_TEST_INFO_NULL,
};

static int suite_init(void)
{
	gen_content();
	return 0;
}

static CU_SuiteInfo suites[] = {
	{"captures", suite_init, NULL, NULL, NULL, capture_tests},
	{"board replay", suite_init, NULL, NULL, NULL, board_tests},
	{"host replay", suite_init, NULL, NULL, NULL, host_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
