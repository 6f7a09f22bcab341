/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth_ossl.h"
#include "common.h"
#include "frame.h"
#include "session.h"

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

static int last_open_error;
static char last_open_ifname[64];

int open_nic_error(void)
{
	return last_open_error;
}

const char *open_nic_ifname(void)
{
	return last_open_ifname;
}

struct nic *open_nic(const char *prog, const struct nic_setup *s)
{
	struct nic_config cfg = {.ethertype = s->ethertype, .buffer_bytes = s->buffer_bytes};
	char errbuf[NIC_ERRBUF_SIZE] = "";
	struct nic *n, *w;
	const struct nic_impair *ip = &s->impair;
	int r;

	r = nic_open(&n, s->ifname, &cfg, errbuf);
	last_open_error = r;
	snprintf(last_open_ifname, sizeof(last_open_ifname), "%s", s->ifname ? s->ifname : "");
	if (r < 0) {
		outcome_note("error", "%s", *errbuf ? errbuf : nic_strerror(r));
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

int check_block_fits(const char *opt, unsigned block, const struct nic *n)
{
	unsigned most = sess_block_for_mtu(n->mtu);

	if (block <= most)
		return 0;
	return usage_error("%s %u does not fit MTU %u of %s (at most %u)", opt, block, n->mtu,
			   n->name, most);
}

#define FLUSH_RETRY_US 200

int wait_input(struct nic *n, uint64_t deadline)
{
	struct pollfd pfd = {.fd = nic_fd(n), .events = POLLIN};
	uint64_t now, wait;
	struct timespec ts;
	int r;

	/* Frames the nic queued go before we sleep; those the kernel has no
	 * room for yet are tried again soon. */
	r = nic_flush(n);
	now = mono_us();
	if (r > 0 && deadline > now + FLUSH_RETRY_US)
		deadline = now + FLUSH_RETRY_US;
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

int auth_key_load(const char *opt, const char *path, struct sess_auth_key *k)
{
	char text[4096];
	const char *why = NULL;
	size_t n;
	FILE *f = fopen(path, "r");
	int r;

	if (!f)
		return usage_error("%s: cannot read key file `%s': %s", opt, path, strerror(errno));
	n = fread(text, 1, sizeof(text), f);
	r = ferror(f) ? -1 : 0;
	if (!r && n == sizeof(text))
		why = "is too long for a key file (it must hold 64 hex digits)";
	fclose(f);
	if (r)
		return usage_error("%s: cannot read key file `%s'", opt, path);
	if (!why && sess_auth_key_parse(text, n, k->key, &why) == 0) {
		k->ops = &sess_auth_ossl_ops;
		return 0;
	}
	memset(text, 0, sizeof(text));
	return usage_error("%s: key file `%s' %s", opt, path, why);
}
