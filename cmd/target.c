/* SPDX-License-Identifier: MIT */
/* A command that talks to one board: its options, its session loop, its
 * report. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "diagnose.h"
#include "ethdl.h"
#include "frame.h"
#include "progress.h"
#include "progress_fd.h"
#include "trace.h"

static const char target_help[] =
	"  -i, --interface IF     Ethernet interface the board is on\n"
	"  -b, --board MAC        the board's MAC address\n"
	"  -t, --type TYPE        config (default), algorithm, parameter, redundancy\n"
	"      --timeout S        the session timer in seconds, 0.001 to 3600 (default 3)\n"
	"      --retries N        run a session that ended in connect failed, frame CRC\n"
	"                         or timeout again, up to N (0 to 1000) times (default 0)\n"
	"      --strict           use only the 15 base function codes (no window)\n"
	"      --block BYTES      data bytes per frame, at most the MTU minus 21\n"
	"                         (default: as the MTU allows)\n"
	"      --window N         frames in flight, 1 to 65535 (default 1024)\n"
	"      --ethertype HEX    EtherType, 0600 to ffff (default 88b5)\n"
	"      --json             one JSON object per line instead of prose\n"
	"      --capture FILE     write every frame sent and received to a pcap file\n"
	"      --auth-key KEYFILE authenticate the session with the key in KEYFILE (64\n"
	"                         hex digits); the board must hold the same key\n"
	PROGRESS_FD_HELP
	"  -q, --quiet            no progress lines and notes on stderr\n"
	"  -v, --verbose          log the session's events to stderr; -vv: every frame too\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n";

/* A MAC no board has: a group address, or this host's own (self, on
 * ifname). EXIT_USAGE after saying so with a hint, else 0. */
static int target_bad_mac(const uint8_t mac[6], const uint8_t *self, const char *ifname)
{
	struct diag d;

	if (!diag_bad_target(mac, self, ifname, &d))
		return 0;
	diag_set(&d);
	usage_error("-b: %s", d.text);
	target_diag_hint();
	return EXIT_USAGE;
}

int target_parse(const struct command *cmd, const struct target_cmd *tc, int argc, char **argv,
		 struct target_opts *o, int *args)
{
	uint64_t v;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->type = FT_CONFIG;
	o->timeout = 3;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, tc->shortopts, tc->longopts, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'b':
			r = parse_mac(optarg, o->board) == 0 ? target_bad_mac(o->board, NULL, NULL)
							     : 0;
			if (!r)
				r = opt_board_mac("-b", optarg, o->board);
			o->have_board = 1;
			break;
		case 't':
			o->type = opt_file_type(optarg);
			o->type_given = 1;
			if (!o->type)
				r = usage_error("invalid -t `%s' (config, algorithm, parameter, "
						"redundancy)",
						optarg);
			break;
		case O_TIMEOUT:
			r = opt_real("--timeout", optarg, 0.001, 3600, 0, "seconds", &o->timeout);
			break;
		case O_RETRIES:
			r = opt_uint("--retries", optarg, 0, 1000, 0, "sessions", &o->retries);
			break;
		case O_STRICT: o->strict = 1; break;
		case O_BLOCK:
			r = opt_uint("--block", optarg, 1, FRAME_MAX_DATA, 0, "bytes", &v);
			o->block = (unsigned)v;
			break;
		case O_WINDOW:
			r = opt_uint("--window", optarg, 1, 65535, 0, "frames", &v);
			o->window = (unsigned)v;
			break;
		case O_ETHERTYPE: r = opt_ethertype("--ethertype", optarg, &o->ethertype); break;
		case O_JSON: o->json = 1; break;
		case O_CAPTURE: o->capture = optarg; break;
		case O_AUTH_KEY:
			r = auth_key_load("--auth-key", optarg, &o->auth);
			o->have_auth = 1;
			break;
		case O_PROGRESS_FD: r = progress_fd_option(optarg); break;
		case 'v': o->verbose++; break;
		case 'q': o->quiet = 1; break;
		case O_VERSION: return show_version();
		case 'h':
			show_command_help(cmd, tc->help ? tc->help : "", stdout);
			fputs(target_help, stdout);
			return 0;
		case ':':
		case '?': return opt_rejected(c, argv, tc->longopts);
		default:
			r = tc->own ? tc->own(tc->ctx, c, optarg) : opt_rejected('?', argv, NULL);
			if (r < 0)
				r = 0;
			break;
		}
		if (r)
			return r;
	}
	*args = optind;
	if (!o->ifname)
		return usage_error("missing -i IF (the interface the board is on)");
	if (!o->have_board)
		return usage_error("missing -b MAC (the board)");
	progress_fd_board(o->board);
	return -1;
}

int target_open_nic(const struct target_opts *o, struct nic **nic)
{
	struct nic_setup ns = {
		.ifname = o->ifname, .ethertype = o->ethertype, .capture = o->capture};
	int r;

	struct diag d;
	struct nic *t;

	*nic = open_nic(PROG, &ns);
	if (!*nic) {
		if (diag_open_failure(open_nic_error(), o->ifname, &d)) {
			diag_set(&d);
			target_diag_hint();
		}
		return 1;
	}
	r = target_bad_mac(o->board, (*nic)->mac, (*nic)->name);
	if (!r)
		r = check_block_fits("--block", o->block, *nic);
	if (!r && o->verbose && (*nic)->send_path)
		fprintf(stderr, PROG ": %s: frames sent by %s\n", (*nic)->name, (*nic)->send_path);
	if (!r && o->verbose >= 2) {
		t = trace_wrap(*nic, o->ethertype, stderr);
		if (t)
			*nic = t;
	}
	if (r) {
		nic_close(*nic);
		*nic = NULL;
	}
	return r;
}

uint32_t target_session_id(void)
{
	uint32_t id = 0;

	while (!id)
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint32_t)mono_us();
	return id;
}

void target_session_config(const struct target_opts *o, struct nic *nic, int job,
			   struct sess_host_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nic = nic;
	cfg->ethertype = o->ethertype;
	memcpy(cfg->board, o->board, 6);
	cfg->timeout_us = (uint64_t)(o->timeout * 1e6);
	cfg->job = job;
	cfg->type = o->type;
	cfg->block = o->block;
	cfg->window = o->window;
	cfg->strict = o->strict;
	cfg->session_id = target_session_id();
	cfg->log = o->verbose ? log_stderr : NULL;
	cfg->auth = o->have_auth ? &o->auth : NULL;
}

/* Why the connect that just failed got no answer, from what the watch saw. */
static void diagnose_connect(const struct target_opts *o, struct sess_host *h, struct diag_watch *w)
{
	const struct sess_result *res = sess_host_result(h);
	struct diag d;

	if (!o || !sess_exit_code(res) ||
	    (res->notice != NOTICE_CONNECT_FAILED && res->notice != NOTICE_FRAME_CRC &&
	     res->notice != NOTICE_TIMEOUT))
		return;
	if (diag_classify(w ? diag_watch_drain(w) : NULL, res, o->ifname, o->board, o->ethertype,
			  o->timeout, &d))
		diag_set(&d);
}

int target_run(struct sess_host *h, struct nic *nic, const struct target_opts *o,
	       struct target_stop *stop)
{
	uint64_t now = mono_us();
	struct sess_host_stats st;
	struct progress pr;
	struct diag_watch *watch = NULL;
	int sig = caught_signal();

	diag_clear();
	progress_init(&pr, stderr, isatty(STDERR_FILENO), !o || o->quiet || o->json,
		      o ? o->verbose : 0, now);
	if (!sig) {
		if (o) /* no o: a session of another command (group), which reports it */
			watch = diag_watch_open(o->ifname, o->board, nic->mac, o->ethertype);
		sess_host_start(h, now);
	}
	while (!sig && !sess_host_done(h)) {
		const uint8_t *buf;
		size_t len;
		int r;

		wait_input(nic, sess_host_next_deadline(h));
		now = mono_us();
		sig = caught_signal();
		if (sig)
			break;
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			sess_host_input(h, buf, len, now);
		if (r < 0) {
			char why[96];

			snprintf(why, sizeof(why), "receive failed on %s: %s", nic->name,
				 nic_strerror(r));
			sess_host_abort(h, -EIO, why, now);
			break;
		}
		sess_host_poll(h, now);
		sess_host_stats(h, &st);
		progress_fd_update(&st, now);
		if (watch && st.frames_rx > st.frames_bad) {
			/* The board answered: nothing left to diagnose. */
			diag_watch_close(watch);
			watch = NULL;
		} else if (watch)
			diag_watch_drain(watch);
		progress_update(&pr, &st, now);
	}
	progress_end(&pr);
	if (sig) {
		/* What the board was left with is known only before the abort. */
		sess_host_stats(h, &stop->stats);
		stop->result = *sess_host_result(h);
		sess_host_abort(h, -EINTR, "interrupted", mono_us());
	} else
		diagnose_connect(o, h, watch);
	diag_watch_close(watch);
	return sig;
}

int target_retry(const struct target_opts *o, const struct sess_result *r, int attempt)
{
	int n = r->notice;

	if (!sess_exit_code(r) || (uint64_t)attempt > o->retries || caught_signal() ||
	    (n != NOTICE_TIMEOUT && n != NOTICE_CONNECT_FAILED && n != NOTICE_FRAME_CRC))
		return 0;
	if (r->detail == D_AUTH)
		return 0; /* a key that does not fit will not fit next time */
	if (!o->quiet)
		fprintf(stderr, PROG ": %s, trying again (%d of %llu)\n", frame_notice_name(n),
			attempt, (unsigned long long)o->retries);
	return 1;
}

int target_exit_code(const struct target_report *r)
{
	return r->signal ? exit_for_signal(r->signal) : sess_exit_code(&r->result);
}

static const char *result_name(const struct target_report *r)
{
	if (r->signal)
		return "interrupted";
	if (r->result.notice)
		return frame_notice_name(r->result.notice);
	if (sess_exit_code(&r->result) == 17)
		return "refused";
	if (r->result.rolled_back)
		return "rolled back";
	return r->result.local ? "error" : "ok";
}

static void report_json(const struct target_opts *o, const struct target_report *r, const char *mac)
{
	const struct sess_result *res = &r->result;
	json_t *j = json_object();
	char detail[sizeof(res->text) + sizeof(r->left) + 32];
	char *s;

	if (r->signal)
		snprintf(detail, sizeof(detail), "interrupted by %s; %s", signal_name(r->signal),
			 r->left);
	else
		snprintf(detail, sizeof(detail), "%s", res->text);
	target_diag_detail(detail, sizeof(detail));
	json_object_set_new(j, "board", json_string(mac));
	json_object_set_new(j, "file", json_string(r->file));
	json_object_set_new(j, "type", json_string(proto_type_name(o->type)));
	json_object_set_new(j, "bytes", json_integer((json_int_t)r->bytes));
	json_object_set_new(j, "frames", json_integer((json_int_t)r->frames));
	json_object_set_new(j, "crc", json_sprintf("%08x", r->crc));
	json_object_set_new(j, "seconds", json_secs(r->secs));
	json_object_set_new(j, "ms", json_integer((json_int_t)(r->secs * 1000.0 + 0.5)));
	json_object_set_new(j, "result", json_string(result_name(r)));
	json_object_set_new(j, "notice", json_integer(res->notice));
	json_object_set_new(j, "exit", json_integer(target_exit_code(r)));
	json_object_set_new(j, "detail", json_string(detail));
	if (res->notice == NOTICE_READBACK_MISMATCH) {
		json_object_set_new(j, "offset", json_integer((json_int_t)res->offset));
		json_object_set_new(j, "differing", json_integer((json_int_t)res->ndiff));
	}
	if (r->signal) {
		json_object_set_new(j, "signal", json_string(signal_name(r->signal)));
		if (r->to_board)
			json_object_set_new(j, "kept_frames",
					    json_integer((json_int_t)r->stats.board_has));
	}
	json_object_set_new(j, "readback", json_boolean(r->readback));
	if (r->to_board && r->readback) {
		/* read back as it came (PROTOCOL.md §10): bytes compared during
		 * the download and after it */
		json_object_set_new(j, "overlapped_bytes",
				    json_integer((json_int_t)r->stats.ovl_during));
		json_object_set_new(j, "readback_after_bytes",
				    json_integer((json_int_t)(r->stats.overlap ? r->stats.ovl_after
									      : r->stats.bytes_rb)));
	}
	json_object_set_new(j, "data_frames_sent",
			    json_integer((json_int_t)r->stats.data_frames_sent));
	if (r->stats.overrun) {
		/* the board's receiver overran: paced (PROTOCOL.md §4) */
		json_object_set_new(j, "board_overrun", json_integer((json_int_t)r->stats.overrun));
		json_object_set_new(j, "overrun_paced_bps",
				    json_integer((json_int_t)r->stats.overrun_bps));
	}
	json_object_set_new(j, "attempts", json_integer(r->attempts));
	json_object_set_new(j, "resumed_frames", json_integer((json_int_t)r->stats.resumed));
	json_object_set_new(j, "resumed_bytes",
			    json_integer((json_int_t)progress_resumed_bytes(&r->stats, r->bytes)));
	target_diag_json(j);
	json_object_set_new(j, "exchange", json_string(r->stats.windowed ? "windowed" : "strict"));
	if (r->send_path)
		json_object_set_new(j, "send_path", json_string(r->send_path));
	if (r->to_board) {
		json_object_set_new(j, "package", json_boolean(r->package));
		/* what became of the package: only once it was proven */
		if (r->package && (!sess_exit_code(res) || r->act.asked))
			activation_json(j, &r->act);
		else if (r->package)
			json_object_set_new(j, "activation", json_null());
	}
	s = json_dumps(j, ETHDL_JSON_FLAGS);
	outcome_emitted();
	if (s)
		fprintf(r->out, "%s\n", s);
	else
		error_line("cannot format the JSON report of `%s'", r->file);
	free(s);
	json_decref(j);
	fflush(r->out);
}

void target_report(const struct target_opts *o, const struct target_report *r)
{
	const struct sess_result *res = &r->result;
	const char *type = proto_type_name(o->type);
	char mac[18];
	double mbs = r->secs > 0 ? (double)r->bytes / r->secs / 1e6 : 0.0;

	format_mac(o->board, mac);
	if (o->json) {
		report_json(o, r, mac);
		return;
	}
	if (r->signal) {
		fprintf(stderr, "%s: %s: interrupted: by %s; %s\n", PROG, r->file_name,
			signal_name(r->signal), r->left);
		return;
	}
	if (res->notice || res->local) {
		char text[sizeof(res->text) + 256];

		snprintf(text, sizeof(text), "%s", res->text);
		target_diag_detail(text, sizeof(text));
		fprintf(stderr, "%s: %s: %s%s%s\n", PROG, r->file_name,
			res->notice		    ? frame_notice_name(res->notice)
			: sess_exit_code(res) == 17 ? "refused by the board's policy"
						    : "error",
			*text ? ": " : "", text);
		target_diag_hint();
		return;
	}
	if (r->to_board && r->package) {
		char act[256];

		activation_prose(&r->act, act, sizeof(act));
		fprintf(r->out, "%s: %s -> %s %s: %llu bytes in %.3f s (%.2f MB/s), %s; %s\n", PROG,
			r->file_name, mac, type, (unsigned long long)r->bytes, r->secs, mbs,
			r->what, act);
		if (res->rolled_back)
			fprintf(stderr, "%s: %s: the activation was rolled back\n", PROG,
				r->file_name);
	} else if (r->to_board)
		fprintf(r->out, "%s: %s -> %s %s: %llu bytes in %.3f s (%.2f MB/s), %s\n", PROG,
			r->file_name, mac, type, (unsigned long long)r->bytes, r->secs, mbs,
			r->what);
	else
		fprintf(r->out, "%s: %s %s -> %s: %llu bytes in %.3f s (%.2f MB/s), %s\n", PROG,
			mac, type, r->file_name, (unsigned long long)r->bytes, r->secs, mbs,
			r->what);
	fflush(r->out);
}
