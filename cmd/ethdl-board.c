/* SPDX-License-Identifier: MIT */
/* ethdl-board — the board side as a daemon: the reference a firmware author
 * reads, and the peer every test and demo runs against. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "frame.h"
#include "session.h"
#include "store_dir.h"
#include "store_fault.h"

#define PROG "ethdl-board"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i IF -d STATE_DIR [options]\n"
		"\n"
		"  -i, --interface IF     interface to serve on\n"
		"  -d, --dir STATE_DIR    where the board keeps its files (one slot per type)\n"
		"      --vendor V         identity reported at connect\n"
		"      --model M\n"
		"      --serial S\n"
		"      --timeout S        the session timer in seconds (default 3)\n"
		"      --strict           offer only the 15 base function codes\n"
		"      --window N         frames the board takes ahead (default 1024)\n"
		"      --max-block BYTES  largest data per frame (default: as the MTU allows)\n"
		"      --max-file BYTES   largest file accepted (default 4G)\n"
		"      --ethertype HEX    EtherType (default 88b5)\n"
		"      --capture FILE     write every frame sent and received to a pcap file\n"
		"      --once             exit when the first session has ended (after a\n"
		"                         1 s grace that answers a repeated DISCONNECT)\n"
		"  -v, --verbose          log every session event (default: on)\n"
		"  -q, --quiet            log nothing\n"
		"\n"
		"Fault injection (tests):\n"
		"      --drop P --corrupt P --duplicate P --reorder P   probabilities, both ways\n"
		"      --seed N           seed of the fault generator (default 1)\n"
		"      --impair-on DIR    apply them to frames sent (tx), received (rx) or both\n"
		"      --silent           hear everything, answer nothing\n"
		"      --silent-after N   stop answering after N frames\n"
		"      --corrupt-readback flip one byte of what is sent back\n"
		"      --flip-received    flip one byte of what is stored (file CRC error)\n"
		"      --wrong-reply      answer DOWNLOAD with the wrong function code\n"
		"      --skip-readback-seq N  never send READBACK_DATA N\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return EXIT_USAGE;
}

static int quiet;

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
	fprintf(stderr, "%s.%03ldZ " PROG ": %s\n", when, ts.tv_nsec / 1000000, msg);
}

enum {
	O_VENDOR = 256,
	O_MODEL,
	O_SERIAL,
	O_TIMEOUT,
	O_STRICT,
	O_WINDOW,
	O_MAX_BLOCK,
	O_MAX_FILE,
	O_ETHERTYPE,
	O_CAPTURE,
	O_ONCE,
	O_DROP,
	O_CORRUPT,
	O_DUPLICATE,
	O_REORDER,
	O_SEED,
	O_IMPAIR_ON,
	O_SILENT,
	O_SILENT_AFTER,
	O_CORRUPT_RB,
	O_FLIP,
	O_WRONG_REPLY,
	O_SKIP_RB,
	O_VERSION,
};

static const struct option long_opts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"dir", required_argument, NULL, 'd'},
	{"vendor", required_argument, NULL, O_VENDOR},
	{"model", required_argument, NULL, O_MODEL},
	{"serial", required_argument, NULL, O_SERIAL},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"strict", no_argument, NULL, O_STRICT},
	{"window", required_argument, NULL, O_WINDOW},
	{"max-block", required_argument, NULL, O_MAX_BLOCK},
	{"max-file", required_argument, NULL, O_MAX_FILE},
	{"ethertype", required_argument, NULL, O_ETHERTYPE},
	{"capture", required_argument, NULL, O_CAPTURE},
	{"once", no_argument, NULL, O_ONCE},
	{"drop", required_argument, NULL, O_DROP},
	{"corrupt", required_argument, NULL, O_CORRUPT},
	{"duplicate", required_argument, NULL, O_DUPLICATE},
	{"reorder", required_argument, NULL, O_REORDER},
	{"seed", required_argument, NULL, O_SEED},
	{"impair-on", required_argument, NULL, O_IMPAIR_ON},
	{"silent", no_argument, NULL, O_SILENT},
	{"silent-after", required_argument, NULL, O_SILENT_AFTER},
	{"corrupt-readback", no_argument, NULL, O_CORRUPT_RB},
	{"flip-received", no_argument, NULL, O_FLIP},
	{"wrong-reply", no_argument, NULL, O_WRONG_REPLY},
	{"skip-readback-seq", required_argument, NULL, O_SKIP_RB},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"version", no_argument, NULL, O_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	struct sess_board_config cfg = {
		.vendor = "ethdl", .model = "board-emulator", .serial = "0001"};
	struct nic_setup ns = {.impair = {.seed = 1, .on_tx = 1, .on_rx = 1},
			       .buffer_bytes = 32u << 20};
	struct sigaction sa = {.sa_handler = on_signal};
	struct board_store store, faulty = {0};
	struct store_fault sf = {0};
	struct sess_board *b = NULL;
	struct nic *nic = NULL;
	const char *dir = NULL;
	double v, timeout = 3;
	char mac[18], *end;
	int c, once = 0, ret = 1, r;
	uint64_t ended_at = 0;
	uint64_t sessions_seen = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:vqh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i': ns.ifname = optarg; break;
		case 'd': dir = optarg; break;
		case O_VENDOR: cfg.vendor = optarg; break;
		case O_MODEL: cfg.model = optarg; break;
		case O_SERIAL: cfg.serial = optarg; break;
		case O_TIMEOUT:
			if (parse_num(optarg, &timeout) < 0 || timeout <= 0 || timeout > 3600)
				return usage_error("invalid timeout `%s'", optarg);
			break;
		case O_STRICT: cfg.strict = 1; break;
		case O_WINDOW:
			if (parse_num(optarg, &v) < 0 || v < 1 || v > 65535)
				return usage_error("invalid window `%s'", optarg);
			cfg.window = (unsigned)v;
			break;
		case O_MAX_BLOCK:
			if (parse_num(optarg, &v) < 0 || v < 1 || v > FRAME_MAX_DATA)
				return usage_error("invalid block size `%s'", optarg);
			cfg.max_block = (unsigned)v;
			break;
		case O_MAX_FILE:
			if (parse_num(optarg, &v) < 0 || v < 1)
				return usage_error("invalid file size `%s'", optarg);
			cfg.max_file = (uint64_t)v;
			break;
		case O_ETHERTYPE:
			if (parse_ethertype(optarg, &ns.ethertype) < 0)
				return usage_error("invalid EtherType `%s' (hex, 0600..ffff)",
						   optarg);
			cfg.ethertype = ns.ethertype;
			break;
		case O_CAPTURE: ns.capture = optarg; break;
		case O_ONCE: once = 1; break;
		case O_DROP:
			if (parse_prob(optarg, &ns.impair.drop) < 0)
				return usage_error("invalid probability `%s' (0..1)", optarg);
			break;
		case O_CORRUPT:
			if (parse_prob(optarg, &ns.impair.corrupt) < 0)
				return usage_error("invalid probability `%s' (0..1)", optarg);
			break;
		case O_DUPLICATE:
			if (parse_prob(optarg, &ns.impair.duplicate) < 0)
				return usage_error("invalid probability `%s' (0..1)", optarg);
			break;
		case O_REORDER:
			if (parse_prob(optarg, &ns.impair.reorder) < 0)
				return usage_error("invalid probability `%s' (0..1)", optarg);
			break;
		case O_SEED:
			errno = 0;
			ns.impair.seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg)
				return usage_error("invalid seed `%s'", optarg);
			break;
		case O_IMPAIR_ON:
			ns.impair.on_tx = !strcmp(optarg, "tx") || !strcmp(optarg, "both");
			ns.impair.on_rx = !strcmp(optarg, "rx") || !strcmp(optarg, "both");
			if (!ns.impair.on_tx && !ns.impair.on_rx)
				return usage_error("invalid direction `%s' (tx, rx or both)",
						   optarg);
			break;
		case O_SILENT: ns.fault.mute = 1; break;
		case O_SILENT_AFTER:
			if (parse_num(optarg, &v) < 0 || v < 1)
				return usage_error("invalid frame count `%s'", optarg);
			ns.fault.mute_after = (unsigned)v;
			break;
		case O_CORRUPT_RB: sf.corrupt_readback = 1; break;
		case O_FLIP: sf.flip_received = 1; break;
		case O_WRONG_REPLY:
			ns.fault.rewrite_code = FC_DOWNLOAD_ACK;
			ns.fault.rewrite_to = FC_READBACK_ACK;
			break;
		case O_SKIP_RB:
			if (parse_num(optarg, &v) < 0 || v < 1)
				return usage_error("invalid sequence `%s'", optarg);
			ns.fault.drop_code = FC_READBACK_DATA;
			ns.fault.drop_seq = (uint32_t)v;
			break;
		case 'v': quiet = 0; break;
		case 'q': quiet = 1; break;
		case O_VERSION: printf(PROG " %s\n", ETHDL_VERSION); return 0;
		case 'h': show_usage(stdout); return 0;
		case ':': return usage_error("option `%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option `%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument `%s'", argv[optind]);
	if (!ns.ifname)
		return usage_error("%s", "missing -i IF");
	if (!dir)
		return usage_error("%s", "missing -d STATE_DIR");
	r = store_dir_open(&store, dir);
	if (r < 0) {
		fprintf(stderr, PROG ": state directory `%s': %s\n", dir, strerror(-r));
		return 1;
	}
	if ((sf.flip_received || sf.corrupt_readback) &&
	    store_fault_wrap(&faulty, &store, &sf) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	nic = open_nic(PROG, &ns);
	if (!nic)
		goto out;
	b = malloc(sizeof(*b));
	if (!b)
		goto out;
	cfg.nic = nic;
	cfg.store = faulty.ctx ? &faulty : &store;
	cfg.timeout_us = (uint64_t)(timeout * 1e6);
	cfg.log = log_line;
	if (sess_board_init(b, &cfg) < 0)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	format_mac(nic->mac, mac);
	fprintf(stderr, PROG ": listening on %s (%s), MTU %u, state in %s\n", nic->name, mac,
		nic->mtu, dir);
	while (!stop) {
		const uint8_t *buf;
		size_t len;
		uint64_t now, deadline = sess_board_next_deadline(b);

		if (ended_at && ended_at + 1000000 < deadline)
			deadline = ended_at + 1000000;

		/* Wake at least once a second so that a signal is noticed. */
		if (wait_input(nic, deadline) < 0 && stop)
			break;
		now = mono_us();
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			sess_board_input(b, buf, len, now);
		if (r < 0) {
			fprintf(stderr, PROG ": receive failed on %s: %s\n", nic->name,
				nic_strerror(r));
			goto out;
		}
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
	log_line(NULL, "stopping");
	ret = 0;
out:
	if (b)
		sess_board_dispose(b);
	free(b);
	nic_close(nic);
	store_fault_close(&faulty);
	store_dir_close(&store);
	return ret;
}
