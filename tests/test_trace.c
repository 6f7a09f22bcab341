// SPDX-License-Identifier: MIT
/*
 * trace (-vv): every frame sent and received is logged, and frames the nic
 * under it queues (the live backend's sendmmsg batch) go out when the
 * tracer is flushed, as they would without it.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"
#include "proto.h"
#include "trace.h"

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};

static size_t connect_frame(uint8_t *buf, size_t cap, uint32_t session)
{
	struct frame f;
	int n;

	memset(&f, 0, sizeof(f));
	f.version = FRAME_VERSION;
	f.session = session;
	f.code = FC_CONNECT;
	memcpy(f.dst, MAC_B, 6);
	memcpy(f.src, MAC_A, 6);
	n = frame_encode(buf, cap, &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

static void test_flush_passed_on(void)
{
	struct nic *a, *b, *q, *t;
	uint8_t buf[FRAME_BUF_MAX];
	const uint8_t *rx;
	size_t len, rlen;
	char *log = NULL;
	size_t loglen = 0;
	FILE *f = open_memstream(&log, &loglen);
	unsigned got = 0, lines = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&a, &b, MAC_A, MAC_B, 1500, 0), 0);
	CU_ASSERT_EQUAL_FATAL(nic_batch_wrap(&q, a, 8), 0);
	t = trace_wrap(q, 0, f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 1; i <= 3; i++) {
		len = connect_frame(buf, sizeof(buf), i);
		CU_ASSERT_EQUAL(nic_send(t, buf, len), 0);
	}
	CU_ASSERT_EQUAL(nic_recv(b, &rx, &rlen), 0); /* queued under the tracer */
	CU_ASSERT_EQUAL(nic_flush(t), 0);
	while (nic_recv(b, &rx, &rlen) == 1)
		got++;
	CU_ASSERT_EQUAL(got, 3);
	fflush(f);
	for (char *p = log; p && (p = strstr(p, "tx CONNECT")); p++)
		lines++;
	CU_ASSERT_EQUAL(lines, 3);
	nic_close(t);
	nic_close(b);
	fclose(f);
	free(log);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a flush reaches the nic under it", test_flush_passed_on},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"trace", NULL, NULL, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
