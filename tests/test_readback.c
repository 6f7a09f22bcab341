/* SPDX-License-Identifier: MIT */
/*
 * readback unit tests: the streaming compare sink (first differing offset,
 * number of differing bytes, blocks in any order, read-backs shorter and
 * longer than the file), the save sink (path.part, commit, dispose) and
 * rb_file_crc. Everything happens in a private temporary directory.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "frame.h"
#include "readback.h"

#define FSIZE 5000
#define BLK   1000

static char tmpdir[64];
static uint8_t file[FSIZE]; /* the local file the read-back is compared with */
static int file_fd = -1;

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Whole content of path into buf (cap); returns the length or -1. */
static long read_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return n;
}

static int suite_init(void)
{
	char path[128];

	strcpy(tmpdir, "/tmp/ethdl-test-readback-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	for (size_t i = 0; i < FSIZE; i++)
		file[i] = (uint8_t)(i * 7 + (i >> 8));
	path_in(path, sizeof(path), "file.bin");
	if (write_file(path, file, FSIZE) < 0)
		return -1;
	file_fd = open(path, O_RDONLY);
	return file_fd < 0 ? -1 : 0;
}

static int suite_cleanup(void)
{
	static const char *const names[] = {"file.bin", "out.bin", "out.bin.part",
					    "crc.bin",	"big.bin", "empty.bin"};
	char path[128];

	if (file_fd >= 0)
		close(file_fd);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(path, sizeof(path), names[i]);
		unlink(path);
	}
	return rmdir(tmpdir) < 0 ? -1 : 0;
}

/* Feed the sink the blocks of rb (size bytes) in the given order. */
static void feed(struct sess_sink *k, const uint8_t *rb, uint64_t size, const unsigned *order,
		 unsigned n)
{
	CU_ASSERT_EQUAL_FATAL(k->begin(k->ctx, size), 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = (uint64_t)order[i] * BLK;
		size_t len = size - off < BLK ? (size_t)(size - off) : BLK;

		CU_ASSERT_EQUAL(k->write(k->ctx, off, rb + off, len), 0);
	}
}

static const unsigned in_order[] = {0, 1, 2, 3, 4, 5};
static const unsigned shuffled[] = {4, 0, 3, 1, 2};

/* ---- compare ---- */

static void test_compare_identical(void)
{
	struct rb_compare c;
	struct sess_sink k;
	struct sess_verdict v;

	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, file, FSIZE, in_order, 5);
	memset(&v, 0xa5, sizeof(v));
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 0);
	CU_ASSERT_EQUAL(v.ndiff, 0);
	CU_ASSERT_EQUAL(v.has_crc, 0);
	CU_ASSERT_EQUAL(c.received, FSIZE);
}

static void test_compare_one_byte(void)
{
	static const uint64_t at[] = {0, 999, 1000, 2345, FSIZE - 1};
	uint8_t rb[FSIZE];

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct rb_compare c;
		struct sess_sink k;
		struct sess_verdict v;

		memcpy(rb, file, FSIZE);
		rb[at[i]] ^= 0x20;
		rb_compare_init(&c, file_fd, FSIZE);
		k = rb_compare_sink(&c);
		feed(&k, rb, FSIZE, in_order, 5);
		CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
		CU_ASSERT_EQUAL(v.differs, 1);
		CU_ASSERT_EQUAL(v.first_diff, at[i]);
		CU_ASSERT_EQUAL(v.ndiff, 1);
	}
}

static void test_compare_out_of_order(void)
{
	struct rb_compare c;
	struct sess_sink k;
	struct sess_verdict v;
	uint8_t rb[FSIZE];

	/* identical, in any order */
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, file, FSIZE, shuffled, 5);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 0);
	CU_ASSERT_EQUAL(v.ndiff, 0);

	/* Differences in blocks 4, 1 (two bytes, not adjacent) and 3, the
	 * earliest one arriving last but one: first_diff is the lowest offset,
	 * ndiff counts every differing byte. */
	memcpy(rb, file, FSIZE);
	rb[4100] ^= 1;
	rb[1200] ^= 0xff;
	rb[1750] ^= 0x10;
	rb[3000] ^= 0x80;
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, rb, FSIZE, shuffled, 5);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, 1200);
	CU_ASSERT_EQUAL(v.ndiff, 4);
}

static void test_compare_shorter(void)
{
	struct rb_compare c;
	struct sess_sink k;
	struct sess_verdict v;
	uint8_t rb[FSIZE];

	/* The board holds only the first 4000 bytes, all of them right. */
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, file, 4000, in_order, 4);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, 4000);
	CU_ASSERT_EQUAL(v.ndiff, FSIZE - 4000);

	/* 3500 bytes, one wrong at 10: the first difference is still 10. */
	memcpy(rb, file, FSIZE);
	rb[10] ^= 4;
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, rb, 3500, in_order, 4);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, 10);
	CU_ASSERT_EQUAL(v.ndiff, 1 + FSIZE - 3500);

	/* Nothing at all read back of a non-empty file. */
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, file, 0, in_order, 0);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, 0);
	CU_ASSERT_EQUAL(v.ndiff, FSIZE);
}

static void test_compare_longer(void)
{
	struct rb_compare c;
	struct sess_sink k;
	struct sess_verdict v;
	uint8_t rb[FSIZE + BLK];

	/* 500 bytes more than the file, the rest identical. */
	memcpy(rb, file, FSIZE);
	memset(rb + FSIZE, 0x5a, BLK);
	rb_compare_init(&c, file_fd, FSIZE);
	k = rb_compare_sink(&c);
	feed(&k, rb, FSIZE + 500, in_order, 6);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, FSIZE);
	CU_ASSERT_EQUAL(v.ndiff, 500);

	/* A whole extra block, delivered first, and one wrong byte in the last
	 * common block. */
	rb[4600] ^= 1;
	{
		static const unsigned order[] = {5, 0, 1, 2, 3, 4};

		rb_compare_init(&c, file_fd, FSIZE);
		k = rb_compare_sink(&c);
		feed(&k, rb, FSIZE + BLK, order, 6);
	}
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 1);
	CU_ASSERT_EQUAL(v.first_diff, 4600);
	CU_ASSERT_EQUAL(v.ndiff, 1 + BLK);
}

static void test_compare_empty(void)
{
	struct rb_compare c;
	struct sess_sink k;
	struct sess_verdict v;
	char path[128];
	int fd;

	/* An empty file read back empty is identical. */
	path_in(path, sizeof(path), "empty.bin");
	CU_ASSERT_EQUAL_FATAL(write_file(path, "", 0), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	rb_compare_init(&c, fd, 0);
	k = rb_compare_sink(&c);
	CU_ASSERT_EQUAL(k.begin(k.ctx, 0), 0);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.differs, 0);
	CU_ASSERT_EQUAL(v.ndiff, 0);
	close(fd);
}

/* ---- save ---- */

static void test_save_commit(void)
{
	struct rb_save s;
	struct sess_sink k;
	struct sess_verdict v;
	char path[128], part[140];
	uint8_t back[FSIZE + 10];

	path_in(path, sizeof(path), "out.bin");
	snprintf(part, sizeof(part), "%s.part", path);
	CU_ASSERT_EQUAL_FATAL(rb_save_init(&s, path), 0);
	CU_ASSERT(!exists(part));
	k = rb_save_sink(&s);
	feed(&k, file, FSIZE, shuffled, 5);
	/* Bytes go to path.part; path does not exist before the commit. */
	CU_ASSERT(exists(part));
	CU_ASSERT(!exists(path));
	memset(&v, 0, sizeof(v));
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT_EQUAL(v.has_crc, 1);
	CU_ASSERT_EQUAL(v.crc, frame_crc32(0, file, FSIZE));
	CU_ASSERT_EQUAL(v.differs, 0);
	CU_ASSERT(!exists(path));
	CU_ASSERT_EQUAL(rb_save_commit(&s), 0);
	CU_ASSERT(exists(path));
	CU_ASSERT(!exists(part));
	CU_ASSERT_EQUAL(read_file(path, back, sizeof(back)), FSIZE);
	CU_ASSERT(memcmp(back, file, FSIZE) == 0);
	/* Dispose after commit keeps the file. */
	rb_save_dispose(&s);
	CU_ASSERT(exists(path));
	CU_ASSERT_EQUAL(read_file(path, back, sizeof(back)), FSIZE);
	unlink(path);
}

static void test_save_dispose(void)
{
	struct rb_save s;
	struct sess_sink k;
	struct sess_verdict v;
	char path[128], part[140];
	uint8_t back[64];

	path_in(path, sizeof(path), "out.bin");
	snprintf(part, sizeof(part), "%s.part", path);

	/* Never begun: nothing to remove, nothing created. */
	CU_ASSERT_EQUAL_FATAL(rb_save_init(&s, path), 0);
	rb_save_dispose(&s);
	CU_ASSERT(!exists(path));
	CU_ASSERT(!exists(part));

	/* Saved but not committed: no trace left. */
	CU_ASSERT_EQUAL_FATAL(rb_save_init(&s, path), 0);
	k = rb_save_sink(&s);
	feed(&k, file, FSIZE, in_order, 5);
	CU_ASSERT_EQUAL(k.finish(k.ctx, &v), 0);
	CU_ASSERT(exists(part));
	rb_save_dispose(&s);
	CU_ASSERT(!exists(path));
	CU_ASSERT(!exists(part));

	/* A file already at path is untouched by a save that is not committed,
	 * even one cut off half way. */
	CU_ASSERT_EQUAL_FATAL(write_file(path, "old contents", 12), 0);
	CU_ASSERT_EQUAL_FATAL(rb_save_init(&s, path), 0);
	k = rb_save_sink(&s);
	feed(&k, file, FSIZE, in_order, 2);
	rb_save_dispose(&s);
	CU_ASSERT(!exists(part));
	CU_ASSERT_EQUAL(read_file(path, back, sizeof(back)), 12);
	CU_ASSERT(memcmp(back, "old contents", 12) == 0);
	unlink(path);
}

static void test_save_errors(void)
{
	struct rb_save s;
	struct sess_sink k;
	char path[5000], nodir[160];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	CU_ASSERT_EQUAL(rb_save_init(&s, path), -ENAMETOOLONG);

	/* A directory that does not exist: begin fails with -errno. */
	snprintf(nodir, sizeof(nodir), "%s/no/such/dir/out.bin", tmpdir);
	CU_ASSERT_EQUAL_FATAL(rb_save_init(&s, nodir), 0);
	k = rb_save_sink(&s);
	CU_ASSERT_EQUAL(k.begin(k.ctx, 10), -ENOENT);
	rb_save_dispose(&s);
}

/* ---- file CRC ---- */

static void test_file_crc(void)
{
	char path[128];
	uint64_t size = 1;
	uint32_t crc = 1;
	uint8_t *big;
	int fd;

	path_in(path, sizeof(path), "crc.bin");
	CU_ASSERT_EQUAL_FATAL(write_file(path, "123456789", 9), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rb_file_crc(fd, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, 9);
	CU_ASSERT_EQUAL(crc, 0xCBF43926u);
	close(fd);

	path_in(path, sizeof(path), "empty.bin");
	CU_ASSERT_EQUAL_FATAL(write_file(path, "", 0), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rb_file_crc(fd, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, 0);
	CU_ASSERT_EQUAL(crc, 0);
	close(fd);

	/* More than one read's worth, not a multiple of it. */
	big = malloc(200001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (size_t i = 0; i < 200001; i++)
		big[i] = (uint8_t)(i * 131 + (i >> 9));
	path_in(path, sizeof(path), "big.bin");
	CU_ASSERT_EQUAL_FATAL(write_file(path, big, 200001), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rb_file_crc(fd, &size, &crc), 0);
	CU_ASSERT_EQUAL(size, 200001);
	CU_ASSERT_EQUAL(crc, frame_crc32(0, big, 200001));
	close(fd);
	free(big);

	/* A bad descriptor is an error, not a CRC. */
	CU_ASSERT_EQUAL(rb_file_crc(-1, &size, &crc), -EBADF);
}

static CU_TestInfo compare_tests[] = {
	{"identical: no difference", test_compare_identical},
	{"one byte differs: offset and count exact", test_compare_one_byte},
	{"blocks out of order", test_compare_out_of_order},
	{"read-back shorter than the file", test_compare_shorter},
	{"read-back longer than the file", test_compare_longer},
	{"empty file, empty read-back", test_compare_empty},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo save_tests[] = {
	{"writes path.part, commit renames", test_save_commit},
	{"dispose without commit leaves no file", test_save_dispose},
	{"errors", test_save_errors},
	{"rb_file_crc", test_file_crc},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"readback compare", suite_init, suite_cleanup, NULL, NULL, compare_tests},
	{"readback save", suite_init, suite_cleanup, NULL, NULL, save_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
