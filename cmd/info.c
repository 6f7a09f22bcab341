/* SPDX-License-Identifier: MIT */
/* ethdl info: what an updatable board is and holds: identity, capabilities,
 * per file type the active, staged and previous image. */
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static const char *const cap_names[] = {"window", "resume", "device"};

static void sha_hex(const uint8_t *sha, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sha[i]);
}

static const struct sess_image *find_image(const struct sess_info *in, int type, int role)
{
	for (unsigned i = 0; i < in->nimages; i++)
		if (in->images[i].type == type && in->images[i].role == role)
			return &in->images[i];
	return NULL;
}

/* The types the board reported, in order, each once. */
static int next_type(const struct sess_info *in, int after)
{
	int best = 0;

	for (unsigned i = 0; i < in->nimages; i++) {
		int t = in->images[i].type;

		if (t > after && (!best || t < best))
			best = t;
	}
	return best;
}

static json_t *image_json(const struct sess_image *im)
{
	json_t *j;
	char sha[65];

	if (!im)
		return json_null();
	j = json_object();
	sha_hex(im->sha256, sha);
	json_object_set_new(j, "version", json_version(&im->version));
	json_object_set_new(j, "bytes", json_integer((json_int_t)im->size));
	json_object_set_new(j, "sha256", json_string(sha));
	json_object_set_new(j, "package", json_boolean(im->flags & PROTO_IMG_F_PACKAGE));
	if (im->role == ROLE_STAGED)
		json_object_set_new(j, "activate_at", json_time(im->activate_at));
	return j;
}

static const char *type_name(int t, char *buf, size_t cap)
{
	if (t > 0 && t < FT_COUNT)
		return proto_type_name(t);
	snprintf(buf, cap, "type-%d", t);
	return buf;
}

static void report_json(const struct target_opts *o, const struct sess_info *in)
{
	json_t *j = json_object(), *caps = json_array(), *slots = json_array();
	char mac[18], tb[16];

	format_mac(o->board, mac);
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (in->caps & (1u << i))
			json_array_append_new(caps, json_string(cap_names[i]));
	for (int t = next_type(in, 0); t; t = next_type(in, t)) {
		json_t *s = json_object();

		json_object_set_new(s, "type", json_string(type_name(t, tb, sizeof(tb))));
		json_object_set_new(s, "active", image_json(find_image(in, t, ROLE_ACTIVE)));
		json_object_set_new(s, "staged", image_json(find_image(in, t, ROLE_STAGED)));
		json_object_set_new(s, "previous", image_json(find_image(in, t, ROLE_PREVIOUS)));
		json_array_append_new(slots, s);
	}
	json_object_set_new(j, "board", json_string(mac));
	json_object_set_new(j, "vendor", json_string(in->vendor));
	json_object_set_new(j, "model", json_string(in->model));
	json_object_set_new(j, "serial", json_string(in->serial));
	json_object_set_new(j, "caps", caps);
	json_object_set_new(j, "board_time",
			    in->has_board_time ? json_time(in->board_time) : json_null());
	json_object_set_new(j, "host_time", json_time(in->host_time));
	json_object_set_new(j, "slots", slots);
	json_print(stdout, j);
}

static void image_prose(const char *role, const struct sess_image *im, const struct sess_info *in)
{
	char v[24], sha[65], t1[32], t2[32];

	if (!im) {
		printf("  %-9s none\n", role);
		return;
	}
	sha_hex(im->sha256, sha);
	printf("  %-9s %-12s %llu bytes  sha256 %s%s\n", role,
	       sess_version_format(&im->version, v, sizeof(v)), (unsigned long long)im->size, sha,
	       im->flags & PROTO_IMG_F_PACKAGE ? "" : "  (plain file)");
	if (im->role == ROLE_STAGED && im->activate_at) {
		/* the board's clock, and the same moment on ours */
		uint64_t host =
			in->has_board_time ? im->activate_at - in->board_time + in->host_time : 0;

		printf("  %-9s activation pending at %s (board clock)%s%s%s\n", "",
		       format_time(im->activate_at, t1, sizeof(t1)), host ? ", " : "",
		       host ? format_time(host, t2, sizeof(t2)) : "", host ? " (host clock)" : "");
	}
}

static void report_prose(const struct target_opts *o, const struct sess_info *in)
{
	char mac[18], t1[32], t2[32], tb[16];

	format_mac(o->board, mac);
	printf("board %s: vendor %s, model %s, serial %s\n", mac, in->vendor, in->model,
	       in->serial);
	printf("capabilities:");
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (in->caps & (1u << i))
			printf(" %s", cap_names[i]);
	printf("\n");
	if (in->has_board_time)
		printf("board clock %s (host clock %s)\n",
		       format_time(in->board_time, t1, sizeof(t1)),
		       format_time(in->host_time, t2, sizeof(t2)));
	if (!in->nimages)
		printf("no images\n");
	for (int t = next_type(in, 0); t; t = next_type(in, t)) {
		printf("%s:\n", type_name(t, tb, sizeof(tb)));
		image_prose("active", find_image(in, t, ROLE_ACTIVE), in);
		image_prose("staged", find_image(in, t, ROLE_STAGED), in);
		image_prose("previous", find_image(in, t, ROLE_PREVIOUS), in);
	}
	fflush(stdout);
}

static void report(const struct target_opts *o, const struct sess_host *h, int code, void *ctx)
{
	(void)code;
	(void)ctx;
	if (o->json)
		report_json(o, sess_host_info(h));
	else
		report_prose(o, sess_host_info(h));
}

int cmd_info(const struct command *cmd, int argc, char **argv)
{
	const struct device_cmd dc = {
		.tc = {longopts, TARGET_SHORTOPTS, NULL, NULL, NULL},
		.job = SESS_INFO,
		.report = report,
	};

	return device_command(cmd, &dc, argc, argv);
}
