// SPDX-License-Identifier: MIT
/*
 * readahead: two sequential streams over one file (the data frames sent,
 * the read-back compared behind them) are each served from their own
 * window; the bytes are the file's; a read past the end is -EIO.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "readahead.h"

#define SIZE  (8u * RA_WINDOW + 12345u)
#define BLOCK 1479u
#define CHUNK 1475u

static uint8_t *data;
static int fd = -1;

static int suite_init(void)
{
	char path[] = "/tmp/ethdl-ra.XXXXXX";

	data = malloc(SIZE);
	fd = mkstemp(path);
	if (!data || fd < 0)
		return 1;
	unlink(path);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 13));
	return write(fd, data, SIZE) == (ssize_t)SIZE ? 0 : 1;
}

static int suite_cleanup(void)
{
	free(data);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* The sender a window and a half ahead of the compare, block by block
 * and chunk by chunk: a window fill per window of each stream, not a fill
 * for nearly every read as with one buffer (the old reader of the download
 * command refilled 1836 times for a 64 MiB verified download). */
static void test_two_streams(void)
{
	struct ra_file ra;
	uint8_t buf[BLOCK];
	uint64_t s = 0, c = 0, lag = 3 * RA_WINDOW / 2;
	unsigned bad = 0, reads = 0;

	CU_ASSERT_EQUAL_FATAL(ra_init(&ra, fd), 0);
	while (s < SIZE || c < SIZE) {
		if (s < SIZE) {
			size_t n = SIZE - s < BLOCK ? SIZE - s : BLOCK;

			CU_ASSERT_EQUAL(ra_read(&ra, s, buf, n), 0);
			bad += memcmp(buf, data + s, n) != 0;
			s += n;
			reads++;
		}
		if (c < SIZE && (c + lag < s || s >= SIZE)) {
			size_t n = SIZE - c < CHUNK ? SIZE - c : CHUNK;

			CU_ASSERT_EQUAL(ra_read(&ra, c, buf, n), 0);
			bad += memcmp(buf, data + c, n) != 0;
			c += n;
			reads++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(reads > 2 * (SIZE / BLOCK));
	/* 9 windows per stream (the file is 8 and a bit), and the last one
	 * of the sender again should the compare's fill take its place */
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "%llu fills for %u reads\n", (unsigned long long)ra.fills, reads);
	CU_ASSERT(ra.fills <= 2 * (SIZE / RA_WINDOW + 2));
	CU_ASSERT(ra.fills >= 2 * (SIZE / RA_WINDOW));
	ra_dispose(&ra);
}

/* A repair going back evicts the least recently used window, and the
 * streams go on; the bytes are always the file's. */
static void test_repair_and_edges(void)
{
	struct ra_file ra;
	uint8_t buf[BLOCK], *big = malloc(RA_WINDOW + 1);
	uint64_t fills;

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL_FATAL(ra_init(&ra, fd), 0);
	CU_ASSERT_EQUAL(ra_read(&ra, 4 * RA_WINDOW, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(ra_read(&ra, 2 * RA_WINDOW, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(ra.fills, 2);
	/* both hit */
	CU_ASSERT_EQUAL(ra_read(&ra, 4 * RA_WINDOW + BLOCK, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(memcmp(buf, data + 4 * RA_WINDOW + BLOCK, BLOCK), 0);
	CU_ASSERT_EQUAL(ra_read(&ra, 2 * RA_WINDOW + 10, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(memcmp(buf, data + 2 * RA_WINDOW + 10, BLOCK), 0);
	CU_ASSERT_EQUAL(ra.fills, 2);
	/* a repair far back: the window of 4 MiB was used least recently */
	CU_ASSERT_EQUAL(ra_read(&ra, 100, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(memcmp(buf, data + 100, BLOCK), 0);
	fills = ra.fills;
	CU_ASSERT_EQUAL(ra_read(&ra, 2 * RA_WINDOW + 10 + BLOCK, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(ra.fills, fills); /* still held */
	CU_ASSERT_EQUAL(ra_read(&ra, 4 * RA_WINDOW + 2 * BLOCK, buf, BLOCK), 0);
	CU_ASSERT_EQUAL(ra.fills, fills + 1);
	CU_ASSERT_EQUAL(memcmp(buf, data + 4 * RA_WINDOW + 2 * BLOCK, BLOCK), 0);
	/* the last bytes; one past the end; more than a window at once */
	CU_ASSERT_EQUAL(ra_read(&ra, SIZE - 10, buf, 10), 0);
	CU_ASSERT_EQUAL(memcmp(buf, data + SIZE - 10, 10), 0);
	CU_ASSERT_EQUAL(ra_read(&ra, SIZE - 10, buf, 11), -EIO);
	CU_ASSERT_EQUAL(ra_read(&ra, SIZE, buf, 1), -EIO);
	CU_ASSERT_EQUAL(ra_read(&ra, 3, big, RA_WINDOW + 1), 0);
	CU_ASSERT_EQUAL(memcmp(big, data + 3, RA_WINDOW + 1), 0);
	ra_dispose(&ra);
	free(big);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"two streams, a window each", test_two_streams},
		{"a repair going back, the end of the file", test_repair_and_edges},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"readahead", suite_init, suite_cleanup, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
