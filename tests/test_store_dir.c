/* SPDX-License-Identifier: MIT */
/*
 * store_dir unit tests: the board's storage as files in a directory. A
 * commit is one atomic step; a download that fails, for whatever reason,
 * leaves the slot (file, metadata, previous file) as it was and frees its
 * space. The full-disk cases run on a small tmpfs mounted in a private
 * mount namespace of this process (root only; skipped otherwise), which
 * disappears with the process.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cunit_main.h"
#include "frame.h"
#include "proto.h"
#include "store_dir.h"

#define TMPFS_SIZE (1u << 20)

static char tmp_dir[] = "/tmp/ethdl-store-XXXXXX";
static char full_dir[] = "/tmp/ethdl-full-XXXXXX";
static int full_mounted;
static long page;

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 101 + i * 13 + (i >> 9));
}

static void path_of(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* The whole of dir/name into a fresh buffer (NULL if it cannot be read). */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[512];
	struct stat st;
	uint8_t *buf;
	int fd;

	path_of(path, sizeof(path), dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	*len = (size_t)read(fd, buf, (size_t)st.st_size);
	close(fd);
	return buf;
}

static int same_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	size_t got = 0;
	uint8_t *buf = slurp(dir, name, &got);
	int same = buf && got == len && memcmp(buf, data, len) == 0;

	free(buf);
	return same;
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

static int exists(const char *dir, const char *name)
{
	char path[512];

	path_of(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
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

/* A whole download through st; returns what commit returned, or what
 * begin or a write returned if they failed (the download then aborted). */
static int download(const struct board_store *st, int type, const uint8_t *data, size_t n)
{
	int r = st->begin(st->ctx, type, n);

	if (r < 0)
		return r;
	for (size_t off = 0; off < n; off += 1400) {
		r = st->write(st->ctx, off, data + off, n - off < 1400 ? n - off : 1400);
		if (r < 0) {
			st->abort(st->ctx);
			return r;
		}
	}
	return st->commit(st->ctx, frame_crc32(0, data, n));
}

/* The slot holds data (len bytes): info from the metadata, read, the file. */
static void assert_slot(const struct board_store *st, const char *dir, int type,
			const uint8_t *data, size_t len)
{
	char name[64];
	uint64_t size = 0;
	uint32_t crc = 0;
	uint8_t *buf = malloc(len + 1);

	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(st->info(st->ctx, type, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, len);
	CU_ASSERT_EQUAL(crc, frame_crc32(0, data, len));
	CU_ASSERT_EQUAL(st->read(st->ctx, type, 0, buf, len), 0);
	CU_ASSERT(memcmp(buf, data, len) == 0);
	snprintf(name, sizeof(name), "%s.bin", proto_type_name(type));
	CU_ASSERT(same_file(dir, name, data, len));
	free(buf);
}

/* The metadata file describes the file: what a fresh store reads from it
 * without computing anything is the size and CRC of data. */
static void assert_meta(const char *dir, int type, const uint8_t *data, size_t len)
{
	char name[64], text[200];
	unsigned long long msize;
	unsigned mcrc;
	size_t got = 0;
	uint8_t *buf;

	snprintf(name, sizeof(name), "%s.meta", proto_type_name(type));
	buf = slurp(dir, name, &got);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	snprintf(text, sizeof(text), "%.*s", (int)got, (const char *)buf);
	free(buf);
	CU_ASSERT_EQUAL(sscanf(text, "size %llu\ncrc %x\n", &msize, &mcrc), 2);
	CU_ASSERT_EQUAL(msize, len);
	CU_ASSERT_EQUAL(mcrc, frame_crc32(0, data, len));
}

/* ---- in a temporary directory ---- */

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

static void test_download_and_prev(void)
{
	struct board_store st;
	uint8_t a[5000], b[7000];
	char ls[512];

	clear_dir(tmp_dir);
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, a, sizeof(a)), 0);
	assert_slot(&st, tmp_dir, FT_CONFIG, a, sizeof(a));
	assert_meta(tmp_dir, FT_CONFIG, a, sizeof(a));
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, b, sizeof(b)), 0);
	assert_slot(&st, tmp_dir, FT_CONFIG, b, sizeof(b));
	assert_meta(tmp_dir, FT_CONFIG, b, sizeof(b));
	CU_ASSERT(same_file(tmp_dir, "config.prev", a, sizeof(a)));
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
	/* an empty file is a file */
	CU_ASSERT_EQUAL(download(&st, FT_PARAMETER, a, 0), 0);
	assert_slot(&st, tmp_dir, FT_PARAMETER, a, 0);
	store_dir_close(&st);

	/* a fresh store reads the same from the metadata */
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	assert_slot(&st, tmp_dir, FT_CONFIG, b, sizeof(b));
	store_dir_close(&st);
}

static void test_abort_keeps_slot(void)
{
	struct board_store st;
	uint8_t a[5000], b[9000];
	char ls[512];

	clear_dir(tmp_dir);
	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 4);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, b, sizeof(b)), 0);
	CU_ASSERT_EQUAL_FATAL(st.begin(st.ctx, FT_CONFIG, 3000), 0);
	CU_ASSERT_EQUAL(st.write(st.ctx, 0, a, 3000), 0);
	st.abort(st.ctx);
	assert_slot(&st, tmp_dir, FT_CONFIG, b, sizeof(b));
	assert_meta(tmp_dir, FT_CONFIG, b, sizeof(b));
	CU_ASSERT(same_file(tmp_dir, "config.prev", a, sizeof(a)));
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
	/* a download left open is forgotten by close */
	CU_ASSERT_EQUAL_FATAL(st.begin(st.ctx, FT_ALGORITHM, 3000), 0);
	store_dir_close(&st);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
}

static void test_stale_meta(void)
{
	struct board_store st;
	uint8_t a[5000], b[5000];
	char from[512], to[512];

	clear_dir(tmp_dir);
	fill(a, sizeof(a), 5);
	fill(b, sizeof(b), 6);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, a, sizeof(a)), 0);
	store_dir_close(&st);
	/* someone puts another file of the same size in place */
	put_file(tmp_dir, "other", b, sizeof(b));
	path_of(from, sizeof(from), tmp_dir, "other");
	path_of(to, sizeof(to), tmp_dir, "config.bin");
	CU_ASSERT_EQUAL_FATAL(rename(from, to), 0);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	assert_slot(&st, tmp_dir, FT_CONFIG, b, sizeof(b));
	store_dir_close(&st);
}

/* What a crash at each point of a commit leaves behind, and what the next
 * open makes of it. Before the commit point (the rename of the part onto
 * TYPE.bin) the slot is as it was; after it, the new file with the file it
 * replaced as TYPE.prev. */
static void test_crash_recovery(void)
{
	struct board_store st;
	uint8_t a[5000], b[6000], c[7000];
	char from[512], to[512], ls[512];

	fill(a, sizeof(a), 7);
	fill(b, sizeof(b), 8);
	fill(c, sizeof(c), 9);

	/* Before the commit point: the part, its metadata, the old file's
	 * second name are all there. */
	clear_dir(tmp_dir);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, b, sizeof(b)), 0);
	store_dir_close(&st);
	put_file(tmp_dir, "config.part", c, sizeof(c));
	put_file(tmp_dir, "config.meta.part", "size 7000\n", 10);
	path_of(from, sizeof(from), tmp_dir, "config.bin");
	path_of(to, sizeof(to), tmp_dir, "config.prev.tmp");
	CU_ASSERT_EQUAL_FATAL(link(from, to), 0);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
	assert_slot(&st, tmp_dir, FT_CONFIG, b, sizeof(b));
	CU_ASSERT(same_file(tmp_dir, "config.prev", a, sizeof(a)));
	store_dir_close(&st);

	/* Just after it: TYPE.bin is the new file, the old one only has its
	 * second name, the metadata still describes the old one. */
	put_file(tmp_dir, "config.part", c, sizeof(c));
	path_of(from, sizeof(from), tmp_dir, "config.bin");
	path_of(to, sizeof(to), tmp_dir, "config.prev.tmp");
	CU_ASSERT_EQUAL_FATAL(link(from, to), 0);
	path_of(from, sizeof(from), tmp_dir, "config.part");
	path_of(to, sizeof(to), tmp_dir, "config.bin");
	CU_ASSERT_EQUAL_FATAL(rename(from, to), 0);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, tmp_dir), 0);
	listing(tmp_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
	assert_slot(&st, tmp_dir, FT_CONFIG, c, sizeof(c));
	CU_ASSERT(same_file(tmp_dir, "config.prev", b, sizeof(b)));
	store_dir_close(&st);
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

/* Bug 6: a download that needed exactly the free space was reserved at
 * begin, renamed over TYPE.bin at commit, and then its metadata found no
 * room: the host was told the board failed, while the board served the new
 * file with stale metadata and the old one in TYPE.prev, on a disk that
 * refused every later download. Now: refused at begin, nothing changed,
 * nothing left, and a file that leaves room for its metadata goes in. */
static void test_exactly_full(void)
{
	struct board_store st;
	uint8_t old[30000], *big, *small;
	uint64_t before;
	size_t nbig, nsmall;
	char ls[512];
	int r;

	if (!full_mounted)
		return;
	clear_dir(full_dir);
	fill(old, sizeof(old), 11);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, full_dir), 0);
	CU_ASSERT_EQUAL_FATAL(download(&st, FT_CONFIG, old, sizeof(old)), 0);

	before = free_bytes(full_dir);
	CU_ASSERT_FATAL(before > 4 * (uint64_t)page && before < TMPFS_SIZE);
	nbig = (size_t)before;
	big = malloc(nbig);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	fill(big, nbig, 12);
	r = download(&st, FT_CONFIG, big, nbig);
	CU_ASSERT_EQUAL(r, -ENOSPC);
	/* whatever the store said, what it holds must agree with it */
	if (r == 0) {
		assert_slot(&st, full_dir, FT_CONFIG, big, nbig);
	} else {
		assert_slot(&st, full_dir, FT_CONFIG, old, sizeof(old));
		assert_meta(full_dir, FT_CONFIG, old, sizeof(old));
		listing(full_dir, ls, sizeof(ls));
		CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta");
		CU_ASSERT_EQUAL(free_bytes(full_dir), before);
	}
	/* refused before any data moved, every time */
	CU_ASSERT_EQUAL(st.begin(st.ctx, FT_CONFIG, nbig), -ENOSPC);
	CU_ASSERT_FALSE(exists(full_dir, "config.part"));
	CU_ASSERT_EQUAL(free_bytes(full_dir), before);
	store_dir_close(&st);

	/* A fresh store (the board restarted) sees the old file, from its
	 * metadata. */
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, full_dir), 0);
	assert_slot(&st, full_dir, FT_CONFIG, old, sizeof(old));

	/* One page less leaves exactly the room for the metadata: it goes in,
	 * and the file it replaces becomes TYPE.prev. */
	nsmall = nbig - (size_t)page;
	small = big + 1;
	CU_ASSERT_EQUAL(download(&st, FT_CONFIG, small, nsmall), 0);
	assert_slot(&st, full_dir, FT_CONFIG, small, nsmall);
	assert_meta(full_dir, FT_CONFIG, small, nsmall);
	CU_ASSERT(same_file(full_dir, "config.prev", old, sizeof(old)));
	listing(full_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "config.bin config.meta config.prev");
	/* free now: the page the old metadata held, nothing left over */
	CU_ASSERT_EQUAL(free_bytes(full_dir), (uint64_t)page);
	store_dir_close(&st);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, full_dir), 0);
	assert_slot(&st, full_dir, FT_CONFIG, small, nsmall);

	/* With a previous file on the disk the rule is the same: the space
	 * TYPE.prev holds is only given up by a commit. */
	before = free_bytes(full_dir);
	CU_ASSERT_EQUAL(st.begin(st.ctx, FT_CONFIG, before), -ENOSPC);
	CU_ASSERT_EQUAL(free_bytes(full_dir), before);
	assert_slot(&st, full_dir, FT_CONFIG, small, nsmall);
	CU_ASSERT(same_file(full_dir, "config.prev", old, sizeof(old)));
	store_dir_close(&st);
	free(big);
}

/* A write that finds the disk full (the reservation was lost, or the
 * filesystem cannot reserve): the download fails, the slot is untouched,
 * the space comes back. */
static void test_no_room_for_metadata_at_all(void)
{
	struct board_store st;
	uint8_t old[10000];
	uint64_t before;
	char ls[512];

	if (!full_mounted)
		return;
	clear_dir(full_dir);
	fill(old, sizeof(old), 13);
	CU_ASSERT_EQUAL_FATAL(store_dir_open(&st, full_dir), 0);
	CU_ASSERT_EQUAL_FATAL(download(&st, FT_ALGORITHM, old, sizeof(old)), 0);
	/* fill the disk to the last page with someone else's file */
	before = free_bytes(full_dir);
	{
		uint8_t *junk = calloc(1, (size_t)before);

		CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
		put_file(full_dir, "junk", junk, (size_t)before);
		free(junk);
	}
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);
	/* even an empty file needs its metadata */
	CU_ASSERT_EQUAL(download(&st, FT_ALGORITHM, old, 0), -ENOSPC);
	CU_ASSERT_EQUAL(download(&st, FT_ALGORITHM, old, 100), -ENOSPC);
	assert_slot(&st, full_dir, FT_ALGORITHM, old, sizeof(old));
	listing(full_dir, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "algorithm.bin algorithm.meta junk");
	CU_ASSERT_EQUAL(free_bytes(full_dir), 0);
	store_dir_close(&st);
}

static CU_TestInfo tmp_tests[] = {
	{"download, metadata, previous file", test_download_and_prev},
	{"abort and close keep the slot", test_abort_keeps_slot},
	{"metadata of another file is not trusted", test_stale_meta},
	{"a crash before or after the commit point", test_crash_recovery},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo full_tests[] = {
	{"exactly the free space: refused at begin, old file kept", test_exactly_full},
	{"no room even for metadata", test_no_room_for_metadata_at_all},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"store_dir", tmp_init, tmp_cleanup, NULL, NULL, tmp_tests},
	{"store_dir on a full tmpfs", full_init, full_cleanup, NULL, NULL, full_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
