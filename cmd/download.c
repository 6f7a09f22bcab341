/* SPDX-License-Identifier: MIT */
/* ethdl download: send a file into a board, read it back, compare. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ethdl.h"
#include "fileio.h"
#include "pkg.h"
#include "readahead.h"
#include "readback.h"

struct download_opts {
	int readback;
	int after; /* --readback-after: no read-back during the download */
	double rate;
	const char *activate; /* --activate as given, or NULL */
	int act_mode;	      /* enum sess_activate */
	uint64_t act_at, act_in;
};

enum {
	O_NO_READBACK = O_OWN,
	O_RATE,
	O_ACTIVATE,
	O_READBACK_AFTER,
};

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{"no-readback", no_argument, NULL, O_NO_READBACK},
	{"rate", required_argument, NULL, O_RATE},
	{"activate", required_argument, NULL, O_ACTIVATE},
	{"readback-after", no_argument, NULL, O_READBACK_AFTER},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --no-readback      skip the read-back and compare\n"
	"      --readback-after   read back only after the download, even from a board\n"
	"                         that can read back while it downloads\n"
	"      --rate BPS         pace data frames to BPS bits/s, 1k to 100G\n"
	"                         (k, M, G: powers of 1000; default: no pacing)\n"
	"      --activate WHEN    an update package (a file that starts with ETHDLPKG),\n"
	"                         once read back and proven: now (default: then wait for\n"
	"                         the health check), at:TIME (UTC, 2026-12-02T10:00:00Z),\n"
	"                         in:DURATION (90s, 5m, 2h: counted from the proof), or\n"
	"                         later (leave it staged: ethdl activate)\n";

static int own_opt(void *ctx, int c, const char *arg)
{
	struct download_opts *d = ctx;

	switch (c) {
	case O_NO_READBACK: d->readback = 0; return -1;
	case O_READBACK_AFTER: d->after = 1; return -1;
	case O_RATE:
		if (opt_real("--rate", arg, 1e3, 1e11, 1000, "bits/s", &d->rate))
			return EXIT_USAGE;
		return -1;
	case O_ACTIVATE:
		d->activate = arg;
		return opt_activate("--activate", arg, &d->act_mode, &d->act_at, &d->act_in)
			       ? EXIT_USAGE
			       : -1;
	}
	return usage_error("unhandled option %d", c);
}

/* After a signal: what the board holds, said so that the user knows what a
 * second run will do. */
static void say_left(struct target_report *rep, const struct target_stop *stop)
{
	const struct sess_host_stats *st = &stop->stats;
	size_t n = sizeof(rep->left);

	switch (st->phase) {
	case SESS_PH_CONNECT: snprintf(rep->left, n, "no data was sent"); break;
	case SESS_PH_DOWNLOAD:
		if (!st->windowed)
			snprintf(rep->left, n,
				 "the download was not finished (the strict exchange keeps "
				 "nothing for resume); run it again");
		else if (st->board_has < st->frames)
			snprintf(rep->left, n,
				 "the board keeps %u of %u frames; run the same download again "
				 "to resume",
				 st->board_has, st->frames);
		else
			snprintf(rep->left, n,
				 "the board has all %u frames but did not confirm storing them; "
				 "run the same download again",
				 st->frames);
		break;
	case SESS_PH_READBACK:
		snprintf(rep->left, n,
			 "the board stored the file, but the read-back was not finished: "
			 "it is not proven; run the download again");
		break;
	case SESS_PH_DEVICE:
		snprintf(rep->left, n,
			 "the package was downloaded and proven, and its activation asked for; "
			 "what became of it is not known: see ethdl info and ethdl log");
		break;
	default:
		snprintf(rep->left, n, "the session was closing after it ended %s%s%s",
			 stop->result.notice  ? frame_notice_name(stop->result.notice)
			 : stop->result.local ? "in an error"
					      : "ok",
			 *stop->result.text ? ": " : "", stop->result.text);
		break;
	}
}

int download_read_package(int fd, const char *file, uint64_t size, uint8_t **hdr, size_t *len,
			struct pkg_header *ph)
{
	uint8_t fixed[PKG_FIXED_LEN];
	size_t got = 0;
	int r;

	r = fio_pread(fd, fixed, sizeof(fixed), 0, &got);
	if (r < 0)
		return error_line("cannot read `%s': %s", file, strerror(-r));
	if (got < PKG_MAGIC_LEN || memcmp(fixed, PKG_MAGIC, PKG_MAGIC_LEN))
		return -1;
	r = pkg_header_need(fixed, got, len);
	if (r == 0 && *len > size)
		r = -PKG_E_TRUNCATED;
	if (r == 0) {
		*hdr = malloc(*len);
		if (!*hdr)
			return error_line("out of memory");
		r = fio_pread_exact(fd, *hdr, *len, 0);
		if (r < 0)
			return error_line("cannot read `%s': %s", file, strerror(-r));
		r = pkg_header_parse(*hdr, *len, ph);
	}
	if (r == 0 && ph->hdr_len + ph->image_size != size)
		r = -PKG_E_IMAGE_LEN;
	if (r < 0) {
		error_line("`%s' starts like an update package, but its header is refused: %s",
			   file, pkg_strerror(r));
		return 13;
	}
	return 0;
}

int cmd_download(const struct command *cmd, int argc, char **argv)
{
	struct download_opts d = {.readback = 1};
	const struct target_cmd tc = {longopts, TARGET_SHORTOPTS, help, own_opt, &d};
	struct target_opts o;
	/* the file, read ahead for the data frames and the read-back
	 * compared behind them */
	struct ra_file ra = {.fd = -1};
	struct sess_source source = {.read = ra_read, .ctx = &ra};
	int fd = -1;
	struct rb_compare *cmp = NULL;
	struct sess_host *h = NULL;
	struct sess_sink sink;
	struct sess_host_config cfg;
	struct target_report rep = {.to_board = 1, .readback = 1};
	struct target_stop stop;
	struct nic *nic = NULL;
	struct stat st;
	struct pkg_header ph;
	uint8_t *hdr = NULL;
	size_t hdr_len = 0;
	const char *file;
	uint64_t size;
	uint32_t crc;
	int ret, args, r, package;

	d.act_mode = SESS_ACT_NOW;
	ret = target_parse(cmd, &tc, argc, argv, &o, &args);
	if (ret >= 0)
		return ret;
	if (args >= argc)
		return usage_error("missing FILE to download");
	if (args + 1 < argc)
		return usage_error("unexpected argument `%s'", argv[args + 1]);
	file = argv[args];
	ret = 1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_line("cannot open `%s': %s", file, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error_line("`%s' is not a regular file", file);
		goto out;
	}
	r = rb_file_crc(fd, &size, &crc);
	if (r < 0) {
		error_line("cannot read `%s': %s", file, strerror(-r));
		goto out;
	}
	ret = download_read_package(fd, file, size, &hdr, &hdr_len, &ph);
	if (ret > 0)
		goto out;
	package = ret == 0;
	if (!package && d.activate) {
		ret = usage_error("--activate is for update packages: `%s' is a plain file (it "
				  "becomes the active one as it is stored)",
				  file);
		goto out;
	}
	if (package && o.strict) {
		ret = usage_error("--strict offers no extensions: `%s' is an update package, which "
				  "needs the device extension",
				  file);
		goto out;
	}
	if (package && o.type_given && o.type != ph.type) {
		ret = usage_error("`%s' is a package for %s, not -t %s", file,
				  proto_type_name(ph.type), proto_type_name(o.type));
		goto out;
	}
	if (package)
		o.type = ph.type;
	if (!package)
		d.act_mode = SESS_ACT_NONE;
	ret = target_open_nic(&o, &nic);
	if (ret)
		goto out;
	ret = 1;
	if (package) {
		size_t most;

		target_session_config(&o, nic, SESS_DOWNLOAD, &cfg);
		cfg.name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		most = sess_host_pkg_hdr_max(&cfg);
		if (hdr_len > most) {
			error_line(
				"the header of `%s' (%zu bytes) does not fit one FILE_INFO at MTU "
				"%u of %s (at most %zu bytes): nothing was sent",
				file, hdr_len, nic->mtu, nic->name, most);
			goto out;
		}
	}
	cmp = malloc(sizeof(*cmp));
	h = calloc(1, sizeof(*h));
	if (!cmp || ra_init(&ra, fd) < 0 || !h) {
		error_line("out of memory");
		goto out;
	}
	do {
		uint64_t t0 = mono_us();

		sess_host_dispose(h);
		rb_compare_init(cmp, fd, size);
		sink = rb_compare_sink(cmp);
		target_session_config(&o, nic, SESS_DOWNLOAD, &cfg);
		cfg.readback = d.readback;
		cfg.no_overlap = d.after;
		cfg.name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		cfg.size = size;
		cfg.crc = crc;
		cfg.src = &source;
		cfg.sink = &sink;
		cfg.rate_bps = (uint64_t)d.rate;
		cfg.pkg_hdr = hdr;
		cfg.pkg_hdr_len = hdr_len;
		cfg.activate = d.act_mode;
		cfg.act_at_us = d.act_at;
		cfg.act_in_us = d.act_in;
		cfg.wall_offset_us = wall_offset_us();
		r = sess_host_init(h, &cfg);
		if (r < 0) {
			error_line("cannot start a session: %s", strerror(-r));
			goto out;
		}
		rep.signal = target_run(h, nic, &o, &stop);
		rep.secs = (double)(mono_us() - t0) / 1e6;
		rep.result = *sess_host_result(h);
		/* Once ACTIVATE went out, a new session would download the
		 * package again: never after that. */
	} while (!sess_host_activation(h)->asked && target_retry(&o, &rep.result, ++rep.attempts));
	rep.package = package;
	rep.act = *sess_host_activation(h);
	sess_host_stats(h, &rep.stats);
	if (rep.signal) {
		rep.stats.board_has = stop.stats.board_has;
		say_left(&rep, &stop);
	}
	rep.file = rep.file_name = file;
	rep.bytes = size;
	rep.frames = rep.stats.frames;
	rep.crc = crc;
	rep.readback = d.readback;
	rep.what = d.readback ? "read back and identical" : "stored, CRC checked (no read-back)";
	rep.out = stdout;
	rep.send_path = nic->send_path;
	target_report(&o, &rep);
	ret = target_exit_code(&rep);
out:
	if (h)
		sess_host_dispose(h);
	free(h);
	free(cmp);
	ra_dispose(&ra);
	free(hdr);
	nic_close(nic);
	if (fd >= 0)
		close(fd);
	return ret;
}
