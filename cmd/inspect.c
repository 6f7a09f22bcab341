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
#include "pkg_crypto.h"
#include "pkgfile.h"
#include "pkgtrust.h"
#include "proto.h"

#define MAX_TRUST 16

enum {
	I_JSON = 256,
	I_TRUST,
	I_DECRYPT_KEY,
	I_VERSION,
};

static const struct option longopts[] = {
	{"json", no_argument, NULL, I_JSON},
	{"trust", required_argument, NULL, I_TRUST},
	{"decrypt-key", required_argument, NULL, I_DECRYPT_KEY},
	{"version", no_argument, NULL, I_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --trust PUB.pem    trust this Ed25519 public key (repeatable, up to 16):\n"
	"                         the package must be signed by a trusted key\n"
	"      --decrypt-key KEYFILE\n"
	"                         decrypt the image (AES-128-GCM key, 32 hex digits)\n"
	"                         and check its tag and its plain SHA-256\n"
	"      --json             one JSON object instead of prose\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n";

/* Why the package is refused, or NULL when it is not. */
static const char *refusal(const struct pkgfile *p)
{
	if (p->header_rc)
		return pkg_strerror(p->header_rc);
	/* A header that is not authentic says nothing about the image. */
	if (p->sig_rc != 1 && p->sig_rc)
		return pkg_strerror(p->sig_rc);
	if (p->image_rc)
		return pkg_strerror(p->image_rc);
	if (p->tag_rc != 1 && p->tag_rc)
		return pkg_strerror(p->tag_rc);
	return NULL;
}

/* The signature's verdict in words. */
static const char *sig_verdict(const struct pkgfile *p)
{
	switch (p->sig_rc) {
	case 1: return p->h.sig_off ? "not checked (no --trust)" : "none";
	case 0: return "valid, trusted";
	case -PKG_E_UNSIGNED: return "none: refused, a trusted signature is required";
	case -PKG_E_UNTRUSTED: return "untrusted key: not checked against any trusted key";
	case -PKG_E_FIELD: return "malformed (not an Ed25519 key id and signature)";
	default: return "invalid";
	}
}

/* The encryption's verdict in words. */
static const char *tag_verdict(const struct pkgfile *p)
{
	switch (p->tag_rc) {
	case 1: return "not decrypted (no --decrypt-key)";
	case 0: return "tag valid, decrypted image SHA-256 matches";
	case -PKG_E_TAG: return "tag invalid (wrong key, or the package was altered)";
	case -PKG_E_PLAIN: return "tag valid, but the decrypted image SHA-256 differs";
	case -PKG_E_MISSING: return "malformed: no PLAIN_SHA256";
	default: return pkg_strerror(p->tag_rc);
	}
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

static void print_prose(const char *file, const struct pkgfile *p, const char *const *trust)
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
		printf("signed by    key %s\n", kid);
		printf("signature    %u bytes, %s", h->sig_len, sig_verdict(p));
		if (p->sig_rc == 0)
			printf(" (%s)", trust[p->trusted_by]);
		printf("\n");
	} else {
		printf("signature    %s\n", sig_verdict(p));
	}
	if (h->flags & PKG_F_ENCRYPTED) {
		char n[25], tg[33];

		pkg_hex(p->hdr + h->nonce_off, PKG_GCM_NONCE_LEN, n);
		pkg_hex(p->hdr + h->tag_off, PKG_GCM_TAG_LEN, tg);
		printf("encryption   AES-128-GCM, nonce %s, tag %s\n", n, tg);
		if (h->plain_off) {
			pkg_hex(p->hdr + h->plain_off, PKG_SHA256_LEN, hex);
			printf("plain sha256 %s\n", hex);
		}
		printf("decryption   %s\n", tag_verdict(p));
	} else {
		printf("encryption   none\n");
	}
	if (p->image_rc == 0) {
		printf("image        %llu bytes, SHA-256 matches\n",
		       (unsigned long long)h->image_size);
	} else if (why && p->image_rc) {
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
		if (h->sig_off) {
			pkg_hex(p->hdr + h->key_id_off, h->key_id_len, hex);
			json_object_set_new(j, "key_id", json_string(hex));
		}
		json_object_set_new(j, "signature",
				    json_string(p->sig_rc == 1
							? (h->sig_off ? "not checked" : "none")
						: p->sig_rc == 0		? "valid"
						: p->sig_rc == -PKG_E_UNSIGNED	? "none"
						: p->sig_rc == -PKG_E_UNTRUSTED ? "untrusted"
						: p->sig_rc == -PKG_E_FIELD	? "malformed"
										: "invalid"));
		json_object_set_new(j, "encrypted", json_boolean(h->flags & PKG_F_ENCRYPTED));
		if (h->flags & PKG_F_ENCRYPTED) {
			char n[25], tg[33];

			pkg_hex(p->hdr + h->nonce_off, PKG_GCM_NONCE_LEN, n);
			pkg_hex(p->hdr + h->tag_off, PKG_GCM_TAG_LEN, tg);
			json_object_set_new(j, "gcm_nonce", json_string(n));
			json_object_set_new(j, "gcm_tag", json_string(tg));
			if (h->plain_off) {
				pkg_hex(p->hdr + h->plain_off, PKG_SHA256_LEN, hex);
				json_object_set_new(j, "plain_sha256", json_string(hex));
			}
			json_object_set_new(j, "decryption",
					    json_string(p->tag_rc == 1		  ? "not checked"
							: p->tag_rc == 0	  ? "valid"
							: p->tag_rc == -PKG_E_TAG ? "tag invalid"
							: p->tag_rc == -PKG_E_PLAIN
								? "plain digest invalid"
								: "malformed"));
		}
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
	outcome_emitted();
	if (!s)
		return error_line("cannot format the JSON report of `%s'", file);
	puts(s);
	free(s);
	return code;
}

int cmd_inspect(const struct command *cmd, int argc, char **argv)
{
	static struct pkgfile p;
	struct pkg_key keys[MAX_TRUST];
	const char *trust[MAX_TRUST];
	uint8_t aes[PKG_AES_KEY_LEN];
	char err[1024];
	const char *file, *decrypt = NULL;
	int c, r, json = 0, code, ret;
	size_t nkeys = 0;
	FILE *f;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case I_JSON: json = 1; break;
		case I_TRUST:
			if (nkeys == MAX_TRUST)
				return usage_error("more than %u --trust keys", MAX_TRUST);
			trust[nkeys++] = optarg;
			break;
		case I_DECRYPT_KEY: decrypt = optarg; break;
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
	if (decrypt && (r = pkg_aes_key_load(decrypt, aes, err, sizeof(err))) != 0) {
		error_line("%s", err);
		return r == -PKG_E_FIELD ? EXIT_USAGE : 1;
	}
	memset(keys, 0, sizeof(keys));
	for (size_t i = 0; i < nkeys; i++) {
		if ((r = pkg_key_load_public(trust[i], &keys[i], err, sizeof(err))) != 0) {
			error_line("%s", err);
			ret = r == -PKG_E_FIELD ? EXIT_USAGE : 1;
			goto out;
		}
	}
	ret = 1;
	f = fopen(file, "rb");
	if (!f) {
		error_line("cannot open `%s': %s", file, strerror(errno));
		goto out;
	}
	errno = 0;
	r = pkgfile_check(f, &p);
	if ((r == 0 || r == -PKG_E_IMAGE_LEN || r == -PKG_E_DIGEST) && nkeys)
		r = pkgfile_trust(&p, keys, nkeys) ? -PKG_E_CRYPTO : r;
	if (r == 0 && decrypt)
		r = pkgfile_decrypt(f, &p, aes);
	fclose(f);
	if (r == -PKG_E_IO) {
		error_line("cannot read `%s': %s", file, strerror(errno ? errno : EIO));
		goto out;
	}
	if (r == -PKG_E_CRYPTO) {
		error_line("cannot check `%s': %s", file, pkg_strerror(r));
		goto out;
	}
	code = refusal(&p) ? EXIT_PKG_REFUSED : 0;
	if (json) {
		ret = print_json(file, &p, code);
		goto out;
	}
	print_prose(file, &p, trust);
	if (code)
		fprintf(stderr, "%s: `%s' refused: %s\n", opts_prog(), file, refusal(&p));
	ret = code;
out:
	for (size_t i = 0; i < nkeys; i++)
		pkg_key_dispose(&keys[i]);
	pkg_wipe(aes, sizeof(aes));
	return ret;
}
