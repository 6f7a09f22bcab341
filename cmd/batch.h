/* SPDX-License-Identifier: MIT */
/* ethdl batch: the manifest (batch_manifest.c), the state file of verified
 * downloads (batch_state.c) and the runner that drives one child process
 * per board (batch_run.c). batch.c is the command around them. */
#ifndef ETHDL_CMD_BATCH_H
#define ETHDL_CMD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define BATCH_MAX_JOBS 64

struct batch_file {
	int type;     /* FT_* (1..4) */
	char *given;  /* the path as the manifest wrote it */
	char *path;   /* resolved against the manifest's directory */
	uint64_t size;
	uint8_t sha256[32];
	int hashed; /* size and sha256 are set (batch_manifest_check_files) */
};

struct batch_board {
	uint8_t mac[6];
	char macs[18]; /* "02:..:.." */
	char *name;    /* as given, or the MAC */
	char *group;   /* NULL: a download of its own */
	struct batch_file *files;
	size_t nfiles;
};

struct batch_manifest {
	char *file;	 /* the manifest's path as given */
	char *dir;	 /* its directory */
	char *text;	 /* its whole text, for the locator */
	char *ifname;	 /* "interface" */
	int jobs;	 /* "jobs", or 0 */
	struct batch_board *boards;
	size_t nboards;
};

/**
 * Parse the manifest text (len bytes, NUL-terminated) named file (for
 * messages; relative paths resolve against dir) into m. 0, or -1 with
 * err holding "FILE:LINE:COL: FIELD: what is wrong". On failure m is
 * disposed. m owns copies of everything (and of text).
 */
int batch_manifest_parse(const char *text, size_t len, const char *file, const char *dir,
			 struct batch_manifest *m, char *err, size_t cap);
/** Read and parse the file path. 0, or -1 with err as above (or naming the
 *  file and the errno text when it cannot be read). */
int batch_manifest_load(const char *path, struct batch_manifest *m, char *err, size_t cap);
/** Open every file of m: a regular file, readable; its size and SHA-256.
 *  0, or -1 with err "MANIFEST:LINE:COL: FIELD: `PATH': why". */
int batch_manifest_check_files(struct batch_manifest *m, char *err, size_t cap);
void batch_manifest_dispose(struct batch_manifest *m);

/** One component of a JSON path: an object's key, or (key NULL) an index. */
struct batch_jpath {
	const char *key;
	size_t index;
};
/**
 * Where the value at path (n components; n = 0 is the whole text) starts
 * in the JSON text, which must be valid JSON: 1-based line and column
 * (column in bytes). 0, or -1 when the path is not there.
 */
int batch_locate(const char *text, const struct batch_jpath *path, size_t n, int *line, int *col);

/* ---- the state file ---- */

struct batch_entry {
	char board[18];
	int type;
	char *path;
	uint64_t size;
	uint8_t sha256[32];
	int64_t time; /* seconds since 1970 */
};

struct batch_state {
	char *path;
	struct batch_entry *e;
	size_t n;
};

/** Load path into s: an absent file is an empty state. 0, or -1 with err
 *  naming the file and what is wrong with it. */
int batch_state_load(const char *path, struct batch_state *s, char *err, size_t cap);
/** The entry of board (MAC text), type, size and content, or NULL. */
const struct batch_entry *batch_state_find(const struct batch_state *s, const char *board,
					   int type, uint64_t size, const uint8_t sha256[32]);
/** Record a verified file (replacing the board's entry of that type) and
 *  rewrite the file atomically: temp file in its directory, fsync, rename,
 *  fsync of the directory. 0 or -errno. */
int batch_state_add(struct batch_state *s, const char *board, int type, const char *path,
		    uint64_t size, const uint8_t sha256[32], int64_t time);
int batch_state_save(const struct batch_state *s);
void batch_state_dispose(struct batch_state *s);

/* ---- the runner ---- */

enum batch_res {
	BR_PENDING = 0,
	BR_RUNNING,
	BR_DONE,    /* ran; exit says how it ended */
	BR_SKIPPED, /* verified before (state file) */
	BR_NOT_RUN, /* an earlier file of the board failed */
};

/** What became of one file of one board. */
struct batch_result {
	int state;     /* enum batch_res */
	char result[32]; /* "ok", a notice name, "error", "interrupted", ... */
	int exit;
	uint64_t bytes;
	uint64_t ms;
	int verified, resumed;
	char detail[256];
};

/** Live progress of a board (from its child's --progress-fd). */
struct batch_live {
	int active;
	size_t file; /* index in the board's files */
	char phase[16];
	uint64_t bytes, total, rate, eta_ms;
};

struct batch_run_opts {
	const char *exe; /* the ethdl binary to run for each step */
	int jobs;
	int continue_on_error;
	const char *timeout; /* --timeout as given, or NULL */
	const char *retries; /* --retries as given, or NULL */
	struct batch_state *state; /* or NULL */
	/** Called after each result (b board, f file) and every 250 ms (b
	 *  NULL) while children run. */
	void (*on_result)(void *ctx, size_t b, size_t f);
	void (*on_tick)(void *ctx);
	void *ctx;
};

/** Everything one run knows: results[b][f] and live[b]. */
struct batch_run {
	const struct batch_manifest *m;
	struct batch_result **res;
	struct batch_live *live;
	int signal; /* the signal that stopped the run, or 0 */
};

/** Run every board of m (results in r, allocated here). Returns 0, or -1
 *  after saying why the run could not start. */
int batch_run(const struct batch_manifest *m, const struct batch_run_opts *o, struct batch_run *r);
void batch_run_dispose(struct batch_run *r);

/** The parse of one JSON result line of `ethdl download --json` or
 *  `ethdl group --json` into res (exit, result, bytes, ms, detail). 0, or
 *  -1 when the line is not such a result. mac gets the "board" field. */
int batch_parse_result(const char *line, struct batch_result *res, char mac[18]);

#endif
