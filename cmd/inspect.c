/* SPDX-License-Identifier: MIT */
/* ethdl inspect: every field of a package's header, and whether its image
 * matches the header's size and SHA-256. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ethdl.h"
#include "pkg.h"
#include "pkgfile.h"
#include "proto.h"

enum {
	I_JSON = 256,
	I_VERSION,
};

static const struct option longopts[] = {
	{"json", no_argument, NULL, I_JSON},
	{"version", no_argument, NULL, I_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] = "      --json             one JSON object instead of prose\n"
			   "      --version          print the version\n"
			   "  -h, --help             this text\n";

/* Why the package is refused, or NULL when it is not. */
static const char *refusal(const struct pkgfile *p)
{
	if (p->header_rc)
		return pkg_strerror(p->header_rc);
	if (p->image_rc == 1)
		return "image is encrypted: this version cannot check it";
	if (p->image_rc)
		return pkg_strerror(p->image_rc);
	return NULL;
}

static void utc(uint64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if ((uint64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "?");
}

static void target_str(const struct pkgfile *p, unsigned i, char *out)
{
	size_t l = 0;
	const uint8_t *t = pkg_header_target(&p->h, p->hdr, i, &l);

	if (!t)
		l = 0;
	memcpy(out, t, l);
	out[l] = '\0';
}

static void print_prose(const char *file, const struct pkgfile *p)
{
	const struct pkg_header *h = &p->h;
	char v[PKG_VERSION_STRMAX], when[64], hex[2 * PKG_SHA256_LEN + 1], t[PKG_STR_MAX + 1];
	const char *why = refusal(p);

	printf("package      %s\n", file);
	if (p->header_rc) {
		printf("header       refused: %s\n", pkg_strerror(p->header_rc));
		return;
	}
	pkg_version_format(&h->version, v, sizeof(v));
	utc(h->build_time, when, sizeof(when));
	printf("format       %u\n", h->format);
	printf("header       %u bytes, CRC32 %08x ok%s\n", h->hdr_len, h->crc,
	       h->hdr_len > PKG_HDR_WIRE_MAX ? " (longer than one FILE_INFO at MTU 1500)" : "");
	printf("flags        0x%04x%s\n", h->flags, h->flags & PKG_F_ENCRYPTED ? " encrypted" : "");
	printf("vendor       %s\n", h->vendor);
	printf("model        %s\n", h->model);
	printf("version      %s\n", v);
	printf("type         %s\n", proto_type_name(h->type));
	printf("build time   %llu (%s)\n", (unsigned long long)h->build_time, when);
	if (!h->target_count)
		printf("targets      any board\n");
	for (unsigned i = 0; i < h->target_count; i++) {
		target_str(p, i, t);
		if (i == 0)
			printf("targets      %u: %s\n", h->target_count, t);
		else
			printf("             %s\n", t);
	}
	printf("image size   %llu bytes\n", (unsigned long long)h->image_size);
	pkg_hex(h->sha256, PKG_SHA256_LEN, hex);
	printf("sha256       %s\n", hex);
	if (h->sig_off) {
		char kid[65];

		pkg_hex(p->hdr + h->key_id_off, h->key_id_len, kid);
		printf("signature    %u bytes by key %s, not verified\n", h->sig_len, kid);
	} else {
		printf("signature    none\n");
	}
	if (p->image_rc == 0) {
		printf("image        %llu bytes, SHA-256 matches\n",
		       (unsigned long long)h->image_size);
	} else if (why) {
		pkg_hex(p->sha256, PKG_SHA256_LEN, hex);
		printf("image        refused: %s", why);
		if (p->image_rc == -PKG_E_IMAGE_LEN)
			printf(" (the file holds %llu bytes after the header)",
			       (unsigned long long)(p->file_size - h->hdr_len));
		else if (p->image_rc == -PKG_E_DIGEST)
			printf(" (computed %s)", hex);
		printf("\n");
	}
}

static int print_json(const char *file, const struct pkgfile *p, int code)
{
	const struct pkg_header *h = &p->h;
	char v[PKG_VERSION_STRMAX], hex[2 * PKG_SHA256_LEN + 1], t[PKG_STR_MAX + 1];
	const char *why = refusal(p);
	json_t *j = json_object(), *targets;
	char *s;

	json_object_set_new(j, "file", json_string(file));
	json_object_set_new(j, "result", json_string(why ? "refused" : "ok"));
	json_object_set_new(j, "exit", json_integer(code));
	if (why)
		json_object_set_new(j, "reason", json_string(why));
	json_object_set_new(j, "header", json_string(p->header_rc ? "refused" : "ok"));
	if (!p->header_rc) {
		pkg_version_format(&h->version, v, sizeof(v));
		json_object_set_new(j, "format", json_integer(h->format));
		json_object_set_new(j, "header_bytes", json_integer(h->hdr_len));
		json_object_set_new(j, "header_crc", json_sprintf("%08x", h->crc));
		json_object_set_new(j, "flags", json_integer(h->flags));
		json_object_set_new(j, "vendor", json_string(h->vendor));
		json_object_set_new(j, "model", json_string(h->model));
		json_object_set_new(j, "version", json_string(v));
		json_object_set_new(j, "type", json_string(proto_type_name(h->type)));
		json_object_set_new(j, "build_time", json_integer((json_int_t)h->build_time));
		targets = json_array();
		for (unsigned i = 0; i < h->target_count; i++) {
			target_str(p, i, t);
			json_array_append_new(targets, json_string(t));
		}
		json_object_set_new(j, "targets", targets);
		json_object_set_new(j, "image_size", json_integer((json_int_t)h->image_size));
		pkg_hex(h->sha256, PKG_SHA256_LEN, hex);
		json_object_set_new(j, "sha256", json_string(hex));
		json_object_set_new(j, "signed", json_boolean(h->sig_off != 0));
		json_object_set_new(j, "encrypted", json_boolean(h->flags & PKG_F_ENCRYPTED));
		json_object_set_new(j, "image",
				    json_string(p->image_rc == 0   ? "ok"
						: p->image_rc == 1 ? "not checked"
								   : "refused"));
		if (p->image_rc == 0 || p->image_rc == -PKG_E_DIGEST) {
			pkg_hex(p->sha256, PKG_SHA256_LEN, hex);
			json_object_set_new(j, "image_sha256", json_string(hex));
		}
		json_object_set_new(j, "image_bytes",
				    json_integer((json_int_t)(p->file_size - h->hdr_len)));
	}
	s = json_dumps(j, ETHDL_JSON_FLAGS);
	json_decref(j);
	if (!s)
		return error_line("cannot format the JSON report of `%s'", file);
	puts(s);
	free(s);
	return code;
}

int cmd_inspect(const struct command *cmd, int argc, char **argv)
{
	static struct pkgfile p;
	const char *file;
	int c, r, json = 0, code;
	FILE *f;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case I_JSON: json = 1; break;
		case I_VERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
	}
	if (optind >= argc)
		return usage_error("missing PKG to inspect");
	if (optind + 1 < argc)
		return usage_error("unexpected argument `%s'", argv[optind + 1]);
	file = argv[optind];
	f = fopen(file, "rb");
	if (!f)
		return error_line("cannot open `%s': %s", file, strerror(errno));
	errno = 0;
	r = pkgfile_check(f, &p);
	fclose(f);
	if (r == -PKG_E_IO)
		return error_line("cannot read `%s': %s", file, strerror(errno ? errno : EIO));
	if (r == -PKG_E_CRYPTO)
		return error_line("cannot check `%s': %s", file, pkg_strerror(r));
	code = refusal(&p) ? EXIT_PKG_REFUSED : 0;
	if (json)
		return print_json(file, &p, code);
	print_prose(file, &p);
	if (code)
		fprintf(stderr, "%s: `%s' refused: %s\n", opts_prog(), file, refusal(&p));
	return code;
}
