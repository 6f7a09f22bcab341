/* SPDX-License-Identifier: MIT */
/* ethdl-board — the board side as a daemon: the reference a firmware author
 * reads, and the peer every test and demo runs against. The command line is
 * in board_opts.c; this is the run loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board_opts.h"
#include "devstore_dir.h"
#include "devstore_fault.h"
#include "dev_trust.h"

static int quiet;

/* The seed of the board's PRNG (discovery delays, PROTOCOL.md §8): its MAC
 * and the time, so that boards started together still draw apart. */
static uint64_t board_seed(const uint8_t mac[6])
{
	struct timespec ts;
	uint64_t s = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < 6; i++)
		s = s << 8 | mac[i];
	return s ^ ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
	       ((uint64_t)getpid() << 48);
}

static void log_line(void *ctx, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)ctx;
	if (quiet)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ " BOARD_PROG ": %s\n", when, ts.tv_nsec / 1000000, msg);
}

/* Serve until a signal, or (--once) until the first session has ended.
 * 0, or 1 after printing why. */
static int serve(struct sess_board *b, struct nic *nic, int once)
{
	uint64_t ended_at = 0, sessions_seen = 0;
	int r;

	while (!caught_signal()) {
		const uint8_t *buf;
		size_t len;
		uint64_t now, deadline = sess_board_next_deadline(b);

		if (ended_at && ended_at + 1000000 < deadline)
			deadline = ended_at + 1000000;

		/* Wakes at least once a second, so that a signal is noticed. */
		if (wait_input(nic, deadline) < 0 && caught_signal())
			break;
		now = mono_us();
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			sess_board_input(b, buf, len, now);
		if (r < 0)
			return error_line("receive failed on %s: %s", nic->name, nic_strerror(r));
		sess_board_poll(b, now);
		if (sess_board_sessions(b) > sessions_seen && !sess_board_idle(b))
			sessions_seen = sess_board_sessions(b);
		/* Stay a moment, idle, so that a host whose DISCONNECT_ACK was
		 * lost gets it again (the board answers DISCONNECT when idle). */
		if (once && sessions_seen && sess_board_idle(b) && !ended_at)
			ended_at = now;
		if (ended_at && now >= ended_at + 1000000 && sess_board_idle(b))
			break;
	}
	return 0;
}

/* The keys of --trust and --decrypt-key: 0, or the exit code after the
 * message (1: a file cannot be read; 2: its content is not a key). */
static int load_trust(const struct board_opts *o, struct dev_trust *t)
{
	char err[256];
	int r;

	for (int i = 0; i < o->ntrust; i++) {
		r = dev_trust_add_key(t, o->trust[i], err, sizeof(err));
		if (r < 0) {
			error_line("--trust: %s", err);
			return r == -PKG_E_IO ? 1 : EXIT_USAGE;
		}
	}
	r = o->decrypt_key ? dev_trust_set_aes_file(t, o->decrypt_key, err, sizeof(err)) : 0;
	if (r < 0) {
		error_line("--decrypt-key: %s", err);
		return r == -PKG_E_IO ? 1 : EXIT_USAGE;
	}
	for (int type = 1; type < FT_COUNT; type++)
		if (o->signed_only & 1u << type)
			dev_trust_signed_only(t, type);
	return 0;
}

int main(int argc, char **argv)
{
	struct dev_trust trust;
	struct board_opts o;
	struct devstore store, faulty = {0};
	struct devstore_dir_opts dopts = {0};
	struct sess_board *b = NULL;
	struct nic *nic = NULL;
	int ret, r, store_open = 0;
	char mac[18];

	dev_trust_init(&trust);
	opts_init(BOARD_PROG, NULL);
	ret = board_parse(argc, argv, &o);
	if (ret >= 0)
		return ret;
	quiet = o.quiet;
	ret = load_trust(&o, &trust);
	if (ret)
		goto out;
	ret = 1;
	dopts.health_cmd = o.health_cmd;
	dopts.health_ms = (uint32_t)(o.health_timeout * 1000);
	dopts.fail_health = o.fail_health;
	r = devstore_dir_open(&store, o.dir, &dopts);
	if (r < 0)
		return error_line("state directory `%s': %s", o.dir, strerror(-r));
	store_open = 1;
	if ((o.store_fault.flip_received || o.store_fault.corrupt_readback) &&
	    devstore_fault_wrap(&faulty, &store, &o.store_fault) < 0) {
		error_line("out of memory");
		goto out;
	}
	nic = open_nic(BOARD_PROG, &o.nic);
	if (!nic)
		goto out;
	ret = check_block_fits("--max-block", o.cfg.max_block, nic);
	if (ret)
		goto out;
	ret = 1;
	b = malloc(sizeof(*b));
	if (!b) {
		error_line("out of memory");
		goto out;
	}
	o.cfg.nic = nic;
	o.cfg.store = faulty.ctx ? &faulty : &store;
	o.cfg.timeout_us = (uint64_t)(o.timeout * 1e6);
	o.cfg.log = log_line;
	o.cfg.seed = board_seed(nic->mac);
	o.cfg.crypto = dev_trust_ops(&trust);
	r = sess_board_init(b, &o.cfg);
	if (r < 0) {
		error_line("cannot start the board: %s", strerror(-r));
		free(b);
		b = NULL;
		goto out;
	}
	if (!o.cfg.strict && !o.cfg.no_group) {
		/* CAP_GROUP: listen on the discovery address */
		static const uint8_t disc[6] = FRAME_DISCOVER_MAC;

		char why[128];

		r = nic_join(nic, disc);
		snprintf(why, sizeof(why), "cannot listen on the discovery address: %s",
			 nic_strerror(r));
		if (r < 0)
			log_line(NULL, why);
	}
	catch_signals();
	format_mac(nic->mac, mac);
	fprintf(stderr, BOARD_PROG ": listening on %s (%s), MTU %u, state in %s%s%s\n", nic->name,
		mac, nic->mtu, o.dir, nic->send_path ? ", frames sent by " : "",
		nic->send_path ? nic->send_path : "");
	ret = serve(b, nic, o.once);
	if (!ret)
		log_line(NULL, "stopping");
out:
	if (b)
		sess_board_dispose(b);
	free(b);
	nic_close(nic);
	devstore_fault_close(&faulty);
	if (store_open)
		devstore_dir_close(&store);
	dev_trust_dispose(&trust);
	return ret;
}
