/* The platform-free half of the tests' helpers: CPU set arithmetic, logging,
 * segment bookkeeping, processes started for a test, worlds. The OS is
 * reached through rf_os.h or the narrow seam of testutil_posix.c /
 * testutil_win32.c. */
#include "testutil.h"

#include <inttypes.h>
#include <string.h>

void tu_sleep_forever(void)
{
	for (;;)
		rf_os_sleep_ns(3600 * TU_SECOND);
}

void tu_creator_main(uint32_t nprocs)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = nprocs;
	rf_world *w;
	if (rf_world_create(NULL, &p, &w) != 0)
		exit(1);
	char name[RF_NAME_MAX] = {0};
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	if (tu_report(name, sizeof name) != 0)
		exit(1);
	tu_sleep_forever();
}

/* ---- CPU sets ------------------------------------------------------------------ */

int tu_cpuset_count(const struct tu_cpuset *s)
{
	int n = 0;
	for (int i = 0; i < TU_MAX_CPUS; i++)
		n += tu_cpuset_has(s, i);
	return n;
}

int tu_cpuset_has(const struct tu_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < TU_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

int tu_cpuset_equal(const struct tu_cpuset *a, const struct tu_cpuset *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* ---- logging ------------------------------------------------------------------- */

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	static const char *names[] = {"error", "warn", "info", "debug"};
	fprintf(stderr, "[rf %ld %s] %s\n", rf_os_pid(), names[level & 3], msg);
	fflush(stderr);
}

void tu_log_to_stderr(void)
{
	tu_whole_lines(stderr); /* CHECK's message, too, then comes out whole */
	rf_set_log(log_stderr, NULL);
}

/* ---- segments ------------------------------------------------------------------ */

static char tracked[8][RF_NAME_MAX];
static int ntracked;
static long tracker;

static void unlink_tracked(void)
{
	/* Forked children inherit atexit handlers: only the registrant unlinks. */
	if (rf_os_pid() != tracker)
		return;
	for (int i = 0; i < ntracked; i++)
		rf_os_segment_remove(tracked[i]); /* already gone after a clean close: fine */
}

void tu_unlink_at_exit(const char *name)
{
	if (ntracked == 0) {
		tracker = rf_os_pid();
		atexit(unlink_tracked);
	}
	if (ntracked < 8)
		snprintf(tracked[ntracked++], RF_NAME_MAX, "%s", name);
}

struct count_of {
	long pid;
	int n;
};

static void count_one(const char *name, void *ctx)
{
	struct count_of *c = ctx;
	c->n += rf_os_segment_creator(name) == c->pid;
}

int tu_segments_of(long pid)
{
	struct count_of c = {pid, 0};
	return rf_os_segments_each(count_one, &c) == 0 ? c.n : -1;
}

/* ---- processes started for a test ------------------------------------------------ */

/* The environment variable that carries the report pipe's write end to a
 * started child (and on to the processes it starts). */
#define REPORT_ENV "RF_TEST_REPORT"

void tu_start_self(char *const *args, void *job, struct tu_child *c)
{
	intptr_t rd, wr;
	CHECK(rf_os_pipe(&rd, &wr) == 0, "report pipe");
	char *argv[16];
	size_t n = 0;
	argv[n++] = (char *)rf_os_self_exe();
	for (size_t i = 0; args[i]; i++) {
		CHECK(n < sizeof argv / sizeof argv[0] - 1, "too many arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	char env[64];
	snprintf(env, sizeof env, REPORT_ENV "=%" PRIdPTR, wr);
	struct rf_os_start how = {
		.program = rf_os_self_exe(),
		.argv = argv,
		.env = env,
		.inherit = {wr},
		.ninherit = 1,
		.die_with_us = true,
		.job = job,
	};
	int rc = rf_os_child_start(&how, &c->os);
	/* The child has its own copy: with ours closed, the pipe ends when the
	 * child (and whatever inherited it from the child) is gone. */
	rf_os_pipe_close(wr);
	CHECK(rc == 0, "starting %s %s", argv[0], args[0] ? args[0] : "");
	c->report = rd;
}

int tu_report(const void *buf, size_t n)
{
	const char *v = getenv(REPORT_ENV);
	char *end;
	intmax_t h = v ? strtoimax(v, &end, 10) : 0;
	if (!v || *end || h < 0)
		return -1;
	return rf_os_pipe_write((intptr_t)h, buf, n);
}

int tu_child_read(struct tu_child *c, void *buf, size_t n)
{
	return rf_os_pipe_read(c->report, buf, n);
}

void tu_child_close(struct tu_child *c)
{
	if (c->report >= 0)
		rf_os_pipe_close(c->report);
	c->report = -1;
	rf_os_child_close(&c->os);
}

/* ---- worlds -------------------------------------------------------------------- */

enum rf_transport tu_transport = RF_TRANSPORT_SHM;
enum rf_algorithm tu_algorithm = RF_ALGO_AUTO;

void tu_transport_arg(const char *s)
{
	char t[32];
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);
	snprintf(t, sizeof t, "%.*s", (int)n, s);
	if (rf_transport_parse(t, &tu_transport) != 0 ||
	    (dash && rf_algorithm_parse(dash + 1, &tu_algorithm) != 0)) {
		fprintf(stderr, "unknown transport %s (shm|coordinator, optionally -ALGORITHM)\n", s);
		exit(2);
	}
}

rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record)
{
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = nprocs;
	o.params.transport = tu_transport;
	o.params.algorithm = tu_algorithm;
	o.params.user_bytes = nprocs * 64; /* one line per participant for the tests' own notes */
	if (capacity)
		o.params.ring_capacity = capacity;
	if (max_record)
		o.params.max_record = max_record;
	o.argv = argv;
	/* compact pinning oversubscribes on small machines: fine, and tested */
	rf_world *w = NULL;
	CHECK_OK(rf_launch(&o, &w));
	CHECK(rf_world_size(w) == nprocs, "size %u", rf_world_size(w));
	return w;
}

int tu_finish(rf_world *w)
{
	uint32_t rank = rf_world_rank(w);
	char name[RF_NAME_MAX];
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	int rc = rf_world_close(w);
	if (rank == 0) {
		CHECK(rc == 0, "close: a worker failed: %s", rf_strerror(rc));
		CHECK(!tu_segment_exists(name), "segment %s left behind", name);
	}
	return rc == 0 ? 0 : 1;
}
