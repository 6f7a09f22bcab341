/* SPDX-License-Identifier: MIT */
/*
 * device unit tests: the board as an updatable device (device/device.c) over
 * the in-memory devstore, with its clock, its health check and a power cut
 * injected at every step of a change.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "device.h"
#include "frame.h"
#include "mem_devstore.h"
#include "pkg.h"
#include "pkg_digest.h"

#define SEC 1000000ull

static const uint8_t HOST[6] = {2, 0, 0, 0, 0, 1};
static const struct dev_identity ID = {"acme", "rtu9", "SN-0042", 0, NULL};

struct pkg {
	uint8_t buf[4096 + 2048];
	size_t len, hdr_len;
	struct pkg_header h;
};

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 7;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* A package of vendor/model for config, version v, image of n bytes. */
static void make_pkg(struct pkg *p, const char *vendor, const char *model, const char *v, size_t n,
		     unsigned seed, const char *const *targets, size_t ntargets)
{
	struct pkg_header h = {.type = FT_CONFIG, .build_time = 1700000000, .image_size = n};
	uint8_t img[2048];
	int len;

	CU_ASSERT_FATAL(n <= sizeof(img));
	fill(img, n, seed);
	snprintf(h.vendor, sizeof(h.vendor), "%s", vendor);
	snprintf(h.model, sizeof(h.model), "%s", model);
	CU_ASSERT_EQUAL_FATAL(pkg_version_parse(v, &h.version), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(img, n, h.sha256), 0);
	len = pkg_header_write(&h, targets, ntargets, p->buf, 4096);
	CU_ASSERT_FATAL(len > 0);
	p->hdr_len = (size_t)len;
	memcpy(p->buf + len, img, n);
	p->len = (size_t)len + n;
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p->buf, p->hdr_len, &p->h), 0);
}

/* Download bytes as a plain file (hdr NULL) or a package: 0 or the error. */
static int download(struct board_device *d, const uint8_t *data, size_t len,
		    const struct pkg_header *hdr)
{
	uint32_t got;
	int r = dev_download_begin(d, FT_CONFIG, len, frame_crc32(0, data, len), 1479, hdr, 0);

	if (r < 0)
		return r;
	for (size_t off = 0; off < len; off += 1000) {
		r = dev_download_write(d, off, data + off, len - off < 1000 ? len - off : 1000);
		if (r < 0) {
			dev_download_close(d, 0);
			return r;
		}
	}
	return dev_download_commit(d, HOST, &got);
}

static int install(struct board_device *d, const struct pkg *p)
{
	return download(d, p->buf, p->len, &p->h);
}

static const char *active_version(const struct board_device *d, char *out)
{
	const struct dev_image *im = dev_image(d, FT_CONFIG, DEV_ACTIVE);

	if (!im)
		return "none";
	if (!(im->flags & DEV_IMG_VERSION))
		return "unknown";
	pkg_version_format(&im->version, out, PKG_VERSION_STRMAX);
	return out;
}

#define ACTIVE_IS(d, v)                                                                            \
	do {                                                                                       \
		char b_[PKG_VERSION_STRMAX];                                                       \
		CU_ASSERT_STRING_EQUAL(active_version(d, b_), v);                                  \
	} while (0)

/* Every sealed image is named by the record, and every image it names is
 * there with the bytes it says. */
static void assert_consistent(struct board_device *d, struct devstore *st)
{
	for (int t = 1; t < FT_COUNT; t++)
		for (int r = 0; r < DEV_ROLES; r++) {
			const struct dev_image *im = dev_image(d, t, (enum dev_role)r);
			const uint8_t *bytes;
			uint64_t size;
			int type;

			if (!im)
				continue;
			bytes = mem_devstore_image(st, im->id, &size, &type);
			CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
			CU_ASSERT_EQUAL(size, im->size);
			CU_ASSERT_EQUAL(frame_crc32(0, bytes, size), im->crc);
		}
	for (uint32_t id = 1; id < 64; id++) {
		uint64_t size;
		int type, named = 0;

		if (!mem_devstore_image(st, id, &size, &type))
			continue;
		for (int t = 1; t < FT_COUNT; t++)
			for (int r = 0; r < DEV_ROLES; r++)
				named |= d->slot[t].img[r].id == id;
		CU_ASSERT(named);
	}
}

static void test_plain_files(void)
{
	struct devstore st;
	struct board_device d;
	uint8_t a[3000], b[5000], c[100];

	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	fill(c, sizeof(c), 3);
	CU_ASSERT_EQUAL(download(&d, a, sizeof(a), NULL), 0);
	ACTIVE_IS(&d, "unknown");
	CU_ASSERT_PTR_NULL(dev_image(&d, FT_CONFIG, DEV_PREVIOUS));
	CU_ASSERT_EQUAL(download(&d, b, sizeof(b), NULL), 0);
	CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_ACTIVE)->size, sizeof(b));
	CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_PREVIOUS)->size, sizeof(a));
	CU_ASSERT_EQUAL(download(&d, c, sizeof(c), NULL), 0);
	CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_PREVIOUS)->size, sizeof(b));
	assert_consistent(&d, &st); /* a is gone */
	/* a wrong CRC: nothing changes */
	{
		uint32_t got;

		CU_ASSERT_EQUAL(dev_download_begin(&d, FT_CONFIG, sizeof(a), 0x1234, 1479, NULL, 0),
				0);
		CU_ASSERT_EQUAL(dev_download_write(&d, 0, a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(dev_download_commit(&d, HOST, &got), -EBADMSG);
		CU_ASSERT_EQUAL(got, frame_crc32(0, a, sizeof(a)));
		CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_ACTIVE)->size, sizeof(c));
		assert_consistent(&d, &st);
	}
	dev_close(&d);
	mem_devstore_close(&st);
}

static void test_policy(void)
{
	static const char *const mine[] = {"SN-0001", "SN-0042"}, *const others[] = {"SN-9"};
	struct devstore st;
	struct board_device d;
	struct pkg p;
	struct pkg_header h;
	uint32_t e, g;
	char why[160];
	uint8_t junk[200];

	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
#define CHECK(p)                                                                                   \
	dev_package_check(&d, FT_CONFIG, (p).buf, (p).hdr_len, &h, &e, &g, why, sizeof(why))
	make_pkg(&p, "other", "rtu9", "1.0", 100, 1, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), D_POLICY);
	make_pkg(&p, "acme", "rtu8", "1.0", 100, 1, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), D_POLICY);
	make_pkg(&p, "acme", "rtu9", "1.0", 100, 1, others, 1);
	CU_ASSERT_EQUAL(CHECK(p), D_NOT_TARGET);
	make_pkg(&p, "acme", "rtu9", "1.0", 100, 1, mine, 2);
	CU_ASSERT_EQUAL(CHECK(p), 0);
	CU_ASSERT_EQUAL(
		dev_package_check(&d, FT_ALGORITHM, p.buf, p.hdr_len, &h, &e, &g, why, sizeof(why)),
		D_POLICY);
	/* a damaged header */
	memcpy(junk, p.buf, sizeof(junk));
	junk[20] ^= 1;
	CU_ASSERT_EQUAL(
		dev_package_check(&d, FT_CONFIG, junk, p.hdr_len, &h, &e, &g, why, sizeof(why)),
		D_PKG);
	/* an encrypted package: this board holds no key to decrypt it, and
	 * must not stage ciphertext as an image */
	{
		struct pkg_header eh = p.h;
		struct pkg_extra x = {0};
		uint8_t zero[32] = {0}, enc[4096];
		int el;

		x.plain_sha256 = zero;
		x.nonce = zero;
		x.tag = zero;
		el = pkg_header_write_ext(&eh, mine, 2, &x, enc, sizeof(enc));
		CU_ASSERT_FATAL(el > 0);
		CU_ASSERT_EQUAL(dev_package_check(&d, FT_CONFIG, enc, (size_t)el, &h, &e, &g, why,
						  sizeof(why)),
				D_NO_KEY);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "encrypted"));
	}
	/* versions: only newer than the active one */
	make_pkg(&p, "acme", "rtu9", "1.10.0", 100, 1, NULL, 0);
	CU_ASSERT_EQUAL(install(&d, &p), 0);
	CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, 0, HOST), DEV_ACT_ACTIVATED);
	ACTIVE_IS(&d, "1.10.0");
	make_pkg(&p, "acme", "rtu9", "1.9.3", 100, 2, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), D_NOT_NEWER);
	CU_ASSERT(strstr(why, "1.9.3") && strstr(why, "1.10.0"));
	make_pkg(&p, "acme", "rtu9", "1.10", 100, 2, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), D_NOT_NEWER); /* equal */
	make_pkg(&p, "acme", "rtu9", "1.10.0.1", 100, 2, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), 0);
	d.id.allow_downgrade = 1;
	make_pkg(&p, "acme", "rtu9", "0.1", 100, 2, NULL, 0);
	CU_ASSERT_EQUAL(CHECK(p), 0);
	d.id.allow_downgrade = 0;
	/* a plain file's version is unknown: any package may follow it */
	CU_ASSERT_EQUAL(download(&d, junk, sizeof(junk), NULL), 0);
	CU_ASSERT_EQUAL(CHECK(p), 0);
#undef CHECK
	dev_close(&d);
	mem_devstore_close(&st);
}

static void test_stage_and_digest(void)
{
	struct devstore st;
	struct board_device d;
	struct pkg p1, p2;

	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	make_pkg(&p1, "acme", "rtu9", "1.0", 1000, 1, NULL, 0);
	make_pkg(&p2, "acme", "rtu9", "2.0", 1500, 2, NULL, 0);
	CU_ASSERT_EQUAL(install(&d, &p1), 0);
	CU_ASSERT_PTR_NULL(dev_image(&d, FT_CONFIG, DEV_ACTIVE)); /* staged, not active */
	CU_ASSERT_PTR_NOT_NULL(dev_image(&d, FT_CONFIG, DEV_STAGED));
	CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, 0, HOST), DEV_ACT_ACTIVATED);
	/* an image that is not what its header says: refused, nothing staged */
	p2.buf[p2.hdr_len + 10] ^= 0x40;
	CU_ASSERT_EQUAL(install(&d, &p2), -EPROTO);
	CU_ASSERT_PTR_NULL(dev_image(&d, FT_CONFIG, DEV_STAGED));
	ACTIVE_IS(&d, "1.0");
	assert_consistent(&d, &st);
	p2.buf[p2.hdr_len + 10] ^= 0x40;
	CU_ASSERT_EQUAL(install(&d, &p2), 0);
	CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_STAGED)->image_off, p2.hdr_len);
	CU_ASSERT_EQUAL(memcmp(dev_image(&d, FT_CONFIG, DEV_STAGED)->sha256, p2.h.sha256, 32), 0);
	ACTIVE_IS(&d, "1.0");
	dev_close(&d);
	mem_devstore_close(&st);
}

/* v1 active, v2 staged, health as given. */
static void setup_two(struct devstore *st, struct board_device *d, struct pkg *p1, struct pkg *p2)
{
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(d, st, &ID), 0);
	make_pkg(p1, "acme", "rtu9", "1.0", 1000, 1, NULL, 0);
	make_pkg(p2, "acme", "rtu9", "2.0", 1500, 2, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(install(d, p1), 0);
	CU_ASSERT_EQUAL_FATAL(dev_activate(d, FT_CONFIG, 0, HOST), DEV_ACT_ACTIVATED);
	CU_ASSERT_EQUAL_FATAL(install(d, p2), 0);
}

static int events_in(struct board_device *d, const int *want, int n)
{
	struct dev_log_entry e;
	uint64_t seq = 1;
	int k = 0;

	while (k < n && dev_log_read(d, seq, &e)) {
		if (e.event == want[k])
			k++;
		seq = e.seq + 1;
	}
	return k == n;
}

static void test_activate_health(void)
{
	for (int pass = 0; pass <= 1; pass++) {
		struct devstore st;
		struct board_device d;
		struct pkg p1, p2;
		struct pkg_version from, to;
		uint64_t at;
		int polls = 0;

		setup_two(&st, &d, &p1, &p2);
		mem_devstore_set_health(&st, pass ? MEM_HEALTH_PASS : MEM_HEALTH_FAIL, 3, 2000);
		CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, 0, HOST), DEV_ACT_TESTING);
		ACTIVE_IS(&d, "2.0");
		CU_ASSERT_EQUAL(dev_act_state(&d, FT_CONFIG, &from, &to, &at), DEV_ACT_TESTING);
		CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, 0, HOST), -EBUSY);
		while (dev_act_state(&d, FT_CONFIG, &from, &to, &at) == DEV_ACT_TESTING &&
		       polls < 10) {
			dev_poll(&d);
			polls++;
		}
		CU_ASSERT_EQUAL(polls, 4);
		if (pass) {
			CU_ASSERT_EQUAL(dev_act_state(&d, FT_CONFIG, &from, &to, &at),
					DEV_ACT_ACTIVATED);
			ACTIVE_IS(&d, "2.0");
			CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_PREVIOUS)->version.n[0], 1);
			CU_ASSERT(events_in(&d, (int[]){EV_STAGED, EV_ACTIVATED, EV_HEALTH_OK}, 3));
		} else {
			CU_ASSERT_EQUAL(dev_act_state(&d, FT_CONFIG, &from, &to, &at),
					DEV_ACT_ROLLED_BACK);
			CU_ASSERT_EQUAL(from.n[0], 2);
			CU_ASSERT_EQUAL(to.n[0], 1);
			ACTIVE_IS(&d, "1.0");
			CU_ASSERT_PTR_NULL(dev_image(&d, FT_CONFIG, DEV_STAGED));
			CU_ASSERT(events_in(
				&d,
				(int[]){EV_STAGED, EV_ACTIVATED, EV_HEALTH_FAILED, EV_ROLLED_BACK},
				4));
		}
		assert_consistent(&d, &st);
		/* a manual rollback swaps active and previous */
		if (pass) {
			CU_ASSERT_EQUAL(dev_rollback(&d, FT_CONFIG, HOST), DEV_ACT_ROLLED_BACK);
			ACTIVE_IS(&d, "1.0");
			CU_ASSERT_EQUAL(dev_rollback(&d, FT_CONFIG, HOST), DEV_ACT_ROLLED_BACK);
			ACTIVE_IS(&d, "2.0");
		} else {
			CU_ASSERT_EQUAL(dev_rollback(&d, FT_CONFIG, HOST), -ENOENT);
			CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, 0, HOST), -ENOENT);
		}
		dev_close(&d);
		mem_devstore_close(&st);
	}
}

/*
 * A power cut at every step of an activation, checked and not, passed and
 * failed: after the restart the board runs a confirmed image (v1, or v2
 * once its check passed and was recorded), never a half-switched slot, and
 * holds no image its record does not name.
 */
static void test_crash_every_step(void)
{
	static const enum mem_health healths[] = {MEM_HEALTH_NONE, MEM_HEALTH_PASS,
						  MEM_HEALTH_FAIL};
	unsigned cases = 0;

	for (size_t hk = 0; hk < sizeof(healths) / sizeof(healths[0]); hk++) {
		unsigned steps_here = 0;

		for (unsigned step = 1;; step++) {
			struct devstore st;
			struct board_device d;
			struct pkg p1, p2;
			char v[PKG_VERSION_STRMAX];
			int crashed;

			setup_two(&st, &d, &p1, &p2);
			mem_devstore_set_health(&st, healths[hk], 2, 1000);
			mem_devstore_crash_at(&st, step);
			dev_activate(&d, FT_CONFIG, 0, HOST);
			for (int i = 0; i < 6; i++)
				dev_poll(&d);
			crashed = mem_devstore_crashed(&st);
			/* the restart */
			mem_devstore_reboot(&st);
			mem_devstore_set_health(&st, MEM_HEALTH_NONE, 0, 1000);
			CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
			active_version(&d, v);
			if (healths[hk] == MEM_HEALTH_FAIL) {
				CU_ASSERT_STRING_EQUAL(v, "1.0");
			} else {
				CU_ASSERT(!strcmp(v, "1.0") || !strcmp(v, "2.0"));
			}
			if (!strcmp(v, "2.0")) {
				/* confirmed: the previous is v1, nothing staged */
				CU_ASSERT_EQUAL(d.slot[FT_CONFIG].testing, 0);
				CU_ASSERT_PTR_NOT_NULL(dev_image(&d, FT_CONFIG, DEV_PREVIOUS));
			}
			CU_ASSERT_EQUAL(d.slot[FT_CONFIG].testing, 0);
			assert_consistent(&d, &st);
			/* and the board still works: a later activation goes */
			if (dev_image(&d, FT_CONFIG, DEV_STAGED))
				CU_ASSERT(dev_activate(&d, FT_CONFIG, 0, HOST) >= 0);
			dev_close(&d);
			mem_devstore_close(&st);
			cases++;
			steps_here++;
			if (!crashed)
				break; /* every step of this case has had its cut */
		}
		if (getenv("ETHDL_TEST_VERBOSE"))
			fprintf(stderr, "\n    health %zu: cut at each of %u steps", hk,
				steps_here - 1);
	}
	CU_ASSERT(cases >= 10);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "\n    %u power cuts, each followed by a restart\n", cases);
}

/* A schedule with the board's clock an hour wrong: the board switches at
 * the host's moment; the schedule survives a restart. */
static void test_schedule_skewed_clock(void)
{
	struct devstore st;
	struct board_device d;
	struct pkg p1, p2;
	struct pkg_version from, to;
	uint64_t host_now = 1800000000ull * SEC, board_now, at;

	setup_two(&st, &d, &p1, &p2);
	board_now = host_now - 3600 * SEC; /* an hour slow */
	mem_devstore_set_wall(&st, board_now);
	at = dev_board_time(&d, host_now, host_now + 3 * SEC);
	CU_ASSERT_EQUAL(at, board_now + 3 * SEC);
	CU_ASSERT_EQUAL(dev_activate(&d, FT_CONFIG, at, HOST), DEV_ACT_SCHEDULED);
	CU_ASSERT_EQUAL(dev_poll(&d), at);
	mem_devstore_set_wall(&st, at - 1);
	dev_poll(&d);
	ACTIVE_IS(&d, "1.0");
	CU_ASSERT_EQUAL(dev_act_state(&d, FT_CONFIG, &from, &to, &at), DEV_ACT_SCHEDULED);
	/* the board restarts before the time */
	dev_close(&d);
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	ACTIVE_IS(&d, "1.0");
	mem_devstore_set_wall(&st, board_now + 3 * SEC);
	dev_poll(&d);
	ACTIVE_IS(&d, "2.0");
	CU_ASSERT_EQUAL(dev_poll(&d), UINT64_MAX);
	CU_ASSERT(events_in(&d, (int[]){EV_SCHEDULED, EV_STARTED, EV_ACTIVATED}, 3));
	/* a time in the host's past is now */
	CU_ASSERT_EQUAL(dev_board_time(&d, host_now, host_now - SEC), board_now + 3 * SEC);
	dev_close(&d);
	mem_devstore_close(&st);
}

/* The log keeps the last DEVSTORE_LOG_KEEP events, in order, across a restart. */
static void test_log_bounds(void)
{
	struct devstore st;
	struct board_device d;
	struct dev_log_entry e;
	uint64_t seq, last = 0, first = 0, n = 0;
	uint8_t wire[DEV_EVENT_WIRE];

	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	for (int i = 0; i < 1500; i++)
		CU_ASSERT_EQUAL(dev_log(&d, EV_REFUSED, FT_CONFIG, 0, D_POLICY, HOST, NULL, NULL),
				0);
	dev_close(&d);
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	for (seq = 1; dev_log_read(&d, seq, &e); seq = e.seq + 1) {
		if (!first)
			first = e.seq;
		CU_ASSERT(e.seq > last);
		last = e.seq;
		n++;
	}
	CU_ASSERT_EQUAL(n, DEVSTORE_LOG_KEEP);
	CU_ASSERT_EQUAL(last, 1502); /* started, 1500 refusals, started */
	CU_ASSERT_EQUAL(first, 1502 - DEVSTORE_LOG_KEEP + 1);
	CU_ASSERT_EQUAL(dev_log_read(&d, 1, &e), 1);
	CU_ASSERT_EQUAL(e.seq, first);
	dev_log_wire(&e, wire);
	CU_ASSERT_EQUAL(wire[16], e.event);
	dev_close(&d);
	mem_devstore_close(&st);
}

/* A damaged record: the board does not start on a guess. */
static void test_damaged_record(void)
{
	struct devstore st;
	struct board_device d;
	struct pkg p1, p2;

	setup_two(&st, &d, &p1, &p2);
	dev_close(&d);
	mem_devstore_reboot(&st);
	mem_devstore_damage_record(&st);
	CU_ASSERT_EQUAL(dev_open(&d, &st, &ID), -EBADMSG);
	mem_devstore_close(&st);
}

/* A download cut by a power loss resumes after the restart from its last
 * checkpoint; another file does not, and drops it. */
static void test_resume_after_restart(void)
{
	enum { N = 20000, BLOCK = 1000, FRAMES = N / BLOCK };
	struct devstore st;
	struct board_device d;
	uint8_t data[N], map[(FRAMES + 7) / 8] = {0};
	const uint8_t *got;
	uint32_t crc, bits = 0, gotcrc;

	fill(data, N, 77);
	crc = frame_crc32(0, data, N);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	CU_ASSERT_EQUAL_FATAL(dev_download_begin(&d, FT_CONFIG, N, crc, BLOCK, NULL, 1), 0);
	/* frames 1..7 and 12 arrive and are checkpointed; 8 arrives after */
	for (int f = 1; f <= 8; f++)
		CU_ASSERT_EQUAL(
			dev_download_write(&d, (f - 1) * BLOCK, data + (f - 1) * BLOCK, BLOCK), 0);
	CU_ASSERT_EQUAL(dev_download_write(&d, 11 * BLOCK, data + 11 * BLOCK, BLOCK), 0);
	map[0] = 0x7f;		 /* 1..7 */
	map[1] = 1u << (12 - 9); /* 12 */
	CU_ASSERT_EQUAL(dev_download_checkpoint(&d, map, FRAMES), 0);
	/* the power goes */
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	got = dev_download_restored(&d, &bits);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(bits, FRAMES);
	CU_ASSERT_EQUAL(memcmp(got, map, sizeof(map)), 0);
	/* the same file: resumed; the rest comes, the whole is right */
	CU_ASSERT_EQUAL(dev_download_begin(&d, FT_CONFIG, N, crc, BLOCK, NULL, 1), 1);
	for (int f = 8; f <= FRAMES; f++)
		if (f != 12)
			CU_ASSERT_EQUAL(dev_download_write(&d, (uint64_t)(f - 1) * BLOCK,
							   data + (f - 1) * BLOCK, BLOCK),
					0);
	CU_ASSERT_EQUAL(dev_download_commit(&d, HOST, &gotcrc), 0);
	CU_ASSERT_EQUAL(gotcrc, crc);
	CU_ASSERT_EQUAL(dev_image(&d, FT_CONFIG, DEV_ACTIVE)->crc, crc);
	assert_consistent(&d, &st);
	/* a restart now has nothing to resume */
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	CU_ASSERT_PTR_NULL(dev_download_restored(&d, &bits));

	/* cut again; then another file comes: the kept part is dropped */
	CU_ASSERT_EQUAL_FATAL(dev_download_begin(&d, FT_CONFIG, N, crc ^ 1, BLOCK, NULL, 1), 0);
	CU_ASSERT_EQUAL(dev_download_write(&d, 0, data, BLOCK), 0);
	CU_ASSERT_EQUAL(dev_download_checkpoint(&d, map, FRAMES), 0);
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL_FATAL(dev_open(&d, &st, &ID), 0);
	CU_ASSERT_PTR_NOT_NULL(dev_download_restored(&d, &bits));
	CU_ASSERT_EQUAL(dev_download_begin(&d, FT_CONFIG, N, crc, BLOCK, NULL, 1), 0);
	CU_ASSERT_PTR_NULL(dev_download_restored(&d, &bits));
	dev_download_close(&d, 0);
	assert_consistent(&d, &st);
	dev_close(&d);
	mem_devstore_close(&st);
}

static CU_TestInfo device_tests[] = {
	{"plain files: active at once, previous kept", test_plain_files},
	{"package policy: vendor, model, type, targets, versions", test_policy},
	{"packages are staged; a wrong digest stages nothing", test_stage_and_digest},
	{"activation: health check passed, failed; manual rollback", test_activate_health},
	{"a power cut at every step of an activation", test_crash_every_step},
	{"scheduled activation with a skewed board clock, across a restart",
	 test_schedule_skewed_clock},
	{"event log: bounded, ordered, across a restart", test_log_bounds},
	{"a damaged record stops the board", test_damaged_record},
	{"a download cut by a power loss resumes after the restart", test_resume_after_restart},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"device", NULL, NULL, NULL, NULL, device_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
