/* SPDX-License-Identifier: MIT */
/* The state file of ethdl batch --resume: the files each board holds,
 * verified, with the SHA-256 of their content. Rewritten whole and
 * atomically after each verified file, so an interrupted run leaves either
 * the old state or the new one, never half of one. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "opts.h"
#include "proto.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int batch_state_load(const char *path, struct batch_state *s, char *err, size_t cap)
{
	json_error_t je;
	json_t *top, *list, *e;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (!s->path) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	top = json_load_file(path, 0, &je);
	if (!top) {
		snprintf(err, cap, "state file %s:%d:%d: %s", path, je.line, je.column, je.text);
		goto bad;
	}
	list = json_object_get(top, "verified");
	if (!json_is_array(list)) {
		snprintf(err, cap, "state file `%s': no \"verified\" list: not a state file of ethdl batch",
			 path);
		json_decref(top);
		goto bad;
	}
	s->e = calloc(json_array_size(list) + 1, sizeof(*s->e));
	if (!s->e) {
		snprintf(err, cap, "out of memory");
		json_decref(top);
		goto bad;
	}
	json_array_foreach(list, i, e) {
		struct batch_entry *x = &s->e[s->n];
		const char *board = json_string_value(json_object_get(e, "board"));
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *h = json_string_value(json_object_get(e, "sha256"));
		json_t *size = json_object_get(e, "size");
		uint8_t mac[6];

		if (!board || parse_mac(board, mac) < 0 || !type || !opt_file_type(type) || !p ||
		    !h || unhex(h, x->sha256, 32) < 0 || !json_is_integer(size) ||
		    json_integer_value(size) < 0) {
			snprintf(err, cap, "state file `%s': verified[%zu] is malformed", path, i);
			json_decref(top);
			goto bad;
		}
		format_mac(mac, x->board);
		x->type = opt_file_type(type);
		x->path = strdup(p);
		x->size = (uint64_t)json_integer_value(size);
		x->time = json_integer_value(json_object_get(e, "time"));
		s->n++;
		if (!x->path) {
			snprintf(err, cap, "out of memory");
			json_decref(top);
			goto bad;
		}
	}
	json_decref(top);
	return 0;
bad:
	batch_state_dispose(s);
	return -1;
}

const struct batch_entry *batch_state_find(const struct batch_state *s, const char *board,
					   int type, uint64_t size, const uint8_t sha256[32])
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcasecmp(s->e[i].board, board) && s->e[i].type == type &&
		    s->e[i].size == size && !memcmp(s->e[i].sha256, sha256, 32))
			return &s->e[i];
	return NULL;
}

int batch_state_add(struct batch_state *s, const char *board, int type, const char *path,
		    uint64_t size, const uint8_t sha256[32], int64_t time)
{
	struct batch_entry *x = NULL;
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < s->n && !x; i++)
		if (!strcasecmp(s->e[i].board, board) && s->e[i].type == type)
			x = &s->e[i];
	if (!x) {
		struct batch_entry *e = realloc(s->e, (s->n + 1) * sizeof(*e));

		if (!e) {
			free(p);
			return -ENOMEM;
		}
		s->e = e;
		x = &s->e[s->n++];
		memset(x, 0, sizeof(*x));
	}
	snprintf(x->board, sizeof(x->board), "%s", board);
	x->type = type;
	free(x->path);
	x->path = p;
	x->size = size;
	memcpy(x->sha256, sha256, 32);
	x->time = time;
	return batch_state_save(s);
}

static int fsync_dir_of(const char *path)
{
	char *d = strdup(path), *slash;
	int fd, r = 0;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (!slash)
		strcpy(d, ".");
	else
		*(slash == d ? slash + 1 : slash) = 0;
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(d);
	return r;
}

int batch_state_save(const struct batch_state *s)
{
	json_t *top = json_object(), *list = json_array();
	char *tmp = malloc(strlen(s->path) + 16);
	int fd = -1, r = -ENOMEM;
	FILE *f = NULL;

	if (!top || !list || !tmp)
		goto out;
	json_object_set_new(top, "version", json_integer(1));
	json_object_set(top, "verified", list);
	for (size_t i = 0; i < s->n; i++) {
		const struct batch_entry *x = &s->e[i];
		json_t *e = json_object();
		char h[65];

		hex(x->sha256, 32, h);
		json_object_set_new(e, "board", json_string(x->board));
		json_object_set_new(e, "type", json_string(proto_type_name(x->type)));
		json_object_set_new(e, "path", json_string(x->path));
		json_object_set_new(e, "size", json_integer((json_int_t)x->size));
		json_object_set_new(e, "sha256", json_string(h));
		json_object_set_new(e, "time", json_integer(x->time));
		json_array_append_new(list, e);
	}
	sprintf(tmp, "%s.tmpXXXXXX", s->path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (json_dumpf(top, f, JSON_INDENT(1)) < 0 || fputc('\n', f) == EOF || fflush(f) ||
	    fsync(fileno(f)) < 0) {
		r = errno ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f)) {
		r = -errno;
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, s->path) < 0) {
		r = -errno;
		unlink(tmp);
		goto out;
	}
	r = fsync_dir_of(s->path);
out:
	free(tmp);
	json_decref(list);
	json_decref(top);
	return r;
}

void batch_state_dispose(struct batch_state *s)
{
	for (size_t i = 0; s->e && i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	free(s->path);
	memset(s, 0, sizeof(*s));
}
