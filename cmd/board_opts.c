/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "board_opts.h"

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: " BOARD_PROG " -i IF -d STATE_DIR [options]\n"
		"\n"
		"  -i, --interface IF     interface to serve on\n"
		"  -d, --dir STATE_DIR    where the board keeps its files (one slot per type)\n"
		"      --vendor V         identity reported at connect\n"
		"      --model M\n"
		"      --serial S\n"
		"      --timeout S        the session timer in seconds, 0.001 to 3600 (default 3)\n"
		"      --strict           offer only the 15 base function codes\n"
		"      --no-group         offer every extension but the group download (a\n"
		"                         board of older firmware: no discovery, no group)\n"
		"      --no-overlap       read back only when asked, never while downloading\n"
		"      --window N         frames the board takes ahead, 1 to 65535 (default 1024)\n"
		"      --max-block BYTES  largest data per frame, at most the MTU minus 21\n"
		"                         (default: as the MTU allows)\n"
		"      --max-file BYTES   largest file accepted, 1 to 1T (k, M, G, T: powers of\n"
		"                         1024; default 4G)\n"
		"      --ethertype HEX    EtherType, 0600 to ffff (default 88b5)\n"
		"      --capture FILE     write every frame sent and received to a pcap file\n"
		"      --allow-downgrade  accept a package that is not newer than the active one\n"
		"      --trust PUB.pem    take only packages signed by this Ed25519 key\n"
		"                         (repeatable: any of the keys given, for rollover)\n"
		"      --decrypt-key KEYFILE  AES-128 key (32 hex digits) of encrypted packages\n"
		"      --signed-only TYPE this type takes signed packages only, no plain file\n"
		"                         (config, algorithm, parameter, redundancy; repeatable;\n"
		"                         needs --trust)\n"
		"      --auth-key KEYFILE take only sessions authenticated with the key in\n"
		"                         KEYFILE (64 hex digits); no group download then\n"
		"      --health-cmd CMD   run CMD (sh -c, the new image's path as $1) after an\n"
		"                         activation; exit 0 is healthy, else it is rolled back\n"
		"      --health-timeout S how long the health check may run, 0.1 to 3600\n"
		"                         (default 10)\n"
		"      --once             exit when the first session has ended (after a\n"
		"                         1 s grace that answers a repeated DISCONNECT)\n"
		"  -v, --verbose          log every session event (default: on)\n"
		"  -q, --quiet            log nothing\n"
		"      --version          print the version\n"
		"  -h, --help             this text\n"
		"\n"
		"Fault injection (tests):\n"
		"      --drop P --corrupt P --duplicate P --reorder P   probabilities, 0 to 1\n"
		"      --seed N           seed of the fault generator, 0 to 2^64-1 (default 1)\n"
		"      --impair-on DIR    apply them to frames sent (tx), received (rx) or both\n"
		"      --silent           hear everything, answer nothing\n"
		"      --silent-after N   stop answering after N frames (1 to 2^32-1)\n"
		"      --corrupt-readback flip one byte of what is sent back\n"
		"      --flip-received    flip one byte of what is stored (file CRC error)\n"
		"      --wrong-reply      answer DOWNLOAD with the wrong function code\n"
		"      --skip-readback-seq N  never send READBACK_DATA N (1 to 16777216)\n"
		"      --fail-health      every health check fails (activations roll back)\n"
		"\n"
		"Exit codes: 0 stopped by SIGINT or SIGTERM, or --once done; 1 error; 2 usage.\n");
}

enum {
	O_ALLOW_DOWNGRADE = 200,
	O_HEALTH_CMD,
	O_HEALTH_TIMEOUT,
	O_FAIL_HEALTH,
	O_TRUST,
	O_DECRYPT_KEY,
	O_SIGNED_ONLY,
	O_AUTH_KEY,
	O_VENDOR = 256,
	O_MODEL,
	O_SERIAL,
	O_TIMEOUT,
	O_STRICT,
	O_NO_GROUP,
	O_NO_OVERLAP,
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
	{"no-group", no_argument, NULL, O_NO_GROUP},
	{"no-overlap", no_argument, NULL, O_NO_OVERLAP},
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
	{"allow-downgrade", no_argument, NULL, O_ALLOW_DOWNGRADE},
	{"health-cmd", required_argument, NULL, O_HEALTH_CMD},
	{"health-timeout", required_argument, NULL, O_HEALTH_TIMEOUT},
	{"fail-health", no_argument, NULL, O_FAIL_HEALTH},
	{"trust", required_argument, NULL, O_TRUST},
	{"decrypt-key", required_argument, NULL, O_DECRYPT_KEY},
	{"signed-only", required_argument, NULL, O_SIGNED_ONLY},
	{"auth-key", required_argument, NULL, O_AUTH_KEY},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"version", no_argument, NULL, O_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int prob(const char *opt, const char *arg, double *p)
{
	return opt_real(opt, arg, 0, 1, 0, "probability", p);
}

/* One option; 0 or an exit code. */
static int take(struct board_opts *o, int c, const char *arg, char **argv)
{
	struct sess_board_config *cfg = &o->cfg;
	struct nic_impair *ip = &o->nic.impair;
	uint64_t v;
	int r;

	switch (c) {
	case 'i': o->nic.ifname = arg; return 0;
	case 'd': o->dir = arg; return 0;
	case O_VENDOR: cfg->vendor = arg; return 0;
	case O_MODEL: cfg->model = arg; return 0;
	case O_SERIAL: cfg->serial = arg; return 0;
	case O_TIMEOUT: return opt_real("--timeout", arg, 0.001, 3600, 0, "seconds", &o->timeout);
	case O_STRICT: cfg->strict = 1; return 0;
	case O_NO_GROUP: cfg->no_group = 1; return 0;
	case O_NO_OVERLAP: cfg->no_overlap = 1; return 0;
	case O_WINDOW:
		r = opt_uint("--window", arg, 1, 65535, 0, "frames", &v);
		cfg->window = (unsigned)v;
		return r;
	case O_MAX_BLOCK:
		r = opt_uint("--max-block", arg, 1, FRAME_MAX_DATA, 0, "bytes", &v);
		cfg->max_block = (unsigned)v;
		return r;
	case O_MAX_FILE:
		return opt_uint("--max-file", arg, 1, (uint64_t)1 << 40, 1024, "bytes",
				&cfg->max_file);
	case O_ETHERTYPE:
		r = opt_ethertype("--ethertype", arg, &o->nic.ethertype);
		cfg->ethertype = o->nic.ethertype;
		return r;
	case O_CAPTURE: o->nic.capture = arg; return 0;
	case O_ONCE: o->once = 1; return 0;
	case O_DROP: return prob("--drop", arg, &ip->drop);
	case O_CORRUPT: return prob("--corrupt", arg, &ip->corrupt);
	case O_DUPLICATE: return prob("--duplicate", arg, &ip->duplicate);
	case O_REORDER: return prob("--reorder", arg, &ip->reorder);
	case O_SEED: return opt_uint("--seed", arg, 0, UINT64_MAX, 0, "number", &ip->seed);
	case O_IMPAIR_ON:
		ip->on_tx = !strcmp(arg, "tx") || !strcmp(arg, "both");
		ip->on_rx = !strcmp(arg, "rx") || !strcmp(arg, "both");
		if (!ip->on_tx && !ip->on_rx)
			return usage_error("invalid --impair-on `%s' (tx, rx or both)", arg);
		return 0;
	case O_SILENT: o->nic.fault.mute = 1; return 0;
	case O_SILENT_AFTER:
		r = opt_uint("--silent-after", arg, 1, UINT32_MAX, 0, "frames", &v);
		o->nic.fault.mute_after = (unsigned)v;
		return r;
	case O_CORRUPT_RB: o->store_fault.corrupt_readback = 1; return 0;
	case O_FLIP: o->store_fault.flip_received = 1; return 0;
	case O_WRONG_REPLY:
		o->nic.fault.rewrite_code = FC_DOWNLOAD_ACK;
		o->nic.fault.rewrite_to = FC_READBACK_ACK;
		return 0;
	case O_SKIP_RB:
		r = opt_uint("--skip-readback-seq", arg, 1, SESS_MAX_FRAMES, 0, "sequence", &v);
		o->nic.fault.drop_code = FC_READBACK_DATA;
		o->nic.fault.drop_code_also = FC_OVL_DATA;
		o->nic.fault.drop_seq = (uint32_t)v;
		return r;
	case O_ALLOW_DOWNGRADE: cfg->allow_downgrade = 1; return 0;
	case O_HEALTH_CMD: o->health_cmd = arg; return 0;
	case O_HEALTH_TIMEOUT:
		return opt_real("--health-timeout", arg, 0.1, 3600, 0, "seconds",
				&o->health_timeout);
	case O_FAIL_HEALTH: o->fail_health = 1; return 0;
	case O_TRUST:
		if (o->ntrust == BOARD_MAX_TRUST)
			return usage_error("at most %d --trust keys", BOARD_MAX_TRUST);
		o->trust[o->ntrust++] = arg;
		return 0;
	case O_DECRYPT_KEY: o->decrypt_key = arg; return 0;
	case O_SIGNED_ONLY:
		r = opt_file_type(arg);
		if (!r)
			return usage_error(
				"invalid --signed-only `%s' (config, algorithm, parameter "
				"or redundancy)",
				arg);
		o->signed_only |= 1u << r;
		return 0;
	case O_AUTH_KEY: cfg->auth = &o->auth; return auth_key_load("--auth-key", arg, &o->auth);
	case 'v': o->quiet = 0; return 0;
	case 'q': o->quiet = 1; return 0;
	default: return opt_rejected(c, argv, long_opts);
	}
}

int board_parse(int argc, char **argv, struct board_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	o->cfg.vendor = "ethdl";
	o->cfg.model = "board-emulator";
	o->cfg.serial = "0001";
	o->nic.impair.seed = 1;
	o->nic.impair.on_tx = o->nic.impair.on_rx = 1;
	o->timeout = 3;
	o->health_timeout = 10;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:vqh", long_opts, NULL)) != -1) {
		if (c == O_VERSION)
			return show_version();
		if (c == 'h') {
			show_usage(stdout);
			return 0;
		}
		r = take(o, c, optarg, argv);
		if (r)
			return r;
	}
	if (optind < argc)
		return usage_error("unexpected argument `%s'", argv[optind]);
	if (!o->nic.ifname)
		return usage_error("missing -i IF");
	if (!o->dir)
		return usage_error("missing -d STATE_DIR");
	if (o->signed_only && !o->ntrust)
		return usage_error("--signed-only needs --trust: a board that trusts no key "
				   "cannot check a signature");
	return -1;
}
