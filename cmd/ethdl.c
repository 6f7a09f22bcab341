/* SPDX-License-Identifier: MIT */
/* ethdl — the host: download files into boards, read them back, prove them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "fileio.h"
#include "frame.h"
#include "readback.h"
#include "session.h"

#define PROG "ethdl"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " <command> [options]\n"
		   "\n"
		   "Commands:\n"
		   "  list                                   interfaces: name, MAC, MTU, state\n"
		   "  download -i IF -b MAC [-t TYPE] [--no-readback] FILE\n"
		   "                                         download FILE, read it back, compare\n"
		   "  readback -i IF -b MAC [-t TYPE] -o OUT read a board's file into OUT\n"
		   "\n"
		   "Options:\n"
		   "  -i, --interface IF     Ethernet interface the board is on\n"
		   "  -b, --board MAC        the board's MAC address\n"
		   "  -t, --type TYPE        config (default), algorithm, parameter, redundancy\n"
		   "  -o, --output OUT       readback: where to save the board's file\n"
		   "      --no-readback      download only: skip read-back and compare\n"
		   "      --timeout S        the session timer in seconds (default 3)\n"
		   "      --retries N        run a failed session again up to N times (default 0)\n"
		   "      --strict           use only the 15 base function codes (no window)\n"
		   "      --block BYTES      data bytes per frame (default: as the MTU allows)\n"
		   "      --window N         frames in flight (default 1024)\n"
		   "      --rate BPS         pace data frames to BPS bits/s (k, M, G suffixes)\n"
		   "      --ethertype HEX    EtherType (default 88b5)\n"
		   "      --json             one JSON object per line instead of prose\n"
		   "      --capture FILE     write every frame sent and received to a pcap file\n"
		   "  -v, --verbose          log the exchange to stderr\n"
		   "      --version          print the version\n"
		   "  -h, --help             this text\n"
		   "\n"
		   "Exit codes: 0 ok, 1 other error, 2 usage, 11 connect failed, 12 frame CRC,\n"
		   "13 file CRC, 14 timeout, 15 read-back mismatch, 16 wrong command.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return EXIT_USAGE;
}

struct opts {
	const char *ifname;
	uint8_t board[6];
	int have_board;
	int type;
	const char *output;
	int readback;
	double timeout;
	long retries;
	int strict;
	unsigned block, window;
	double rate;
	uint16_t ethertype;
	int json;
	const char *capture;
	int verbose;
	const char *file;
};

static int parse_type(const char *s)
{
	for (int t = 1; t < FT_COUNT; t++)
		if (strcmp(s, proto_type_name(t)) == 0)
			return t;
	return 0;
}

enum {
	O_NO_READBACK = 256,
	O_TIMEOUT,
	O_RETRIES,
	O_STRICT,
	O_BLOCK,
	O_WINDOW,
	O_RATE,
	O_ETHERTYPE,
	O_JSON,
	O_CAPTURE,
	O_VERSION,
};

static const struct option long_opts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"board", required_argument, NULL, 'b'},
	{"type", required_argument, NULL, 't'},
	{"output", required_argument, NULL, 'o'},
	{"no-readback", no_argument, NULL, O_NO_READBACK},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"retries", required_argument, NULL, O_RETRIES},
	{"strict", no_argument, NULL, O_STRICT},
	{"block", required_argument, NULL, O_BLOCK},
	{"window", required_argument, NULL, O_WINDOW},
	{"rate", required_argument, NULL, O_RATE},
	{"ethertype", required_argument, NULL, O_ETHERTYPE},
	{"json", no_argument, NULL, O_JSON},
	{"capture", required_argument, NULL, O_CAPTURE},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, O_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Returns -1 to go on, else an exit code. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;
	char *end;
	double v;

	memset(o, 0, sizeof(*o));
	o->type = FT_CONFIG;
	o->readback = 1;
	o->timeout = 3;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:b:t:o:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'b':
			if (parse_mac(optarg, o->board) < 0)
				return usage_error("invalid MAC address `%s'", optarg);
			if (o->board[0] & 1)
				return usage_error("`%s' is a group address: -b takes one board's "
						   "own (unicast) MAC",
						   optarg);
			if (!memcmp(o->board, "\0\0\0\0\0\0", 6))
				return usage_error("`%s' is not a board's MAC", optarg);
			o->have_board = 1;
			break;
		case 't':
			o->type = parse_type(optarg);
			if (!o->type)
				return usage_error("invalid file type `%s' (config, algorithm, "
						   "parameter, redundancy)",
						   optarg);
			break;
		case 'o': o->output = optarg; break;
		case O_NO_READBACK: o->readback = 0; break;
		case O_TIMEOUT:
			if (parse_num(optarg, &o->timeout) < 0 || o->timeout <= 0 ||
			    o->timeout > 3600)
				return usage_error("invalid timeout `%s'", optarg);
			break;
		case O_RETRIES:
			errno = 0;
			o->retries = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->retries < 0 || o->retries > 1000)
				return usage_error("invalid retry count `%s'", optarg);
			break;
		case O_STRICT: o->strict = 1; break;
		case O_BLOCK:
			if (parse_num(optarg, &v) < 0 || v < 1 || v > FRAME_MAX_DATA)
				return usage_error("invalid block size `%s'", optarg);
			o->block = (unsigned)v;
			break;
		case O_WINDOW:
			if (parse_num(optarg, &v) < 0 || v < 1 || v > 65535)
				return usage_error("invalid window `%s' (1..65535)", optarg);
			o->window = (unsigned)v;
			break;
		case O_RATE:
			if (parse_num(optarg, &o->rate) < 0 || o->rate < 1000)
				return usage_error("invalid rate `%s' (bits/s, at least 1k)",
						   optarg);
			break;
		case O_ETHERTYPE:
			if (parse_ethertype(optarg, &o->ethertype) < 0)
				return usage_error("invalid EtherType `%s' (hex, 0600..ffff)",
						   optarg);
			break;
		case O_JSON: o->json = 1; break;
		case O_CAPTURE: o->capture = optarg; break;
		case 'v': o->verbose = 1; break;
		case O_VERSION: printf(PROG " %s\n", ETHDL_VERSION); return 0;
		case 'h': show_usage(stdout); return 0;
		case ':': return usage_error("option `%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option `%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument `%s'", argv[optind]);
	return -1;
}

static void log_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, PROG ": %s\n", msg);
}

/* The file being downloaded, read ahead 1 MiB at a time: data frames ask for
 * it block by block, mostly in order. */
#define READAHEAD (1u << 20)

struct file_src {
	int fd;
	uint8_t *buf;
	uint64_t buf_off;
	size_t buf_len;
};

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct file_src *s = ctx;
	size_t got;
	int r;

	if (off < s->buf_off || off + len > s->buf_off + s->buf_len) {
		if (len > READAHEAD)
			return fio_pread_exact(s->fd, buf, len, off);
		r = fio_pread(s->fd, s->buf, READAHEAD, off, &got);
		if (r < 0)
			return r;
		s->buf_off = off;
		s->buf_len = got;
		if (got < len)
			return -EIO; /* the file shrank under us */
	}
	memcpy(buf, s->buf + (off - s->buf_off), len);
	return 0;
}

static void progress(const struct sess_host *h, uint64_t now, int final)
{
	struct sess_host_stats st;
	double secs, rate;

	sess_host_stats(h, &st);
	secs = (double)(now - st.phase_start) / 1e6;
	rate = secs > 0 ? (double)st.done / secs : 0;
	fprintf(stderr, "\r%-9s %12llu / %llu bytes  %7.2f MB/s  ETA %5.1f s ",
		st.phase == SESS_PH_READBACK || (final && st.rb_size) ? "read-back" : "download",
		(unsigned long long)st.done, (unsigned long long)st.total, rate / 1e6,
		rate > 0 && st.total > st.done ? (double)(st.total - st.done) / rate : 0.0);
	if (final)
		fputc('\n', stderr);
}

/* Run one session to its end. */
static void run_session(struct sess_host *h, struct nic *nic, int show_progress)
{
	uint64_t now = mono_us(), last_progress = now;
	struct sess_host_stats st;
	int shown = 0;

	sess_host_start(h, now);
	while (!sess_host_done(h)) {
		const uint8_t *buf;
		size_t len;
		int r;

		wait_input(nic, sess_host_next_deadline(h));
		now = mono_us();
		if (interrupted) {
			sess_host_abort(h, -EINTR, "interrupted", now);
			break;
		}
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
		if (show_progress && now - last_progress > 200000 &&
		    (st.phase == SESS_PH_DOWNLOAD || st.phase == SESS_PH_READBACK)) {
			progress(h, now, 0);
			last_progress = now;
			shown = 1;
		}
	}
	if (shown)
		fputc('\n', stderr);
}

static uint32_t random_session(void)
{
	uint32_t id = 0;

	while (!id)
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint32_t)mono_us();
	return id;
}

static void report(const struct opts *o, const struct sess_host *h, const char *file,
		   uint64_t bytes, uint32_t frames, uint32_t crc, int readback, const char *what,
		   double secs, int attempts)
{
	const struct sess_result *r = sess_host_result(h);
	struct sess_host_stats st;
	char mac[18];
	const char *result = r->notice ? frame_notice_name(r->notice) : r->local ? "error" : "ok";

	sess_host_stats(h, &st);
	format_mac(o->board, mac);
	if (o->json) {
		json_t *j = json_object();
		char *s;

		json_object_set_new(j, "board", json_string(mac));
		json_object_set_new(j, "file", json_string(file));
		json_object_set_new(j, "type", json_string(proto_type_name(o->type)));
		json_object_set_new(j, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(j, "frames", json_integer((json_int_t)frames));
		json_object_set_new(j, "crc", json_sprintf("%08x", crc));
		json_object_set_new(j, "seconds", json_real(secs));
		json_object_set_new(j, "result", json_string(result));
		json_object_set_new(j, "notice", json_integer(r->notice));
		json_object_set_new(j, "exit", json_integer(sess_exit_code(r)));
		json_object_set_new(j, "detail", json_string(r->text));
		if (r->notice == NOTICE_READBACK_MISMATCH) {
			json_object_set_new(j, "offset", json_integer((json_int_t)r->offset));
			json_object_set_new(j, "differing", json_integer((json_int_t)r->ndiff));
		}
		json_object_set_new(j, "readback",
				    json_boolean(readback));
		json_object_set_new(j, "data_frames_sent",
				    json_integer((json_int_t)st.data_frames_sent));
		json_object_set_new(j, "attempts", json_integer(attempts));
		json_object_set_new(j, "resumed_frames", json_integer((json_int_t)st.resumed));
		json_object_set_new(j, "exchange",
				    json_string(st.windowed ? "windowed" : "strict"));
		s = json_dumps(j, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
		json_decref(j);
		fflush(stdout);
		return;
	}
	if (!r->notice && !r->local) {
		printf("%s: %s -> %s %s: %llu bytes in %.3f s (%.2f MB/s), %s\n", PROG, file, mac,
		       proto_type_name(o->type), (unsigned long long)bytes, secs,
		       secs > 0 ? (double)bytes / secs / 1e6 : 0.0,
		       what);
		return;
	}
	fprintf(stderr, "%s: %s: %s%s%s\n", PROG, file,
		r->notice ? frame_notice_name(r->notice) : "error", *r->text ? ": " : "", r->text);
}

/* The session settings every command takes from the options. */
static void host_config(const struct opts *o, struct nic *nic, int job,
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
	cfg->session_id = random_session();
	cfg->log = o->verbose ? log_stderr : NULL;
}

/* A session that ended for lack of an answer is worth running again: the
 * next one resumes where the board stopped. */
static int retry(const struct opts *o, const struct sess_host *h, int attempt)
{
	int n = sess_host_result(h)->notice;

	if (!sess_exit_code(sess_host_result(h)) || attempt > o->retries || interrupted ||
	    (n != NOTICE_TIMEOUT && n != NOTICE_CONNECT_FAILED && n != NOTICE_FRAME_CRC))
		return 0;
	fprintf(stderr, PROG ": %s, trying again (%d of %ld)\n", frame_notice_name(n), attempt,
		o->retries);
	return 1;
}

static int open_board_nic(const struct opts *o, struct nic **nic)
{
	struct nic_setup ns = {
		.ifname = o->ifname, .ethertype = o->ethertype, .capture = o->capture};

	*nic = open_nic(PROG, &ns);
	return *nic ? 0 : 1;
}

static int need_target(const struct opts *o)
{
	if (!o->ifname)
		return usage_error("%s", "missing -i IF (the interface the board is on)");
	if (!o->have_board)
		return usage_error("%s", "missing -b MAC (the board)");
	return -1;
}

/* The options of a command that talks to one board. -1 to go on, else an exit code. */
static int parse_target_opts(int argc, char **argv, struct opts *o)
{
	int ret = parse_opts(argc, argv, o);

	return ret >= 0 ? ret : need_target(o);
}

static int cmd_download(int argc, char **argv)
{
	struct opts o;
	struct file_src src = {.fd = -1, .buf = NULL};
	struct sess_source source = {.read = src_read, .ctx = &src};
	struct rb_compare *cmp = NULL;
	struct sess_sink sink;
	struct sess_host h;
	struct sess_host_config cfg;
	struct sess_host_stats hs;
	struct nic *nic = NULL;
	struct stat st;
	uint64_t size;
	uint32_t crc;
	int ret, attempt = 0;
	double secs = 0;

	ret = parse_target_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (!o.file)
		return usage_error("%s", "missing FILE to download");
	ret = 1;
	src.fd = open(o.file, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0) {
		fprintf(stderr, PROG ": cannot open `%s': %s\n", o.file, strerror(errno));
		return 1;
	}
	if (fstat(src.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, PROG ": `%s' is not a regular file\n", o.file);
		goto out;
	}
	if (rb_file_crc(src.fd, &size, &crc) < 0) {
		fprintf(stderr, PROG ": cannot read `%s': %s\n", o.file, strerror(errno));
		goto out;
	}
	if (open_board_nic(&o, &nic))
		goto out;
	cmp = malloc(sizeof(*cmp));
	src.buf = malloc(READAHEAD);
	if (!cmp || !src.buf)
		goto out;
	do {
		uint64_t t0 = mono_us();

		rb_compare_init(cmp, src.fd, size);
		sink = rb_compare_sink(cmp);
		host_config(&o, nic, SESS_DOWNLOAD, &cfg);
		cfg.readback = o.readback;
		cfg.name = strrchr(o.file, '/') ? strrchr(o.file, '/') + 1 : o.file;
		cfg.size = size;
		cfg.crc = crc;
		cfg.src = &source;
		cfg.sink = &sink;
		cfg.rate_bps = (uint64_t)o.rate;
		if (sess_host_init(&h, &cfg) < 0)
			goto out;
		run_session(&h, nic, !o.json && isatty(STDERR_FILENO));
		secs = (double)(mono_us() - t0) / 1e6;
		ret = sess_exit_code(sess_host_result(&h));
		if (!retry(&o, &h, ++attempt))
			break;
		sess_host_dispose(&h);
	} while (1);
	sess_host_stats(&h, &hs);
	report(&o, &h, o.file, size, hs.frames, crc, o.readback,
	       o.readback ? "read back and identical" : "stored, CRC checked (no read-back)", secs,
	       attempt);
	sess_host_dispose(&h);
out:
	free(cmp);
	free(src.buf);
	nic_close(nic);
	close(src.fd);
	return ret;
}

static int cmd_readback(int argc, char **argv)
{
	struct opts o;
	struct rb_save save;
	struct sess_sink sink;
	struct sess_host_stats st;
	struct sess_host h;
	struct sess_host_config cfg;
	struct nic *nic = NULL;
	int ret, attempt = 0;
	double secs = 0;

	ret = parse_target_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (!o.output)
		return usage_error("%s", "missing -o OUT (where to save the read-back)");
	if (o.file)
		return usage_error("unexpected argument `%s'", o.file);
	if (rb_save_init(&save, o.output) < 0)
		return usage_error("output path too long: `%s'", o.output);
	if (open_board_nic(&o, &nic))
		return 1;
	do {
		uint64_t t0 = mono_us();

		sink = rb_save_sink(&save);
		host_config(&o, nic, SESS_READBACK, &cfg);
		cfg.sink = &sink;
		sess_host_init(&h, &cfg);
		run_session(&h, nic, !o.json && isatty(STDERR_FILENO));
		secs = (double)(mono_us() - t0) / 1e6;
		ret = sess_exit_code(sess_host_result(&h));
		if (!retry(&o, &h, ++attempt))
			break;
		sess_host_dispose(&h);
		rb_save_dispose(&save);
		rb_save_init(&save, o.output);
	} while (1);
	if (ret == 0 && rb_save_commit(&save) < 0) {
		fprintf(stderr, PROG ": cannot write `%s': %s\n", o.output, strerror(errno));
		ret = 1;
	}
	sess_host_stats(&h, &st);
	report(&o, &h, o.output, st.rb_size, st.rb_frames, st.rb_crc, 1, "read back, CRC checked",
	       secs, attempt);
	sess_host_dispose(&h);
	rb_save_dispose(&save);
	nic_close(nic);
	return ret;
}

static int cmd_list(int argc, char **argv)
{
	struct nic_info info[64];
	char errbuf[NIC_ERRBUF_SIZE] = "";
	struct opts o;
	int n, ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (o.file)
		return usage_error("unexpected argument `%s'", o.file);
	n = nic_list(info, 64, errbuf);
	if (n < 0) {
		fprintf(stderr, PROG ": cannot list interfaces: %s\n",
			*errbuf ? errbuf : nic_strerror(n));
		return 1;
	}
	if (n > 64)
		n = 64;
	if (!o.json)
		printf("%-16s %-17s %6s  %s\n", "INTERFACE", "MAC", "MTU", "STATE");
	for (int i = 0; i < n; i++) {
		char mac[18] = "-";
		char state[64];

		if (info[i].has_mac)
			format_mac(info[i].mac, mac);
		snprintf(state, sizeof(state), "%s%s%s", info[i].up ? "up" : "down",
			 info[i].up ? (info[i].carrier ? ",carrier" : ",no-carrier") : "",
			 info[i].ethernet ? "" : ",not-ethernet");
		if (o.json) {
			json_t *j =
				json_pack("{s:s, s:s, s:i, s:b, s:b, s:b}", "name", info[i].name,
					  "mac", mac, "mtu", (int)info[i].mtu, "up", info[i].up,
					  "carrier", info[i].carrier, "ethernet", info[i].ethernet);
			char *s = json_dumps(j, JSON_COMPACT);

			if (s)
				puts(s);
			free(s);
			json_decref(j);
		} else {
			printf("%-16s %-17s %6u  %s\n", info[i].name, mac, info[i].mtu, state);
		}
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} commands[] = {
	{"list", cmd_list, "interfaces: name, MAC, MTU, state"},
	{"download", cmd_download, "download a file, read it back and compare"},
	{"readback", cmd_readback, "read a board's file back into a local file"},
};

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc < 2) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		show_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf(PROG " %s\n", ETHDL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, PROG ": invalid command `%s'\nTry '" PROG " --help'.\n", argv[1]);
	return EXIT_USAGE;
}
