/* SPDX-License-Identifier: MIT */
/* ethdl group: one file or package into many boards at once (PROTOCOL.md
 * §8): discover, select, join, send once to a group address, repair,
 * verify, activate; boards without the group extension get a download of
 * their own after the group. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "ethdl.h"
#include "fec.h"
#include "fileio.h"
#include "host_group.h"
#include "pkg_digest.h"
#include "readahead.h"
#include "readback.h"
#include "select_targets.h"

#define MAX_NAMED 65536u

enum {
	O_ALL = 256,
	O_FROM,
	O_GMAC,
	O_RATE,
	O_REPAIR,
	O_ROUNDS,
	O_FULL_RB,
	O_ACTIVATE,
	O_DRY_RUN,
	O_GJSON,
	O_GCAPTURE,
	O_GTIMEOUT,
	O_WINDOW_MS,
	O_GETHERTYPE,
	O_GVERSION,
};

static const struct option longopts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"board", required_argument, NULL, 'b'},
	{"all", no_argument, NULL, O_ALL},
	{"from", required_argument, NULL, O_FROM},
	{"type", required_argument, NULL, 't'},
	{"group-mac", required_argument, NULL, O_GMAC},
	{"rate", required_argument, NULL, O_RATE},
	{"repair", required_argument, NULL, O_REPAIR},
	{"rounds", required_argument, NULL, O_ROUNDS},
	{"full-readback", no_argument, NULL, O_FULL_RB},
	{"activate", required_argument, NULL, O_ACTIVATE},
	{"dry-run", no_argument, NULL, O_DRY_RUN},
	{"json", no_argument, NULL, O_GJSON},
	{"capture", required_argument, NULL, O_GCAPTURE},
	{"timeout", required_argument, NULL, O_GTIMEOUT},
	{"window", required_argument, NULL, O_WINDOW_MS},
	{"ethertype", required_argument, NULL, O_GETHERTYPE},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, O_GVERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"  -i, --interface IF     Ethernet interface of the segment\n"
	"  -b, --board MAC        a board to update (repeatable); one that does not answer\n"
	"                         is a failure (CONNECT_FAILED)\n"
	"      --all              every board that answers discovery\n"
	"      --from FILE        the boards to update, one MAC per line (# comments)\n"
	"  -t, --type TYPE        config (default), algorithm, parameter, redundancy\n"
	"                         (a package names its own)\n"
	"      --group-mac MAC    the group address: a locally administered multicast MAC\n"
	"                         (first byte with bits 0x01 and 0x02), not the discovery\n"
	"                         address 03:65:74:68:64:6c (default: random)\n"
	"      --rate BPS         pace data and repair frames to BPS bits/s, whole frames\n"
	"                         counted, 1k to 100G (k, M, G: powers of 1000; default 50M)\n"
	"      --repair HOW       code: Reed-Solomon parity (default); resend: missed blocks\n"
	"                         again (to the group when two boards or more miss one)\n"
	"      --rounds N         repair rounds before a board is given up, 1 to 100\n"
	"                         (default 8)\n"
	"      --full-readback    after the group, read every board back and compare\n"
	"      --activate WHEN    an update package, once verified: now (default), at:TIME,\n"
	"                         in:DURATION or later (leave it staged)\n"
	"      --dry-run          say which boards would be updated and why each other one\n"
	"                         is skipped; send nothing but discovery (and CONNECT to\n"
	"                         named boards that do not answer it)\n"
	"      --json             one JSON object per board, then a summary object\n"
	"      --capture FILE     write every frame sent and received to a pcap file\n"
	"      --timeout S        the session timer in seconds, 0.001 to 3600 (default 3)\n"
	"      --window MS        discovery: boards answer within MS ms, 10 to 60000\n"
	"                         (default: 2 ms per named board, 50 to 500; 500 with\n"
	"                         --all)\n"
	"      --ethertype HEX    EtherType, 0600 to ffff (default 88b5)\n"
	"  -q, --quiet            no notes on standard error\n"
	"  -v, --verbose          log the exchanges to stderr\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n";

struct gopts {
	const char *ifname, *capture, *from;
	uint16_t ethertype;
	uint8_t (*named)[6];
	size_t nnamed;
	int all, type, type_given, have_gmac, repair, full_readback, dry_run, json, quiet, verbose;
	uint8_t group_mac[6];
	double rate, timeout;
	uint64_t rounds;
	uint32_t window_ms;
	const char *activate;
	int act_mode;
	uint64_t act_at, act_in;
};

/* What becomes of one board. */
struct gout {
	struct sel_board sel;
	struct sess_info cinfo; /* found by CONNECT: what it said */
	const char *path;	/* "group", "unicast", or NULL (not run) */
	struct sess_result res;
	int ran;
	int act_state;
	double secs;
};

static const uint8_t discover_mac[6] = FRAME_DISCOVER_MAC;

/* Verbose lines carry the time since the run began, so an operator sees
 * where a group's time goes. */
static void log_timed(void *ctx, const char *msg)
{
	static uint64_t t0;
	uint64_t now = mono_us();

	(void)ctx;
	if (!t0)
		t0 = now;
	fprintf(stderr, PROG ": %7.3f %s\n", (double)(now - t0) / 1e6, msg);
}

static int add_named(struct gopts *o, const uint8_t mac[6])
{
	if (o->nnamed == MAX_NAMED)
		return usage_error("more than %u boards named", MAX_NAMED);
	if (!o->named) {
		o->named = malloc(MAX_NAMED * sizeof(*o->named));
		if (!o->named)
			return error_line("out of memory");
	}
	memcpy(o->named[o->nnamed++], mac, 6);
	return 0;
}

static int read_from(struct gopts *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned no = 0;
	int r = 0;

	if (!f)
		return usage_error("cannot open --from `%s': %s", path, strerror(errno));
	while (!r && fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		uint8_t mac[6];

		no++;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, "#\r\n");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = 0;
		if (!*s)
			continue;
		if (parse_mac(s, mac) < 0 || (mac[0] & 1) || !memcmp(mac, "\0\0\0\0\0\0", 6))
			r = usage_error("--from `%s' line %u: `%s' is not the MAC of a board", path,
					no, s);
		else
			r = add_named(o, mac);
	}
	if (!r && ferror(f))
		r = error_line("cannot read --from `%s'", path);
	fclose(f);
	return r;
}

static int parse(const struct command *cmd, struct gopts *o, int argc, char **argv, int *args)
{
	uint8_t mac[6];
	uint64_t v;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:b:t:qvh", longopts, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'b':
			r = opt_board_mac("-b", optarg, mac);
			if (!r)
				r = add_named(o, mac);
			break;
		case O_ALL: o->all = 1; break;
		case O_FROM:
			o->from = optarg;
			r = read_from(o, optarg);
			break;
		case 't':
			o->type = opt_file_type(optarg);
			o->type_given = 1;
			if (!o->type)
				r = usage_error("invalid -t `%s' (config, algorithm, parameter, "
						"redundancy)",
						optarg);
			break;
		case O_GMAC:
			if (parse_mac(optarg, o->group_mac) < 0)
				r = usage_error("invalid --group-mac `%s' (aa:bb:cc:dd:ee:ff)",
						optarg);
			else if ((o->group_mac[0] & 3) != 3)
				r = usage_error("--group-mac `%s' is not a locally administered "
						"multicast MAC (its first byte needs bits 0x01 and "
						"0x02, e.g. 03:..)",
						optarg);
			else if (!memcmp(o->group_mac, discover_mac, 6))
				r = usage_error("--group-mac `%s' is the discovery address; choose "
						"another",
						optarg);
			o->have_gmac = 1;
			break;
		case O_RATE:
			r = opt_real("--rate", optarg, 1e3, 1e11, 1000, "bits/s", &o->rate);
			break;
		case O_REPAIR:
			if (!strcmp(optarg, "code"))
				o->repair = SESS_REPAIR_CODE;
			else if (!strcmp(optarg, "resend"))
				o->repair = SESS_REPAIR_RESEND;
			else
				r = usage_error("invalid --repair `%s' (code or resend)", optarg);
			break;
		case O_ROUNDS:
			r = opt_uint("--rounds", optarg, 1, 100, 0, "rounds", &o->rounds);
			break;
		case O_FULL_RB: o->full_readback = 1; break;
		case O_ACTIVATE:
			o->activate = optarg;
			r = opt_activate("--activate", optarg, &o->act_mode, &o->act_at,
					 &o->act_in);
			break;
		case O_DRY_RUN: o->dry_run = 1; break;
		case O_GJSON: o->json = 1; break;
		case O_GCAPTURE: o->capture = optarg; break;
		case O_GTIMEOUT:
			r = opt_real("--timeout", optarg, 0.001, 3600, 0, "seconds", &o->timeout);
			break;
		case O_WINDOW_MS:
			r = opt_uint("--window", optarg, 10, 60000, 0, "milliseconds", &v);
			o->window_ms = (uint32_t)v;
			break;
		case O_GETHERTYPE: r = opt_ethertype("--ethertype", optarg, &o->ethertype); break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case O_GVERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
		if (r)
			return r;
	}
	*args = optind;
	if (!o->ifname)
		return usage_error("missing -i IF (the interface of the segment)");
	if (o->all && o->nnamed)
		return usage_error("--all and -b/--from: choose one way to name the boards");
	if (!o->all && !o->nnamed)
		return usage_error("missing -b MAC, --from FILE or --all (the boards to update)");
	if (optind >= argc)
		return usage_error("missing PACKAGE or FILE to download");
	if (optind + 1 < argc)
		return usage_error("unexpected argument `%s'", argv[optind + 1]);
	return -1;
}

/* ---- the file ---- */

struct gfile {
	const char *path, *name;
	int fd;
	struct ra_file ra; /* fd read ahead: the sessions' source */
	uint64_t size;
	uint32_t crc;
	uint8_t sha256[32];
	int package;
	uint8_t *hdr;
	size_t hdr_len;
	struct pkg_header ph;
};

static int file_sha256(int fd, uint64_t size, uint8_t out[32])
{
	struct pkg_sha256 s;
	static uint8_t buf[1 << 16];
	uint64_t off = 0;
	int r = pkg_sha256_init(&s);

	while (!r && off < size) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);

		r = fio_pread_exact(fd, buf, n, off);
		if (!r)
			r = pkg_sha256_update(&s, buf, n);
		off += n;
	}
	if (!r)
		r = pkg_sha256_final(&s, out);
	pkg_sha256_dispose(&s);
	return r;
}

/* 0, or the exit code after saying why. */
static int open_file(struct gopts *o, struct gfile *f)
{
	struct stat st;
	int r;

	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return error_line("cannot open `%s': %s", f->path, strerror(errno));
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_line("`%s' is not a regular file", f->path);
	r = rb_file_crc(f->fd, &f->size, &f->crc);
	if (r < 0)
		return error_line("cannot read `%s': %s", f->path, strerror(-r));
	if (ra_init(&f->ra, f->fd) < 0)
		return error_line("out of memory");
	r = download_read_package(f->fd, f->path, f->size, &f->hdr, &f->hdr_len, &f->ph);
	if (r > 0)
		return r;
	f->package = r == 0;
	if (!f->package && o->activate)
		return usage_error("--activate is for update packages: `%s' is a plain file (it "
				   "becomes the active one as it is stored)",
				   f->path);
	if (f->package && o->type_given && o->type != f->ph.type)
		return usage_error("`%s' is a package for %s, not -t %s", f->path,
				   proto_type_name(f->ph.type), proto_type_name(o->type));
	if (f->package)
		o->type = f->ph.type;
	if (!f->package)
		o->act_mode = SESS_ACT_NONE;
	if (file_sha256(f->fd, f->size, f->sha256) < 0)
		return error_line("cannot compute the SHA-256 of `%s'", f->path);
	f->name = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
	return 0;
}

/* ---- one board by unicast: the probe, the download, the read-back ---- */

static void unicast_opts(const struct gopts *o, const uint8_t mac[6], struct target_opts *to)
{
	memset(to, 0, sizeof(*to));
	to->ifname = o->ifname;
	memcpy(to->board, mac, 6);
	to->have_board = 1;
	to->type = o->type;
	to->timeout = o->timeout;
	to->ethertype = o->ethertype;
	to->json = o->json;
	to->verbose = o->verbose;
}

/* Run one session of cfg; the signal that stopped it, or 0. */
static int unicast_run(struct nic *nic, struct sess_host_config *cfg, struct sess_host *h,
		       struct sess_result *res)
{
	struct target_stop stop;
	int r, sig;

	r = sess_host_init(h, cfg);
	if (r < 0) {
		memset(res, 0, sizeof(*res));
		res->local = r;
		snprintf(res->text, sizeof(res->text), "cannot start a session: %s", strerror(-r));
		return 0;
	}
	sig = target_run(h, nic, NULL, &stop);
	*res = *sess_host_result(h);
	return sig;
}

/* A named board that did not answer discovery: does it answer CONNECT? */
static int connect_probe(const struct gopts *o, struct nic *nic, struct gout *b,
			 struct sess_host *h)
{
	struct target_opts to;
	struct sess_host_config cfg;
	struct sess_host_stats st;
	struct sess_result res;
	int sig;

	unicast_opts(o, b->sel.mac, &to);
	target_session_config(&to, nic, SESS_INFO, &cfg);
	sig = unicast_run(nic, &cfg, h, &res);
	sess_host_stats(h, &st);
	if (!sig && res.notice != NOTICE_CONNECT_FAILED && st.board &&
	    (st.board->vendor[0] || st.board->caps)) {
		const struct sess_info *in = sess_host_info(h);

		if (in->vendor[0])
			b->cinfo = *in;
		snprintf(b->cinfo.vendor, sizeof(b->cinfo.vendor), "%s", st.board->vendor);
		snprintf(b->cinfo.model, sizeof(b->cinfo.model), "%s", st.board->model);
		snprintf(b->cinfo.serial, sizeof(b->cinfo.serial), "%s", st.board->serial);
		b->cinfo.caps = st.board->caps;
		b->sel.answered = 1;
		b->sel.by_connect = !(st.board->caps & CAP_GROUP);
		b->sel.info = &b->cinfo;
	} else if (!sig && res.notice != NOTICE_CONNECT_FAILED) {
		/* it answered, but not with its identity (busy, …) */
		b->res = res;
		b->ran = 1;
	}
	sess_host_dispose(h);
	return sig;
}

static int unicast_download(const struct gopts *o, struct nic *nic, const struct gfile *f,
			    struct gout *b, struct sess_host *h, struct rb_compare *cmp)
{
	struct target_opts to;
	struct sess_host_config cfg;
	struct sess_source src = {ra_read, (void *)&f->ra};
	struct sess_sink sink;
	uint64_t t0 = mono_us();
	int sig;

	rb_compare_init(cmp, f->fd, f->size);
	sink = rb_compare_sink(cmp);
	unicast_opts(o, b->sel.mac, &to);
	target_session_config(&to, nic, SESS_DOWNLOAD, &cfg);
	cfg.readback = 1;
	cfg.name = f->name;
	cfg.size = f->size;
	cfg.crc = f->crc;
	cfg.src = &src;
	cfg.sink = &sink;
	cfg.rate_bps = (uint64_t)o->rate;
	cfg.pkg_hdr = f->hdr;
	cfg.pkg_hdr_len = f->hdr_len;
	cfg.activate = o->act_mode;
	cfg.act_at_us = o->act_at;
	cfg.act_in_us = o->act_in;
	cfg.wall_offset_us = wall_offset_us();
	sig = unicast_run(nic, &cfg, h, &b->res);
	b->act_state = sess_host_activation(h)->state;
	b->secs = (double)(mono_us() - t0) / 1e6;
	b->path = "unicast";
	b->ran = 1;
	sess_host_dispose(h);
	return sig;
}

static int full_readback(const struct gopts *o, struct nic *nic, const struct gfile *f,
			 struct gout *b, struct sess_host *h, struct rb_compare *cmp)
{
	struct target_opts to;
	struct sess_host_config cfg;
	struct sess_sink sink;
	struct sess_result res;
	int sig;

	rb_compare_init(cmp, f->fd, f->size);
	sink = rb_compare_sink(cmp);
	unicast_opts(o, b->sel.mac, &to);
	target_session_config(&to, nic, SESS_READBACK, &cfg);
	cfg.sink = &sink;
	cfg.role = f->package && b->act_state != ACT_ACTIVATED ? ROLE_STAGED : ROLE_ACTIVE;
	sig = unicast_run(nic, &cfg, h, &res);
	sess_host_dispose(h);
	if (!sig && sess_exit_code(&res))
		b->res = res;
	return sig;
}

/* ---- the group ---- */

static int group_run(const struct gopts *o, struct nic *nic, const struct gfile *f,
		     struct gout *out, size_t n, struct sess_group *g, struct sess_group_stats *gst,
		     double *secs)
{
	struct sess_group_config c = {0};
	struct sess_source src = {ra_read, (void *)&f->ra};
	uint8_t(*macs)[6];
	unsigned nb = 0, k = 0;
	uint64_t t0 = mono_us(), now;
	int sig = 0, r;

	for (size_t i = 0; i < n; i++)
		nb += out[i].sel.cls == SEL_GROUP;
	if (!nb)
		return 0;
	macs = malloc(nb * sizeof(*macs));
	if (!macs)
		return error_line("out of memory"), 0;
	for (size_t i = 0; i < n; i++)
		if (out[i].sel.cls == SEL_GROUP)
			memcpy(macs[k++], out[i].sel.mac, 6);
	c.nic = nic;
	c.ethertype = o->ethertype;
	c.boards = (const uint8_t(*)[6])macs;
	c.nboards = nb;
	memcpy(c.group_mac, o->group_mac, 6);
	c.session_id = target_session_id();
	c.type = o->type;
	c.name = f->name;
	c.size = f->size;
	c.crc = f->crc;
	memcpy(c.sha256, f->sha256, 32);
	c.src = &src;
	c.pkg_hdr = f->hdr;
	c.pkg_hdr_len = f->hdr_len;
	c.rate_bps = (uint64_t)o->rate;
	c.repair = o->repair;
	c.rounds = (unsigned)o->rounds;
	c.timeout_us = (uint64_t)(o->timeout * 1e6);
	c.activate = o->act_mode;
	c.act_at_us = o->act_at;
	c.act_in_us = o->act_in;
	c.wall_offset_us = wall_offset_us();
	c.log = o->verbose ? log_timed : NULL;
	r = sess_group_init(g, &c);
	if (r < 0) {
		free(macs);
		if (r == -EMSGSIZE)
			error_line(
				"the header of `%s' does not fit one GROUP_JOIN at MTU %u of %s: "
				"nothing was sent",
				f->path, nic->mtu, nic->name);
		else
			error_line("cannot start the group: %s", strerror(-r));
		return -1;
	}
	sess_group_start(g, mono_us());
	while (!sess_group_done(g)) {
		const uint8_t *buf;
		size_t len;

		wait_input(nic, sess_group_next_deadline(g));
		now = mono_us();
		sig = caught_signal();
		if (sig) {
			char why[64];

			snprintf(why, sizeof(why), "interrupted by %s", signal_name(sig));
			sess_group_abort(g, -EINTR, why, now);
			break;
		}
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			sess_group_input(g, buf, len, now);
		if (r < 0) {
			char why[96];

			snprintf(why, sizeof(why), "receive failed on %s: %s", nic->name,
				 nic_strerror(r));
			sess_group_abort(g, -EIO, why, now);
			break;
		}
		sess_group_poll(g, now);
	}
	*secs = (double)(mono_us() - t0) / 1e6;
	sess_group_stats(g, gst);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i].sel.cls != SEL_GROUP)
			continue;
		sess_group_result(g, k, &out[i].res);
		out[i].act_state = sess_group_act_state(g, k);
		out[i].path = "group";
		out[i].ran = 1;
		out[i].secs = *secs;
		k++;
	}
	sess_group_dispose(g);
	free(macs);
	return sig;
}

/* ---- the report ---- */

static int board_exit(const struct gout *b)
{
	if (b->sel.cls == SEL_SKIP)
		return 0;
	if (b->sel.cls == SEL_FAIL && !b->ran)
		return 10 + NOTICE_CONNECT_FAILED;
	if (!b->ran)
		return 1; /* a target left out by an interrupt */
	if (b->res.local == -EINTR && !b->res.notice)
		return 1;
	return sess_exit_code(&b->res);
}

static const char *board_result(const struct gout *b)
{
	int code = board_exit(b);

	if (b->sel.cls == SEL_SKIP)
		return "skipped";
	if (b->sel.cls == SEL_FAIL && !b->ran)
		return frame_notice_name(NOTICE_CONNECT_FAILED);
	if (!b->ran)
		return "not run";
	if (b->res.local == -EINTR && !b->res.notice)
		return "interrupted";
	if (b->res.notice)
		return frame_notice_name(b->res.notice);
	if (code == 17)
		return "refused";
	if (b->res.rolled_back)
		return "rolled back";
	return code ? "error" : "ok";
}

static void board_detail(const struct gopts *o, const struct gfile *f, const struct gout *b,
			 char *out, size_t cap)
{
	if (b->sel.cls == SEL_SKIP) {
		snprintf(out, cap, "%s", sel_reason_name(b->sel.reason));
		return;
	}
	if (b->sel.cls == SEL_FAIL && !b->ran) {
		snprintf(out, cap, "named, but answered neither discovery nor CONNECT");
		return;
	}
	if (!b->ran) {
		snprintf(out, cap, "not run (interrupted before its turn)");
		return;
	}
	if (*b->res.text) {
		snprintf(out, cap, "%s", b->res.text);
		return;
	}
	snprintf(out, cap, "%s: %llu bytes in %.3f s, %s%s%s", b->path, (unsigned long long)f->size,
		 b->secs,
		 o->full_readback && !strcmp(b->path, "group") ? "read back and identical"
		 : !strcmp(b->path, "group")		       ? "SHA-256 and CRC verified"
							       : "read back and identical",
		 f->package ? ", " : "",
		 !f->package			 ? ""
		 : b->act_state == ACT_ACTIVATED ? "activated"
		 : b->act_state == ACT_SCHEDULED ? "activation scheduled"
						 : "staged");
}

static void report_board(const struct gopts *o, const struct gfile *f, const struct gout *b)
{
	char mac[18], detail[320];

	format_mac(b->sel.mac, mac);
	board_detail(o, f, b, detail, sizeof(detail));
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "board", json_string(mac));
		json_object_set_new(j, "file", json_string(f->path));
		json_object_set_new(j, "type", json_string(proto_type_name(o->type)));
		json_object_set_new(j, "result", json_string(board_result(b)));
		if (b->sel.cls == SEL_SKIP)
			json_object_set_new(j, "reason",
					    json_string(sel_reason_name(b->sel.reason)));
		json_object_set_new(j, "notice",
				    json_integer(b->sel.cls == SEL_FAIL && !b->ran
							 ? NOTICE_CONNECT_FAILED
							 : b->res.notice));
		json_object_set_new(j, "exit", json_integer(board_exit(b)));
		json_object_set_new(j, "detail", json_string(detail));
		/* bytes stored and proven: the file's on success, else none */
		json_object_set_new(j, "bytes",
				    json_integer(b->ran && !board_exit(b) ? (json_int_t)f->size : 0));
		json_object_set_new(j, "seconds", json_secs(b->secs));
		json_object_set_new(j, "path", b->path ? json_string(b->path) : json_null());
		json_object_set_new(j, "package", json_boolean(f->package));
		if (f->package && b->ran && (!board_exit(b) || b->act_state))
			json_object_set_new(
				j, "activation",
				json_string(b->act_state == ACT_ACTIVATED     ? "activated"
					    : b->act_state == ACT_SCHEDULED   ? "scheduled"
					    : b->act_state == ACT_ROLLED_BACK ? "rolled back"
									      : "staged"));
		json_print(stdout, j);
		return;
	}
	printf("%-17s  %-18s %s\n", mac, board_result(b), detail);
}

static void dry_run_report(const struct gopts *o, const struct gout *b)
{
	char mac[18];
	const char *what;
	const char *why = sel_reason_name(b->sel.reason);

	format_mac(b->sel.mac, mac);
	switch (b->sel.cls) {
	case SEL_GROUP: what = "would update"; break;
	case SEL_UNICAST: what = "would update"; break;
	case SEL_SKIP: what = "skipped"; break;
	default: what = b->ran ? board_result(b) : frame_notice_name(NOTICE_CONNECT_FAILED);
	}
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "board", json_string(mac));
		json_object_set_new(j, "result", json_string(what));
		json_object_set_new(j, "path",
				    b->sel.cls == SEL_GROUP	? json_string("group")
				    : b->sel.cls == SEL_UNICAST ? json_string("unicast")
								: json_null());
		if (b->sel.cls != SEL_GROUP)
			json_object_set_new(j, "reason", json_string(b->ran ? b->res.text : why));
		json_object_set_new(j, "dry_run", json_true());
		json_print(stdout, j);
		return;
	}
	if (b->sel.cls == SEL_GROUP)
		printf("%-17s  would update (group)\n", mac);
	else if (b->sel.cls == SEL_UNICAST)
		printf("%-17s  would update (unicast: %s)\n", mac, why);
	else
		printf("%-17s  %s: %s\n", mac, what, b->ran ? b->res.text : why);
}

int cmd_group(const struct command *cmd, int argc, char **argv)
{
	struct gopts o = {
		.type = FT_CONFIG, .timeout = 3, .act_mode = SESS_ACT_NOW, .rate = SESS_GROUP_RATE};
	struct gfile f = {.fd = -1};
	struct nic_setup ns = {0};
	struct nic *nic = NULL;
	struct sess_disc_config dc = {0};
	struct sess_disc d = {0};
	const struct sess_disc_board *found = NULL;
	struct sel_board *sel = NULL;
	struct gout *out = NULL;
	struct sess_host *h = NULL;
	struct sess_group *g = NULL;
	struct rb_compare *cmp = NULL;
	struct sess_group_stats gst = {0};
	struct sel_file sf;
	size_t nfound = 0, n = 0, probes = 0, cap;
	double gsecs = 0;
	uint64_t t0 = mono_us();
	int ret, args = 0, sig = 0;
	unsigned nok = 0, nfail = 0, nskip = 0;

	ret = parse(cmd, &o, argc, argv, &args);
	if (ret >= 0)
		goto out;
	f.path = argv[args];
	ret = open_file(&o, &f);
	if (ret)
		goto out;
	ret = 1;
	if (!o.have_gmac) {
		uint32_t r1 = target_session_id(), r2 = target_session_id();

		o.group_mac[0] = 0x03;
		memcpy(o.group_mac + 1, &r1, 4);
		o.group_mac[5] = (uint8_t)r2;
		if (!memcmp(o.group_mac, discover_mac, 6))
			o.group_mac[5] ^= 1;
	}
	ns.ifname = o.ifname;
	ns.ethertype = o.ethertype;
	ns.capture = o.capture;
	nic = open_nic(PROG, &ns);
	if (!nic)
		goto out;
	h = calloc(1, sizeof(*h));
	g = calloc(1, sizeof(*g));
	cmp = malloc(sizeof(*cmp));
	if (!h || !g || !cmp) {
		error_line("out of memory");
		goto out;
	}

	/* 1. who is there */
	dc.nic = nic;
	dc.ethertype = o.ethertype;
	dc.probe_id = target_session_id();
	dc.window_ms = o.window_ms;
	/* Named boards: a window that spreads their answers (2 ms each, far
	 * more than an answer takes on the wire) rather than the one for a
	 * segment of unknown size; discovery ends when they have all answered. */
	if (!o.window_ms && o.nnamed)
		dc.window_ms = o.nnamed * 2 < 50    ? 50
			       : o.nnamed * 2 > 500 ? 500
						    : (uint32_t)o.nnamed * 2;
	if (f.package) {
		dc.vendor = f.ph.vendor;
		dc.model = f.ph.model;
	}
	dc.log = o.verbose ? log_timed : NULL;
	dc.want = (const uint8_t(*)[6])o.named;
	dc.nwant = o.nnamed;
	if (sess_disc_init(&d, &dc) < 0) {
		error_line("cannot start discovery");
		goto out;
	}
	sig = discover_run(nic, &d);
	if (sig < 0)
		goto out;
	if (sig)
		goto interrupted;
	found = sess_disc_boards(&d, &nfound);
	if (!o.quiet)
		fprintf(stderr, PROG ": %zu board%s answered discovery%s%s%s\n", nfound,
			nfound == 1 ? "" : "s", f.package ? " as " : "",
			f.package ? f.ph.vendor : "", f.package ? " boards" : "");

	/* 2. the boards asked for, and what each said */
	cap = o.all ? nfound : o.nnamed;
	sel = calloc(cap + 1, sizeof(*sel));
	out = calloc(cap + 1, sizeof(*out));
	if (!sel || !out) {
		error_line("out of memory");
		goto out;
	}
	n = sel_merge(found, nfound, (const uint8_t(*)[6])o.named, o.nnamed, o.all, sel, cap);
	for (size_t i = 0; i < n; i++) {
		out[i].sel = sel[i];
		if (!out[i].sel.answered)
			probes++;
	}
	if (probes && !o.quiet)
		fprintf(stderr,
			PROG ": %zu named board%s did not answer discovery: trying CONNECT\n",
			probes, probes == 1 ? "" : "s");
	for (size_t i = 0; i < n && !sig; i++)
		if (!out[i].sel.answered)
			sig = connect_probe(&o, nic, &out[i], h);
	if (sig)
		goto interrupted;
	sf.h = f.package ? &f.ph : NULL;
	sf.hdr = f.hdr;
	sf.type = o.type;
	for (size_t i = 0; i < n; i++)
		if (!out[i].ran)
			sel_classify(&out[i].sel, &sf);
		else
			out[i].sel.cls = SEL_FAIL;

	if (o.dry_run) {
		for (size_t i = 0; i < n; i++)
			dry_run_report(&o, &out[i]);
		if (!n && !o.quiet)
			fprintf(stderr, PROG ": no boards to consider\n");
		if (!o.quiet)
			fprintf(stderr, PROG ": dry run: nothing was sent but discovery%s\n",
				probes ? " and CONNECT to the named boards that did not answer it"
				       : "");
		fflush(stdout);
		ret = 0;
		goto out;
	}

	if (!n && !o.quiet)
		fprintf(stderr, PROG ": no boards to update\n");
	/* 3. the group, then each board by itself */
	sig = group_run(&o, nic, &f, out, n, g, &gst, &gsecs);
	if (sig < 0)
		goto out;
	for (size_t i = 0; i < n && !sig && o.full_readback; i++)
		if (out[i].sel.cls == SEL_GROUP && !board_exit(&out[i]))
			sig = full_readback(&o, nic, &f, &out[i], h, cmp);
	for (size_t i = 0; i < n && !sig; i++)
		if (out[i].sel.cls == SEL_UNICAST)
			sig = unicast_download(&o, nic, &f, &out[i], h, cmp);

interrupted:
	ret = 0;
	for (size_t i = 0; i < n; i++) {
		int code = board_exit(&out[i]);

		report_board(&o, &f, &out[i]);
		if (out[i].sel.cls == SEL_SKIP)
			nskip++;
		else if (code)
			nfail++;
		else
			nok++;
		if (code && !ret)
			ret = code;
	}
	if (sig)
		ret = exit_for_signal(sig);
	if (o.json) {
		json_t *j = json_object();

		json_object_set_new(j, "summary", json_true());
		json_object_set_new(j, "file", json_string(f.path));
		json_object_set_new(j, "boards", json_integer((json_int_t)n));
		json_object_set_new(j, "ok", json_integer(nok));
		json_object_set_new(j, "failed", json_integer(nfail));
		json_object_set_new(j, "skipped", json_integer(nskip));
		json_object_set_new(
			j, "repair",
			json_string(o.repair == SESS_REPAIR_RESEND ? "resend" : "code"));
		json_object_set_new(j, "rate", json_integer((json_int_t)o.rate));
		json_object_set_new(j, "bytes", json_integer((json_int_t)f.size));
		json_object_set_new(j, "block", json_integer(gst.block));
		json_object_set_new(j, "generation", json_integer(gst.k));
		json_object_set_new(j, "blocks", json_integer(gst.blocks));
		json_object_set_new(j, "data_frames", json_integer((json_int_t)gst.data_frames));
		json_object_set_new(
			j, "parity_frames",
			json_integer((json_int_t)(gst.parity_group + gst.parity_unicast)));
		json_object_set_new(
			j, "unicast_frames",
			json_integer((json_int_t)(gst.parity_unicast + gst.resent_unicast)));
		json_object_set_new(
			j, "resent_frames",
			json_integer((json_int_t)(gst.resent_group + gst.resent_unicast)));
		json_object_set_new(j, "rounds", json_integer(gst.rounds));
		json_object_set_new(j, "group_seconds", json_secs(gsecs));
		json_object_set_new(j, "status_seconds", json_secs((double)gst.status_us / 1e6));
		json_object_set_new(j, "seconds", json_secs((double)(mono_us() - t0) / 1e6));
		json_object_set_new(
			j, "state_bytes_per_board",
			json_integer(
				(json_int_t)(gst.state_per_board
						     ? gst.state_per_board
						     : sess_group_state_per_board(
							       f.size,
							       sess_group_block_for_mtu(nic->mtu),
							       FEC_K))));
		json_object_set_new(j, "exit", json_integer(ret));
		json_print(stdout, j);
	} else {
		printf(PROG
		       ": group: %zu boards: %u ok, %u failed, %u skipped; %u blocks, "
		       "%llu data + %llu parity frames (%llu unicast), %llu resent, %u rounds in "
		       "%.3f s\n",
		       n, nok, nfail, nskip, gst.blocks, (unsigned long long)gst.data_frames,
		       (unsigned long long)(gst.parity_group + gst.parity_unicast),
		       (unsigned long long)(gst.parity_unicast + gst.resent_unicast),
		       (unsigned long long)(gst.resent_group + gst.resent_unicast), gst.rounds,
		       gsecs);
		fflush(stdout);
	}
out:
	sess_disc_dispose(&d);
	free(sel);
	free(out);
	free(h);
	free(g);
	free(cmp);
	free(f.hdr);
	free(o.named);
	nic_close(nic);
	ra_dispose(&f.ra);
	if (f.fd >= 0)
		close(f.fd);
	return ret;
}
