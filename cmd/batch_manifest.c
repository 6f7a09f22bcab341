/* SPDX-License-Identifier: MIT */
/* The manifest of ethdl batch: JSON read by jansson, checked field by field;
 * a field that is wrong is placed by line and column with a small locator
 * that walks the (already valid) text down the field's path. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "opts.h"
#include "pkg_digest.h"

/* ---- the locator ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* p at '"': past the closing quote. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
	int depth = 0;

	p = skip_ws(p);
	if (*p == '"')
		return skip_string(p);
	if (*p != '{' && *p != '[') {
		while (*p && !strchr(",]} \t\r\n", *p))
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			p = skip_string(p);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (*p && depth > 0);
	return p;
}

/* p at a value: the start of its member key (or element index), or NULL. */
static const char *child(const char *p, const struct batch_jpath *c)
{
	size_t i = 0, klen = c->key ? strlen(c->key) : 0;

	if (*p != (c->key ? '{' : '['))
		return NULL;
	for (p = skip_ws(p + 1); *p && *p != '}' && *p != ']'; i++) {
		if (c->key) {
			const char *k = p + 1, *end = skip_string(p);
			int match = (size_t)(end - 1 - k) == klen && !strncmp(k, c->key, klen);

			p = skip_ws(end);
			if (*p != ':')
				return NULL;
			p = skip_ws(p + 1);
			if (match)
				return p;
		} else if (i == c->index)
			return p;
		p = skip_ws(skip_value(p));
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	return NULL;
}

int batch_locate(const char *text, const struct batch_jpath *path, size_t n, int *line, int *col)
{
	const char *p = skip_ws(text), *q;

	for (size_t i = 0; i < n && p; i++)
		p = child(p, &path[i]);
	if (!p)
		return -1;
	*line = 1;
	*col = 1;
	for (q = text; q < p; q++) {
		if (*q == '\n') {
			++*line;
			*col = 1;
		} else
			++*col;
	}
	return 0;
}

/* ---- the checks ---- */

#define MAX_DEPTH 6

struct mctx {
	const char *text, *file;
	char *err;
	size_t cap;
	struct batch_jpath path[MAX_DEPTH];
	size_t n;
};

/* "FILE:LINE:COL: FIELD: what": the field is the whole path, the place that
 * of its first loc components (the enclosing object of a missing field).
 * Returns -1. */
static int fail_at(struct mctx *c, size_t loc, const char *fmt, ...)
{
	char field[128] = "", what[256];
	size_t off = 0;
	int line = 0, col = 0;
	va_list ap;

	for (size_t i = 0; i < c->n && off < sizeof(field); i++) {
		if (c->path[i].key)
			off += (size_t)snprintf(field + off, sizeof(field) - off, "%s%s",
						i ? "." : "", c->path[i].key);
		else
			off += (size_t)snprintf(field + off, sizeof(field) - off, "[%zu]",
						c->path[i].index);
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (batch_locate(c->text, c->path, loc, &line, &col) < 0)
		batch_locate(c->text, NULL, 0, &line, &col);
	snprintf(c->err, c->cap, "%s:%d:%d: %s%s%s", c->file, line, col, field, *field ? ": " : "",
		 what);
	return -1;
}
#define fail(c, ...) fail_at((c), (c)->n, __VA_ARGS__)

static void push_key(struct mctx *c, const char *k)
{
	c->path[c->n].key = k;
	c->path[c->n++].index = 0;
}
static void push_index(struct mctx *c, size_t i)
{
	c->path[c->n].key = NULL;
	c->path[c->n++].index = i;
}

/* Every key of obj is one of allowed (NULL-terminated, listed in words). */
static int known_keys(struct mctx *c, json_t *obj, const char *const *allowed, const char *list)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, k))
			a++;
		if (!*a) {
			push_key(c, k);
			return fail(c, "\"%s\" is not a known field (%s)", k, list);
		}
	}
	return 0;
}

/* A required (or optional) non-empty string member; *out NULL if absent. */
static int get_string(struct mctx *c, json_t *obj, const char *key, int required,
		      const char *missing, const char **out)
{
	json_t *v = json_object_get(obj, key);
	int r = 0;

	*out = NULL;
	push_key(c, key);
	if (!v && required)
		r = fail_at(c, c->n - 1, "missing (%s)", missing);
	else if (v && (!json_is_string(v) || !*json_string_value(v)))
		r = fail(c, "must be a non-empty string");
	else if (v)
		*out = json_string_value(v);
	c->n--;
	return r;
}

static char *resolve(const char *dir, const char *p)
{
	char *s;

	if (p[0] == '/' || !dir || !*dir)
		return strdup(p);
	s = malloc(strlen(dir) + strlen(p) + 2);
	if (s)
		sprintf(s, "%s/%s", dir, p);
	return s;
}

static int parse_file(struct mctx *c, json_t *jf, const char *dir, struct batch_file *f)
{
	static const char *const keys[] = {"type", "path", NULL};
	const char *type, *path;

	if (!json_is_object(jf))
		return fail(c, "must be an object {\"type\": ..., \"path\": ...}");
	if (known_keys(c, jf, keys, "type, path") ||
	    get_string(c, jf, "type", 1, "config, algorithm, parameter or redundancy", &type) ||
	    get_string(c, jf, "path", 1, "the file to download", &path))
		return -1;
	f->type = opt_file_type(type);
	if (!f->type) {
		push_key(c, "type");
		return fail(c, "\"%s\" is not a file type (config, algorithm, parameter, redundancy)",
			    type);
	}
	f->given = strdup(path);
	f->path = resolve(dir, path);
	if (!f->given || !f->path)
		return fail(c, "out of memory");
	return 0;
}

static int parse_board(struct mctx *c, json_t *jb, const char *dir, struct batch_board *b)
{
	static const char *const keys[] = {"mac", "name", "files", "group", NULL};
	const char *mac, *name, *group;
	json_t *files, *jf;
	size_t i;

	if (!json_is_object(jb))
		return fail(c, "must be an object {\"mac\": ..., \"files\": [...]}");
	if (known_keys(c, jb, keys, "mac, name, files, group") ||
	    get_string(c, jb, "mac", 1, "the board's MAC address", &mac) ||
	    get_string(c, jb, "name", 0, NULL, &name) || get_string(c, jb, "group", 0, NULL, &group))
		return -1;
	push_key(c, "mac");
	if (parse_mac(mac, b->mac) < 0)
		return fail(c, "\"%s\" is not a MAC address (aa:bb:cc:dd:ee:ff)", mac);
	if (b->mac[0] & 1)
		return fail(c, "\"%s\" is a group (multicast) address, not a board's", mac);
	if (!memcmp(b->mac, "\0\0\0\0\0", 6))
		return fail(c, "\"%s\" is the zero address, not a board's", mac);
	c->n--;
	format_mac(b->mac, b->macs);
	b->name = strdup(name ? name : b->macs);
	b->group = group ? strdup(group) : NULL;
	if (!b->name || (group && !b->group))
		return fail(c, "out of memory");
	files = json_object_get(jb, "files");
	push_key(c, "files");
	if (!files)
		return fail_at(c, c->n - 1, "missing (the list of files for the board)");
	if (!json_is_array(files) || !json_array_size(files))
		return fail(c, "must be a non-empty list of {\"type\": ..., \"path\": ...}");
	b->files = calloc(json_array_size(files), sizeof(*b->files));
	if (!b->files)
		return fail(c, "out of memory");
	json_array_foreach(files, i, jf) {
		push_index(c, i);
		b->nfiles = i + 1;
		if (parse_file(c, jf, dir, &b->files[i]))
			return -1;
		c->n--;
	}
	c->n--;
	return 0;
}

static int parse_top(struct mctx *c, json_t *top, const char *dir, struct batch_manifest *m)
{
	static const char *const keys[] = {"interface", "jobs", "boards", NULL};
	const char *ifname;
	json_t *jobs, *boards, *jb;
	size_t i;

	if (!json_is_object(top))
		return fail(c, "the manifest must be an object {\"interface\": ..., \"boards\": [...]}");
	if (known_keys(c, top, keys, "interface, jobs, boards") ||
	    get_string(c, top, "interface", 1, "the Ethernet interface the boards are on", &ifname))
		return -1;
	m->ifname = strdup(ifname);
	jobs = json_object_get(top, "jobs");
	if (jobs) {
		push_key(c, "jobs");
		if (!json_is_integer(jobs) || json_integer_value(jobs) < 1 ||
		    json_integer_value(jobs) > BATCH_MAX_JOBS)
			return fail(c, "must be a whole number from 1 to %d", BATCH_MAX_JOBS);
		m->jobs = (int)json_integer_value(jobs);
		c->n--;
	}
	boards = json_object_get(top, "boards");
	push_key(c, "boards");
	if (!boards)
		return fail_at(c, 0, "missing (the list of boards)");
	if (!json_is_array(boards) || !json_array_size(boards))
		return fail(c, "must be a non-empty list of boards");
	m->boards = calloc(json_array_size(boards), sizeof(*m->boards));
	if (!m->boards || !m->ifname)
		return fail(c, "out of memory");
	json_array_foreach(boards, i, jb) {
		push_index(c, i);
		m->nboards = i + 1;
		if (parse_board(c, jb, dir, &m->boards[i]))
			return -1;
		for (size_t k = 0; k < i; k++)
			if (!memcmp(m->boards[k].mac, m->boards[i].mac, 6)) {
				push_key(c, "mac");
				return fail(c, "%s is already boards[%zu]: one entry per board",
					    m->boards[i].macs, k);
			}
		c->n--;
	}
	return 0;
}

int batch_manifest_parse(const char *text, size_t len, const char *file, const char *dir,
			 struct batch_manifest *m, char *err, size_t cap)
{
	struct mctx c = {.text = text, .file = file, .err = err, .cap = cap};
	json_error_t je;
	json_t *top;
	int r;

	memset(m, 0, sizeof(*m));
	top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!top) {
		snprintf(err, cap, "%s:%d:%d: not valid JSON: %s", file, je.line, je.column, je.text);
		return -1;
	}
	m->file = strdup(file);
	m->dir = strdup(dir ? dir : ".");
	m->text = strndup(text, len);
	r = parse_top(&c, top, dir, m);
	if (!r && (!m->file || !m->dir || !m->text))
		r = fail(&c, "out of memory");
	json_decref(top);
	if (r)
		batch_manifest_dispose(m);
	return r;
}

int batch_manifest_load(const char *path, struct batch_manifest *m, char *err, size_t cap)
{
	char *text = NULL, *dir, *slash;
	size_t len = 0, got, have = 0;
	FILE *f = fopen(path, "r");
	int r = -1;

	memset(m, 0, sizeof(*m));
	if (!f) {
		snprintf(err, cap, "cannot read `%s': %s", path, strerror(errno));
		return -1;
	}
	do {
		if (len + 4096 + 1 > have) {
			char *t = realloc(text, have = 2 * (have + 4096));

			if (!t)
				goto out;
			text = t;
		}
		got = fread(text + len, 1, 4096, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		snprintf(err, cap, "cannot read `%s': %s", path, strerror(errno));
		goto out;
	}
	text[len] = 0;
	if (strlen(text) != len) {
		snprintf(err, cap, "%s: not a JSON text (it holds a NUL byte)", path);
		goto out;
	}
	dir = strdup(path);
	if (!dir)
		goto out;
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	r = batch_manifest_parse(text, len, path, slash ? dir : NULL, m, err, cap);
	free(dir);
out:
	if (r && !*err)
		snprintf(err, cap, "out of memory reading `%s'", path);
	free(text);
	fclose(f);
	return r;
}

int batch_manifest_check_files(struct batch_manifest *m, char *err, size_t cap)
{
	struct mctx c = {.text = m->text, .file = m->file, .err = err, .cap = cap};

	for (size_t i = 0; i < m->nboards; i++)
		for (size_t j = 0; j < m->boards[i].nfiles; j++) {
			struct batch_file *f = &m->boards[i].files[j];
			struct stat st;
			FILE *fp;
			int more = 0, r;

			c.n = 0;
			push_key(&c, "boards");
			push_index(&c, i);
			push_key(&c, "files");
			push_index(&c, j);
			push_key(&c, "path");
			fp = fopen(f->path, "rb");
			if (!fp)
				return fail(&c, "cannot read `%s': %s", f->path, strerror(errno));
			if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
				fclose(fp);
				return fail(&c, "`%s' is not a regular file", f->path);
			}
			r = pkg_sha256_file(fp, UINT64_MAX, f->sha256, &f->size, &more);
			fclose(fp);
			if (r < 0)
				return fail(&c, "cannot read `%s': %s", f->path,
					    r == -PKG_E_IO ? "I/O error" : "cannot hash it");
			f->hashed = 1;
		}
	return 0;
}

void batch_manifest_dispose(struct batch_manifest *m)
{
	for (size_t i = 0; m->boards && i < m->nboards; i++) {
		struct batch_board *b = &m->boards[i];

		for (size_t j = 0; b->files && j < b->nfiles; j++) {
			free(b->files[j].given);
			free(b->files[j].path);
		}
		free(b->files);
		free(b->name);
		free(b->group);
	}
	free(m->boards);
	free(m->file);
	free(m->dir);
	free(m->text);
	free(m->ifname);
	memset(m, 0, sizeof(*m));
}
