/* SPDX-License-Identifier: MIT */
/* The runner of ethdl batch: one child process per board (or per group of
 * boards), running the same binary's `download --json` (or `group --json`)
 * for each of its files in order. A fault in one board's session stays in
 * its process; the parent only reads the children's JSON lines, their
 * progress lines (--progress-fd 3) and their exit status. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "common.h"
#include "opts.h"
#include "proto.h"

#define PROGRESS_FD 3
#define LINE_MAX_LEN 8192

struct stream {
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
};

/* A step: one file for each of some boards, in one child. */
struct target {
	size_t b, f;
	int got; /* a result line came for it */
};

struct unit {
	size_t *boards, nb;
	int group;
	size_t step, nsteps; /* single board: the file index; group: distinct files */
	struct batch_file **steps;
	pid_t pid;
	int done;
	uint64_t t0;
	struct stream out, err, prog;
	struct target *t;
	size_t nt;
	char errtail[180];
};

int batch_parse_result(const char *line, struct batch_result *res, char mac[18])
{
	json_error_t je;
	json_t *j = json_loads(line, 0, &je), *v;
	const char *board, *result;
	int r = -1;

	if (!j)
		return -1;
	board = json_string_value(json_object_get(j, "board"));
	result = json_string_value(json_object_get(j, "result"));
	v = json_object_get(j, "exit");
	if (board && result && json_is_integer(v) && !json_object_get(j, "summary")) {
		snprintf(mac, 18, "%s", board);
		snprintf(res->result, sizeof(res->result), "%s", result);
		res->exit = (int)json_integer_value(v);
		v = json_object_get(j, "bytes");
		res->bytes = json_is_integer(v) && json_integer_value(v) > 0
				     ? (uint64_t)json_integer_value(v)
				     : 0;
		v = json_object_get(j, "seconds");
		if (json_is_number(v) && json_number_value(v) >= 0)
			res->ms = (uint64_t)(json_number_value(v) * 1000 + 0.5);
		v = json_object_get(j, "detail");
		if (!json_is_string(v))
			v = json_object_get(j, "reason");
		snprintf(res->detail, sizeof(res->detail), "%s",
			 json_is_string(v) ? json_string_value(v) : "");
		v = json_object_get(j, "resumed_frames");
		res->resumed = json_is_integer(v) && json_integer_value(v) > 0;
		res->verified = res->exit == 0 && !strcmp(result, "ok");
		r = 0;
	}
	json_decref(j);
	return r;
}

static int board_stopped(const struct batch_run *r, size_t b)
{
	const struct batch_board *bd = &r->m->boards[b];

	for (size_t f = 0; f < bd->nfiles; f++)
		if (r->res[b][f].state == BR_DONE && r->res[b][f].exit)
			return 1;
	return 0;
}

static void set_result(struct batch_run *r, const struct batch_run_opts *o, size_t b, size_t f,
		       int state, const char *result, int code, const char *detail)
{
	struct batch_result *x = &r->res[b][f];

	x->state = state;
	snprintf(x->result, sizeof(x->result), "%s", result);
	x->exit = code;
	x->verified = state == BR_SKIPPED;
	snprintf(x->detail, sizeof(x->detail), "%s", detail);
	if (o->on_result)
		o->on_result(o->ctx, b, f);
}

/* The boards of u that take part in the step: those whose file it is, not
 * stopped by an earlier failure, not already verified (state file). */
static size_t step_targets(struct batch_run *r, const struct batch_run_opts *o, struct unit *u)
{
	const struct batch_file *sf = u->steps[u->step];

	u->nt = 0;
	for (size_t i = 0; i < u->nb; i++) {
		size_t b = u->boards[i], f;
		const struct batch_board *bd = &r->m->boards[b];

		for (f = 0; f < bd->nfiles; f++)
			if (u->group ? bd->files[f].type == sf->type &&
					       !strcmp(bd->files[f].path, sf->path) &&
					       r->res[b][f].state == BR_PENDING
				     : &bd->files[f] == sf)
				break;
		if (f == bd->nfiles)
			continue;
		if (!o->continue_on_error && board_stopped(r, b)) {
			set_result(r, o, b, f, BR_NOT_RUN, "not-run", 0,
				   "not sent: an earlier file of this board failed");
			continue;
		}
		if (o->state && batch_state_find(o->state, bd->macs, bd->files[f].type,
						  bd->files[f].size, bd->files[f].sha256)) {
			set_result(r, o, b, f, BR_SKIPPED, "skipped", 0,
				   "verified before, same content (state file)");
			continue;
		}
		u->t[u->nt].b = b;
		u->t[u->nt].f = f;
		u->t[u->nt++].got = 0;
	}
	return u->nt;
}

static int to_fd(int from, int to)
{
	if (from == to)
		return fcntl(from, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

static int spawn(struct batch_run *r, const struct batch_run_opts *o, struct unit *u)
{
	const struct batch_file *sf = u->steps[u->step];
	char **argv = calloc(24 + 2 * u->nt, sizeof(*argv));
	size_t n = 0;
	int po[2], pe[2], pp[2] = {-1, -1};
	pid_t pid;

	if (!argv)
		return -ENOMEM;
	argv[n++] = "ethdl";
	argv[n++] = u->group ? "group" : "download";
	argv[n++] = "-i";
	argv[n++] = r->m->ifname;
	for (size_t i = 0; i < u->nt; i++) {
		argv[n++] = "-b";
		argv[n++] = (char *)r->m->boards[u->t[i].b].macs;
	}
	argv[n++] = "-t";
	argv[n++] = (char *)proto_type_name(sf->type);
	argv[n++] = "--json";
	if (!u->group) {
		argv[n++] = "--progress-fd";
		argv[n++] = "3";
		if (o->retries) {
			argv[n++] = "--retries";
			argv[n++] = (char *)o->retries;
		}
	}
	if (o->timeout) {
		argv[n++] = "--timeout";
		argv[n++] = (char *)o->timeout;
	}
	argv[n++] = "--";
	argv[n++] = sf->path;
	argv[n] = NULL;
	if (pipe2(po, O_CLOEXEC) < 0)
		goto fail0;
	if (pipe2(pe, O_CLOEXEC) < 0)
		goto fail1;
	if (pipe2(pp, O_CLOEXEC) < 0)
		goto fail2;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto fail3;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* fd 3 first: the others may sit on it */
		if (pp[1] != PROGRESS_FD) {
			int t = fcntl(pp[1], F_DUPFD, 10);

			if (t < 0)
				_exit(127);
			pp[1] = t;
		}
		if (po[1] == PROGRESS_FD || pe[1] == PROGRESS_FD) {
			if (po[1] == PROGRESS_FD)
				po[1] = fcntl(po[1], F_DUPFD, 10);
			if (pe[1] == PROGRESS_FD)
				pe[1] = fcntl(pe[1], F_DUPFD, 10);
		}
		if (null < 0 || to_fd(null, 0) < 0 || to_fd(pp[1], PROGRESS_FD) < 0 ||
		    to_fd(po[1], 1) < 0 || to_fd(pe[1], 2) < 0)
			_exit(127);
		execv(o->exe, argv);
		dprintf(2, "ethdl: batch: cannot run %s: %s\n", o->exe, strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	close(pp[1]);
	free(argv);
	u->pid = pid;
	u->t0 = mono_us();
	u->out.fd = po[0];
	u->err.fd = pe[0];
	u->prog.fd = pp[0];
	u->out.len = u->err.len = u->prog.len = 0;
	u->errtail[0] = 0;
	for (size_t i = 0; i < u->nt; i++) {
		r->res[u->t[i].b][u->t[i].f].state = BR_RUNNING;
		r->live[u->t[i].b].active = 1;
		r->live[u->t[i].b].file = u->t[i].f;
		snprintf(r->live[u->t[i].b].phase, sizeof(r->live[0].phase), "%s",
			 u->group ? "group" : "connect");
		r->live[u->t[i].b].bytes = r->live[u->t[i].b].rate = 0;
		r->live[u->t[i].b].eta_ms = 0;
		r->live[u->t[i].b].total = sf->size;
	}
	return 0;
fail3:
	close(pp[0]);
	close(pp[1]);
fail2:
	close(pe[0]);
	close(pe[1]);
fail1:
	close(po[0]);
	close(po[1]);
fail0:
	free(argv);
	return -errno;
}

static void on_line(struct batch_run *r, const struct batch_run_opts *o, struct unit *u,
		    struct stream *s, char *line)
{
	if (s == &u->err) {
		snprintf(u->errtail, sizeof(u->errtail), "%s", line);
		return;
	}
	if (s == &u->out) {
		struct batch_result res;
		char mac[18];

		memset(&res, 0, sizeof(res));
		if (batch_parse_result(line, &res, mac) < 0)
			return;
		for (size_t i = 0; i < u->nt; i++) {
			size_t b = u->t[i].b, f = u->t[i].f;

			if (u->t[i].got || strcasecmp(mac, r->m->boards[b].macs))
				continue;
			u->t[i].got = 1;
			res.state = BR_DONE;
			if (!res.ms)
				res.ms = (mono_us() - u->t0) / 1000;
			r->res[b][f] = res;
			r->live[b].active = 0;
			if (res.verified && o->state) {
				const struct batch_file *bf = &r->m->boards[b].files[f];
				int e = batch_state_add(o->state, r->m->boards[b].macs, bf->type,
							bf->path, bf->size, bf->sha256,
							(int64_t)time(NULL));
				if (e < 0)
					error_line("batch: cannot write the state file `%s': %s",
						   o->state->path, strerror(-e));
			}
			if (o->on_result)
				o->on_result(o->ctx, b, f);
			break;
		}
		return;
	}
	/* progress */
	{
		json_t *j = json_loads(line, 0, NULL);
		const char *mac = json_string_value(json_object_get(j, "board"));
		const char *ph = json_string_value(json_object_get(j, "phase"));

		for (size_t i = 0; mac && ph && i < u->nt; i++) {
			struct batch_live *l = &r->live[u->t[i].b];

			if (strcasecmp(mac, r->m->boards[u->t[i].b].macs))
				continue;
			snprintf(l->phase, sizeof(l->phase), "%s", ph);
			l->bytes = (uint64_t)json_integer_value(json_object_get(j, "bytes"));
			l->total = (uint64_t)json_integer_value(json_object_get(j, "total"));
			l->rate = (uint64_t)json_integer_value(json_object_get(j, "rate"));
			l->eta_ms = (uint64_t)json_integer_value(json_object_get(j, "eta_ms"));
		}
		json_decref(j);
	}
}

/* Read what is there; close the stream at end of file. */
static void drain(struct batch_run *r, const struct batch_run_opts *o, struct unit *u,
		  struct stream *s)
{
	ssize_t got;
	char *nl;

	if (s->fd < 0)
		return;
	got = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (got > 0)
		s->len += (size_t)got;
	s->buf[s->len] = 0;
	while ((nl = memchr(s->buf, '\n', s->len))) {
		*nl = 0;
		on_line(r, o, u, s, s->buf);
		s->len -= (size_t)(nl + 1 - s->buf);
		memmove(s->buf, nl + 1, s->len);
	}
	if (s->len == sizeof(s->buf) - 1) /* a line too long: keep its end */
		s->len = 0;
	if (got <= 0) {
		if (s->len) {
			s->buf[s->len] = 0;
			on_line(r, o, u, s, s->buf);
			s->len = 0;
		}
		close(s->fd);
		s->fd = -1;
	}
}

/* The child of u ended: every board without a result line gets one. */
static void finish_step(struct batch_run *r, const struct batch_run_opts *o, struct unit *u)
{
	int st = 0, code;
	char why[200];

	while (waitpid(u->pid, &st, 0) < 0 && errno == EINTR)
		;
	u->pid = 0;
	if (WIFEXITED(st))
		code = WEXITSTATUS(st);
	else
		code = 128 + WTERMSIG(st);
	for (size_t i = 0; i < u->nt; i++) {
		size_t b = u->t[i].b, f = u->t[i].f;
		struct batch_result *x = &r->res[b][f];

		r->live[b].active = 0;
		if (u->t[i].got)
			continue;
		memset(x, 0, sizeof(*x));
		x->ms = (mono_us() - u->t0) / 1000;
		if (WIFSIGNALED(st))
			snprintf(why, sizeof(why), "its process was killed by %s",
				 strsignal(WTERMSIG(st)));
		else
			snprintf(why, sizeof(why), "%s",
				 *u->errtail ? u->errtail : "no result from its process");
		x->state = BR_DONE;
		x->exit = code ? code : 1;
		snprintf(x->result, sizeof(x->result), "%s",
			 r->signal && (x->exit == 130 || x->exit == 143) ? "interrupted" : "error");
		snprintf(x->detail, sizeof(x->detail), "%s", why);
		if (o->on_result)
			o->on_result(o->ctx, b, f);
	}
	u->nt = 0;
	u->step++;
}

/* Start u's next step that has something to send; 1 if a child runs,
 * 0 if u is done, -1 if it could not start one. */
static int advance(struct batch_run *r, const struct batch_run_opts *o, struct unit *u)
{
	while (u->step < u->nsteps) {
		if (step_targets(r, o, u)) {
			int e = spawn(r, o, u);

			if (e < 0) {
				for (size_t i = 0; i < u->nt; i++)
					set_result(r, o, u->t[i].b, u->t[i].f, BR_DONE, "error", 1,
						   strerror(-e));
				u->nt = 0;
				u->step++;
				continue;
			}
			return 1;
		}
		u->step++;
	}
	u->done = 1;
	return 0;
}

/* The units: each board alone, and one per group name (its distinct files,
 * in order of first appearance). */
static int make_units(const struct batch_manifest *m, struct unit **out, size_t *n)
{
	struct unit *u = calloc(m->nboards, sizeof(*u));
	size_t nu = 0;

	if (!u)
		return -1;
	for (size_t b = 0; b < m->nboards; b++) {
		const struct batch_board *bd = &m->boards[b];
		struct unit *x = NULL;
		size_t total = 0;

		if (bd->group)
			for (size_t i = 0; i < nu && !x; i++)
				if (u[i].group && !strcmp(m->boards[u[i].boards[0]].group, bd->group))
					x = &u[i];
		if (x) {
			x->boards[x->nb++] = b;
			continue;
		}
		x = &u[nu++];
		x->group = bd->group != NULL;
		x->boards = calloc(m->nboards, sizeof(size_t));
		for (size_t i = 0; i < m->nboards; i++)
			total += m->boards[i].nfiles;
		x->steps = calloc(total, sizeof(*x->steps));
		x->t = calloc(m->nboards, sizeof(*x->t));
		x->out.fd = x->err.fd = x->prog.fd = -1;
		if (!x->boards || !x->steps || !x->t)
			return -1;
		x->boards[x->nb++] = b;
	}
	for (size_t i = 0; i < nu; i++)
		for (size_t k = 0; k < u[i].nb; k++) {
			const struct batch_board *bd = &m->boards[u[i].boards[k]];

			for (size_t f = 0; f < bd->nfiles; f++) {
				size_t s;

				for (s = 0; u[i].group && s < u[i].nsteps; s++)
					if (u[i].steps[s]->type == bd->files[f].type &&
					    !strcmp(u[i].steps[s]->path, bd->files[f].path))
						break;
				if (!u[i].group || s == u[i].nsteps)
					u[i].steps[u[i].nsteps++] = &bd->files[f];
			}
		}
	*out = u;
	*n = nu;
	return 0;
}

int batch_run(const struct batch_manifest *m, const struct batch_run_opts *o, struct batch_run *r)
{
	struct unit *u = NULL;
	size_t nu = 0, running = 0, next = 0;
	uint64_t last_tick = mono_us();
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->res = calloc(m->nboards, sizeof(*r->res));
	r->live = calloc(m->nboards, sizeof(*r->live));
	if (!r->res || !r->live)
		goto oom;
	for (size_t b = 0; b < m->nboards; b++) {
		r->res[b] = calloc(m->boards[b].nfiles, sizeof(**r->res));
		if (!r->res[b])
			goto oom;
	}
	if (make_units(m, &u, &nu) < 0)
		goto oom;
	for (;;) {
		struct pollfd pfd[3 * BATCH_MAX_JOBS];
		struct stream *ps[3 * BATCH_MAX_JOBS];
		struct unit *pu[3 * BATCH_MAX_JOBS];
		size_t np = 0;
		int sig;

		while (!r->signal && running < (size_t)o->jobs && next < nu)
			if (advance(r, o, &u[next++]) > 0)
				running++;
		if (!running)
			break;
		for (size_t i = 0; i < nu; i++) {
			struct stream *s3[3] = {&u[i].out, &u[i].err, &u[i].prog};

			if (!u[i].pid)
				continue;
			for (int k = 0; k < 3; k++)
				if (s3[k]->fd >= 0) {
					pfd[np].fd = s3[k]->fd;
					pfd[np].events = POLLIN;
					pfd[np].revents = 0;
					ps[np] = s3[k];
					pu[np++] = &u[i];
				}
		}
		if (poll(pfd, np, 250) < 0 && errno != EINTR) {
			error_line("batch: poll: %s", strerror(errno));
			break;
		}
		sig = caught_signal();
		if (sig && !r->signal) {
			r->signal = sig;
			for (size_t i = 0; i < nu; i++)
				if (u[i].pid)
					kill(u[i].pid, SIGTERM);
		}
		for (size_t k = 0; k < np; k++)
			if (pfd[k].revents)
				drain(r, o, pu[k], ps[k]);
		for (size_t i = 0; i < nu; i++) {
			if (!u[i].pid || u[i].out.fd >= 0 || u[i].err.fd >= 0 || u[i].prog.fd >= 0)
				continue;
			finish_step(r, o, &u[i]);
			running--;
			if (!r->signal && advance(r, o, &u[i]) > 0)
				running++;
		}
		if (o->on_tick && mono_us() - last_tick >= 250000) {
			last_tick = mono_us();
			o->on_tick(o->ctx);
		}
	}
	/* What an interrupt left unsent. */
	for (size_t b = 0; b < m->nboards; b++)
		for (size_t f = 0; f < m->boards[b].nfiles; f++)
			if (r->res[b][f].state == BR_PENDING)
				set_result(r, o, b, f, BR_NOT_RUN, "not-run", 0,
					   r->signal ? "not sent: the batch was interrupted"
						     : "not sent: an earlier file of this board failed");
	ret = 0;
	goto out;
oom:
	error_line("batch: out of memory");
out:
	for (size_t i = 0; u && i < nu; i++) {
		free(u[i].boards);
		free(u[i].steps);
		free(u[i].t);
	}
	free(u);
	return ret;
}

void batch_run_dispose(struct batch_run *r)
{
	for (size_t b = 0; r->res && b < r->m->nboards; b++)
		free(r->res[b]);
	free(r->res);
	free(r->live);
	memset(r, 0, sizeof(*r));
}
