/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "frame.h"

uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t impair_clock(void *ctx)
{
	(void)ctx;
	return mono_us();
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6 &&
	    sscanf(s, "%2x-%2x-%2x-%2x-%2x-%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

int parse_prob(const char *s, double *p)
{
	char *end;

	errno = 0;
	*p = strtod(s, &end);
	if (errno || end == s || *end || *p < 0 || *p > 1)
		return -1;
	return 0;
}

int parse_ethertype(const char *s, uint16_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || end == s || v < 0x600 || v > 0xFFFF)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int parse_num(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *v < 0)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		*v *= 1e3;
		end++;
		break;
	case 'm':
	case 'M':
		*v *= 1e6;
		end++;
		break;
	case 'g':
	case 'G':
		*v *= 1e9;
		end++;
		break;
	}
	return *end ? -1 : 0;
}

struct nic *open_nic(const char *prog, const struct nic_setup *s)
{
	struct nic_config cfg = {.ethertype = s->ethertype, .buffer_bytes = s->buffer_bytes};
	char errbuf[NIC_ERRBUF_SIZE] = "";
	struct nic *n, *w;
	const struct nic_impair *ip = &s->impair;
	int r;

	r = nic_open(&n, s->ifname, &cfg, errbuf);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, *errbuf ? errbuf : nic_strerror(r));
		return NULL;
	}
	if (s->capture) {
		r = nic_capture_wrap(&w, n, s->capture, errbuf);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, *errbuf ? errbuf : nic_strerror(r));
			nic_close(n);
			return NULL;
		}
		n = w;
	}
	if (ip->drop > 0 || ip->corrupt > 0 || ip->duplicate > 0 || ip->reorder > 0 ||
	    ip->delay > 0) {
		struct nic_impair p = *ip;

		p.now_us = impair_clock;
		r = nic_impair_wrap(&w, n, &p);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, nic_strerror(r));
			nic_close(n);
			return NULL;
		}
		n = w;
	}
	if (s->fault.mute || s->fault.mute_after || s->fault.rewrite_code || s->fault.drop_code) {
		struct nic_fault f = s->fault;

		f.ethertype = s->ethertype;
		r = nic_fault_wrap(&w, n, &f);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, nic_strerror(r));
			nic_close(n);
			return NULL;
		}
		n = w;
	}
	return n;
}

int wait_input(struct nic *n, uint64_t deadline)
{
	struct pollfd pfd = {.fd = nic_fd(n), .events = POLLIN};
	uint64_t now = mono_us(), wait;
	struct timespec ts;
	int r;

	if (deadline <= now || pfd.fd < 0)
		return 1;
	wait = deadline - now > 1000000 ? 1000000 : deadline - now;
	ts.tv_sec = (time_t)(wait / 1000000);
	ts.tv_nsec = (long)(wait % 1000000) * 1000;
	r = ppoll(&pfd, 1, &ts, NULL);
	if (r < 0)
		return errno == EINTR ? -1 : 1;
	return r > 0;
}
