/* SPDX-License-Identifier: MIT */
/* ethdl discover: every board on the segment that answers a DISCOVER
 * (PROTOCOL.md §8), with identity, capabilities and per-type versions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "ethdl.h"

enum {
	O_VENDOR = 256,
	O_MODEL,
	O_WINDOW_MS,
	O_PROBES,
	O_DJSON,
	O_DCAPTURE,
	O_DETHERTYPE,
	O_DVERSION,
};

static const struct option longopts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"vendor", required_argument, NULL, O_VENDOR},
	{"model", required_argument, NULL, O_MODEL},
	{"window", required_argument, NULL, O_WINDOW_MS},
	{"probes", required_argument, NULL, O_PROBES},
	{"json", no_argument, NULL, O_DJSON},
	{"capture", required_argument, NULL, O_DCAPTURE},
	{"ethertype", required_argument, NULL, O_DETHERTYPE},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"version", no_argument, NULL, O_DVERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"  -i, --interface IF     Ethernet interface of the segment\n"
	"      --vendor V         only boards of this vendor answer\n"
	"      --model M          only boards of this model answer\n"
	"      --window MS        boards answer within MS milliseconds of a probe,\n"
	"                         10 to 60000 (default 500)\n"
	"      --probes N         probes sent, 1 to 10 (default 3); each names the\n"
	"                         boards already heard, so only the others answer\n"
	"      --json             one JSON object per board instead of the table\n"
	"      --capture FILE     write every frame sent and received to a pcap file\n"
	"      --ethertype HEX    EtherType, 0600 to ffff (default 88b5)\n"
	"  -q, --quiet            no notes on stderr\n"
	"  -v, --verbose          log the probes to stderr\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n";

static const char *const cap_names[] = {"window", "resume", "device", "group", "auth"};

int discover_run(struct nic *nic, struct sess_disc *d)
{
	uint64_t now = mono_us();
	int sig = caught_signal();

	if (!sig)
		sess_disc_start(d, now);
	while (!sig && !sess_disc_done(d)) {
		const uint8_t *buf;
		size_t len;
		int r;

		wait_input(nic, sess_disc_next_deadline(d));
		now = mono_us();
		sig = caught_signal();
		while ((r = nic_recv(nic, &buf, &len)) == 1)
			sess_disc_input(d, buf, len, now);
		if (r < 0) {
			error_line("receive failed on %s: %s", nic->name, nic_strerror(r));
			return -1;
		}
		sess_disc_poll(d, now);
	}
	return sig;
}

void discover_caps(uint32_t caps, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = 0;
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (caps & (1u << i))
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
					      cap_names[i]);
	if (!n)
		snprintf(out, cap, "-");
}

/* "config: active 1.2, staged 2.0; algorithm: active unknown" */
static void images_prose(const struct sess_info *in, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = 0;
	for (int t = 1; t < FT_COUNT; t++) {
		int first = 1;

		for (unsigned i = 0; i < in->nimages; i++) {
			const struct sess_image *im = &in->images[i];
			char v[24];

			if (im->type != t || (im->role != ROLE_ACTIVE && im->role != ROLE_STAGED))
				continue;
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s%s %s",
					      first && n ? "; " : "",
					      first ? proto_type_name(t) : ",", first ? ": " : " ",
					      proto_role_name(im->role));
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " %s",
					      sess_version_format(&im->version, v, sizeof(v)));
			first = 0;
		}
	}
	if (!n)
		snprintf(out, cap, "no images");
}

static void board_json(const struct sess_disc_board *b)
{
	json_t *j = json_object(), *caps = json_array(), *imgs = json_array();
	char mac[18], v[24];

	format_mac(b->mac, mac);
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (b->info.caps & (1u << i))
			json_array_append_new(caps, json_string(cap_names[i]));
	for (unsigned i = 0; i < b->info.nimages; i++) {
		const struct sess_image *im = &b->info.images[i];
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string(proto_type_name(im->type)));
		json_object_set_new(o, "role", json_string(proto_role_name(im->role)));
		json_object_set_new(o, "version",
				    im->version.count ? json_string(sess_version_format(
								&im->version, v, sizeof(v)))
						      : json_null());
		json_object_set_new(o, "size", json_integer((json_int_t)im->size));
		json_array_append_new(imgs, o);
	}
	json_object_set_new(j, "board", json_string(mac));
	json_object_set_new(j, "vendor", json_string(b->info.vendor));
	json_object_set_new(j, "model", json_string(b->info.model));
	json_object_set_new(j, "serial", json_string(b->info.serial));
	json_object_set_new(j, "caps", caps);
	json_object_set_new(j, "images", imgs);
	json_print(stdout, j);
}

int cmd_discover(const struct command *cmd, int argc, char **argv)
{
	struct sess_disc_config dc = {0};
	struct nic_setup ns = {0};
	struct sess_disc d;
	struct nic *nic = NULL;
	const struct sess_disc_board *b;
	uint64_t v;
	size_t n;
	int c, r, json = 0, quiet = 0, ret = 1, sig;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:vqh", longopts, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'i': ns.ifname = optarg; break;
		case O_VENDOR:
			if (strlen(optarg) < 1 || strlen(optarg) > 63)
				return usage_error("--vendor must be 1 to 63 characters");
			dc.vendor = optarg;
			break;
		case O_MODEL:
			if (strlen(optarg) < 1 || strlen(optarg) > 63)
				return usage_error("--model must be 1 to 63 characters");
			dc.model = optarg;
			break;
		case O_WINDOW_MS:
			r = opt_uint("--window", optarg, 10, 60000, 0, "milliseconds", &v);
			dc.window_ms = (uint32_t)v;
			break;
		case O_PROBES:
			r = opt_uint("--probes", optarg, 1, 10, 0, "probes", &v);
			dc.probes = (unsigned)v;
			break;
		case O_DJSON: json = 1; break;
		case O_DCAPTURE: ns.capture = optarg; break;
		case O_DETHERTYPE: r = opt_ethertype("--ethertype", optarg, &ns.ethertype); break;
		case 'v': dc.log = log_stderr; break;
		case 'q': quiet = 1; break;
		case O_DVERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
		if (r)
			return r;
	}
	if (optind < argc)
		return usage_error("unexpected argument `%s'", argv[optind]);
	if (!ns.ifname)
		return usage_error("missing -i IF (the interface of the segment)");
	nic = open_nic(PROG, &ns);
	if (!nic)
		return 1;
	dc.nic = nic;
	dc.ethertype = ns.ethertype;
	dc.probe_id = target_session_id();
	if (sess_disc_init(&d, &dc) < 0) {
		nic_close(nic);
		return error_line("cannot start discovery");
	}
	sig = discover_run(nic, &d);
	if (sig < 0)
		goto out;
	if (sig) {
		ret = exit_for_signal(sig);
		goto out;
	}
	if (d.err)
		error_line("out of memory: some boards that answered are not listed");
	b = sess_disc_boards(&d, &n);
	if (!n && !quiet)
		fprintf(stderr, PROG ": no boards answered on %s\n", nic->name);
	if (!json && n)
		printf("%-17s  %-12s %-12s %-12s %-26s %s\n", "MAC", "VENDOR", "MODEL", "SERIAL",
		       "CAPS", "IMAGES");
	for (size_t i = 0; i < n; i++) {
		char mac[18], caps[64], imgs[512];

		if (json) {
			board_json(&b[i]);
			continue;
		}
		format_mac(b[i].mac, mac);
		discover_caps(b[i].info.caps, caps, sizeof(caps));
		images_prose(&b[i].info, imgs, sizeof(imgs));
		printf("%-17s  %-12s %-12s %-12s %-26s %s\n", mac, b[i].info.vendor,
		       b[i].info.model, b[i].info.serial, caps, imgs);
	}
	fflush(stdout);
	ret = 0;
out:
	sess_disc_dispose(&d);
	nic_close(nic);
	return ret;
}
