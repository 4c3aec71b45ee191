/*
 * The command runner. Each command is a job with a process handle, up to
 * three pipes and a timer, owned by the job and closed before it is freed.
 * Children get a session of their own (UV_PROCESS_DETACHED), so that a
 * timeout can signal everything they started. A job ends when the child has
 * exited and its output pipes are closed: at end of file, or after a grace
 * period when something the child left behind keeps them open.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xmalloc.h"

struct runner_buf {
	char *data;
	size_t len;
	size_t cap;
	int truncated;
};

struct runner_job {
	TAILQ_ENTRY(runner_job) entry;
	struct runner *r;
	runner_cb cb;
	void *arg;

	char **argv;
	char *path;
	char **env;
	char *cwd;
	char *input;
	size_t inputlen;
	int set_ids;
	uid_t uid;
	gid_t gid;
	uint64_t timeout_ms;
	uint64_t grace_ms;

	uv_process_t proc;
	uv_pipe_t in;
	uv_pipe_t out;
	uv_pipe_t err;
	uv_timer_t timer;
	uv_write_t wreq;
	int nhandles; /* handles not yet closed */
	int in_open;
	int out_open;
	int err_open;
	int started; /* the process handle was set up */
	int exited;
	int timed_out;
	int cancelled;

	uint64_t start;
	struct runner_buf bout;
	struct runner_buf berr;
	char readbuf[65536];
	struct runner_result res;
};
TAILQ_HEAD(runner_jobs, runner_job);

struct runner {
	uv_loop_t *loop;
	unsigned int max_running;
	unsigned int nrunning;
	unsigned int nqueued;
	int freeing;
	struct runner_jobs running;
	struct runner_jobs queued;
};

static void runner_job_begin(struct runner_job *);
static void runner_timer_cb(uv_timer_t *);

/* Copy a NULL-terminated vector. */
static char **
runner_copyv(char *const *v)
{
	char **copy;
	size_t n, i;

	if (v == NULL)
		return NULL;
	for (n = 0; v[n] != NULL; n++)
		;
	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

static void
runner_freev(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Append to a capture buffer, keeping at most cap bytes: the last ones. */
static void
runner_buf_add(struct runner_buf *b, const char *p, size_t n)
{
	size_t keep;

	if (b->data == NULL)
		b->data = xmalloc(b->cap + 1);
	if (n >= b->cap) {
		if (b->len > 0 || n > b->cap)
			b->truncated = 1;
		memcpy(b->data, p + (n - b->cap), b->cap);
		b->len = b->cap;
		return;
	}
	if (b->len + n > b->cap) {
		keep = b->cap - n;
		memmove(b->data, b->data + (b->len - keep), keep);
		b->len = keep;
		b->truncated = 1;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Hand a capture buffer over to the result as a C string. */
static char *
runner_buf_take(struct runner_buf *b, size_t *len, int *truncated)
{
	char *s;

	s = b->data != NULL ? b->data : xmalloc(1);
	s[b->len] = '\0';
	*len = b->len;
	*truncated = b->truncated;
	b->data = NULL;
	return s;
}

static void
runner_job_free(struct runner_job *job)
{
	runner_freev(job->argv);
	runner_freev(job->env);
	free(job->path);
	free(job->cwd);
	free(job->input);
	free(job->bout.data);
	free(job->berr.data);
	runner_result_clear(&job->res);
	free(job);
}

/* The last handle is closed: report, then start the next queued job. */
static void
runner_job_done(struct runner_job *job)
{
	struct runner *r = job->r;
	struct runner_job *next;

	TAILQ_REMOVE(&r->running, job, entry);
	r->nrunning--;
	job->res.elapsed_ms = (uv_hrtime() - job->start) / 1000000;
	job->res.out = runner_buf_take(
	    &job->bout, &job->res.outlen, &job->res.out_truncated);
	job->res.err = runner_buf_take(
	    &job->berr, &job->res.errlen, &job->res.err_truncated);
	if (!job->cancelled && job->cb != NULL) {
		job->cb(&job->res, job->arg);
		memset(&job->res, 0, sizeof job->res);
	}
	runner_job_free(job);

	if (r->freeing) {
		if (r->nrunning == 0)
			free(r);
		return;
	}
	while (r->nrunning < r->max_running &&
	    (next = TAILQ_FIRST(&r->queued)) != NULL) {
		TAILQ_REMOVE(&r->queued, next, entry);
		r->nqueued--;
		runner_job_begin(next);
	}
}

static void
runner_close_cb(uv_handle_t *h)
{
	struct runner_job *job = h->data;

	if (--job->nhandles == 0)
		runner_job_done(job);
}

static void
runner_close(struct runner_job *job, uv_handle_t *h, int *open)
{
	if (open != NULL) {
		if (!*open)
			return;
		*open = 0;
	}
	if (!uv_is_closing(h))
		uv_close(h, runner_close_cb);
}

/* Close the pipes and timer once the child is gone and output is read. */
static void
runner_maybe_finish(struct runner_job *job)
{
	if (!job->exited || job->out_open || job->err_open)
		return;
	runner_close(job, (uv_handle_t *)&job->in, &job->in_open);
	runner_close(job, (uv_handle_t *)&job->timer, NULL);
}

static void
runner_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct runner_job *job = h->data;

	(void)hint;
	buf->base = job->readbuf;
	buf->len = sizeof job->readbuf;
}

static void
runner_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct runner_job *job = s->data;
	int is_out = s == (uv_stream_t *)&job->out;

	if (n > 0) {
		runner_buf_add(
		    is_out ? &job->bout : &job->berr, buf->base, (size_t)n);
		return;
	}
	if (n == 0)
		return;
	runner_close(
	    job, (uv_handle_t *)s, is_out ? &job->out_open : &job->err_open);
	runner_maybe_finish(job);
}

static void
runner_exit_cb(uv_process_t *p, int64_t status, int signo)
{
	struct runner_job *job = p->data;

	job->exited = 1;
	if (job->timed_out) {
		job->res.end = RUNNER_TIMED_OUT;
		job->res.status = signo;
	} else if (signo != 0) {
		job->res.end = RUNNER_SIGNALLED;
		job->res.status = signo;
	} else {
		job->res.end = RUNNER_EXITED;
		job->res.status = (int)status;
	}
	runner_close(job, (uv_handle_t *)p, NULL);
	/* Give what the child left behind a grace to release the pipes. */
	if (job->out_open || job->err_open)
		uv_timer_start(&job->timer, runner_timer_cb, job->grace_ms, 0);
	runner_maybe_finish(job);
}

/* Timeout (SIGTERM, then SIGKILL) and, after the exit, the drain limit. */
static void
runner_timer_cb(uv_timer_t *t)
{
	struct runner_job *job = t->data;

	if (job->exited) {
		runner_close(job, (uv_handle_t *)&job->out, &job->out_open);
		runner_close(job, (uv_handle_t *)&job->err, &job->err_open);
		runner_maybe_finish(job);
		return;
	}
	if (!job->timed_out) {
		job->timed_out = 1;
		kill(-job->proc.pid, SIGTERM);
	} else
		kill(-job->proc.pid, SIGKILL);
	uv_timer_start(&job->timer, runner_timer_cb, job->grace_ms, 0);
}

static void
runner_write_cb(uv_write_t *req, int status)
{
	struct runner_job *job = req->data;

	(void)status; /* a child that does not read its input is no error */
	runner_close(job, (uv_handle_t *)&job->in, &job->in_open);
}

/* The job could not start: report it once the handles are closed. */
static void
runner_job_fail(struct runner_job *job, int error)
{
	job->exited = 1;
	job->res.end = RUNNER_FAILED;
	job->res.error = error;
	runner_close(job, (uv_handle_t *)&job->out, &job->out_open);
	runner_close(job, (uv_handle_t *)&job->err, &job->err_open);
	runner_close(job, (uv_handle_t *)&job->in, &job->in_open);
	runner_close(job, (uv_handle_t *)&job->timer, NULL);
	if (job->started)
		runner_close(job, (uv_handle_t *)&job->proc, NULL);
}

static void
runner_pipe_init(struct runner_job *job, uv_pipe_t *p, int *open)
{
	uv_pipe_init(job->r->loop, p, 0);
	p->data = job;
	*open = 1;
	job->nhandles++;
}

/* Spawn the child of a job that got a slot. */
static void
runner_job_begin(struct runner_job *job)
{
	struct runner *r = job->r;
	uv_process_options_t o;
	uv_stdio_container_t stdio[3];
	char *file;
	uv_buf_t buf;
	int error;

	TAILQ_INSERT_TAIL(&r->running, job, entry);
	r->nrunning++;
	job->start = uv_hrtime();
	uv_timer_init(r->loop, &job->timer);
	job->timer.data = job;
	job->nhandles++;
	runner_pipe_init(job, &job->out, &job->out_open);
	runner_pipe_init(job, &job->err, &job->err_open);
	if (job->input != NULL)
		runner_pipe_init(job, &job->in, &job->in_open);

	if (strchr(job->argv[0], '/') != NULL)
		file = xstrdup(job->argv[0]);
	else if ((file = runner_which(job->path, job->argv[0])) == NULL) {
		runner_job_fail(job, -ENOENT);
		return;
	}

	memset(&o, 0, sizeof o);
	memset(stdio, 0, sizeof stdio);
	stdio[0].flags = UV_IGNORE;
	if (job->input != NULL) {
		stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
		stdio[0].data.stream = (uv_stream_t *)&job->in;
	}
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&job->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&job->err;
	o.file = file;
	o.args = job->argv;
	o.env = job->env;
	o.cwd = job->cwd;
	o.flags = UV_PROCESS_DETACHED;
	if (job->set_ids) {
		o.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		o.uid = job->uid;
		o.gid = job->gid;
	}
	o.stdio_count = 3;
	o.stdio = stdio;
	o.exit_cb = runner_exit_cb;
	job->proc.data = job;
	error = uv_spawn(r->loop, &job->proc, &o);
	free(file);
	job->started = 1;
	job->nhandles++;
	if (error != 0) {
		runner_job_fail(job, error);
		return;
	}

	uv_read_start(
	    (uv_stream_t *)&job->out, runner_alloc_cb, runner_read_cb);
	uv_read_start(
	    (uv_stream_t *)&job->err, runner_alloc_cb, runner_read_cb);
	if (job->input != NULL) {
		buf = uv_buf_init(job->input, (unsigned int)job->inputlen);
		job->wreq.data = job;
		if (job->inputlen == 0 ||
		    uv_write(&job->wreq, (uv_stream_t *)&job->in, &buf, 1,
			runner_write_cb) != 0)
			runner_close(
			    job, (uv_handle_t *)&job->in, &job->in_open);
	}
	if (job->timeout_ms > 0)
		uv_timer_start(
		    &job->timer, runner_timer_cb, job->timeout_ms, 0);
}

struct runner *
runner_new(uv_loop_t *loop, unsigned int max_running)
{
	struct runner *r;
	struct sigaction sa;

	/* A child that closes its stdin early must not kill us. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->max_running = max_running > 0 ? max_running : 1;
	TAILQ_INIT(&r->running);
	TAILQ_INIT(&r->queued);
	return r;
}

void
runner_free(struct runner *r)
{
	struct runner_job *job;

	if (r == NULL)
		return;
	while ((job = TAILQ_FIRST(&r->queued)) != NULL) {
		TAILQ_REMOVE(&r->queued, job, entry);
		runner_job_free(job);
	}
	r->nqueued = 0;
	if (r->nrunning == 0) {
		free(r);
		return;
	}
	r->freeing = 1;
	TAILQ_FOREACH(job, &r->running, entry)
	{
		job->cancelled = 1;
		if (job->started && !job->exited) {
			kill(-job->proc.pid, SIGKILL);
			job->exited = 1;
			runner_close(job, (uv_handle_t *)&job->proc, NULL);
		}
		runner_close(job, (uv_handle_t *)&job->out, &job->out_open);
		runner_close(job, (uv_handle_t *)&job->err, &job->err_open);
		runner_close(job, (uv_handle_t *)&job->in, &job->in_open);
		runner_close(job, (uv_handle_t *)&job->timer, NULL);
	}
}

void
runner_cancel(struct runner *r, runner_cb cb, void *arg)
{
	struct runner_job *job, *next;

	if (r == NULL)
		return;
	for (job = TAILQ_FIRST(&r->queued); job != NULL; job = next) {
		next = TAILQ_NEXT(job, entry);
		if (job->cb == cb && job->arg == arg) {
			TAILQ_REMOVE(&r->queued, job, entry);
			r->nqueued--;
			runner_job_free(job);
		}
	}
	TAILQ_FOREACH(job, &r->running, entry)
	{
		if (job->cb != cb || job->arg != arg || job->cancelled)
			continue;
		/* It ends as a timed-out one would, without callback. */
		job->cancelled = 1;
		if (job->started && !job->exited)
			kill(-job->proc.pid, SIGKILL);
	}
}

unsigned int
runner_running(const struct runner *r)
{
	return r->nrunning;
}

unsigned int
runner_queued(const struct runner *r)
{
	return r->nqueued;
}

void
runner_start(
    struct runner *r, const struct runner_cmd *cmd, runner_cb cb, void *arg)
{
	struct runner_job *job;

	job = xcalloc(1, sizeof *job);
	job->r = r;
	job->cb = cb;
	job->arg = arg;
	job->argv = runner_copyv(cmd->argv);
	job->env = runner_copyv(cmd->env);
	job->path = xstrdup(cmd->path != NULL ? cmd->path : "");
	job->cwd = cmd->cwd != NULL ? xstrdup(cmd->cwd) : NULL;
	if (cmd->input != NULL) {
		job->input = xmalloc(cmd->inputlen + 1);
		memcpy(job->input, cmd->input, cmd->inputlen);
		job->inputlen = cmd->inputlen;
	}
	job->timeout_ms = cmd->timeout_ms;
	job->set_ids = cmd->set_ids;
	job->uid = cmd->uid;
	job->gid = cmd->gid;
	job->grace_ms = cmd->grace_ms > 0 ? cmd->grace_ms : RUNNER_GRACE_MS;
	job->bout.cap = job->berr.cap = cmd->capture_max > 0 ?
	    cmd->capture_max :
	    RUNNER_CAPTURE_MAX;

	if (r->nrunning < r->max_running)
		runner_job_begin(job);
	else {
		TAILQ_INSERT_TAIL(&r->queued, job, entry);
		r->nqueued++;
	}
}

/* A synchronous run: its result and the signals that stop the tool. */
struct runner_run_ctx {
	struct runner_result *res;
	struct runner *r;
	uv_signal_t sig[3];
	int nsig;
	int signum;
};

static void
runner_run_cb(struct runner_result *res, void *arg)
{
	struct runner_run_ctx *x = arg;
	int i;

	*x->res = *res;
	for (i = 0; i < x->nsig; i++)
		uv_close((uv_handle_t *)&x->sig[i], NULL);
}

/*
 * The tool is told to stop while its command runs: the command's session
 * (a group of its own) is told too, so nothing outlives the tool.
 */
static void
runner_run_signal(uv_signal_t *h, int signum)
{
	struct runner_run_ctx *x = h->data;
	struct runner_job *job;

	x->signum = signum;
	TAILQ_FOREACH(job, &x->r->running, entry)
	{
		if (job->started && !job->exited)
			kill(-job->proc.pid, SIGTERM);
	}
}

void
runner_run(const struct runner_cmd *cmd, struct runner_result *res)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	struct runner_run_ctx x;
	uv_loop_t loop;
	int i;

	memset(res, 0, sizeof *res);
	memset(&x, 0, sizeof x);
	x.res = res;
	if (uv_loop_init(&loop) != 0) {
		res->end = RUNNER_FAILED;
		res->error = -ENOMEM;
		res->out = xstrdup("");
		res->err = xstrdup("");
		return;
	}
	x.r = runner_new(&loop, 1);
	/*
	 * Only a tool's main thread speaks for the process, and only for
	 * signals the tool left at their default: one with a handler of its
	 * own (snguard netboot stops between waves on SIGINT) keeps it.
	 */
	if (getpid() == (pid_t)syscall(SYS_gettid))
		for (i = 0; i < 3; i++) {
			struct sigaction old;
			if (sigaction(sigs[i], NULL, &old) != 0 ||
			    (old.sa_flags & SA_SIGINFO) != 0 ||
			    old.sa_handler != SIG_DFL)
				continue;
			uv_signal_init(&loop, &x.sig[x.nsig]);
			x.sig[x.nsig].data = &x;
			uv_signal_start(
			    &x.sig[x.nsig], runner_run_signal, sigs[i]);
			x.nsig++;
		}
	runner_start(x.r, cmd, runner_run_cb, &x);
	uv_run(&loop, UV_RUN_DEFAULT);
	runner_free(x.r);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (x.signum != 0) {
		/* Die of it, as the tool would have without a command. */
		signal(x.signum, SIG_DFL);
		raise(x.signum);
	}
}

int
runner_ok(const struct runner_result *res)
{
	return res->end == RUNNER_EXITED && res->status == 0;
}

char *
runner_describe(const struct runner_result *res)
{
	switch (res->end) {
	case RUNNER_EXITED:
		return xasprintf("exited with status %d", res->status);
	case RUNNER_SIGNALLED:
		return xasprintf("killed by signal %d", res->status);
	case RUNNER_TIMED_OUT:
		return xasprintf(
		    "timed out after %.1f s", (double)res->elapsed_ms / 1000.0);
	case RUNNER_FAILED:
		if (res->error == -ENOENT)
			return xstrdup("could not be started: command not "
				       "found");
		return xasprintf(
		    "could not be started: %s", uv_strerror(res->error));
	}
	return xstrdup("ended in an unknown way");
}

void
runner_result_clear(struct runner_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}

char *
runner_which(const char *path, const char *name)
{
	const char *p, *end;
	struct stat sb;
	char *file;
	size_t len;

	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return NULL;
	for (p = path; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			continue; /* an empty entry is not "." */
		file = xasprintf("%.*s/%s", (int)len, p, name);
		if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(file, X_OK) == 0)
			return file;
		free(file);
	}
	return NULL;
}

/* Append len bytes and a newline to a growing string. */
static void
runner_split_append(char **text, const char *p, size_t len)
{
	size_t old = *text != NULL ? strlen(*text) : 0;

	*text = xreallocarray(*text, old + len + 2, 1);
	memcpy(*text + old, p, len);
	(*text)[old + len] = '\n';
	(*text)[old + len + 1] = '\0';
}

/* The length of a "node:" prefix, 0 when the line has none. */
static size_t
runner_split_prefix(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == ':')
			break;
		if (line[i] == ' ' || line[i] == '\t' || line[i] == '\0')
			return 0;
	}
	if (i == 0 || i == len)
		return 0;
	if (i + 1 < len && line[i + 1] != ' ')
		return 0;
	return i;
}

void
runner_split_nodes(const char *out, size_t len, struct runner_split *s)
{
	const char *line, *nl, *end = out + len;
	size_t linelen, plen, i, skip;

	memset(s, 0, sizeof *s);
	for (line = out; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		linelen = (size_t)(nl - line);
		if ((plen = runner_split_prefix(line, linelen)) == 0) {
			runner_split_append(&s->rest, line, linelen);
			continue;
		}
		for (i = 0; i < s->n; i++)
			if (strlen(s->nodes[i]) == plen &&
			    memcmp(s->nodes[i], line, plen) == 0)
				break;
		if (i == s->n) {
			s->nodes = xreallocarray(
			    s->nodes, s->n + 1, sizeof *s->nodes);
			s->texts = xreallocarray(
			    s->texts, s->n + 1, sizeof *s->texts);
			s->nodes[i] = xstrndup(line, plen);
			s->texts[i] = NULL;
			s->n++;
		}
		skip = plen + 1 < linelen ? plen + 2 : linelen;
		runner_split_append(&s->texts[i], line + skip, linelen - skip);
	}
}

const char *
runner_split_text(const struct runner_split *s, const char *node)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->nodes[i], node) == 0)
			return s->texts[i];
	return NULL;
}

void
runner_split_clear(struct runner_split *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->nodes[i]);
		free(s->texts[i]);
	}
	free(s->nodes);
	free(s->texts);
	free(s->rest);
	memset(s, 0, sizeof *s);
}
