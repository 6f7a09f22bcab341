/* SPDX-License-Identifier: MIT */
/*
 * devstore unit tests. The contract of device/devstore.h (images, record,
 * log) is one set of tests run over both stores, devstore_dir in a fresh
 * temporary directory and mem_devstore; then what only the directory does
 * (file names, crash leftovers, damaged files, publish links, the health
 * command, full disk on a small tmpfs in a private mount namespace: root
 * only, skipped otherwise), the fault decorator, and mem_devstore's
 * failures and crashes.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "devstore_dir.h"
#include "devstore_fault.h"
#include "mem_devstore.h"
#include "proto.h"

#define TMPFS_SIZE (1u << 20)
#define LOG_SLOT   (8u + DEVSTORE_EVENT_LEN + 4u)

static char tmp_dir[] = "/tmp/ethdl-devstore-XXXXXX";
static char full_dir[] = "/tmp/ethdl-devfull-XXXXXX";
static int full_mounted;
static long page;

/* ---- helpers ---- */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 101 + i * 13 + (i >> 9));
}

static void path_of(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

/* Overwrite len bytes of dir/name at off. */
static void poke(const char *dir, const char *name, off_t off, const void *data, size_t len)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), dir, name);
	fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, data, len, off) == (ssize_t)len);
	close(fd);
}

static int exists(const char *dir, const char *name)
{
	char path[512];

	path_of(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
}

static int same_inode(const char *dir, const char *a, const char *b)
{
	char pa[512], pb[512];
	struct stat sa, sb;

	path_of(pa, sizeof(pa), dir, a);
	path_of(pb, sizeof(pb), dir, b);
	return stat(pa, &sa) == 0 && stat(pb, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* The names in dir, sorted, space separated. */
static void listing(const char *dir, char *out, size_t cap)
{
	char names[32][64];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && n < 32)
		if (e->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%.63s", e->d_name);
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[64];

			memcpy(t, names[j], sizeof(t));
			memcpy(names[j], names[j - 1], sizeof(t));
			memcpy(names[j - 1], t, sizeof(t));
		}
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", names[i]);
}

static void clear_dir(const char *dir)
{
	char path[512];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			path_of(path, sizeof(path), dir, e->d_name);
			unlink(path);
		}
	closedir(d);
}

static uint64_t free_bytes(const char *dir)
{
	struct statvfs sv;

	CU_ASSERT_FATAL(statvfs(dir, &sv) == 0);
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

/* A whole image through st, in pieces of 1400 bytes; 0 or what failed. */
static int put_image(const struct devstore *st, uint32_t id, int type, const uint8_t *data,
		     size_t n)
{
	int r = st->img_begin(st->ctx, id, type, n);

	if (r < 0)
		return r;
	for (size_t off = 0; off < n; off += 1400) {
		r = st->img_write(st->ctx, off, data + off, n - off < 1400 ? n - off : 1400);
		if (r < 0) {
			st->img_abort(st->ctx);
			return r;
		}
	}
	return st->img_seal(st->ctx);
}

static int image_is(const struct devstore *st, uint32_t id, const uint8_t *data, size_t n)
{
	uint8_t *buf = malloc(n + 1);
	int same = buf && st->img_read(st->ctx, id, 0, buf, n) == 0 && memcmp(buf, data, n) == 0;

	free(buf);
	return same;
}

static void event(uint8_t e[DEVSTORE_EVENT_LEN], uint64_t seq)
{
	for (unsigned i = 0; i < DEVSTORE_EVENT_LEN; i++)
		e[i] = (uint8_t)(seq * 7 + i);
}

/* ---- one contract, two stores ---- */

/* The store under test: make a fresh one, restart it, put it away. */
struct backend {
	int (*fresh)(struct devstore *st);
	int (*restart)(struct devstore *st);
	void (*close)(struct devstore *st);
};

static int dir_fresh(struct devstore *st)
{
	clear_dir(tmp_dir);
	return devstore_dir_open(st, tmp_dir, NULL);
}

static int dir_restart(struct devstore *st)
{
	devstore_dir_close(st);
	return devstore_dir_open(st, tmp_dir, NULL);
}

static int mem_fresh(struct devstore *st)
{
	return mem_devstore_open(st);
}

static int mem_restart(struct devstore *st)
{
	mem_devstore_reboot(st);
	return 0;
}

static const struct backend dir_backend = {dir_fresh, dir_restart, devstore_dir_close};
static const struct backend mem_backend = {mem_fresh, mem_restart, mem_devstore_close};
static const struct backend *be;

static int tmp_init(void)
{
	page = sysconf(_SC_PAGESIZE);
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int tmp_cleanup(void)
{
	clear_dir(tmp_dir);
	return rmdir(tmp_dir);
}

static int dir_suite_init(void)
{
	be = &dir_backend;
	return 0;
}

static int mem_suite_init(void)
{
	be = &mem_backend;
	return 0;
}

static void test_image_round_trip(void)
{
	struct devstore st;
	uint8_t a[5000], b[70000], buf[70000];
	uint32_t ids[8];

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	CU_ASSERT_EQUAL_FATAL(be->fresh(&st), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 8), 0);
	CU_ASSERT_EQUAL(put_image(&st, 5, FT_CONFIG, a, sizeof(a)), 0);
	/* out of order, read back while open */
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 3, FT_ALGORITHM, sizeof(b)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 40000, b + 40000, 30000), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, b, 40000), 0);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, sizeof(b)), 0);
	CU_ASSERT(memcmp(buf, b, sizeof(b)) == 0);
	/* nothing past the size given at begin */
	CU_ASSERT_EQUAL(st.img_write(st.ctx, sizeof(b) - 1, b, 2), -EINVAL);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 3, 0, buf, 1), -ENOENT);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), 0);
	CU_ASSERT(image_is(&st, 5, a, sizeof(a)));
	CU_ASSERT(image_is(&st, 3, b, sizeof(b)));
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 5, 4000, buf, 1000), 0);
	CU_ASSERT(memcmp(buf, a + 4000, 1000) == 0);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 5, 4001, buf, 1000), -EIO);
	/* an empty image is an image */
	CU_ASSERT_EQUAL(put_image(&st, 9, FT_PARAMETER, a, 0), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 8), 3);
	CU_ASSERT(ids[0] == 3 && ids[1] == 5 && ids[2] == 9);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 1), 3);
	/* an image is never changed after its seal; 0 is no id */
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 5, FT_CONFIG, 10), -EEXIST);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 0, FT_CONFIG, 10), -EINVAL);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, 1), -EBADF);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), -EBADF);

	/* a restart sees the same */
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 8), 3);
	CU_ASSERT(image_is(&st, 5, a, sizeof(a)));
	CU_ASSERT(image_is(&st, 3, b, sizeof(b)));
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 5), 0);
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 5), -ENOENT);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 5, 0, buf, 1), -ENOENT);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 8), 2);
	CU_ASSERT(ids[0] == 3 && ids[1] == 9);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 8), 2);
	be->close(&st);
}

static void test_abort_and_restart_forget_open(void)
{
	struct devstore st;
	uint8_t a[3000], buf[1];
	uint32_t ids[4];

	fill(a, sizeof(a), 3);
	CU_ASSERT_EQUAL_FATAL(be->fresh(&st), 0);
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 1, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, sizeof(a)), 0);
	st.img_abort(st.ctx);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, 1), -EBADF);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 0);
	/* a second begin forgets the first */
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 1, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 2, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], 2);
	/* an image open at a restart is gone */
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 3, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 1);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, 1), -EBADF);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 3, FT_CONFIG, sizeof(a)), 0);
	be->close(&st);
}

static void test_record_round_trip(void)
{
	struct devstore st;
	static uint8_t a[DEVSTORE_REC_MAX + 1], buf[DEVSTORE_REC_MAX];
	size_t len = 1;

	fill(a, sizeof(a), 4);
	CU_ASSERT_EQUAL_FATAL(be->fresh(&st), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -ENOENT);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 100), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == 100 && memcmp(buf, a, 100) == 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a + 1, 300), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == 300 && memcmp(buf, a + 1, 300) == 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, 299, &len), -EMSGSIZE);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, DEVSTORE_REC_MAX + 1), -EMSGSIZE);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == 300 && memcmp(buf, a + 1, 300) == 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, DEVSTORE_REC_MAX), 0);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == DEVSTORE_REC_MAX && memcmp(buf, a, DEVSTORE_REC_MAX) == 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 0), 0);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	be->close(&st);
}

static void test_log_round_trip(void)
{
	struct devstore st;
	uint8_t e[DEVSTORE_EVENT_LEN], want[DEVSTORE_EVENT_LEN];
	uint64_t got = 0;

	CU_ASSERT_EQUAL_FATAL(be->fresh(&st), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 0);
	for (uint64_t s = 1; s <= 10; s++) {
		event(e, s);
		CU_ASSERT_EQUAL(st.log_append(st.ctx, s, e), 0);
	}
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 10, e), -EINVAL);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 3, e), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 1);
	CU_ASSERT_EQUAL(got, 1);
	event(want, 1);
	CU_ASSERT(memcmp(e, want, sizeof(e)) == 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 7, &got, e), 1);
	CU_ASSERT_EQUAL(got, 7);
	event(want, 7);
	CU_ASSERT(memcmp(e, want, sizeof(e)) == 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 11, &got, e), 0);
	/* sequences keep growing across a restart, and may skip */
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 10, e), -EINVAL);
	event(e, 20);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 20, e), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 11, &got, e), 1);
	CU_ASSERT_EQUAL(got, 20);
	be->close(&st);
}

/* More than the ring holds: the oldest are gone, the rest there in order. */
static void test_log_wrap(void)
{
	const uint64_t last = DEVSTORE_LOG_KEEP + 100;
	struct devstore st;
	uint8_t e[DEVSTORE_EVENT_LEN], want[DEVSTORE_EVENT_LEN];
	uint64_t got = 0, next, n = 0;
	int ok = 1;

	CU_ASSERT_EQUAL_FATAL(be->fresh(&st), 0);
	for (uint64_t s = 1; s <= last; s++) {
		event(e, s);
		ok &= st.log_append(st.ctx, s, e) == 0;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL_FATAL(be->restart(&st), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 1, &got, e), 1);
	CU_ASSERT_EQUAL(got, last - DEVSTORE_LOG_KEEP + 1);
	for (next = 0; st.log_read(st.ctx, next, &got, e) == 1; next = got + 1) {
		event(want, got);
		ok &= got == last - DEVSTORE_LOG_KEEP + 1 + n && memcmp(e, want, sizeof(e)) == 0;
		n++;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(n, DEVSTORE_LOG_KEEP);
	be->close(&st);
}

/* ---- devstore_dir only ---- */

static void test_dir_names(void)
{
	struct devstore st;
	uint8_t a[100];
	char ls[512];

	fill(a, sizeof(a), 5);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "device.log device.rec.spare");
	CU_ASSERT_EQUAL(put_image(&st, 5, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(put_image(&st, 6, FT_REDUNDANCY, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(put_image(&st, 7, 9, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 8, FT_ALGORITHM, sizeof(a)), 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "algorithm.8.img.part config.5.img device.log device.rec.spare "
				   "redundancy.6.img type9.7.img");
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "algorithm.8.img.part config.5.img device.log device.rec "
				   "device.rec.spare redundancy.6.img type9.7.img");
	devstore_dir_close(&st);
	/* close leaves the open image for the device to resume or drop */
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "algorithm.8.img.part config.5.img device.log device.rec "
				   "device.rec.spare redundancy.6.img type9.7.img");
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT(image_is(&st, 7, a, sizeof(a)));
	devstore_dir_close(&st);
	devstore_dir_close(&st);
}

/* What a crash leaves (a part, temporary names) is gone at the next open. */
static void test_dir_leftovers(void)
{
	struct devstore st;
	uint8_t a[100];
	uint32_t ids[4];
	char ls[512];

	fill(a, sizeof(a), 6);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(put_image(&st, 5, FT_CONFIG, a, sizeof(a)), 0);
	devstore_dir_close(&st);
	put_file(tmp_dir, "config.6.img.part", a, sizeof(a));
	put_file(tmp_dir, "device.rec.spare.tmp", a, 10);
	put_file(tmp_dir, "config.bin.tmp", a, 10);
	put_file(tmp_dir, "config.prev.tmp", a, 10);
	put_file(tmp_dir, "notes.txt", a, 10);
	put_file(tmp_dir, "config.x.img", a, 10);
	put_file(tmp_dir, "config.05.img", a, 10);
	put_file(tmp_dir, "type 9.1.img", a, 10);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	listing(tmp_dir, ls, sizeof(ls));
	/* an unsealed image stays until the device says whether it resumes it */
	CU_ASSERT_STRING_EQUAL(ls, "config.05.img config.5.img config.6.img.part config.x.img "
				   "device.log device.rec.spare notes.txt type 9.1.img");
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 1);
	st.img_parts_drop(st.ctx, 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.05.img config.5.img config.x.img device.log "
				   "device.rec.spare notes.txt type 9.1.img");
	devstore_dir_close(&st);
}

/* A download made durable with img_sync is there to reopen after a restart;
 * img_parts_drop keeps the one named and removes the others. */
static void test_dir_resume_part(void)
{
	struct devstore st;
	uint8_t a[3000], b[3000];
	char ls[512];

	fill(a, sizeof(a), 9);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 8, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, 1000), 0);
	CU_ASSERT_EQUAL(st.img_sync(st.ctx), 0);
	devstore_dir_close(&st); /* a restart: the part stays */
	put_file(tmp_dir, "config.9.img.part", a, 10);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.img_reopen(st.ctx, 8, FT_CONFIG, sizeof(a) + 1), -ENOENT);
	CU_ASSERT_EQUAL(st.img_reopen(st.ctx, 7, FT_CONFIG, sizeof(a)), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(st.img_reopen(st.ctx, 8, FT_CONFIG, sizeof(a)), 0);
	st.img_parts_drop(st.ctx, 8);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT(strstr(ls, "config.8.img.part") != NULL);
	CU_ASSERT(strstr(ls, "config.9.img.part") == NULL);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, b, 1000), 0);
	CU_ASSERT_EQUAL(memcmp(a, b, 1000), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 1000, a + 1000, 2000), 0);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), 0);
	CU_ASSERT(image_is(&st, 8, a, sizeof(a)));
	devstore_dir_close(&st);
}

/* A begin the disk cannot take leaves nothing, and the store goes on. */
static void test_dir_failed_begin(void)
{
	struct devstore st;
	uint8_t a[100];
	char before[512], after[512];
	int r;

	fill(a, sizeof(a), 7);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(put_image(&st, 5, FT_CONFIG, a, sizeof(a)), 0);
	listing(tmp_dir, before, sizeof(before));
	r = st.img_begin(st.ctx, 6, FT_CONFIG, 1ull << 60);
	CU_ASSERT(r == -ENOSPC || r == -EFBIG);
	listing(tmp_dir, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(after, before);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, 1), -EBADF);
	CU_ASSERT_EQUAL(put_image(&st, 6, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT(image_is(&st, 6, a, sizeof(a)));
	devstore_dir_close(&st);
}

static void test_dir_damaged_record(void)
{
	struct devstore st;
	uint8_t a[500], buf[DEVSTORE_REC_MAX], x = 0xff;
	size_t len;

	fill(a, sizeof(a), 8);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	devstore_dir_close(&st);
	/* a byte of the content */
	poke(tmp_dir, "device.rec", 16 + 200, &x, 1);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EBADMSG);
	/* the magic */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	poke(tmp_dir, "device.rec", 0, &x, 1);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EBADMSG);
	/* the length */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	poke(tmp_dir, "device.rec", 10, &x, 1);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EBADMSG);
	/* cut short, or empty */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	{
		char path[512];

		path_of(path, sizeof(path), tmp_dir, "device.rec");
		CU_ASSERT_EQUAL(truncate(path, 16 + 100), 0);
		CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EBADMSG);
		CU_ASSERT_EQUAL(truncate(path, 0), 0);
		CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EBADMSG);
	}
	/* a save puts things right */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(a) && memcmp(buf, a, len) == 0);
	devstore_dir_close(&st);
}

/* A crash before the rename of a save: the spare holds a whole new record,
 * or a torn one, and a new spare was being made. The old record stands. */
static void test_dir_save_interrupted(void)
{
	struct devstore st, other;
	uint8_t a[400], b[600], buf[DEVSTORE_REC_MAX];
	size_t len = 0;
	char ls[512];

	fill(a, sizeof(a), 9);
	fill(b, sizeof(b), 10);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, sizeof(a)), 0);
	devstore_dir_close(&st);

	/* the spare written whole, as a save writes it, but not renamed:
	 * made by a store on another directory */
	{
		char other_dir[] = "/tmp/ethdl-devstore-o-XXXXXX", from[512], to[512];

		CU_ASSERT_FATAL(mkdtemp(other_dir) != NULL);
		CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&other, other_dir, NULL), 0);
		CU_ASSERT_EQUAL(other.rec_save(other.ctx, b, sizeof(b)), 0);
		devstore_dir_close(&other);
		path_of(from, sizeof(from), other_dir, "device.rec");
		path_of(to, sizeof(to), tmp_dir, "device.rec.spare");
		CU_ASSERT_EQUAL(rename(from, to), 0);
		clear_dir(other_dir);
		rmdir(other_dir);
	}
	put_file(tmp_dir, "device.rec.spare.tmp", b, 7);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(a) && memcmp(buf, a, len) == 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "device.log device.rec device.rec.spare");
	devstore_dir_close(&st);

	/* a torn spare, cut short */
	put_file(tmp_dir, "device.rec.spare", b, 50);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(a) && memcmp(buf, a, len) == 0);
	/* and the next save works */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, b, sizeof(b)), 0);
	CU_ASSERT_EQUAL_FATAL(dir_restart(&st), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(b) && memcmp(buf, b, len) == 0);
	devstore_dir_close(&st);
}

static void test_dir_publish(void)
{
	struct devstore st;
	uint8_t a[100], b[200], c[300], old[50];
	char ls[512];

	fill(a, sizeof(a), 11);
	fill(b, sizeof(b), 12);
	fill(c, sizeof(c), 13);
	fill(old, sizeof(old), 14);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	/* a board that ran the older store: its file is kept aside */
	put_file(tmp_dir, "config.bin", old, sizeof(old));
	CU_ASSERT_EQUAL(put_image(&st, 3, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(put_image(&st, 5, FT_CONFIG, b, sizeof(b)), 0);
	CU_ASSERT_EQUAL(put_image(&st, 7, FT_CONFIG, c, sizeof(c)), 0);
	st.publish(st.ctx, FT_CONFIG, 5, 3);
	CU_ASSERT(same_inode(tmp_dir, "config.bin", "config.5.img"));
	CU_ASSERT(same_inode(tmp_dir, "config.prev", "config.3.img"));
	st.publish(st.ctx, FT_CONFIG, 7, 5);
	CU_ASSERT(same_inode(tmp_dir, "config.bin", "config.7.img"));
	CU_ASSERT(same_inode(tmp_dir, "config.prev", "config.5.img"));
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 3), 0);
	/* removing an image takes its names with it, so its space comes back */
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 5), 0);
	CU_ASSERT_FALSE(exists(tmp_dir, "config.prev"));
	st.publish(st.ctx, FT_CONFIG, 7, 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.7.img config.bin config.bin.orig device.log "
				   "device.rec.spare");
	CU_ASSERT(same_inode(tmp_dir, "config.bin", "config.7.img"));
	st.publish(st.ctx, FT_CONFIG, 0, 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.7.img config.bin.orig device.log device.rec.spare");
	/* an id that is no image takes the name away */
	st.publish(st.ctx, FT_CONFIG, 7, 0);
	st.publish(st.ctx, FT_CONFIG, 99, 0);
	CU_ASSERT_FALSE(exists(tmp_dir, "config.bin"));
	devstore_dir_close(&st);
}

/* An entry torn by a crash fails its CRC and is skipped; the rest stay. */
static void test_dir_torn_log(void)
{
	struct devstore st;
	uint8_t e[DEVSTORE_EVENT_LEN], want[DEVSTORE_EVENT_LEN], junk[20];
	uint64_t got = 0;
	char path[512];

	memset(junk, 0x5a, sizeof(junk));
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	for (uint64_t s = 1; s <= 6; s++) {
		event(e, s);
		CU_ASSERT_EQUAL(st.log_append(st.ctx, s, e), 0);
	}
	devstore_dir_close(&st);
	/* seq 3 half written, seq 6 (the last) too */
	poke(tmp_dir, "device.log", 3 * LOG_SLOT + 30, junk, sizeof(junk));
	poke(tmp_dir, "device.log", 6 * LOG_SLOT + 70, junk, sizeof(junk));
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 1, &got, e), 1);
	CU_ASSERT_EQUAL(got, 1);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 3, &got, e), 1);
	CU_ASSERT_EQUAL(got, 4);
	event(want, 4);
	CU_ASSERT(memcmp(e, want, sizeof(e)) == 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 6, &got, e), 0);
	/* the torn last one may be written again */
	event(e, 6);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 6, e), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 5, &got, e), 1);
	CU_ASSERT_EQUAL(got, 5);
	devstore_dir_close(&st);
	/* a log file cut short, or gone */
	path_of(path, sizeof(path), tmp_dir, "device.log");
	CU_ASSERT_EQUAL(truncate(path, 2 * LOG_SLOT + 5), 0);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 1);
	CU_ASSERT_EQUAL(got, 1);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 2, &got, e), 0);
	event(e, 7);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 7, e), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 2, &got, e), 1);
	CU_ASSERT_EQUAL(got, 7);
	devstore_dir_close(&st);
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 0);
	devstore_dir_close(&st);
}

/* A board killed (kill -9) at any moment of its saves and appends: the
 * record always loads whole (one of the saved values, never damaged), the
 * log holds whole entries only, in order, and the board goes on. */
static void test_dir_killed(void)
{
	struct devstore st;
	uint8_t e[DEVSTORE_EVENT_LEN], want[DEVSTORE_EVENT_LEN];
	uint64_t v = 0, last_v = 0, got, last_got = 0, next;
	size_t len;
	int ok = 1, told = 0, r;

	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	devstore_dir_close(&st);
	for (int round = 0; round < 20; round++) {
		struct timespec nap = {0, (long)(5 + (round * 17) % 50) * 1000000L};
		pid_t pid = fork();

		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			uint8_t ce[DEVSTORE_EVENT_LEN];
			uint64_t cv = 0;
			size_t clen;

			if (devstore_dir_open(&st, tmp_dir, NULL) < 0)
				_exit(1);
			if (st.rec_load(st.ctx, &cv, sizeof(cv), &clen) < 0)
				cv = 0;
			for (;;) {
				cv++;
				event(ce, cv);
				if (st.rec_save(st.ctx, &cv, sizeof(cv)) < 0 ||
				    st.log_append(st.ctx, cv, ce) < 0)
					_exit(1);
			}
		}
		nanosleep(&nap, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, NULL), 0);
		v = 0;
		len = 0;
		r = st.rec_load(st.ctx, &v, sizeof(v), &len);
		if (r != 0 && round > 2)
			ok = 0;
		ok &= v >= last_v;
		last_v = v;
		/* every entry whole and in order; the newest is the record's, or
		 * the one before it (killed between a save and its append), or
		 * the newest of the last round (killed between the round's first
		 * save and its append) */
		got = 0;
		for (next = 0; st.log_read(st.ctx, next, &got, e) == 1; next = got + 1) {
			event(want, got);
			ok &= memcmp(e, want, sizeof(e)) == 0;
		}
		ok &= got <= v && (got + 1 >= v || got == last_got);
		last_got = got;
		if (!ok && !told) {
			fprintf(stderr, "round %d: load %d, record %llu, log to %llu ", round, r,
				(unsigned long long)v, (unsigned long long)got);
			told = 1;
		}
		devstore_dir_close(&st);
	}
	CU_ASSERT(ok);
	fprintf(stderr, "(%llu saves) ", (unsigned long long)last_v);
	CU_ASSERT(last_v > 0);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_dir_sha256(void)
{
	static const uint8_t data[] = "xxabcyy";
	struct devstore st;
	uint8_t md[32];
	char h[65];

	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, data, 7), 0);
	CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 1, 2, 3, md), 0);
	hex(md, 32, h);
	CU_ASSERT_STRING_EQUAL(h,
			       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 1, 7, 0, md), 0);
	hex(md, 32, h);
	CU_ASSERT_STRING_EQUAL(h,
			       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 1, 2, 6, md), -EINVAL);
	CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 2, 0, 1, md), -ENOENT);
	devstore_dir_close(&st);
}

/* A 64 MiB image written in MTU-sized pieces, sealed and hashed: the
 * known answer is that of the same bytes hashed here in memory. */
static void test_dir_big_image(void)
{
	const size_t n = 64u << 20;
	struct devstore st, mem;
	uint8_t *data = malloc(n), md[32], want[32];
	struct timespec t0, t1;
	double secs;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	fill(data, n, 15);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_ALGORITHM, data, n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "\n    64 MiB image stored in %.3f s (%.0f MB/s) ", secs,
		(double)n / 1e6 / secs);
	CU_ASSERT(image_is(&st, 1, data, n));
	CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 1, 0, n, md), 0);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&mem), 0);
	CU_ASSERT_EQUAL(put_image(&mem, 1, FT_ALGORITHM, data, n), 0);
	CU_ASSERT_EQUAL(mem.img_sha256(mem.ctx, 1, 0, n, want), 0);
	CU_ASSERT(memcmp(md, want, 32) == 0);
	mem_devstore_close(&mem);
	devstore_dir_close(&st);
	free(data);
}

/* Poll a check until it ends (or 5 s): its result, and how long it took. */
static int health_wait(const struct devstore *st, double *secs)
{
	struct timespec t0, t1, nap = {0, 5000000};
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		r = st->health_poll(st->ctx);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r == 0)
			nanosleep(&nap, NULL);
	} while (r == 0 && t1.tv_sec - t0.tv_sec < 5);
	if (secs)
		*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return r;
}

static int health_of(const char *cmd, uint32_t ms, int fail, double *secs)
{
	struct devstore_dir_opts o = {cmd, ms, fail, NULL, NULL};
	struct devstore st;
	uint8_t a[100];
	int r;

	fill(a, sizeof(a), 16);
	clear_dir(tmp_dir);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, &o), 0);
	CU_ASSERT_EQUAL(put_image(&st, 4, FT_CONFIG, a, sizeof(a)), 0);
	r = st.health_start(st.ctx, FT_CONFIG, 4, 123);
	if (r == 0)
		r = health_wait(&st, secs);
	devstore_dir_close(&st);
	return r;
}

static int dead_now(pid_t pid)
{
	char path[64], text[256];
	FILE *f;
	char *p;
	int dead = 1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	if (fgets(text, sizeof(text), f) && (p = strrchr(text, ')')) && p[1] == ' ')
		dead = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return dead;
}

/* Whether pid is dead (or a zombie), within a second: a SIGKILL is not
 * instant. */
static int gone(pid_t pid)
{
	struct timespec nap = {0, 10000000};

	for (int i = 0; i < 100; i++) {
		if (dead_now(pid))
			return 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

static void test_dir_health(void)
{
	struct devstore st;
	char cmd[640], pids[128];
	double secs = 0;
	int fd, n1 = 0, n2 = 0;
	FILE *f;

	/* what the command is given */
	CU_ASSERT_EQUAL(
		health_of("[ -f \"$1\" ] && [ \"$1\" = \"$ETHDL_IMAGE\" ] && "
			  "[ \"$(wc -c <\"$1\")\" -eq 100 ] && "
			  "[ \"$ETHDL_IMAGE_OFFSET\" = 123 ] && [ \"$ETHDL_IMAGE_ID\" = 4 ] && "
			  "[ \"$ETHDL_TYPE\" = config ] && [ \"$(basename \"$1\")\" = "
			  "config.4.img ]",
			  0, 0, NULL),
		1);
	CU_ASSERT_EQUAL(health_of("exit 0", 0, 0, NULL), 1);
	CU_ASSERT_EQUAL(health_of("exit 3", 0, 0, NULL), -1);
	CU_ASSERT_EQUAL(health_of("kill -9 $$", 0, 0, NULL), -1);
	/* every check fails, with or without a command */
	CU_ASSERT_EQUAL(health_of("exit 0", 0, 1, NULL), -1);
	CU_ASSERT_EQUAL(health_of(NULL, 0, 1, NULL), -1);
	/* no command: no check */
	CU_ASSERT_EQUAL(health_of(NULL, 0, 0, NULL), -ENOSYS);

	/* too long: killed with everything it started, unhealthy */
	snprintf(pids, sizeof(pids), "%s-pids", tmp_dir);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $$ $! >%s; wait", pids);
	CU_ASSERT_EQUAL(health_of(cmd, 300, 0, &secs), -1);
	CU_ASSERT(secs >= 0.25 && secs < 3);
	f = fopen(pids, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fscanf(f, "%d %d", &n1, &n2), 2);
	fclose(f);
	unlink(pids);
	CU_ASSERT(n1 > 0 && gone(n1));
	CU_ASSERT(n2 > 0 && gone(n2));

	/* the board's descriptors stay with the board */
	fd = open("/dev/null", O_RDONLY);
	CU_ASSERT_FATAL(fd > 2);
	snprintf(cmd, sizeof(cmd), "[ ! -e /proc/$$/fd/%d ]", fd);
	CU_ASSERT_EQUAL(health_of(cmd, 0, 0, NULL), 1);
	close(fd);

	/* the time a check may take; a check of no image */
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	CU_ASSERT_EQUAL(st.health_ms(st.ctx), DEVSTORE_DIR_HEALTH_MS);
	devstore_dir_close(&st);
	{
		struct devstore_dir_opts o = {"exit 0", 2500, 0, NULL, NULL};

		CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, &o), 0);
		CU_ASSERT_EQUAL(st.health_ms(st.ctx), 2500);
		CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 77, 0), -ENOENT);
		CU_ASSERT_EQUAL(st.health_poll(st.ctx), -1);
		/* a check still running at close is killed */
		o.health_cmd = "sleep 30";
		devstore_dir_close(&st);
	}
	{
		struct devstore_dir_opts o = {"sleep 30", 0, 0, NULL, NULL};
		uint8_t a[10] = {0};
		struct timespec t0, t1;

		CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, &o), 0);
		CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 0), 0);
		CU_ASSERT_EQUAL(st.health_poll(st.ctx), 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		devstore_dir_close(&st);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CU_ASSERT(t1.tv_sec - t0.tv_sec < 2);
	}
}

static uint64_t fake_wall(void *arg)
{
	return *(uint64_t *)arg;
}

static void test_dir_wall(void)
{
	uint64_t now = 1234567;
	struct devstore_dir_opts o = {NULL, 0, 0, fake_wall, &now};
	struct devstore st;
	uint64_t t;

	CU_ASSERT_EQUAL_FATAL(dir_fresh(&st), 0);
	t = st.wall_us(st.ctx);
	CU_ASSERT(t / 1000000u + 5 >= (uint64_t)time(NULL) &&
		  t / 1000000u <= (uint64_t)time(NULL) + 5);
	devstore_dir_close(&st);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, tmp_dir, &o), 0);
	CU_ASSERT_EQUAL(st.wall_us(st.ctx), 1234567);
	now += 10;
	CU_ASSERT_EQUAL(st.wall_us(st.ctx), 1234577);
	devstore_dir_close(&st);
}

/* ---- the fault decorator ---- */

static void test_fault(void)
{
	struct devstore dir, st;
	struct devstore_fault f = {1, 0};
	uint8_t a[12345], buf[12345], first;
	size_t mid = sizeof(a) / 2;

	fill(a, sizeof(a), 17);
	CU_ASSERT_EQUAL_FATAL(dir_fresh(&dir), 0);
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&st, &dir, &f), 0);
	first = a[0];
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(a[0], first);
	CU_ASSERT_EQUAL(dir.img_read(dir.ctx, 1, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(buf[0], a[0] ^ 0x01);
	CU_ASSERT(memcmp(buf + 1, a + 1, sizeof(a) - 1) == 0);
	devstore_fault_close(&st);

	/* corrupt_readback: sealed through it (size known) */
	f.flip_received = 0;
	f.corrupt_readback = 1;
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&st, &dir, &f), 0);
	CU_ASSERT_EQUAL_FATAL(st.img_begin(st.ctx, 2, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, sizeof(buf)), 0);
	CU_ASSERT(memcmp(buf, a, sizeof(a)) == 0);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), 0);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 2, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(buf[mid], a[mid] ^ 0x20);
	buf[mid] ^= 0x20;
	CU_ASSERT(memcmp(buf, a, sizeof(a)) == 0);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 2, mid, buf, 1), 0);
	CU_ASSERT_EQUAL(buf[0], a[mid] ^ 0x20);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 2, 0, buf, mid), 0);
	CU_ASSERT(memcmp(buf, a, mid) == 0);
	devstore_fault_close(&st);

	/* ... and sealed before it was made: the size is found by reading */
	CU_ASSERT_EQUAL_FATAL(devstore_fault_wrap(&st, &dir, &f), 0);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 1, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(buf[mid], a[mid] ^ 0x20);
	CU_ASSERT_EQUAL(buf[0], a[0] ^ 0x01);
	{
		uint8_t md[32], want[32];

		CU_ASSERT_EQUAL(st.img_sha256(st.ctx, 2, 0, sizeof(a), md), 0);
		CU_ASSERT_EQUAL(dir.img_sha256(dir.ctx, 2, 0, sizeof(a), want), 0);
		CU_ASSERT(memcmp(md, want, 32) == 0);
	}
	devstore_fault_close(&st);
	devstore_fault_close(&st);
	devstore_dir_close(&dir);
}

/* ---- on a full disk ---- */

static int full_init(void)
{
	char opts[64];

	page = sysconf(_SC_PAGESIZE);
	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "\n  (no private mount namespace: full-disk tests skipped)\n");
		return 0;
	}
	if (!mkdtemp(full_dir))
		return -1;
	snprintf(opts, sizeof(opts), "size=%u,mode=0700", TMPFS_SIZE);
	if (mount("tmpfs", full_dir, "tmpfs", 0, opts) < 0) {
		fprintf(stderr, "\n  (cannot mount a tmpfs: full-disk tests skipped)\n");
		rmdir(full_dir);
		return 0;
	}
	full_mounted = 1;
	return 0;
}

static int full_cleanup(void)
{
	if (!full_mounted)
		return 0;
	full_mounted = 0;
	if (umount2(full_dir, MNT_DETACH) < 0)
		return -1;
	return rmdir(full_dir);
}

/* An image of exactly the free space is refused at begin (one block must
 * stay free for the directory), and nothing changes; one page less goes
 * in. Then, on a disk full to the last byte, a save (the spare is there)
 * and a log entry (its slot is there) still work, and a begin of nothing
 * is refused. */
static void test_full_exact(void)
{
	struct devstore st;
	uint8_t old[30000], rec[1000], buf[DEVSTORE_REC_MAX], e[DEVSTORE_EVENT_LEN], *big;
	uint64_t before, got;
	uint32_t ids[4];
	size_t nbig, len = 0;
	char ls[512], ls2[512], path[512];

	if (!full_mounted)
		return;
	clear_dir(full_dir);
	fill(old, sizeof(old), 18);
	fill(rec, sizeof(rec), 19);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, full_dir, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(put_image(&st, 1, FT_CONFIG, old, sizeof(old)), 0);
	CU_ASSERT_EQUAL_FATAL(st.rec_save(st.ctx, rec, 100), 0);

	before = free_bytes(full_dir);
	CU_ASSERT_FATAL(before > 4 * (uint64_t)page && before < TMPFS_SIZE);
	nbig = (size_t)before;
	big = malloc(nbig);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	fill(big, nbig, 20);
	listing(full_dir, ls, sizeof(ls));
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 2, FT_CONFIG, nbig), -ENOSPC);
	CU_ASSERT_EQUAL(put_image(&st, 2, FT_CONFIG, big, nbig), -ENOSPC);
	listing(full_dir, ls2, sizeof(ls2));
	CU_ASSERT_STRING_EQUAL(ls2, ls);
	CU_ASSERT_EQUAL(free_bytes(full_dir), before);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, big, 1), -EBADF);

	CU_ASSERT_EQUAL(put_image(&st, 2, FT_CONFIG, big + 1, nbig - (size_t)page), 0);
	CU_ASSERT(image_is(&st, 2, big + 1, nbig - (size_t)page));
	CU_ASSERT_EQUAL(free_bytes(full_dir), (uint64_t)page);
	st.publish(st.ctx, FT_CONFIG, 2, 1);
	CU_ASSERT(same_inode(full_dir, "config.bin", "config.2.img"));
	/* someone takes the last page */
	put_file(full_dir, "junk", big, (size_t)page);
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);

	CU_ASSERT_EQUAL(st.rec_save(st.ctx, rec, sizeof(rec)), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(rec) && memcmp(buf, rec, len) == 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, big, DEVSTORE_REC_MAX), 0);
	event(e, 1);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 1, e), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 1);
	listing(full_dir, ls, sizeof(ls));
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 3, FT_CONFIG, 1), -ENOSPC);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 3, FT_CONFIG, 0), -ENOSPC);
	listing(full_dir, ls2, sizeof(ls2));
	CU_ASSERT_STRING_EQUAL(ls2, ls);
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);
	devstore_dir_close(&st);

	/* a restart on the full disk: everything there, a save works */
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, full_dir, NULL), 0);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 2);
	CU_ASSERT(image_is(&st, 1, old, sizeof(old)));
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == DEVSTORE_REC_MAX && memcmp(buf, big, len) == 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, rec, 10), 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 1);
	event(e, 2);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 2, e), 0);
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);
	/* removing an image (and the name publish gave it) frees its space */
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 2), 0);
	path_of(path, sizeof(path), full_dir, "junk");
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(free_bytes(full_dir), before);
	devstore_dir_close(&st);
	free(big);
}

/* Without the spare, a full disk refuses every begin before anything
 * else, and a save that needs a spare is refused too; the record stands. */
static void test_full_no_spare(void)
{
	struct devstore st;
	uint8_t rec[100], buf[DEVSTORE_REC_MAX], *junk;
	uint64_t before;
	size_t len = 0;
	char ls[512], ls2[512];

	if (!full_mounted)
		return;
	clear_dir(full_dir);
	fill(rec, sizeof(rec), 21);
	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, full_dir, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(st.rec_save(st.ctx, rec, sizeof(rec)), 0);
	devstore_dir_close(&st);
	CU_ASSERT_FATAL(exists(full_dir, "device.rec.spare"));
	{
		char path[512];

		path_of(path, sizeof(path), full_dir, "device.rec.spare");
		CU_ASSERT_EQUAL(unlink(path), 0);
	}
	before = free_bytes(full_dir);
	junk = calloc(1, (size_t)before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
	put_file(full_dir, "junk", junk, (size_t)before);
	free(junk);
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);

	CU_ASSERT_EQUAL_FATAL(devstore_dir_open(&st, full_dir, NULL), 0);
	listing(full_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "device.log device.rec junk");
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 1, FT_CONFIG, 0), -ENOSPC);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, rec, 10), -ENOSPC);
	listing(full_dir, ls2, sizeof(ls2));
	CU_ASSERT_STRING_EQUAL(ls2, ls);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == sizeof(rec) && memcmp(buf, rec, len) == 0);
	/* room again: the spare comes back with the next begin */
	{
		char path[512];

		path_of(path, sizeof(path), full_dir, "junk");
		CU_ASSERT_EQUAL(unlink(path), 0);
	}
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, rec, sizeof(rec)), 0);
	CU_ASSERT(exists(full_dir, "device.rec.spare"));
	devstore_dir_close(&st);
}

/* ---- mem_devstore's own tricks ---- */

static void test_mem_fail_at(void)
{
	struct devstore st;
	const struct mem_devstore_calls *c;
	uint8_t a[100], buf[100], zero[100] = {0};
	uint32_t ids[4];
	size_t len;

	fill(a, sizeof(a), 22);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	c = mem_devstore_calls(&st);
	/* the second mutating call from now fails and does nothing */
	mem_devstore_fail_at(&st, 2, -EIO);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 1, FT_CONFIG, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, 10), 0); /* not a step */
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, sizeof(a)), -EIO);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, sizeof(buf)), 0);
	CU_ASSERT(memcmp(buf, zero, sizeof(buf)) == 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), 0);
	CU_ASSERT(image_is(&st, 1, a, sizeof(a)));
	/* one at a time, any kind of step, any error */
	mem_devstore_fail_at(&st, 1, -ENOSPC);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), -ENOSPC);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -ENOENT);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), 0);
	mem_devstore_fail_at(&st, 1, -EROFS);
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 1), -EROFS);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 1);
	mem_devstore_fail_at(&st, 3, -EIO);
	mem_devstore_fail_at(&st, 0, 0);
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 1), 0);
	CU_ASSERT_EQUAL(c->img_begin, 1);
	CU_ASSERT_EQUAL(c->img_write, 2);
	CU_ASSERT_EQUAL(c->img_read_open, 2);
	CU_ASSERT_EQUAL(c->img_seal, 1);
	CU_ASSERT_EQUAL(c->img_remove, 2);
	CU_ASSERT_EQUAL(c->rec_save, 2);
	CU_ASSERT_EQUAL(c->steps, 8);
	mem_devstore_close(&st);
}

static void test_mem_crash(void)
{
	struct devstore st;
	uint8_t a[100], b[50], buf[DEVSTORE_REC_MAX], e[DEVSTORE_EVENT_LEN];
	uint32_t ids[4];
	uint64_t got = 0;
	size_t len = 0;

	fill(a, sizeof(a), 23);
	fill(b, sizeof(b), 24);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), 0);
	event(e, 1);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 1, e), 0);
	/* power goes at the third step: the seal */
	mem_devstore_crash_at(&st, 3);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 2, FT_CONFIG, sizeof(b)), 0);
	CU_ASSERT_EQUAL(st.img_write(st.ctx, 0, b, sizeof(b)), 0);
	CU_ASSERT_FALSE(mem_devstore_crashed(&st));
	CU_ASSERT_EQUAL(st.img_seal(st.ctx), -EIO);
	CU_ASSERT(mem_devstore_crashed(&st));
	/* nothing works any more */
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, b, 10), -EIO);
	CU_ASSERT_EQUAL(st.log_append(st.ctx, 2, e), -EIO);
	CU_ASSERT_EQUAL(st.img_read(st.ctx, 1, 0, buf, 1), -EIO);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), -EIO);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), -EIO);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), -EIO);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 0), -EIO);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), -1);
	st.publish(st.ctx, FT_CONFIG, 1, 0);
	/* a fresh start over what was durable */
	mem_devstore_reboot(&st);
	CU_ASSERT_FALSE(mem_devstore_crashed(&st));
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], 1);
	CU_ASSERT(image_is(&st, 1, a, sizeof(a)));
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT(len == 10 && memcmp(buf, a, 10) == 0);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 0, &got, e), 1);
	CU_ASSERT_EQUAL(got, 1);
	CU_ASSERT_EQUAL(st.log_read(st.ctx, 2, &got, e), 0);
	CU_ASSERT_EQUAL(st.img_read_open(st.ctx, 0, buf, 1), -EBADF);
	{
		uint32_t act = 9, prev = 9;

		mem_devstore_published(&st, FT_CONFIG, &act, &prev);
		CU_ASSERT(act == 0 && prev == 0);
	}
	CU_ASSERT_EQUAL(put_image(&st, 2, FT_CONFIG, b, sizeof(b)), 0);
	/* a crash at the very next step: a save that never happened */
	mem_devstore_crash_at(&st, 1);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, b, 20), -EIO);
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, buf, sizeof(buf), &len), 0);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_EQUAL(st.img_list(st.ctx, ids, 4), 2);
	mem_devstore_close(&st);
}

static void test_mem_health_clock_capacity(void)
{
	struct devstore st;
	uint8_t a[100];
	uint32_t id = 0, act, prev;
	uint64_t off = 0;
	size_t len;
	int type = 0;

	fill(a, sizeof(a), 25);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&st), 0);
	CU_ASSERT_EQUAL(put_image(&st, 1, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 0), -ENOSYS);
	CU_ASSERT_FALSE(mem_devstore_last_health(&st, &type, &id, &off));
	mem_devstore_set_health(&st, MEM_HEALTH_PASS, 2, 500);
	CU_ASSERT_EQUAL(st.health_ms(st.ctx), 500);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 2, 0), -ENOENT);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 77), 0);
	CU_ASSERT(mem_devstore_last_health(&st, &type, &id, &off));
	CU_ASSERT(type == FT_CONFIG && id == 1 && off == 77);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), 0);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), 0);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), 1);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), 1);
	mem_devstore_set_health(&st, MEM_HEALTH_FAIL, 0, 500);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 0), 0);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), -1);
	/* a restart ends a running check */
	mem_devstore_set_health(&st, MEM_HEALTH_PASS, 5, 500);
	CU_ASSERT_EQUAL(st.health_start(st.ctx, FT_CONFIG, 1, 0), 0);
	mem_devstore_reboot(&st);
	CU_ASSERT_EQUAL(st.health_poll(st.ctx), -1);

	mem_devstore_set_wall(&st, 1000);
	mem_devstore_advance_wall(&st, 234);
	CU_ASSERT_EQUAL(st.wall_us(st.ctx), 1234);

	mem_devstore_set_capacity(&st, 250);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 2, FT_CONFIG, 151), -ENOSPC);
	CU_ASSERT_EQUAL(put_image(&st, 2, FT_CONFIG, a, 100), 0);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 3, FT_CONFIG, 51), -ENOSPC);
	CU_ASSERT_EQUAL(st.img_remove(st.ctx, 1), 0);
	CU_ASSERT_EQUAL(st.img_begin(st.ctx, 3, FT_CONFIG, 150), 0);
	st.img_abort(st.ctx);

	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), 0);
	mem_devstore_damage_record(&st);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, a, sizeof(a), &len), -EBADMSG);
	CU_ASSERT_EQUAL(st.rec_save(st.ctx, a, 10), 0);
	CU_ASSERT_EQUAL(st.rec_load(st.ctx, a, sizeof(a), &len), 0);

	st.publish(st.ctx, FT_ALGORITHM, 2, 1);
	mem_devstore_published(&st, FT_ALGORITHM, &act, &prev);
	CU_ASSERT(act == 2 && prev == 1);
	CU_ASSERT_EQUAL(mem_devstore_calls(&st)->publish, 1);
	mem_devstore_close(&st);
	mem_devstore_close(&st);
}

static CU_TestInfo contract_tests[] = {
	{"images: write, read, seal, list, remove", test_image_round_trip},
	{"abort and restart forget the open image", test_abort_and_restart_forget_open},
	{"record: save, load, restart", test_record_round_trip},
	{"log: append, read, restart", test_log_round_trip},
	{"log: the ring wraps", test_log_wrap},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo dir_tests[] = {
	{"file names", test_dir_names},
	{"a crash's leftovers are settled at open", test_dir_leftovers},
	{"a synced download is there to resume after a restart", test_dir_resume_part},
	{"a begin that fails leaves nothing", test_dir_failed_begin},
	{"a damaged record is -EBADMSG", test_dir_damaged_record},
	{"a save cut off before its rename keeps the old record", test_dir_save_interrupted},
	{"publish: TYPE.bin and TYPE.prev", test_dir_publish},
	{"a torn log entry is skipped", test_dir_torn_log},
	{"killed at any moment of saves and appends", test_dir_killed},
	{"SHA-256 known answers", test_dir_sha256},
	{"a 64 MiB image", test_dir_big_image},
	{"health check", test_dir_health},
	{"wall clock", test_dir_wall},
	{"fault decorator", test_fault},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo full_tests[] = {
	{"exactly the free space is refused; save and log on a full disk", test_full_exact},
	{"no spare on a full disk", test_full_no_spare},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo mem_tests[] = {
	{"fail_at", test_mem_fail_at},
	{"crash_at and reboot", test_mem_crash},
	{"health, clock, capacity, damage, publish", test_mem_health_clock_capacity},
	CU_TEST_INFO_NULL,
};

static int dir_contract_init(void)
{
	return tmp_init() || dir_suite_init();
}

static CU_SuiteInfo suites[] = {
	{"devstore contract: devstore_dir", dir_contract_init, NULL, NULL, NULL, contract_tests},
	{"devstore contract: mem_devstore", mem_suite_init, NULL, NULL, NULL, contract_tests},
	{"devstore_dir", NULL, NULL, NULL, NULL, dir_tests},
	{"devstore_dir on a full tmpfs", full_init, full_cleanup, NULL, NULL, full_tests},
	{"mem_devstore", NULL, tmp_cleanup, NULL, NULL, mem_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
