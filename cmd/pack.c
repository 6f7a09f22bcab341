/* SPDX-License-Identifier: MIT */
/* ethdl pack: make an update package (docs/PACKAGE.md) of an image. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ethdl.h"
#include "pkg.h"
#include "pkg_crypto.h"
#include "pkg_digest.h"
#include "pkgfile.h"
#include "pkgtrust.h"
#include "proto.h"

enum {
	P_VENDOR = 256,
	P_MODEL,
	P_IMAGE_VERSION,
	P_TARGETS,
	P_BUILD_TIME,
	P_SIGN,
	P_ENCRYPT,
	P_VERSION,
};

static const struct option longopts[] = {
	{"vendor", required_argument, NULL, P_VENDOR},
	{"model", required_argument, NULL, P_MODEL},
	{"image-version", required_argument, NULL, P_IMAGE_VERSION},
	{"type", required_argument, NULL, 't'},
	{"targets", required_argument, NULL, P_TARGETS},
	{"build-time", required_argument, NULL, P_BUILD_TIME},
	{"sign", required_argument, NULL, P_SIGN},
	{"encrypt", required_argument, NULL, P_ENCRYPT},
	{"output", required_argument, NULL, 'o'},
	{"version", no_argument, NULL, P_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --vendor V         the boards' vendor: 1 to 63 printable ASCII characters\n"
	"      --model M          the boards' model, as --vendor\n"
	"      --image-version X.Y.Z\n"
	"                         1 to 4 numbers 0..65535, dot-separated\n"
	"  -t, --type TYPE        config (default), algorithm, parameter, redundancy\n"
	"      --targets FILE     board serials the package is for, one per line ('#'\n"
	"                         starts a comment); without it: every board of the model\n"
	"      --build-time UNIX  build time in Unix seconds (default: $SOURCE_DATE_EPOCH,\n"
	"                         else now)\n"
	"      --sign KEY.pem     sign the header with this Ed25519 private key\n"
	"      --encrypt KEYFILE  encrypt the image with AES-128-GCM under the key in\n"
	"                         KEYFILE (32 hex digits; whitespace ignored)\n"
	"  -o, --output PKG       the package to write (replaced atomically)\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n";

/* The serials of a --targets file, kept for the writer. */
struct targets {
	char names[PKG_MAX_TARGETS][PKG_STR_MAX + 1];
	const char *list[PKG_MAX_TARGETS];
	size_t n;
};

/* Read FILE: one serial per line, surrounding blanks ignored, '#' to the end
 * of the line a comment. 0, 1 (cannot read it) or EXIT_USAGE (its content). */
static int read_targets(const char *file, struct targets *t)
{
	char line[256];
	unsigned lineno = 0;
	FILE *f = fopen(file, "r");
	int ret = EXIT_USAGE;

	t->n = 0;
	if (!f)
		return error_line("cannot open `%s': %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f)) {
			error_line("%s:%u: line too long", file, lineno);
			goto out;
		}
		if ((e = strchr(s, '#')))
			*e = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
			*--e = '\0';
		if (!*s)
			continue;
		if (!pkg_valid_serial(s)) {
			error_line("%s:%u: `%s' is not a serial (1 to 63 printable ASCII "
				   "characters, no space)",
				   file, lineno, s);
			goto out;
		}
		for (size_t i = 0; i < t->n; i++) {
			if (!strcmp(t->names[i], s)) {
				error_line("%s:%u: serial `%s' listed twice", file, lineno, s);
				goto out;
			}
		}
		if (t->n == PKG_MAX_TARGETS) {
			error_line("%s: more than %u serials", file, PKG_MAX_TARGETS);
			goto out;
		}
		strcpy(t->names[t->n], s);
		t->list[t->n] = t->names[t->n];
		t->n++;
	}
	if (ferror(f)) {
		ret = error_line("cannot read `%s': %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

/* The image's size and SHA-256. 0, 1 (printed), EXIT_USAGE (too big). */
static int hash_image(const char *image, FILE *f, uint64_t *size, uint8_t sha[PKG_SHA256_LEN])
{
	int more = 0;
	int r = pkg_sha256_file(f, PKG_IMAGE_MAX, sha, size, &more);

	if (r)
		return error_line("cannot read `%s': %s", image,
				  r == -PKG_E_IO ? strerror(errno) : pkg_strerror(r));
	if (more)
		return error_line("`%s' is larger than a package can hold (%llu bytes)", image,
				  (unsigned long long)PKG_IMAGE_MAX);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* How the image is sealed: encrypted (gcm set up with the header as AAD)
 * and what its digests must be. */
struct seal {
	struct pkg_gcm gcm;
	int encrypt;
	uint8_t plain[PKG_SHA256_LEN]; /* of the plain image */
	uint8_t tag[PKG_GCM_TAG_LEN];
};

/* Write header + image to fd, hashing the image again as it goes (and its
 * ciphertext, when sealed): the image must not change between the readings.
 * 0 or 1 (printed). */
static int write_package(int fd, const char *out, const uint8_t *hdr, size_t hdr_len,
			 const char *image, FILE *img, const struct pkg_header *h,
			 struct seal *seal)
{
	static uint8_t buf[1 << 16];
	struct pkg_sha256 s = {NULL}, c = {NULL};
	uint8_t again[PKG_SHA256_LEN], cipher[PKG_SHA256_LEN];
	uint64_t total = 0;
	int ret = 1;

	if (pkg_sha256_init(&s) || (seal->encrypt && pkg_sha256_init(&c))) {
		error_line("%s", pkg_strerror(PKG_E_CRYPTO));
		goto out;
	}
	if (write_all(fd, hdr, hdr_len) < 0) {
		error_line("cannot write `%s': %s", out, strerror(errno));
		goto out;
	}
	rewind(img);
	for (;;) {
		size_t got = fread(buf, 1, sizeof(buf), img);

		if (got == 0)
			break;
		if (pkg_sha256_update(&s, buf, got) ||
		    (seal->encrypt && (pkg_gcm_update(&seal->gcm, buf, got, buf) ||
				       pkg_sha256_update(&c, buf, got)))) {
			error_line("%s", pkg_strerror(PKG_E_CRYPTO));
			goto out;
		}
		total += got;
		if (write_all(fd, buf, got) < 0) {
			error_line("cannot write `%s': %s", out, strerror(errno));
			goto out;
		}
	}
	if (ferror(img)) {
		error_line("cannot read `%s': %s", image, strerror(errno));
		goto out;
	}
	if (pkg_sha256_final(&s, again) || (seal->encrypt && pkg_sha256_final(&c, cipher)) ||
	    (seal->encrypt && pkg_gcm_final(&seal->gcm, seal->tag))) {
		error_line("%s", pkg_strerror(PKG_E_CRYPTO));
		goto out;
	}
	if (total != h->image_size ||
	    memcmp(again, seal->encrypt ? seal->plain : h->sha256, PKG_SHA256_LEN) ||
	    (seal->encrypt && memcmp(cipher, h->sha256, PKG_SHA256_LEN))) {
		error_line("`%s' changed while it was being packed", image);
		goto out;
	}
	ret = 0;
out:
	pkg_sha256_dispose(&s);
	pkg_sha256_dispose(&c);
	pkg_gcm_dispose(&seal->gcm);
	return ret;
}

/* The SHA-256 of the image's ciphertext under key and nonce: GCM's
 * ciphertext does not depend on the AAD, so it is known before the header
 * that holds it is made. 0 or 1 (printed). */
static int hash_ciphertext(const char *image, FILE *img, const uint8_t *key, const uint8_t *nonce,
			   uint8_t out[PKG_SHA256_LEN])
{
	static uint8_t buf[1 << 16];
	struct pkg_gcm g = {NULL, 0};
	struct pkg_sha256 s = {NULL};
	uint8_t tag[PKG_GCM_TAG_LEN];
	int ret = 1;

	rewind(img);
	if (pkg_sha256_init(&s) || pkg_gcm_init(&g, 1, key, nonce, NULL, 0)) {
		error_line("%s", pkg_strerror(PKG_E_CRYPTO));
		goto out;
	}
	for (;;) {
		size_t got = fread(buf, 1, sizeof(buf), img);

		if (got == 0)
			break;
		if (pkg_gcm_update(&g, buf, got, buf) || pkg_sha256_update(&s, buf, got)) {
			error_line("%s", pkg_strerror(PKG_E_CRYPTO));
			goto out;
		}
	}
	if (ferror(img)) {
		error_line("cannot read `%s': %s", image, strerror(errno));
		goto out;
	}
	if (pkg_gcm_final(&g, tag) || pkg_sha256_final(&s, out)) {
		error_line("%s", pkg_strerror(PKG_E_CRYPTO));
		goto out;
	}
	ret = 0;
out:
	pkg_gcm_dispose(&g);
	pkg_sha256_dispose(&s);
	return ret;
}

/* Fill in the tag and the signature of the header written at the start of
 * fd, and its CRC. 0 or 1 (printed). */
static int finish_header(int fd, const char *out, uint8_t *hdr, size_t hdr_len,
			 const struct seal *seal, const struct pkg_key *key)
{
	struct pkg_header h;
	int r = pkg_header_parse(hdr, hdr_len, &h);

	if (r)
		return error_line("cannot make the header: %s", pkg_strerror(r));
	if (seal->encrypt)
		memcpy(hdr + h.tag_off, seal->tag, PKG_GCM_TAG_LEN);
	if (key->pkey && pkg_sign(key, hdr, h.signed_len, hdr + h.sig_off))
		return error_line("cannot sign the header: %s", pkg_strerror(PKG_E_CRYPTO));
	pkg_header_reseal(hdr, hdr_len);
	if (pwrite(fd, hdr, hdr_len, 0) != (ssize_t)hdr_len || fsync(fd) < 0)
		return error_line("cannot write `%s': %s", out, strerror(errno ? errno : EIO));
	return 0;
}

/* Read back what was written, as inspect would, with the signing key's
 * public half trusted and the AES key: 0 or 1 (printed). */
static int verify_written(const char *tmp, const char *out, const struct pkg_key *key,
			  const uint8_t *aes)
{
	static struct pkgfile p;
	FILE *f = fopen(tmp, "rb");
	int r;

	if (!f)
		return error_line("cannot read back `%s': %s", tmp, strerror(errno));
	r = pkgfile_check(f, &p);
	if (!r && key->pkey && (r = pkgfile_trust(&p, key, 1)) == 0)
		r = p.sig_rc;
	if (!r && aes && (r = pkgfile_decrypt(f, &p, aes)) == 0)
		r = p.tag_rc;
	fclose(f);
	if (r)
		return error_line("the package written to `%s' does not check: %s", out,
				  pkg_strerror(r));
	return 0;
}

/* Create a temporary file beside path; fd or -1. */
static int make_temp(const char *path, char *tmp, size_t cap)
{
	int fd;

	if ((size_t)snprintf(tmp, cap, "%s.XXXXXX", path) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	return fd;
}

/* fsync the directory holding path, so the rename survives a power cut. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int cmd_pack(const struct command *cmd, int argc, char **argv)
{
	static struct targets targets;
	static uint8_t hdr[PKG_HDR_MAX];
	struct pkg_header h;
	static struct seal seal;
	struct pkg_key key = {NULL, {0}, 0};
	struct pkg_extra x;
	uint8_t aes[PKG_AES_KEY_LEN], nonce[PKG_GCM_NONCE_LEN], zero[PKG_SIG_LEN];
	char err[PATH_MAX + 128];
	const char *targets_file = NULL, *out = NULL, *image, *epoch, *sign = NULL, *encrypt = NULL;
	char tmp[PATH_MAX], vs[PKG_VERSION_STRMAX], hex[2 * PKG_SHA256_LEN + 1];
	int have_version = 0, have_time = 0, c, r, n, fd = -1, ret;
	FILE *img = NULL;
	struct stat st;

	memset(&h, 0, sizeof(h));
	h.type = FT_CONFIG;
	targets.n = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case P_VENDOR:
		case P_MODEL:
			if (!pkg_valid_name(optarg))
				return usage_error("%s `%s': 1 to 63 printable ASCII characters",
						   c == P_VENDOR ? "--vendor" : "--model", optarg);
			strcpy(c == P_VENDOR ? h.vendor : h.model, optarg);
			break;
		case P_IMAGE_VERSION:
			if (pkg_version_parse(optarg, &h.version))
				return usage_error("--image-version `%s': 1 to 4 numbers 0..65535 "
						   "separated by dots (1.10.3)",
						   optarg);
			have_version = 1;
			break;
		case 't':
			h.type = (uint8_t)opt_file_type(optarg);
			if (!h.type)
				return usage_error("--type `%s': config, algorithm, parameter or "
						   "redundancy",
						   optarg);
			break;
		case P_TARGETS: targets_file = optarg; break;
		case P_BUILD_TIME:
			if (opt_uint("--build-time", optarg, 0, UINT64_MAX, 0, "seconds",
				     &h.build_time))
				return EXIT_USAGE;
			have_time = 1;
			break;
		case 'o': out = optarg; break;
		case P_SIGN: sign = optarg; break;
		case P_ENCRYPT: encrypt = optarg; break;
		case P_VERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
	}
	if (!*h.vendor)
		return usage_error("missing --vendor");
	if (!*h.model)
		return usage_error("missing --model");
	if (!have_version)
		return usage_error("missing --image-version");
	if (!out)
		return usage_error("missing -o PKG");
	if (optind >= argc)
		return usage_error("missing IMAGE to pack");
	if (optind + 1 < argc)
		return usage_error("unexpected argument `%s'", argv[optind + 1]);
	image = argv[optind];
	if (!have_time && (epoch = getenv("SOURCE_DATE_EPOCH")) && *epoch) {
		if (opt_uint("SOURCE_DATE_EPOCH", epoch, 0, UINT64_MAX, 0, "seconds",
			     &h.build_time))
			return EXIT_USAGE;
		have_time = 1;
	}
	if (!have_time)
		h.build_time = (uint64_t)time(NULL);
	if (targets_file && (ret = read_targets(targets_file, &targets)) != 0)
		return ret;
	memset(&seal, 0, sizeof(seal));
	memset(&x, 0, sizeof(x));
	memset(zero, 0, sizeof(zero));
	if (encrypt && (r = pkg_aes_key_load(encrypt, aes, err, sizeof(err))) != 0) {
		error_line("%s", err);
		return r == -PKG_E_FIELD ? EXIT_USAGE : 1;
	}
	if (sign && (r = pkg_key_load_private(sign, &key, err, sizeof(err))) != 0) {
		error_line("%s", err);
		return r == -PKG_E_FIELD ? EXIT_USAGE : 1;
	}

	ret = 1;
	img = fopen(image, "rb");
	if (!img)
		return error_line("cannot open `%s': %s", image, strerror(errno));
	if (fstat(fileno(img), &st) < 0 || !S_ISREG(st.st_mode)) {
		error_line("`%s' is not a regular file", image);
		goto out;
	}
	if (hash_image(image, img, &h.image_size, h.sha256))
		goto out;
	if (encrypt) {
		seal.encrypt = 1;
		memcpy(seal.plain, h.sha256, PKG_SHA256_LEN);
		if (pkg_random(nonce, sizeof(nonce))) {
			error_line("cannot make a nonce: %s", pkg_strerror(PKG_E_CRYPTO));
			goto out;
		}
		if (hash_ciphertext(image, img, aes, nonce, h.sha256))
			goto out;
		x.plain_sha256 = seal.plain;
		x.nonce = nonce;
		x.tag = zero;
	}
	if (sign) {
		x.key_id = key.id;
		x.key_id_len = PKG_KEY_ID_LEN;
		x.sig = zero;
		x.sig_len = PKG_SIG_LEN;
	}
	n = pkg_header_write_ext(&h, targets.list, targets.n, &x, hdr, sizeof(hdr));
	if (n < 0) {
		error_line("cannot make the header: %s", pkg_strerror(n));
		goto out;
	}
	if ((unsigned)n > PKG_HDR_WIRE_MAX)
		fprintf(stderr,
			"%s: warning: the header is %d bytes, more than fits one FILE_INFO at "
			"MTU 1500 (%u): a board on such a link cannot take it\n",
			opts_prog(), n, PKG_HDR_WIRE_MAX);
	fd = make_temp(out, tmp, sizeof(tmp));
	if (fd < 0) {
		error_line("cannot create a file beside `%s': %s", out, strerror(errno));
		goto out;
	}
	if (encrypt) {
		static uint8_t aad[PKG_HDR_MAX];
		struct pkg_header ph;
		int a = pkg_header_parse(hdr, (size_t)n, &ph);

		a = a ? a : pkg_gcm_aad(&ph, hdr, aad, sizeof(aad));
		if (a < 0 || pkg_gcm_init(&seal.gcm, 1, aes, nonce, aad, (size_t)a)) {
			error_line("cannot encrypt: %s", pkg_strerror(a < 0 ? a : PKG_E_CRYPTO));
			goto out;
		}
	}
	r = write_package(fd, out, hdr, (size_t)n, image, img, &h, &seal);
	if (!r && (encrypt || sign))
		r = finish_header(fd, out, hdr, (size_t)n, &seal, &key);
	if (!r && fsync(fd) < 0)
		r = error_line("cannot write `%s': %s", out, strerror(errno));
	if (close(fd) < 0 && !r)
		r = error_line("cannot write `%s': %s", out, strerror(errno));
	fd = -1;
	if (r || verify_written(tmp, out, &key, encrypt ? aes : NULL)) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, out) < 0) {
		error_line("cannot rename to `%s': %s", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	sync_dir(out);
	pkg_version_format(&h.version, vs, sizeof(vs));
	pkg_hex(h.sha256, PKG_SHA256_LEN, hex);
	snprintf(tmp, sizeof(tmp), "%zu target serial%s", targets.n, targets.n == 1 ? "" : "s");
	if (encrypt)
		pkg_hex(seal.plain, PKG_SHA256_LEN, hex);
	printf("%s: %s %s %s, %s, for %s, image %llu bytes, sha256 %s, header %d bytes", out,
	       h.vendor, h.model, vs, proto_type_name(h.type), targets.n ? tmp : "any board",
	       (unsigned long long)h.image_size, hex, n);
	if (sign) {
		pkg_hex(key.id, PKG_KEY_ID_LEN, hex);
		printf(", signed by key %s", hex);
	}
	if (encrypt) {
		pkg_hex(h.sha256, PKG_SHA256_LEN, hex);
		printf(", encrypted (AES-128-GCM, ciphertext sha256 %s)", hex);
	}
	printf("\n");
	ret = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (img)
		fclose(img);
	pkg_key_dispose(&key);
	pkg_wipe(aes, sizeof(aes));
	return ret;
}
