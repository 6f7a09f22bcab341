/* SPDX-License-Identifier: MIT */
/*
 * session unit tests: the host and the board state machines wired back to
 * back over the loop nic, driven by a fake clock (a microsecond counter the
 * test advances; nothing sleeps). The board stores into a real devstore_dir in
 * a fresh temporary directory; the host reads the file from memory and
 * compares or saves the read-back with the readback/ sinks.
 *
 * Every suite of session tests runs twice: over the plain loop pair, and with
 * the host's end also captured to a pcap file, which is then read back
 * through the file backend and checked frame by frame against what the host
 * sent and received. A last suite replays a captured session into a fresh
 * host through the file backend.
 *
 * Set ETHDL_TEST_VERBOSE=1 to see what the machines log.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"
#include "proto.h"
#include "readback.h"
#include "session.h"
#include "fault.h"
#include "devstore_dir.h"
#include "devstore_fault.h"

#define MTU	  1500u
#define BLOCK	  1479u /* sess_block_for_mtu(MTU) */
#define SEC	  1000000ull
#define MS	  1000ull
#define T0	  (5 * SEC) /* every session starts at 5 s of fake time */
#define STEP	  100u	    /* how far the clock moves when a machine is due at once */
#define SID	  0x5e5510a1u
#define MIB	  (1u << 20)
#define PREV_SIZE 3000u
#define MAX_STEPS 20000u /* the longest session here takes ~1500 */

static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t MAC_X[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};

/* 0: loop pair; 1: the host's end of the loop pair captured to a pcap file */
static int wiring;

static void test_log(void *ctx, const char *msg)
{
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

/* ---- tap: a nic decorator recording every frame that passes ---- */

enum { TX, RX };

struct tap_frame {
	int dir;
	int code; /* function code as sent (before any damage), -1 if it does not decode */
	uint8_t *buf;
	size_t len;
};

struct tap {
	struct nic *inner;     /* owned */
	struct nic *bypass;    /* borrowed: while set, sends go here instead of inner */
	int corrupt_code;      /* damage sent frames with this function code ... */
	unsigned corrupt_left; /* ... this many of them */
	int refuse_code;       /* refuse to send frames with this function code ... */
	unsigned refuse_left;  /* ... this many times (the nic says no, nothing goes) */
	int refuse_code2;      /* and a second code, the same way */
	unsigned refuse_left2;
	struct tap_frame *log;
	size_t n, cap;
	uint8_t scratch[FRAME_BUF_MAX];
};

static int code_of(const uint8_t *buf, size_t len)
{
	struct frame f;

	return frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) == 0 ? f.code : -1;
}

static void tap_record(struct tap *t, int dir, int code, const uint8_t *buf, size_t len)
{
	struct tap_frame *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct tap_frame *l = realloc(t->log, cap * sizeof(*l));

		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		t->log = l;
		t->cap = cap;
	}
	e = &t->log[t->n];
	e->buf = malloc(len ? len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->buf);
	memcpy(e->buf, buf, len);
	e->len = len;
	e->dir = dir;
	e->code = code;
	t->n++;
}

static int tap_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct tap *t = n->priv;
	int code = code_of(buf, len), r;
	const uint8_t *out = buf;

	if (t->refuse_left && code == t->refuse_code) {
		t->refuse_left--;
		return -NIC_E_IO;
	}
	if (t->refuse_left2 && code == t->refuse_code2) {
		t->refuse_left2--;
		return -NIC_E_IO;
	}

	if (t->corrupt_left && code == t->corrupt_code && len > FRAME_HDR_LEN &&
	    len <= sizeof(t->scratch)) {
		memcpy(t->scratch, buf, len);
		t->scratch[FRAME_HDR_LEN] ^= 0x01; /* first data byte (or CRC) */
		t->corrupt_left--;
		out = t->scratch;
	}
	r = nic_send(t->bypass ? t->bypass : t->inner, out, len);
	if (r == 0)
		tap_record(t, TX, code, out, len);
	return r;
}

static int tap_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct tap *t = n->priv;
	int r = nic_recv(t->inner, buf, len);

	if (r == 1)
		tap_record(t, RX, code_of(*buf, *len), *buf, *len);
	return r;
}

static int tap_fd(struct nic *n)
{
	return nic_fd(((struct tap *)n->priv)->inner);
}

static int tap_join(struct nic *n, const uint8_t mac[6])
{
	return nic_join(((struct tap *)n->priv)->inner, mac);
}

/* Closes the inner nic; the log stays until tap_free(). */
static void tap_close(struct nic *n)
{
	struct tap *t = n->priv;

	nic_close(t->inner);
	t->inner = NULL;
	free(n);
}

static const struct nic_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.fd = tap_fd,
	.join = tap_join,
	.close = tap_close,
};

static struct tap *tap_wrap(struct nic **out, struct nic *inner)
{
	struct nic *n = calloc(1, sizeof(*n));
	struct tap *t = calloc(1, sizeof(*t));

	CU_ASSERT_FATAL(n && t);
	t->inner = inner;
	n->ops = &tap_ops;
	n->priv = t;
	n->mtu = inner->mtu;
	memcpy(n->mac, inner->mac, 6);
	memcpy(n->name, inner->name, sizeof(n->name));
	*out = n;
	return t;
}

static void tap_free(struct tap *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->log[i].buf);
	free(t->log);
	free(t);
}

static unsigned tap_count(const struct tap *t, int dir, int code)
{
	unsigned c = 0;

	for (size_t i = 0; i < t->n; i++)
		c += t->log[i].dir == dir && t->log[i].code == code;
	return c;
}

/* The i-th last frame in direction dir (0 = the last), or NULL. */
static const struct tap_frame *tap_last(const struct tap *t, int dir, unsigned i)
{
	for (size_t k = t->n; k-- > 0;)
		if (t->log[k].dir == dir && i-- == 0)
			return &t->log[k];
	return NULL;
}

/* ---- ERROR frames ---- */

struct err {
	uint64_t notice, detail, expected, got;
};

static int parse_error(const uint8_t *buf, size_t len, struct err *e)
{
	struct frame f;

	memset(e, 0xff, sizeof(*e));
	if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) || f.code != FC_ERROR)
		return -1;
	if (!tlv_get_uint(f.data, f.len, T_NOTICE, &e->notice) ||
	    !tlv_get_uint(f.data, f.len, T_DETAIL, &e->detail))
		return -1;
	tlv_get_uint(f.data, f.len, T_EXPECTED, &e->expected);
	tlv_get_uint(f.data, f.len, T_GOT, &e->got);
	return 0;
}

/* ---- files ---- */

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	if (len)
		n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* 1 if path holds exactly len bytes equal to data. */
static int file_is(const char *path, const void *data, size_t len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n = 0;
	int fd, same;

	if (stat(path, &st) < 0 || (size_t)st.st_size != len)
		return 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	buf = malloc(len ? len : 1);
	if (len)
		n = buf ? pread(fd, buf, len, 0) : -1;
	close(fd);
	same = n == (ssize_t)len && (!len || memcmp(buf, data, len) == 0);
	free(buf);
	return same;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* ---- the rig: host and board back to back ---- */

struct opts {
	size_t size;
	int job;      /* 0 = SESS_DOWNLOAD */
	int readback; /* download: read back and compare */
	int host_strict, board_strict;
	unsigned window, block;
	int no_prev; /* the board's slot starts empty */
	int impair;  /* the board's end goes through imp */
	struct nic_impair imp;
	int board_tap;	/* the board's end in a tap; with impair, sends bypass imp
			 * until bt->bypass is cleared */
	int capture;	/* capture the host's end even over the plain wiring */
	unsigned depth; /* frames each loop queue holds (0 = the default) */
	uint32_t seed;
};

struct rig {
	struct opts o;
	char top[64], dir[96], pcap[96], out[96];
	struct nic *hn, *bn;
	struct tap *ht, *bt;
	int nics_open;
	struct devstore st, fst; /* the store; fst: st through devstore_fault */
	int fst_used;
	struct sess_host h;
	struct sess_board b;
	struct sess_source src;
	struct rb_compare *cmp;
	struct rb_save save;
	int save_used;
	struct sess_sink sink;
	int src_fd;
	uint8_t *data;
	size_t size;
	uint32_t crc;
	uint8_t prev[PREV_SIZE];
	struct stat prev_st;
	uint64_t now, t_end;
	int host_on, board_on;
	unsigned steps;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->size || len > r->size - off)
		return -EIO;
	memcpy(buf, r->data + off, len);
	return 0;
}

static void slot_file(const struct rig *r, const char *ext, char *out, size_t cap)
{
	snprintf(out, cap, "%s/config.%s", r->dir, ext);
}

static struct rig *rig_open(const struct opts *o)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct sess_board_config bc;
	struct sess_host_config hc;
	char path[128], errbuf[NIC_ERRBUF_SIZE];
	struct nic *la, *lb, *n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->o = *o;
	/* in memory where there is a tmpfs: the board fsyncs every change */
	strcpy(r->top, access("/dev/shm", W_OK) == 0 ? "/dev/shm/ethdl-test-session-XXXXXX"
						     : "/tmp/ethdl-test-session-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(r->top));
	snprintf(r->dir, sizeof(r->dir), "%s/board", r->top);
	snprintf(r->pcap, sizeof(r->pcap), "%s/host.pcap", r->top);
	snprintf(r->out, sizeof(r->out), "%s/out.bin", r->top);
	CU_ASSERT_EQUAL_FATAL(mkdir(r->dir, 0755), 0);

	/* the file the host downloads, in memory and (for the compare) on disk */
	r->size = o->size;
	r->data = malloc(o->size ? o->size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	fill(r->data, o->size, o->seed + 17);
	r->crc = frame_crc32(0, r->data, o->size);
	snprintf(path, sizeof(path), "%s/src.bin", r->top);
	CU_ASSERT_EQUAL_FATAL(write_file(path, r->data, o->size), 0);
	r->src_fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(r->src_fd >= 0);

	/* what the board held before: an image its device made active */
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&r->st, r->dir, NULL), 0);
	fill(r->prev, PREV_SIZE, o->seed + 1000);
	if (!o->no_prev) {
		struct board_device *d = calloc(1, sizeof(*d));
		struct dev_identity id = {"acme", "unit", "0001", 0, NULL};
		uint32_t got;

		CU_ASSERT_FATAL(d && dev_open(d, &r->st, &id) == 0);
		CU_ASSERT_EQUAL_FATAL(dev_download_begin(d, FT_CONFIG, PREV_SIZE,
							 frame_crc32(0, r->prev, PREV_SIZE),
							 PREV_SIZE, NULL, 0),
				      0);
		CU_ASSERT_EQUAL_FATAL(dev_download_write(d, 0, r->prev, PREV_SIZE), 0);
		CU_ASSERT_EQUAL_FATAL(dev_download_commit(d, MAC_H, &got), 0);
		dev_close(d);
		free(d);
		slot_file(r, "bin", path, sizeof(path));
		CU_ASSERT_EQUAL_FATAL(stat(path, &r->prev_st), 0);
	}

	/* the wire */
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&la, &lb, MAC_H, MAC_B, MTU, o->depth), 0);
	if (wiring == 1 || o->capture) {
		CU_ASSERT_EQUAL_FATAL(nic_capture_wrap(&n, la, r->pcap, errbuf), 0);
		la = n;
	}
	r->ht = tap_wrap(&r->hn, la);
	r->bn = lb;
	if (o->impair) {
		CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&n, r->bn, &o->imp), 0);
		r->bn = n;
	}
	if (o->board_tap) {
		r->bt = tap_wrap(&n, r->bn);
		if (o->impair)
			r->bt->bypass = lb;
		r->bn = n;
	}
	r->nics_open = 1;

	memset(&bc, 0, sizeof(bc));
	bc.nic = r->bn;
	bc.store = &r->st;
	bc.vendor = "acme";
	bc.model = "unit";
	bc.serial = "0001";
	bc.strict = o->board_strict;
	bc.log = test_log;
	bc.log_ctx = "board";
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);

	r->src.read = mem_read;
	r->src.ctx = r;
	if (o->job == SESS_READBACK) {
		CU_ASSERT_EQUAL_FATAL(rb_save_init(&r->save, r->out), 0);
		r->save_used = 1;
		r->sink = rb_save_sink(&r->save);
	} else {
		r->cmp = malloc(sizeof(*r->cmp));
		CU_ASSERT_PTR_NOT_NULL_FATAL(r->cmp);
		rb_compare_init(r->cmp, r->src_fd, o->size);
		r->sink = rb_compare_sink(r->cmp);
	}
	memset(&hc, 0, sizeof(hc));
	hc.nic = r->hn;
	memcpy(hc.board, MAC_B, 6);
	hc.job = o->job ? o->job : SESS_DOWNLOAD;
	hc.readback = o->readback;
	hc.type = FT_CONFIG;
	hc.name = "config.bin";
	hc.size = o->size;
	hc.crc = r->crc;
	hc.src = &r->src;
	hc.sink = &r->sink;
	hc.block = o->block;
	hc.window = o->window;
	hc.strict = o->host_strict;
	hc.session_id = SID;
	hc.log = test_log;
	hc.log_ctx = "host";
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &hc), 0);

	r->now = T0;
	r->host_on = r->board_on = 1;
	return r;
}

/* The board misbehaves as ethdl-board's fault options make it: through a
 * nic_fault over its end of the wire and a store_fault over its store. Call
 * before rig_start; the board machine is set up again over them. */
static void rig_faults(struct rig *r, const struct nic_fault *nf, const struct devstore_fault *sf)
{
	struct sess_board_config bc = r->b.cfg;
	struct nic *n;

	sess_board_dispose(&r->b);
	if (nf) {
		CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&n, r->bn, nf), 0);
		r->bn = n;
		bc.nic = n;
	}
	if (sf) {
		CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&r->fst, &r->st, sf), 0);
		r->fst_used = 1;
		bc.store = &r->fst;
	}
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);
}

static const struct board_device *bdev(const struct rig *r)
{
	return sess_board_device(&r->b);
}

static struct sess_host_stats hst(const struct rig *r)
{
	struct sess_host_stats st;

	sess_host_stats(&r->h, &st);
	return st;
}

static void note_end(struct rig *r)
{
	if (!r->t_end && sess_host_done(&r->h))
		r->t_end = r->now;
}

/* Hand every waiting frame to its machine, until the wire is quiet. */
static void deliver(struct rig *r)
{
	const uint8_t *buf;
	size_t len;
	unsigned moved, total = 0;

	do {
		moved = 0;
		while (nic_recv(r->bn, &buf, &len) == 1) {
			moved++;
			if (r->board_on)
				sess_board_input(&r->b, buf, len, r->now);
		}
		while (nic_recv(r->hn, &buf, &len) == 1) {
			moved++;
			if (r->host_on) {
				sess_host_input(&r->h, buf, len, r->now);
				note_end(r);
			}
		}
		total += moved;
		CU_ASSERT_FATAL(total < 1000000); /* no endless ping-pong at one instant */
	} while (moved);
}

static void poll_both(struct rig *r)
{
	if (r->host_on) {
		sess_host_poll(&r->h, r->now);
		note_end(r);
	}
	if (r->board_on)
		sess_board_poll(&r->b, r->now);
}

/* One turn of the event loop, then the clock moves to the next deadline. */
static void step(struct rig *r)
{
	uint64_t d = SESS_NEVER, t;

	deliver(r);
	poll_both(r);
	deliver(r);
	if (r->host_on && !sess_host_done(&r->h)) {
		t = sess_host_next_deadline(&r->h);
		d = t < d ? t : d;
	}
	if (r->board_on) {
		t = sess_board_next_deadline(&r->b);
		d = t < d ? t : d;
	}
	if (d <= r->now || d == SESS_NEVER)
		r->now += STEP;
	else
		r->now = d;
	r->steps++;
}

/* Poll both at time t exactly (frames delivered before and after). */
static void rig_at(struct rig *r, uint64_t t)
{
	r->now = t;
	deliver(r);
	poll_both(r);
	deliver(r);
}

static void rig_start(struct rig *r)
{
	sess_host_start(&r->h, r->now);
}

/* Run until the host is done or stop says so. */
static void rig_run(struct rig *r, int (*stop)(struct rig *))
{
	while (!sess_host_done(&r->h) && r->steps < MAX_STEPS) {
		if (stop && stop(r))
			return;
		step(r);
	}
	deliver(r); /* the board hears the host's last words */
	if (!sess_host_done(&r->h))
		fprintf(stderr, "\n    host not done after %u steps: state %d\n", r->steps,
			(int)r->h.state);
	CU_ASSERT(sess_host_done(&r->h));
}

/* Close the nics; with a capture, check the pcap holds exactly what the
 * host sent and received, in order. */
static void rig_close_nics(struct rig *r)
{
	char errbuf[NIC_ERRBUF_SIZE];
	struct nic *f;
	const uint8_t *buf;
	size_t len, i = 0;

	if (!r->nics_open)
		return;
	r->nics_open = 0;
	nic_close(r->bn);
	nic_close(r->hn);
	if (wiring == 1 || r->o.capture) {
		CU_ASSERT_EQUAL_FATAL(nic_file_open(&f, r->pcap, errbuf), 0);
		while (nic_recv(f, &buf, &len) == 1) {
			CU_ASSERT_FATAL(i < r->ht->n);
			CU_ASSERT_EQUAL(len, r->ht->log[i].len);
			CU_ASSERT(len == r->ht->log[i].len &&
				  memcmp(buf, r->ht->log[i].buf, len) == 0);
			i++;
		}
		CU_ASSERT_EQUAL(i, r->ht->n);
		CU_ASSERT(i > 0);
		nic_close(f);
	}
}

static void rig_close(struct rig *r)
{
	sess_host_dispose(&r->h);
	sess_board_dispose(&r->b);
	if (r->fst_used)
		devstore_fault_close(&r->fst);
	devstore_dir_close(&r->st);
	rig_close_nics(r);
	tap_free(r->ht);
	tap_free(r->bt);
	if (r->save_used)
		rb_save_dispose(&r->save);
	free(r->cmp);
	close(r->src_fd);
	free(r->data);
	rm_tree(r->top);
	free(r);
}

/* ---- assertions shared by the tests ---- */

static void assert_board_holds(struct rig *r, const void *data, size_t len)
{
	char path[128];

	slot_file(r, "bin", path, sizeof(path));
	CU_ASSERT(file_is(path, data, len));
}

/* The file the board had before is still there, byte for byte, and is the
 * same file (never replaced by a copy). */
static void assert_prev_kept(struct rig *r)
{
	char path[128];
	struct stat st;

	slot_file(r, "bin", path, sizeof(path));
	CU_ASSERT(file_is(path, r->prev, PREV_SIZE));
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_ino, r->prev_st.st_ino);
}

/* No download is left half-written in the state directory. */
static void assert_no_part(struct rig *r)
{
	DIR *dir = opendir(r->dir);
	struct dirent *e;
	int parts = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	while ((e = readdir(dir)))
		parts += strlen(e->d_name) > 5 &&
			 !strcmp(e->d_name + strlen(e->d_name) - 5, ".part");
	closedir(dir);
	CU_ASSERT_EQUAL(parts, 0);
}

/* The host's last frame is DISCONNECT. With notice, the frame before it is
 * an ERROR naming that notice; with 0, the host sent no ERROR at all. */
static void assert_goodbye(struct rig *r, int notice)
{
	const struct tap_frame *last = tap_last(r->ht, TX, 0), *before = tap_last(r->ht, TX, 1);
	struct err e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	CU_ASSERT_EQUAL(last->code, FC_DISCONNECT);
	if (!notice) {
		CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_ERROR), 0);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_EQUAL(before->code, FC_ERROR);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_ERROR), 1);
	CU_ASSERT_EQUAL_FATAL(parse_error(before->buf, before->len, &e), 0);
	CU_ASSERT_EQUAL(e.notice, (uint64_t)notice);
}

static void assert_result(struct rig *r, int notice, int detail, int by_board, int exit_code)
{
	const struct sess_result *res = &r->h.result;

	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(res->notice, notice);
	CU_ASSERT_EQUAL(res->detail, detail);
	CU_ASSERT_EQUAL(res->by_board, by_board);
	CU_ASSERT_EQUAL(sess_exit_code(res), exit_code);
	if (notice || res->local)
		CU_ASSERT(res->text[0] != '\0');
	if (res->notice != notice || res->detail != detail)
		fprintf(stderr, "\n    result: notice %d detail %d: %s\n", res->notice, res->detail,
			res->text);
}

static uint32_t frames_of(size_t size, unsigned block)
{
	return (uint32_t)((size + block - 1) / block);
}

/* ---- happy paths ---- */

static void happy(size_t size, int host_strict, int board_strict, unsigned block, unsigned window)
{
	struct opts o = {.size = size,
			 .readback = 1,
			 .host_strict = host_strict,
			 .board_strict = board_strict,
			 .block = block,
			 .window = window,
			 .seed = (uint32_t)size + 3};
	struct rig *r = rig_open(&o);
	unsigned blk = block && block < BLOCK ? block : BLOCK;
	char path[128];

	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT_EQUAL(r->h.result.local, 0);
	CU_ASSERT(r->h.disconnect_acked);
	CU_ASSERT_EQUAL(r->h.windowed, !host_strict && !board_strict);
	CU_ASSERT_EQUAL(r->h.block, blk);
	CU_ASSERT_EQUAL(r->h.frames, frames_of(size, blk));
	/* nothing lost, nothing sent twice */
	CU_ASSERT_EQUAL(hst(r).data_frames_sent, frames_of(size, blk));
	CU_ASSERT_EQUAL(hst(r).bytes_sent, size);
	CU_ASSERT_EQUAL(hst(r).bytes_rb, size);
	CU_ASSERT_EQUAL(r->h.frames_bad, 0);
	/* no timer was waited for */
	CU_ASSERT(r->t_end >= T0 && r->t_end < T0 + SEC / 2);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 1);
	assert_goodbye(r, 0);
	/* the board stored it, kept the previous file aside, and is idle */
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(bdev(r)->downloads_ok, 1);
	CU_ASSERT_EQUAL(bdev(r)->downloads_failed, 0);
	assert_board_holds(r, r->data, size);
	assert_no_part(r);
	slot_file(r, "prev", path, sizeof(path));
	CU_ASSERT(file_is(path, r->prev, PREV_SIZE));
	if (r->h.result.notice || !file_is(path, r->prev, PREV_SIZE))
		fprintf(stderr, "\n    (size %zu, host strict %d, board strict %d)\n", size,
			host_strict, board_strict);
	rig_close(r);
}

static const size_t happy_sizes[] = {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, MIB};

static void test_happy_windowed(void)
{
	for (size_t i = 0; i < sizeof(happy_sizes) / sizeof(happy_sizes[0]); i++)
		happy(happy_sizes[i], 0, 0, 0, 0);
}

static void test_happy_host_strict(void)
{
	for (size_t i = 0; i < sizeof(happy_sizes) / sizeof(happy_sizes[0]); i++)
		happy(happy_sizes[i], 1, 0, 0, 0);
}

static void test_happy_board_strict(void)
{
	for (size_t i = 0; i < sizeof(happy_sizes) / sizeof(happy_sizes[0]); i++)
		happy(happy_sizes[i], 0, 1, 0, 0);
}

static void test_happy_small_block_window(void)
{
	/* 512-byte blocks and a window of 16: the window is refilled many
	 * times; strict with the same block for comparison */
	happy(100000, 0, 0, 512, 16);
	happy(100000, 1, 0, 512, 16);
	happy(512 * 33, 0, 0, 512, 1);
}

/* ---- read-back job ---- */

static void readback_job(int strict)
{
	struct opts o = {.size = 0, .job = SESS_READBACK, .host_strict = strict, .seed = 5};
	struct rig *r = rig_open(&o);
	char part[140];

	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT(r->h.disconnect_acked);
	CU_ASSERT_EQUAL(r->h.rb_size, PREV_SIZE);
	CU_ASSERT_EQUAL(r->h.rb_crc, frame_crc32(0, r->prev, PREV_SIZE));
	CU_ASSERT_EQUAL(hst(r).bytes_rb, PREV_SIZE);
	CU_ASSERT_EQUAL(hst(r).data_frames_sent, 0);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_DOWNLOAD), 0);
	assert_goodbye(r, 0);
	/* saved to out.bin.part; the commit makes it out.bin, equal to the
	 * board's file, which is untouched */
	snprintf(part, sizeof(part), "%s.part", r->out);
	CU_ASSERT(exists(part));
	CU_ASSERT(!exists(r->out));
	CU_ASSERT_EQUAL(rb_save_commit(&r->save), 0);
	CU_ASSERT(file_is(r->out, r->prev, PREV_SIZE));
	CU_ASSERT(!exists(part));
	assert_prev_kept(r);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	rig_close(r);
}

static void test_readback_job(void)
{
	readback_job(0);
	readback_job(1);
}

static void test_readback_no_file(void)
{
	/* Reading back an empty slot: the board refuses (not a notice); the
	 * host ends with a local failure, exit code 1. */
	struct opts o = {.job = SESS_READBACK, .no_prev = 1, .seed = 6};
	struct rig *r = rig_open(&o);

	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_NONE, D_NO_FILE, 1, 1);
	CU_ASSERT_EQUAL(r->h.result.local, 1);
	assert_goodbye(r, 0);
	CU_ASSERT(!exists(r->out));
	rig_close(r);
}

/* ---- CONNECT_FAILED ---- */

static void test_connect_failed(void)
{
	struct opts o = {.size = 1000, .seed = 7};
	struct rig *r = rig_open(&o);

	r->board_on = 0; /* no board at all: frames to it are lost */
	rig_start(r);
	CU_ASSERT_EQUAL(r->h.state, H_CONNECT);
	/* CONNECT is resent after 0.1 s, then each interval doubles up to
	 * 1 s: at 0.1, 0.3, 0.7, 1.5 and 2.5 s. */
	CU_ASSERT_EQUAL(sess_host_next_deadline(&r->h), T0 + SEC / 10);
	rig_at(r, T0 + SEC / 10 - 1);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 1);
	rig_at(r, T0 + SEC / 10);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 2);
	CU_ASSERT_EQUAL(sess_host_next_deadline(&r->h), T0 + 3 * SEC / 10);
	rig_at(r, T0 + 3 * SEC / 10);
	rig_at(r, T0 + 7 * SEC / 10);
	rig_at(r, T0 + 15 * SEC / 10);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 5);
	CU_ASSERT_EQUAL(sess_host_next_deadline(&r->h), T0 + 25 * SEC / 10);
	rig_at(r, T0 + 25 * SEC / 10);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 6);
	CU_ASSERT_EQUAL(sess_host_next_deadline(&r->h), T0 + 3 * SEC);
	rig_at(r, T0 + 29 * SEC / 10);
	CU_ASSERT_EQUAL(r->h.state, H_CONNECT);
	rig_at(r, T0 + 3 * SEC - 1);
	CU_ASSERT_EQUAL(r->h.state, H_CONNECT);
	CU_ASSERT_EQUAL(r->h.result.notice, NOTICE_NONE);
	rig_at(r, T0 + 3 * SEC);
	CU_ASSERT_EQUAL(r->h.state, H_END);
	assert_result(r, NOTICE_CONNECT_FAILED, D_SILENCE, 0, 11);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 6);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_ERROR), 0);
	assert_prev_kept(r);
	rig_close(r);

	/* The same through the event loop: it ends at 3 s exactly. */
	r = rig_open(&o);
	r->board_on = 0;
	rig_start(r);
	rig_run(r, NULL);
	CU_ASSERT_EQUAL(r->t_end, T0 + 3 * SEC);
	assert_result(r, NOTICE_CONNECT_FAILED, D_SILENCE, 0, 11);
	rig_close(r);
}

static void test_connect_failed_silent_board(void)
{
	/* A board that hears everything and answers nothing. */
	struct opts o = {.size = 1000, .seed = 8};
	struct rig *r = rig_open(&o);

	rig_faults(r, &(struct nic_fault){.mute = 1}, NULL);
	rig_start(r);
	rig_run(r, NULL);
	CU_ASSERT_EQUAL(r->t_end, T0 + 3 * SEC);
	assert_result(r, NOTICE_CONNECT_FAILED, D_SILENCE, 0, 11);
	CU_ASSERT(r->b.frames_rx >= 3); /* it did hear the CONNECTs */
	CU_ASSERT_EQUAL(tap_count(r->ht, RX, FC_CONNECT_ACK), 0);
	assert_goodbye(r, 0);
	assert_prev_kept(r);
	rig_close(r);
}

/* ---- TIMEOUT ---- */

static int host_in_file_info(struct rig *r)
{
	return r->h.state == H_FILE_INFO;
}

static void timeout_case(int strict)
{
	/* The board answers CONNECT and DOWNLOAD, then nothing more. */
	struct opts o = {.size = 50000, .readback = 1, .host_strict = strict, .seed = 9};
	struct rig *r = rig_open(&o);
	uint64_t quiet;

	rig_faults(r, &(struct nic_fault){.mute_after = 2}, NULL);
	rig_start(r);
	rig_run(r, host_in_file_info);
	CU_ASSERT_EQUAL_FATAL(r->h.state, H_FILE_INFO);
	quiet = r->h.last_progress;
	CU_ASSERT(quiet >= T0 && quiet < T0 + 10 * MS);
	rig_at(r, quiet + 29 * SEC / 10);
	CU_ASSERT_EQUAL(r->h.state, H_FILE_INFO);
	rig_at(r, quiet + 3 * SEC - 1);
	CU_ASSERT_EQUAL(r->h.state, H_FILE_INFO);
	CU_ASSERT_EQUAL(r->h.result.notice, NOTICE_NONE);
	rig_at(r, quiet + 3 * SEC);
	assert_result(r, NOTICE_TIMEOUT, D_SILENCE, 0, 14);
	CU_ASSERT_EQUAL(r->t_end, quiet + 3 * SEC);
	assert_goodbye(r, 0);
	/* the board heard the goodbye, dropped the download, kept its file */
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(bdev(r)->downloads_ok, 0);
	assert_prev_kept(r);
	assert_no_part(r);
	rig_close(r);

	/* through the event loop: exactly 3 s after the last reply */
	r = rig_open(&o);
	rig_faults(r, &(struct nic_fault){.mute_after = 2}, NULL);
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_TIMEOUT, D_SILENCE, 0, 14);
	quiet = r->h.last_progress;
	CU_ASSERT_EQUAL(r->t_end, quiet + 3 * SEC);
	CU_ASSERT(r->t_end >= T0 + 3 * SEC);
	assert_goodbye(r, 0);
	assert_prev_kept(r);
	rig_close(r);
}

static void test_timeout(void)
{
	timeout_case(0);
	timeout_case(1);
}

/* ---- the board's own timer ---- */

static void test_board_timer_connected(void)
{
	/* The host connects, then is never heard of again. */
	struct opts o = {.size = 1000, .seed = 10};
	struct rig *r = rig_open(&o);
	const struct tap_frame *e;
	struct err err;

	rig_start(r);
	r->host_on = 0; /* the host is not polled and hears nothing */
	rig_at(r, T0);
	CU_ASSERT_EQUAL_FATAL(r->b.state, B_READY);
	CU_ASSERT_EQUAL(sess_board_next_deadline(&r->b), T0 + 3 * SEC);
	rig_at(r, T0 + 29 * SEC / 10);
	CU_ASSERT_EQUAL(r->b.state, B_READY);
	rig_at(r, T0 + 3 * SEC - 1);
	CU_ASSERT_EQUAL(r->b.state, B_READY);
	rig_at(r, T0 + 3 * SEC);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(sess_board_next_deadline(&r->b), SESS_NEVER);
	/* it said why */
	e = tap_last(r->ht, RX, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->code, FC_ERROR);
	CU_ASSERT_EQUAL_FATAL(parse_error(e->buf, e->len, &err), 0);
	CU_ASSERT_EQUAL(err.notice, NOTICE_TIMEOUT);
	CU_ASSERT_EQUAL(err.detail, D_SILENCE);
	assert_prev_kept(r);
	rig_close(r);
}

static int board_has_data(struct rig *r)
{
	return r->b.state == B_DL_DATA && xrecv_have(&r->b.rx) > 0;
}

static void board_timer_partial(int strict)
{
	/* The host goes silent in the middle of the data. */
	struct opts o = {.size = MIB, .host_strict = strict, .seed = 11};
	struct rig *r = rig_open(&o);
	uint64_t quiet;
	char path[128];

	rig_start(r);
	rig_run(r, board_has_data);
	CU_ASSERT_FATAL(board_has_data(r));
	CU_ASSERT(xrecv_have(&r->b.rx) < frames_of(MIB, BLOCK));
	r->host_on = 0;
	quiet = r->b.last_progress;
	CU_ASSERT_EQUAL(sess_board_next_deadline(&r->b), quiet + 3 * SEC);
	rig_at(r, quiet + 29 * SEC / 10);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	rig_at(r, quiet + 3 * SEC - 1);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	rig_at(r, quiet + 3 * SEC);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(bdev(r)->downloads_ok, 0);
	/* the partial download did not replace the file */
	assert_prev_kept(r);
	slot_file(r, "prev", path, sizeof(path));
	CU_ASSERT(!exists(path));
	if (strict) {
		/* nothing to resume in the strict exchange: the part is gone */
		assert_no_part(r);
		CU_ASSERT_EQUAL(bdev(r)->downloads_failed, 1);
	}
	rig_close(r);
}

static void test_board_timer_partial(void)
{
	board_timer_partial(0);
	board_timer_partial(1);
}

/* ---- a full send queue ---- */

/* The nic refuses frames while its queue is full: the strict exchange must
 * try the same frame again (a skipped one would be a sequence gap), the
 * windowed one repairs it; both end identical. */
static void test_full_queue(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		struct opts o = {
			.size = MIB, .host_strict = strict, .readback = 1, .depth = 16, .seed = 37};
		struct rig *r = rig_open(&o);

		rig_start(r);
		rig_run(r, NULL);
		assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
		assert_board_holds(r, r->data, r->size);
		if (strict)
			CU_ASSERT_EQUAL(hst(r).data_frames_sent, frames_of(MIB, BLOCK));
		rig_close(r);
	}
}

/* ---- resume ---- */

static int board_has_third(struct rig *r)
{
	return r->b.state == B_DL_DATA && xrecv_have(&r->b.rx) > xrecv_frames(&r->b.rx) / 3;
}

/* The host goes away once until(r) holds; the board drops the session at its
 * timer and keeps what it received. */
static void host_dies(struct rig *r, int (*until)(struct rig *))
{
	uint64_t quiet;

	rig_start(r);
	rig_run(r, until);
	CU_ASSERT_FATAL(until(r));
	r->host_on = 0;
	quiet = r->b.last_progress;
	rig_at(r, quiet + 3 * SEC);
	CU_ASSERT_EQUAL_FATAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL_FATAL((r->b.dev.dl == DEV_DL_KEPT), 1);
	assert_prev_kept(r); /* kept aside, not in place of the file */
}

/* A new run of ethdl with the settings hc: a fresh session, to its end. */
static void host_again(struct rig *r, struct sess_host_config *hc)
{
	hc->session_id = SID + 1;
	sess_host_dispose(&r->h);
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, hc), 0);
	r->host_on = 1;
	r->t_end = 0;
	rig_start(r);
	rig_run(r, NULL);
}

/* The host dies mid-download (windowed); the board times out and keeps what
 * it got. A new host session for the same file sends only the rest. */
static void test_resume_after_host_died(void)
{
	struct opts o = {.size = MIB, .seed = 23};
	struct rig *r = rig_open(&o);
	struct sess_host_config hc;
	uint32_t kept, frames = frames_of(MIB, BLOCK);

	host_dies(r, board_has_third);
	kept = xrecv_have(&r->b.rx);
	CU_ASSERT(kept > 0 && kept < frames);

	hc = r->h.cfg;
	rb_compare_init(r->cmp, r->src_fd, o.size);
	host_again(r, &hc);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT_EQUAL(r->h.resumed, kept);
	/* only what the board lacked went again (plus a few repairs at most) */
	CU_ASSERT(hst(r).data_frames_sent >= frames - kept);
	CU_ASSERT(hst(r).data_frames_sent < frames - kept / 2);
	assert_board_holds(r, r->data, r->size);
	rig_close(r);
}

/* The same bytes for another slot must not resume from the part kept for
 * config: the part would be committed into the wrong slot. */
static void test_resume_other_slot(void)
{
	struct opts o = {.size = MIB, .seed = 31};
	struct rig *r = rig_open(&o);
	struct sess_host_config hc;
	char path[160];

	host_dies(r, board_has_third);
	hc = r->h.cfg;
	hc.type = FT_ALGORITHM;
	hc.readback = 0;
	host_again(r, &hc);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT_EQUAL(r->h.resumed, 0);
	CU_ASSERT_EQUAL(hst(r).data_frames_sent, frames_of(MIB, BLOCK));
	snprintf(path, sizeof(path), "%s/algorithm.bin", r->dir);
	CU_ASSERT(file_is(path, r->data, r->size));
	assert_prev_kept(r); /* config untouched */
	rig_close(r);
}

/* A different file (another CRC) must not resume from the kept part. */
static void test_resume_other_file(void)
{
	struct opts o = {.size = MIB, .seed = 29};
	struct rig *r = rig_open(&o);
	struct sess_host_config hc;

	host_dies(r, board_has_data);
	/* same size, different content: the kept frames are worthless */
	for (size_t i = 0; i < r->size; i += 4096)
		r->data[i] ^= 0x5a;
	r->crc = frame_crc32(0, r->data, r->size);
	hc = r->h.cfg;
	hc.crc = r->crc;
	hc.readback = 0;
	host_again(r, &hc);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT_EQUAL(r->h.resumed, 0);
	CU_ASSERT_EQUAL(hst(r).data_frames_sent, frames_of(MIB, BLOCK));
	assert_board_holds(r, r->data, r->size);
	rig_close(r);
}

/* ---- FRAME_CRC ---- */

static const struct nic_impair corrupt_all = {.corrupt = 1.0, .seed = 42, .on_tx = 1};

static void test_frame_crc_strict(void)
{
	/* Every frame from the board is damaged: the strict exchange stops at
	 * the first one, at once. */
	struct opts o = {
		.size = 10000, .host_strict = 1, .impair = 1, .imp = corrupt_all, .seed = 12};
	struct rig *r = rig_open(&o);

	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, 12);
	CU_ASSERT_EQUAL(r->t_end, T0);
	CU_ASSERT_EQUAL(r->h.frames_bad, 1);
	assert_goodbye(r, NOTICE_FRAME_CRC);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE); /* the board heard the ERROR */
	assert_prev_kept(r);
	rig_close(r);
}

static void test_frame_crc_windowed(void)
{
	/* The same damage when the host offers the windowed exchange: it
	 * cannot know yet which exchange it is in, so it waits for the timer,
	 * and then names the damaged frames rather than a plain timeout. */
	struct opts o = {.size = 10000, .impair = 1, .imp = corrupt_all, .seed = 13};
	struct rig *r = rig_open(&o);

	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, 12);
	CU_ASSERT_EQUAL(r->t_end, T0 + 3 * SEC);
	CU_ASSERT(r->h.frames_bad >= 1);
	CU_ASSERT_EQUAL(r->h.result.got, r->h.frames_bad);
	assert_goodbye(r, NOTICE_FRAME_CRC);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	assert_prev_kept(r);
	rig_close(r);
}

static int host_in_data(struct rig *r)
{
	return r->h.state == H_DATA;
}

static void test_frame_crc_windowed_mid(void)
{
	/* Windowed, 8 frames in flight: the board's frames turn bad once the
	 * data has started. The host repairs nothing (it hears nothing good),
	 * and names the damage when the timer runs out. */
	struct opts o = {.size = MIB,
			 .window = 8,
			 .impair = 1,
			 .imp = corrupt_all,
			 .board_tap = 1,
			 .seed = 14};
	struct rig *r = rig_open(&o);
	uint64_t t_switch, quiet;

	rig_start(r);
	rig_run(r, host_in_data);
	CU_ASSERT_FATAL(r->h.state == H_DATA && r->h.windowed);
	r->bt->bypass = NULL; /* from now on, through the impairment */
	t_switch = r->now;
	rig_run(r, NULL);
	assert_result(r, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, 12);
	quiet = r->h.last_progress;
	CU_ASSERT_EQUAL(r->t_end, quiet + 3 * SEC);
	CU_ASSERT(r->t_end >= t_switch + 3 * SEC);
	CU_ASSERT(r->h.frames_bad > 0);
	CU_ASSERT(hst(r).data_frames_sent < frames_of(MIB, BLOCK));
	assert_goodbye(r, NOTICE_FRAME_CRC);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	assert_prev_kept(r);
	/* the board's timer, which runs from the same last progress, may end
	 * the session first: then what came is kept aside for resume */
	if (!(r->b.dev.dl == DEV_DL_KEPT))
		assert_no_part(r);
	rig_close(r);
}

static void test_frame_crc_readback_data(void)
{
	/* Strict: the download goes through, the first READBACK_DATA is
	 * damaged: FRAME_CRC at once. */
	struct opts o = {
		.size = 5 * BLOCK, .readback = 1, .host_strict = 1, .board_tap = 1, .seed = 15};
	struct rig *r = rig_open(&o);

	r->bt->corrupt_code = FC_READBACK_DATA;
	r->bt->corrupt_left = 1;
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, 12);
	CU_ASSERT_EQUAL(r->h.frames_bad, 1);
	CU_ASSERT_EQUAL(hst(r).bytes_rb, 0);
	CU_ASSERT(r->t_end < T0 + SEC / 2);
	assert_goodbye(r, NOTICE_FRAME_CRC);
	assert_board_holds(r, r->data, r->size); /* the download itself was good */
	rig_close(r);
}

static void test_frame_crc_by_board(void)
{
	/* Strict: the host's first FILE_DATA is damaged; the board says so. */
	struct opts o = {.size = 5 * BLOCK, .host_strict = 1, .seed = 16};
	struct rig *r = rig_open(&o);

	r->ht->corrupt_code = FC_FILE_DATA;
	r->ht->corrupt_left = 1;
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FRAME_CRC, D_FRAME_CRC, 1, 12);
	CU_ASSERT(r->t_end < T0 + SEC / 2);
	assert_goodbye(r, 0);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(bdev(r)->downloads_failed, 1);
	assert_prev_kept(r);
	assert_no_part(r);
	rig_close(r);
}

/* ---- FILE_CRC ---- */

static void file_crc_case(int strict)
{
	struct opts o = {.size = 20000, .readback = 1, .host_strict = strict, .seed = 17};
	struct rig *r = rig_open(&o);
	uint8_t *flipped = malloc(o.size);

	CU_ASSERT_PTR_NOT_NULL_FATAL(flipped);
	rig_faults(r, NULL, &(struct devstore_fault){.flip_received = 1});
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FILE_CRC, D_FILE_CRC, 1, 13);
	/* the board compared the CRC it was told with what it stored: the
	 * file with bit 0 of its first byte flipped */
	memcpy(flipped, r->data, o.size);
	flipped[0] ^= 0x01;
	CU_ASSERT_EQUAL(r->h.result.expected, r->crc);
	CU_ASSERT_EQUAL(r->h.result.got, frame_crc32(0, flipped, o.size));
	CU_ASSERT(r->t_end < T0 + SEC / 2);
	assert_goodbye(r, 0);
	CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_READBACK), 0);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	CU_ASSERT_EQUAL(bdev(r)->downloads_ok, 0);
	CU_ASSERT_EQUAL(bdev(r)->downloads_failed, 1);
	assert_prev_kept(r);
	assert_no_part(r);
	free(flipped);
	rig_close(r);
}

static void test_file_crc(void)
{
	file_crc_case(0);
	file_crc_case(1);
}

static void test_file_crc_readback_save(void)
{
	/* A read-back job whose data does not match the CRC the board
	 * announced: FILE_CRC found by the host; nothing saved. */
	struct opts o = {.job = SESS_READBACK, .seed = 18};
	struct rig *r = rig_open(&o);
	char part[140];

	rig_faults(r, NULL, &(struct devstore_fault){.corrupt_readback = 1});
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_FILE_CRC, D_FILE_CRC, 0, 13);
	CU_ASSERT_EQUAL(r->h.result.expected, frame_crc32(0, r->prev, PREV_SIZE));
	assert_goodbye(r, NOTICE_FILE_CRC);
	rb_save_dispose(&r->save);
	r->save_used = 0;
	snprintf(part, sizeof(part), "%s.part", r->out);
	CU_ASSERT(!exists(part));
	CU_ASSERT(!exists(r->out));
	assert_prev_kept(r);
	rig_close(r);
}

/* ---- READBACK_MISMATCH ---- */

static void mismatch_case(size_t size, int strict)
{
	struct opts o = {.size = size, .readback = 1, .host_strict = strict, .seed = 19};
	struct rig *r = rig_open(&o);
	/* the store_fault flips bit 5 of the byte at size/2 of what is read */

	rig_faults(r, NULL, &(struct devstore_fault){.corrupt_readback = 1});
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_READBACK_MISMATCH, D_NONE, 0, 15);
	CU_ASSERT_EQUAL(r->h.result.offset, size / 2);
	CU_ASSERT_EQUAL(r->h.result.ndiff, 1);
	CU_ASSERT_EQUAL(hst(r).bytes_rb, size);
	assert_goodbye(r, NOTICE_READBACK_MISMATCH);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	/* the board holds the right file: only its read-back lied */
	assert_board_holds(r, r->data, size);
	rig_close(r);
}

static void test_readback_mismatch(void)
{
	mismatch_case(MIB, 0);
	mismatch_case(MIB, 1);
	mismatch_case(1, 0); /* one frame of one byte: offset 0 */
	mismatch_case(3 * BLOCK + 10, 1);
}

/* ---- WRONG_COMMAND ---- */

static void wrong_reply_case(int strict)
{
	struct opts o = {.size = 10000, .readback = 1, .host_strict = strict, .seed = 20};
	struct rig *r = rig_open(&o);

	rig_faults(
		r,
		&(struct nic_fault){.rewrite_code = FC_DOWNLOAD_ACK, .rewrite_to = FC_READBACK_ACK},
		NULL);
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE, 0, 16);
	CU_ASSERT_EQUAL(r->h.result.expected, FC_DOWNLOAD_ACK);
	CU_ASSERT_EQUAL(r->h.result.got, FC_READBACK_ACK);
	CU_ASSERT(r->t_end < T0 + SEC / 2);
	assert_goodbye(r, NOTICE_WRONG_COMMAND);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	assert_prev_kept(r);
	assert_no_part(r);
	rig_close(r);
}

static void test_wrong_reply(void)
{
	wrong_reply_case(0);
	wrong_reply_case(1);
}

static void test_skip_readback_seq(void)
{
	/* Strict: READBACK_DATA 3 comes where 2 was due. */
	struct opts o = {.size = 5 * BLOCK, .readback = 1, .host_strict = 1, .seed = 21};
	struct rig *r = rig_open(&o);

	rig_faults(r, &(struct nic_fault){.drop_code = FC_READBACK_DATA, .drop_seq = 2}, NULL);
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_WRONG_COMMAND, D_SEQUENCE, 0, 16);
	CU_ASSERT_EQUAL(r->h.result.expected, 2);
	CU_ASSERT_EQUAL(r->h.result.got, 3);
	CU_ASSERT(r->t_end < T0 + SEC / 2);
	assert_goodbye(r, NOTICE_WRONG_COMMAND);
	assert_board_holds(r, r->data, r->size);
	rig_close(r);

	/* The last one left out: READBACK_DONE comes too early. */
	r = rig_open(&o);
	rig_faults(r, &(struct nic_fault){.drop_code = FC_READBACK_DATA, .drop_seq = 5}, NULL);
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_WRONG_COMMAND, D_SEQUENCE, 0, 16);
	CU_ASSERT_EQUAL(r->h.result.expected, 5);
	CU_ASSERT_EQUAL(r->h.result.got, 4);
	assert_goodbye(r, NOTICE_WRONG_COMMAND);
	rig_close(r);
}

/* Build one valid frame into buf (FRAME_BUF_MAX bytes); returns its length. */
static size_t make_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint32_t session,
			 uint32_t seq, uint8_t code, const uint8_t *data, size_t len)
{
	struct frame f = {
		.version = FRAME_VERSION,
		.session = session,
		.seq = seq,
		.code = code,
		.len = (uint16_t)len,
		.data = data,
	};
	int n;

	memcpy(f.dst, dst, 6);
	memcpy(f.src, src, 6);
	n = frame_encode(buf, FRAME_BUF_MAX, &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

/* Drive the board alone with frames built here, as a host would send them. */
static void to_board(struct rig *r, uint8_t code, uint32_t seq, const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	size_t n = make_frame(buf, MAC_B, MAC_H, SID, seq, code, data, len);

	sess_board_input(&r->b, buf, n, r->now);
	deliver(r); /* the host is off: the replies land in its tap */
	r->now += STEP;
}

static int last_reply(struct rig *r)
{
	const struct tap_frame *e = tap_last(r->ht, RX, 0);

	return e ? e->code : -1;
}

static void gap_case(int windowed)
{
	struct opts o = {.size = 0, .seed = 22};
	struct rig *r = rig_open(&o);
	uint8_t d[128], block[100];
	struct tlv_writer w;
	const struct tap_frame *e;
	struct err err;
	unsigned before;

	r->host_on = 0;
	memset(block, 0x5a, sizeof(block));
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_CAPS, windowed ? CAP_WINDOW : 0);
	tlv_put_u16(&w, T_BLOCK, BLOCK);
	to_board(r, FC_CONNECT, 0, d, w.len);
	CU_ASSERT_EQUAL(last_reply(r), FC_CONNECT_ACK);
	CU_ASSERT_EQUAL(r->b.windowed, windowed);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	to_board(r, FC_DOWNLOAD, 0, d, w.len);
	CU_ASSERT_EQUAL(last_reply(r), FC_DOWNLOAD_ACK);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&w, T_SIZE, 1000);
	tlv_put_u32(&w, T_FRAMES, 10);
	tlv_put_u32(&w, T_CRC, 0x12345678);
	tlv_put_u16(&w, T_BLOCK, 100);
	to_board(r, FC_FILE_INFO, 0, d, w.len);
	CU_ASSERT_EQUAL(last_reply(r), FC_FILE_INFO_ACK);
	CU_ASSERT_EQUAL_FATAL(r->b.state, B_DL_DATA);
	before = (unsigned)r->ht->n;
	to_board(r, FC_FILE_DATA, 5, block, sizeof(block));
	if (windowed) {
		/* out of order is fine in the windowed exchange */
		CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
		CU_ASSERT_EQUAL(r->ht->n, before);
		CU_ASSERT_EQUAL(xrecv_have(&r->b.rx), 1);
	} else {
		CU_ASSERT_EQUAL(r->b.state, B_IDLE);
		e = tap_last(r->ht, RX, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->code, FC_ERROR);
		CU_ASSERT_EQUAL_FATAL(parse_error(e->buf, e->len, &err), 0);
		CU_ASSERT_EQUAL(err.notice, NOTICE_WRONG_COMMAND);
		CU_ASSERT_EQUAL(err.detail, D_SEQUENCE);
		CU_ASSERT_EQUAL(err.expected, 1);
		CU_ASSERT_EQUAL(err.got, 5);
		assert_no_part(r);
	}
	to_board(r, FC_DISCONNECT, 0, NULL, 0);
	CU_ASSERT_EQUAL(last_reply(r), FC_DISCONNECT_ACK);
	CU_ASSERT_EQUAL(r->b.state, B_IDLE);
	assert_prev_kept(r);
	rig_close(r);
}

static void test_board_sequence_gap(void)
{
	gap_case(0);
	gap_case(1);
}

/* ---- impairment ---- */

static void impaired(const struct nic_impair *imp, int readback, double max_ratio)
{
	struct opts o = {.size = MIB,
			 .readback = readback,
			 .impair = 1,
			 .imp = *imp,
			 .seed = (uint32_t)imp->seed};
	struct rig *r = rig_open(&o);
	uint32_t frames = frames_of(MIB, BLOCK);
	struct nic_impair_stats st;

	rig_start(r);
	rig_run(r, NULL);
	nic_impair_get_stats(r->bn, &st);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	CU_ASSERT(r->h.windowed);
	assert_board_holds(r, r->data, MIB);
	CU_ASSERT_EQUAL(bdev(r)->downloads_ok, 1);
	CU_ASSERT(hst(r).data_frames_sent >= frames);
	CU_ASSERT(hst(r).data_frames_sent <= (uint64_t)(max_ratio * frames));
	if (readback)
		CU_ASSERT_EQUAL(hst(r).bytes_rb, MIB);
	/* the impairment did happen */
	CU_ASSERT(st.dropped + st.duplicated + st.reordered > 0);
	if (imp->drop > 0)
		CU_ASSERT(hst(r).data_frames_sent > frames);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr,
			"    %llu data frames for %u; %.3f s; dropped %llu dup %llu reord %llu\n",
			(unsigned long long)hst(r).data_frames_sent, frames,
			(double)(r->t_end - T0) / 1e6, (unsigned long long)st.dropped,
			(unsigned long long)st.duplicated, (unsigned long long)st.reordered);
	rig_close(r);
}

static void test_impair_drop(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct nic_impair imp = {.drop = 0.05, .seed = seed, .on_tx = 1, .on_rx = 1};

		impaired(&imp, 0, 1.15);
		imp.seed += 100;
		impaired(&imp, 1, 1.15);
	}
}

static void test_impair_dup_reorder(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct nic_impair imp = {
			.duplicate = 0.05, .reorder = 0.05, .seed = seed, .on_tx = 1, .on_rx = 1};

		impaired(&imp, 1, 1.15);
	}
}

static void test_impair_all(void)
{
	struct nic_impair imp = {.drop = 0.05,
				 .duplicate = 0.05,
				 .reorder = 0.05,
				 .seed = 77,
				 .on_tx = 1,
				 .on_rx = 1};

	impaired(&imp, 1, 1.3);
}

/* ---- session id ---- */

static void to_host(struct rig *r, const uint8_t src[6], uint32_t session, uint8_t code,
		    const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	size_t n = make_frame(buf, MAC_H, src, session, 0, code, data, len);

	sess_host_input(&r->h, buf, n, r->now);
}

static void strangers(struct rig *r)
{
	uint8_t e[64], d[64];
	size_t l;
	struct tlv_writer w;

	/* an ERROR and replies of another session, from the board's MAC */
	tlv_writer_init(&w, e, sizeof(e));
	tlv_put_u8(&w, T_NOTICE, NOTICE_WRONG_COMMAND);
	tlv_put_u16(&w, T_DETAIL, D_UNEXPECTED_CODE);
	l = w.len;
	to_host(r, MAC_B, SID + 1, FC_ERROR, e, l);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_CAPS, 0);
	to_host(r, MAC_B, SID + 1, FC_CONNECT_ACK, d, w.len);
	to_host(r, MAC_B, SID ^ 0xffffffffu, FC_DOWNLOAD_DONE, NULL, 0);
	to_host(r, MAC_B, 0, FC_DISCONNECT_ACK, NULL, 0);
	/* and one of this session from another node */
	to_host(r, MAC_X, SID, FC_ERROR, e, l);
}

static void test_session_id(void)
{
	struct opts o = {.size = 30000, .readback = 1, .window = 8, .seed = 23};
	struct rig *r = rig_open(&o);

	rig_start(r);
	strangers(r);
	CU_ASSERT_EQUAL(r->h.state, H_CONNECT);
	CU_ASSERT_EQUAL(r->h.frames_rx, 0);
	CU_ASSERT_EQUAL(r->h.result.notice, NOTICE_NONE);
	CU_ASSERT_EQUAL(r->h.result.by_board, 0);
	/* and again in the middle of the data */
	rig_run(r, host_in_data);
	CU_ASSERT_EQUAL_FATAL(r->h.state, H_DATA);
	strangers(r);
	CU_ASSERT_EQUAL(r->h.state, H_DATA);
	CU_ASSERT_EQUAL(r->h.result.notice, NOTICE_NONE);
	/* the real session is undisturbed */
	rig_run(r, NULL);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	assert_board_holds(r, r->data, r->size);
	rig_close(r);
}

/* ---- certainty: the verdict is true under ordinary trouble ---- */

/* A control frame the nic refuses (a link that just came up, a full queue)
 * is kept and sent again by the resend timer: the session still succeeds. */
static void test_refused_control_frames(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		struct opts o = {.size = 10000,
				 .readback = 1,
				 .host_strict = strict,
				 .board_tap = 1,
				 .seed = 51};
		struct rig *r = rig_open(&o);

		r->ht->refuse_code = FC_CONNECT;
		r->ht->refuse_left = 1;
		r->ht->refuse_code2 = FC_FILE_INFO;
		r->ht->refuse_left2 = 1;
		r->bt->refuse_code = FC_CONNECT_ACK;
		r->bt->refuse_left = 1;
		r->bt->refuse_code2 = FC_DOWNLOAD_ACK;
		r->bt->refuse_left2 = 1;
		rig_start(r);
		rig_run(r, NULL);
		assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
		assert_board_holds(r, r->data, r->size);
		/* every refusal happened, and each refused frame went later */
		CU_ASSERT_EQUAL(r->ht->refuse_left + r->ht->refuse_left2, 0);
		CU_ASSERT_EQUAL(r->bt->refuse_left + r->bt->refuse_left2, 0);
		/* CONNECT twice: after its refusal, and after CONNECT_ACK's */
		CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_CONNECT), 2);
		CU_ASSERT_EQUAL(tap_count(r->ht, TX, FC_FILE_INFO), 1);
		CU_ASSERT(r->t_end < T0 + SEC);
		rig_close(r);
	}
}

/* A second session from the same host takes over; the first host is told
 * so at once (not a TIMEOUT 3 s later) and the second one succeeds. */
static void test_superseded(void)
{
	struct opts o = {.size = 200000, .readback = 1, .window = 8, .seed = 52};
	struct rig *r = rig_open(&o);
	struct sess_host *h2 = calloc(1, sizeof(*h2));
	struct sess_host_config hc = r->h.cfg;
	const struct sess_result *res;
	const uint8_t *buf;
	size_t len;
	uint64_t t_take;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
	rig_start(r);
	rig_run(r, host_in_data);
	CU_ASSERT_EQUAL_FATAL(r->h.state, H_DATA);
	hc.session_id = SID + 7;
	CU_ASSERT_EQUAL_FATAL(sess_host_init(h2, &hc), 0);
	t_take = r->now;
	sess_host_start(h2, r->now);
	for (unsigned i = 0; i < MAX_STEPS && !sess_host_done(h2); i++) {
		uint64_t d;

		while (nic_recv(r->bn, &buf, &len) == 1)
			sess_board_input(&r->b, buf, len, r->now);
		while (nic_recv(r->hn, &buf, &len) == 1) {
			sess_host_input(&r->h, buf, len, r->now);
			sess_host_input(h2, buf, len, r->now);
			note_end(r);
		}
		sess_host_poll(&r->h, r->now);
		sess_host_poll(h2, r->now);
		sess_board_poll(&r->b, r->now);
		note_end(r);
		d = sess_host_next_deadline(h2);
		if (sess_board_next_deadline(&r->b) < d)
			d = sess_board_next_deadline(&r->b);
		if (!sess_host_done(&r->h) && sess_host_next_deadline(&r->h) < d)
			d = sess_host_next_deadline(&r->h);
		r->now = d > r->now ? d : r->now + STEP;
	}
	CU_ASSERT(sess_host_done(h2));
	CU_ASSERT_EQUAL(sess_host_result(h2)->notice, NOTICE_NONE);
	CU_ASSERT_EQUAL(sess_host_result(h2)->local, 0);
	assert_board_holds(r, r->data, r->size);
	res = sess_host_result(&r->h);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(res->by_board, 1);
	CU_ASSERT_EQUAL(res->detail, D_SUPERSEDED);
	CU_ASSERT_EQUAL(res->notice, NOTICE_NONE);
	CU_ASSERT_EQUAL(sess_exit_code(res), 1);
	CU_ASSERT(r->t_end >= t_take && r->t_end < t_take + SEC / 2);
	if (res->detail != D_SUPERSEDED)
		fprintf(stderr, "\n    first host: notice %d detail %d: %s\n", res->notice,
			res->detail, res->text);
	sess_host_dispose(h2);
	free(h2);
	rig_close(r);
}

static size_t caps_tlv(uint8_t *d, size_t cap)
{
	struct tlv_writer w;

	tlv_writer_init(&w, d, cap);
	tlv_put_u32(&w, T_CAPS, CAP_WINDOW | CAP_RESUME);
	tlv_put_u16(&w, T_BLOCK, BLOCK);
	tlv_put_u16(&w, T_WINDOW, 8);
	return w.len;
}

/* A board that keeps talking without moving the exchange on (repeating
 * DOWNLOAD_ACK, or answering every query with an empty status) does not
 * hold the host: TIMEOUT comes 3 s after the last progress. */
static void test_chatter_does_not_hold(void)
{
	for (int variant = 0; variant <= 1; variant++) {
		struct opts o = {.size = 100000, .window = 8, .seed = 53};
		struct rig *r = rig_open(&o);
		uint8_t d[64], st[64];
		struct tlv_writer w;
		uint64_t t_last;

		r->board_on = 0; /* this test plays the board */
		rig_start(r);
		deliver(r);
		to_host(r, MAC_B, SID, FC_CONNECT_ACK, d, caps_tlv(d, sizeof(d)));
		deliver(r);
		CU_ASSERT_EQUAL_FATAL(r->h.state, H_DOWNLOAD);
		tlv_writer_init(&w, d, sizeof(d));
		tlv_put_u8(&w, T_TYPE, FT_CONFIG);
		to_host(r, MAC_B, SID, FC_DOWNLOAD_ACK, d, w.len);
		deliver(r);
		CU_ASSERT_EQUAL_FATAL(r->h.state, H_FILE_INFO);
		if (variant == 1) {
			tlv_writer_init(&w, d, sizeof(d));
			tlv_put_u32(&w, T_RESUME, 0);
			to_host(r, MAC_B, SID, FC_FILE_INFO_ACK, d, w.len);
			deliver(r);
			CU_ASSERT_EQUAL_FATAL(r->h.state, H_DATA);
		}
		t_last = r->now;
		tlv_writer_init(&w, st, sizeof(st));
		tlv_put_u32(&w, T_CUM, 0);
		tlv_put_u32(&w, T_HIGH, 0);
		tlv_put_u32(&w, T_HAVE, 0);
		/* 10 s of chatter every 50 ms */
		for (int i = 0; i < 200 && !sess_host_done(&r->h); i++) {
			rig_at(r, r->now + 50 * MS);
			if (variant == 0) {
				tlv_writer_init(&w, d, sizeof(d));
				tlv_put_u8(&w, T_TYPE, FT_CONFIG);
				to_host(r, MAC_B, SID, FC_DOWNLOAD_ACK, d, w.len);
			} else {
				to_host(r, MAC_B, SID, FC_BOARD_STATUS, st, w.len);
			}
			note_end(r);
		}
		CU_ASSERT(sess_host_done(&r->h));
		assert_result(r, NOTICE_TIMEOUT, D_SILENCE, 0, 14);
		CU_ASSERT(r->t_end > t_last && r->t_end <= t_last + 3 * SEC + 50 * MS);
		rig_close(r);
	}
}

/* Ordinary loss, damage and reordering never produce a false failure in
 * the windowed exchange: late or repeated commands, probes and replies are
 * answered again or ignored. Many seeds, the sizes that stress the edges. */
static void test_lossy_soak(void)
{
	static const size_t sizes[] = {0, 1, BLOCK - 1, BLOCK + 1, 65536};
	unsigned fails = 0, runs = 0;

	for (uint32_t seed = 1; seed <= 24; seed++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			struct opts o = {.size = sizes[k],
					 .readback = 1,
					 .impair = 1,
					 .imp = {.drop = 0.05,
						 .corrupt = 0.01,
						 .reorder = 0.25,
						 .seed = seed * 31 + k,
						 .on_tx = 1,
						 .on_rx = 1},
					 .seed = seed};
			struct rig *r = rig_open(&o);
			const struct sess_result *res;

			rig_start(r);
			rig_run(r, NULL);
			res = sess_host_result(&r->h);
			runs++;
			if (res->notice || res->local) {
				fails++;
				fprintf(stderr, "\n    seed %u size %zu: %s: %s", seed, sizes[k],
					frame_notice_name(res->notice), res->text);
			} else {
				char path[128];

				slot_file(r, "bin", path, sizeof(path));
				CU_ASSERT(file_is(path, r->data, r->size));
			}
			rig_close(r);
		}
	}
	CU_ASSERT_EQUAL(fails, 0);
	if (fails)
		fprintf(stderr, "\n    %u of %u failed\n", fails, runs);
}

/* The board's timer also measures progress: a host that keeps asking for
 * status (or repeating a command) without sending data does not hold the
 * board, which ends the session 3 s after the last new frame. */
static void test_board_chatter_does_not_hold(void)
{
	for (int variant = 0; variant <= 1; variant++) {
		struct opts o = {.size = 1000, .seed = 54};
		struct rig *r = rig_open(&o);
		uint8_t d[64], block[100];
		struct tlv_writer w;
		uint64_t t_last;
		int i;

		r->host_on = 0;
		memset(block, 0x5a, sizeof(block));
		to_board(r, FC_CONNECT, 0, d, caps_tlv(d, sizeof(d)));
		tlv_writer_init(&w, d, sizeof(d));
		tlv_put_u8(&w, T_TYPE, FT_CONFIG);
		to_board(r, FC_DOWNLOAD, 0, d, w.len);
		tlv_writer_init(&w, d, sizeof(d));
		tlv_put_u8(&w, T_TYPE, FT_CONFIG);
		tlv_put_u64(&w, T_SIZE, 1000);
		tlv_put_u32(&w, T_FRAMES, 10);
		tlv_put_u32(&w, T_CRC, 0x12345678);
		tlv_put_u16(&w, T_BLOCK, 100);
		to_board(r, FC_FILE_INFO, 0, d, w.len);
		to_board(r, FC_FILE_DATA, 1, block, sizeof(block));
		CU_ASSERT_EQUAL_FATAL(r->b.state, B_DL_DATA);
		t_last = r->now - STEP;
		for (i = 0; i < 200 && r->b.state != B_IDLE; i++) {
			rig_at(r, r->now + 50 * MS);
			if (variant == 0) {
				to_board(r, FC_STATUS_QUERY, (uint32_t)i + 1, NULL, 0);
			} else {
				tlv_writer_init(&w, d, sizeof(d));
				tlv_put_u8(&w, T_TYPE, FT_CONFIG);
				to_board(r, FC_DOWNLOAD, 0, d, w.len);
			}
		}
		CU_ASSERT_EQUAL(r->b.state, B_IDLE);
		CU_ASSERT(r->now <= t_last + 3 * SEC + 100 * MS);
		assert_prev_kept(r);
		rig_close(r);
	}
}

/* ---- exit codes ---- */

static void test_exit_codes(void)
{
	struct sess_result res;
	static const int want[NOTICE_COUNT] = {0, 11, 12, 13, 14, 15, 16};

	for (int n = NOTICE_NONE; n < NOTICE_COUNT; n++) {
		memset(&res, 0, sizeof(res));
		res.notice = n;
		CU_ASSERT_EQUAL(sess_exit_code(&res), want[n]);
		/* a notice wins over a local failure beside it */
		res.local = -EIO;
		CU_ASSERT_EQUAL(sess_exit_code(&res), n ? want[n] : 1);
	}
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_CONNECT_FAILED}), 11);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_FRAME_CRC}), 12);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_FILE_CRC}), 13);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_TIMEOUT}), 14);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_READBACK_MISMATCH}),
			15);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.notice = NOTICE_WRONG_COMMAND}), 16);
	/* local failures: -errno on this side, or a board refusal */
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.local = -ENOSPC}), 1);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){
				.local = 1, .by_board = 1, .detail = D_STORAGE}),
			1);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.detail = D_NONE}), 0);
}

/* ---- replay a captured session into a fresh host (pcap file backend) ---- */

static void test_replay(void)
{
	struct opts o = {
		.size = 5 * BLOCK + 17, .readback = 1, .host_strict = 1, .capture = 1, .seed = 24};
	struct rig *r = rig_open(&o);
	struct sess_host *h2 = calloc(1, sizeof(*h2));
	struct sess_host_config hc;
	struct rb_compare *cmp = malloc(sizeof(*cmp));
	struct sess_sink sink;
	char errbuf[NIC_ERRBUF_SIZE];
	struct nic *fn;
	const uint8_t *buf, *sent;
	size_t len, slen, k = 0;
	uint64_t now = T0;

	CU_ASSERT_FATAL(h2 && cmp);
	rig_start(r);
	rig_run(r, NULL);
	assert_result(r, NOTICE_NONE, D_NONE, 0, 0);
	rig_close_nics(r); /* flushes the capture and checks it */

	/* The fresh host talks to the file: the board's frames are replayed,
	 * what it sends is kept, and must be what the first host sent. */
	CU_ASSERT_EQUAL_FATAL(nic_file_open(&fn, r->pcap, errbuf), 0);
	memcpy(fn->mac, MAC_H, 6); /* the capture starts with a frame to the board */
	fn->mtu = MTU;		   /* the host offers the block its MTU allows */
	rb_compare_init(cmp, r->src_fd, r->size);
	sink = rb_compare_sink(cmp);
	hc = r->h.cfg;
	hc.nic = fn;
	hc.sink = &sink;
	CU_ASSERT_EQUAL_FATAL(sess_host_init(h2, &hc), 0);
	sess_host_start(h2, now);
	while (nic_recv(fn, &buf, &len) == 1) {
		if (len >= 12 && memcmp(buf + 6, MAC_H, 6) == 0) {
			k++;
			for (int i = 0; i < 100 && nic_file_sent_count(fn) < k; i++) {
				now += STEP;
				sess_host_poll(h2, now);
			}
			sent = nic_file_sent(fn, k - 1, &slen);
			CU_ASSERT_PTR_NOT_NULL_FATAL(sent);
			CU_ASSERT(slen == len && memcmp(sent, buf, len) == 0);
			if (slen != len || memcmp(sent, buf, len))
				fprintf(stderr,
					"\n    frame %zu: sent %s (%zu bytes), captured %s (%zu)\n",
					k, frame_code_name(code_of(sent, slen)), slen,
					frame_code_name(code_of(buf, len)), len);
		} else {
			sess_host_input(h2, buf, len, now);
		}
	}
	CU_ASSERT(sess_host_done(h2));
	CU_ASSERT_EQUAL(h2->result.notice, NOTICE_NONE);
	CU_ASSERT_EQUAL(h2->result.local, 0);
	CU_ASSERT_EQUAL(nic_file_sent_count(fn), k);
	CU_ASSERT_EQUAL(k, hst(r).data_frames_sent + 5); /* CONNECT, DOWNLOAD, FILE_INFO,
							  READBACK, DISCONNECT */
	sess_host_dispose(h2);
	nic_close(fn);
	free(h2);
	free(cmp);
	rig_close(r);
}

/* ---- registration ---- */

static int init_loop(void)
{
	wiring = 0;
	return 0;
}

static int init_capture(void)
{
	wiring = 1;
	return 0;
}

static CU_TestInfo session_tests[] = {
	{"happy path, windowed: 0, 1, block-1, block, block+1, 1 MiB", test_happy_windowed},
	{"happy path, host strict", test_happy_host_strict},
	{"happy path, board strict", test_happy_board_strict},
	{"happy path, 512-byte blocks, small windows", test_happy_small_block_window},
	{"read-back job saved to a file", test_readback_job},
	{"read-back of an empty slot: board refuses, exit 1", test_readback_no_file},
	{"CONNECT_FAILED: no board, at 3 s exactly", test_connect_failed},
	{"CONNECT_FAILED: silent board", test_connect_failed_silent_board},
	{"TIMEOUT: board goes quiet, at 3 s of silence", test_timeout},
	{"board timer: connected host goes silent", test_board_timer_connected},
	{"board timer: host silent mid-download, file kept", test_board_timer_partial},
	{"a full send queue: frames tried again, none skipped", test_full_queue},
	{"resume: a new session sends only what the board lacks", test_resume_after_host_died},
	{"resume: another file does not resume from the kept part", test_resume_other_file},
	{"resume: the same bytes for another slot do not resume", test_resume_other_slot},
	{"FRAME_CRC: strict, at once", test_frame_crc_strict},
	{"FRAME_CRC: windowed, after the timer", test_frame_crc_windowed},
	{"FRAME_CRC: windowed, damage starts mid-data", test_frame_crc_windowed_mid},
	{"FRAME_CRC: damaged READBACK_DATA", test_frame_crc_readback_data},
	{"FRAME_CRC: found by the board", test_frame_crc_by_board},
	{"FILE_CRC: found by the board, file kept", test_file_crc},
	{"FILE_CRC: read-back job, found by the host", test_file_crc_readback_save},
	{"READBACK_MISMATCH: first offset, one byte", test_readback_mismatch},
	{"WRONG_COMMAND: wrong reply code", test_wrong_reply},
	{"WRONG_COMMAND: READBACK_DATA left out", test_skip_readback_seq},
	{"WRONG_COMMAND: FILE_DATA sequence gap at the board", test_board_sequence_gap},
	{"windowed over 5% drop", test_impair_drop},
	{"windowed over 5% duplicate and reorder", test_impair_dup_reorder},
	{"windowed over drop, duplicate and reorder", test_impair_all},
	{"frames of another session are ignored", test_session_id},
	{"exit codes", test_exit_codes},
	{"refused control frames are sent again", test_refused_control_frames},
	{"a second session from the host takes over and says so", test_superseded},
	{"chatter without progress does not hold the host", test_chatter_does_not_hold},
	{"chatter without progress does not hold the board", test_board_chatter_does_not_hold},
	{"no false failure under drop, damage and reorder", test_lossy_soak},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo replay_tests[] = {
	{"replay a captured session into a fresh host", test_replay},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"session over loop", init_loop, NULL, NULL, NULL, session_tests},
	{"session over loop + pcap capture", init_capture, NULL, NULL, NULL, session_tests},
	{"session over pcap file", init_loop, NULL, NULL, NULL, replay_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
