/* SPDX-License-Identifier: MIT */
/* ethdl replay: play the host's side of a recorded session against a live
 * board and check that it answers as it did then (replay/replay.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"
#include "proto.h"
#include "replay.h"

#define EXIT_DIVERGED 20

enum {
	R_JSON = 256,
	R_SPEED,
	R_ETHERTYPE,
	R_HOST_MAC,
	R_BOARD_MAC,
	R_TIMEOUT,
	R_VERSION,
	R_BOARD_SIDE
};

static const struct option longopts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"board", required_argument, NULL, 'b'},
	{"json", no_argument, NULL, R_JSON},
	{"speed", required_argument, NULL, R_SPEED},
	{"ethertype", required_argument, NULL, R_ETHERTYPE},
	{"host-mac", required_argument, NULL, R_HOST_MAC},
	{"board-mac", required_argument, NULL, R_BOARD_MAC},
	{"timeout", required_argument, NULL, R_TIMEOUT},
	{"board-side", no_argument, NULL, R_BOARD_SIDE},
	{"version", no_argument, NULL, R_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"  -i, --interface IF     the interface the live board is on\n"
	"  -b, --board MAC        the live board\n"
	"      --board-side       play the board's frames of CAPTURE against a live host:\n"
	"                         wait for its CONNECT, answer as recorded, compare\n"
	"                         the host's frames (no -b)\n"
	"      --speed fast|recorded\n"
	"                         fast (default): send each frame once the board's\n"
	"                         recorded answers before it came; recorded: and not\n"
	"                         before the recorded gap since the previous frame\n"
	"      --timeout SECONDS  wait this long for each awaited answer (default 3)\n"
	"      --ethertype HEX    the protocol's EtherType in the capture and on the wire\n"
	"                         (default 88b5)\n"
	"      --host-mac MAC     the recorded host (default: the sender of the first CONNECT)\n"
	"      --board-mac MAC    the recorded board (default: where that CONNECT went)\n"
	"      --json             one JSON object for the run\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit codes: 0 the board answered as recorded, 20 it diverged (the first\n"
	"difference is shown), 11 it never answered, 2 usage, 1 unreadable capture\n"
	"or interface error, 130/143 interrupted.\n";

struct ropts {
	const char *ifname, *capture;
	uint8_t board[6];
	int have_board, json, board_side;
	enum rp_speed speed;
	double timeout;
	struct rp_capture_opts co;
};

static int parse(const struct command *cmd, int argc, char **argv, struct ropts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout = 3;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'b':
			if (opt_board_mac("-b", optarg, o->board))
				return EXIT_USAGE;
			o->have_board = 1;
			break;
		case R_JSON: o->json = 1; break;
		case R_SPEED:
			if (!strcmp(optarg, "fast"))
				o->speed = RP_FAST;
			else if (!strcmp(optarg, "recorded"))
				o->speed = RP_RECORDED;
			else
				return usage_error("--speed `%s': fast or recorded", optarg);
			break;
		case R_ETHERTYPE:
			if (opt_ethertype("--ethertype", optarg, &o->co.ethertype))
				return EXIT_USAGE;
			break;
		case R_HOST_MAC:
			if (opt_board_mac("--host-mac", optarg, o->co.host_mac))
				return EXIT_USAGE;
			o->co.have_host_mac = 1;
			break;
		case R_BOARD_MAC:
			if (opt_board_mac("--board-mac", optarg, o->co.board_mac))
				return EXIT_USAGE;
			o->co.have_board_mac = 1;
			break;
		case R_TIMEOUT:
			if (opt_real("--timeout", optarg, 0.01, 3600, 0, "seconds", &o->timeout))
				return EXIT_USAGE;
			break;
		case R_BOARD_SIDE: o->board_side = 1; break;
		case R_VERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
	}
	if (!o->ifname)
		return usage_error("missing -i IF (the interface the board is on)");
	if (!o->have_board && !o->board_side)
		return usage_error("missing -b MAC (the live board)");
	if (o->have_board && o->board_side)
		return usage_error("--board-side answers whichever host connects: no -b");
	if (optind >= argc)
		return usage_error("missing CAPTURE (a pcap or pcapng file of a session)");
	if (optind + 1 < argc)
		return usage_error("unexpected argument `%s'", argv[optind + 1]);
	o->capture = argv[optind];
	return -1;
}

static void skipped_list(uint64_t bits, char *out, size_t cap, json_t *arr)
{
	char tmp[8];
	size_t at = 0;

	out[0] = '\0';
	for (int t = 0; t < 64; t++) {
		const char *n;

		if (!(bits & (1ull << t)))
			continue;
		n = rp_tlv_name(t, tmp, sizeof(tmp));
		if (arr)
			json_array_append_new(arr, json_string(n));
		if (at < cap)
			at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "", n);
	}
	if (!at)
		snprintf(out, cap, "none");
}

static void report(const struct ropts *o, const struct rp_result *r, double secs, int code)
{
	char skipped[256];

	if (o->json) {
		json_t *j = json_object(), *arr = json_array();
		char *s;

		skipped_list(r->skipped, skipped, sizeof(skipped), arr);
		json_object_set_new(j, "capture", json_string(o->capture));
		json_object_set_new(j, "side", json_string(o->board_side ? "board" : "host"));
		json_object_set_new(j, "frames", json_integer((json_int_t)r->sent));
		json_object_set_new(j, "compared", json_integer((json_int_t)r->compared));
		json_object_set_new(j, "not_compared", json_integer((json_int_t)r->repeats));
		json_object_set_new(j, "skipped_fields", arr);
		json_object_set_new(j, "result",
				    json_string(r->state == RP_MATCH	? "match"
						: r->state == RP_SILENT ? "no answer"
						: r->state == RP_IOERR	? "error"
									: "diverged"));
		if (r->state == RP_DIVERGED || r->state == RP_SILENT) {
			json_object_set_new(j, "frame", json_integer(r->frame));
			json_object_set_new(j, "field", json_string(r->field));
			json_object_set_new(j, "expected", json_string(r->expected));
			json_object_set_new(j, "got", json_string(r->got));
		}
		json_object_set_new(j, "ms", json_integer((json_int_t)(secs * 1000 + 0.5)));
		json_object_set_new(j, "exit", json_integer(code));
		s = json_dumps(j, ETHDL_JSON_FLAGS);
		outcome_emitted();
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	skipped_list(r->skipped, skipped, sizeof(skipped), NULL);
	if (r->state == RP_DIVERGED || r->state == RP_SILENT)
		printf(PROG ": frame %u of %s: %s differs:\n  expected %s\n  got      %s\n",
		       r->frame, o->capture, r->field, r->expected, r->got);
	printf(PROG ": %s%s: %s: %zu frames sent, %zu answers compared, %zu not compared "
		    "(status, repeats), skipped fields: %s, %.3f s\n",
	       o->capture, o->board_side ? " (board side)" : "",
	       r->state == RP_MATCH    ? "answered as recorded"
	       : r->state == RP_SILENT ? "never answered"
	       : r->state == RP_IOERR  ? "interface error"
				       : "diverged",
	       r->sent, r->compared, r->repeats, skipped, secs);
}

int cmd_replay(const struct command *cmd, int argc, char **argv)
{
	struct ropts o;
	struct rp_capture c;
	struct rp_engine *e = NULL;
	struct rp_config cfg;
	struct nic *nic = NULL;
	char err[256];
	uint64_t t0;
	int ret, sig = 0;

	memset(&c, 0, sizeof(c));
	ret = parse(cmd, argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (rp_capture_load(&c, o.capture, &o.co, err) < 0) {
		ret = error_line("%s: %s", o.capture, err);
		goto out;
	}
	{
		struct nic_setup s = {.ifname = o.ifname, .ethertype = c.ethertype};

		nic = open_nic(PROG, &s);
	}
	ret = 1;
	if (!nic)
		goto out;
	e = malloc(sizeof(*e));
	memset(&cfg, 0, sizeof(cfg));
	cfg.nic = nic;
	memcpy(cfg.peer, o.board, 6);
	cfg.session = target_session_id();
	cfg.board_side = o.board_side;
	if (o.board_side)
		fprintf(stderr, PROG ": waiting for a host's CONNECT on %s\n", o.ifname);
	cfg.speed = o.speed;
	cfg.answer_us = (uint64_t)(o.timeout * 1e6);
	if (!e || rp_init(e, &c, &cfg) < 0) {
		error_line("out of memory");
		goto out;
	}
	t0 = mono_us();
	while (!rp_done(e)) {
		uint64_t now = mono_us();
		const uint8_t *buf;
		size_t len;
		int r;

		if (now >= rp_next_deadline(e))
			rp_poll(e, now);
		if (rp_done(e))
			break;
		r = wait_input(nic, rp_next_deadline(e));
		if (r < 0 || caught_signal()) {
			sig = caught_signal();
			break;
		}
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			rp_input(e, buf, len, mono_us());
		if (r < 0) {
			error_line("%s: %s", o.ifname, nic_strerror(r));
			goto out;
		}
		rp_poll(e, mono_us());
	}
	if (sig) {
		fprintf(stderr, PROG ": interrupted by %s\n", signal_name(sig));
		ret = exit_for_signal(sig);
		goto out;
	}
	switch (rp_result(e)->state) {
	case RP_MATCH: ret = 0; break;
	case RP_SILENT: ret = 11; break;
	case RP_IOERR:
		error_line("%s: %s", o.ifname, nic_strerror(rp_result(e)->nic_err));
		ret = 1;
		break;
	default: ret = EXIT_DIVERGED;
	}
	report(&o, rp_result(e), (double)(mono_us() - t0) / 1e6, ret);
out:
	if (e)
		rp_dispose(e);
	free(e);
	nic_close(nic);
	rp_capture_free(&c);
	return ret;
}
