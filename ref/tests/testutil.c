#include "testutil.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int64_t tu_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	static const char *names[] = {"error", "warn", "info", "debug"};
	fprintf(stderr, "[rf %ld %s] %s\n", (long)getpid(), names[level & 3], msg);
}

void tu_log_to_stderr(void)
{
	rf_set_log(log_stderr, NULL);
}

static char tracked[8][RF_NAME_MAX];
static int ntracked;
static pid_t tracker;

static void unlink_tracked(void)
{
	/* Forked children inherit atexit handlers: only the registrant unlinks. */
	if (getpid() != tracker)
		return;
	for (int i = 0; i < ntracked; i++)
		shm_unlink(tracked[i]); /* ENOENT after a clean close: fine */
}

void tu_unlink_at_exit(const char *name)
{
	if (ntracked == 0) {
		tracker = getpid();
		atexit(unlink_tracked);
	}
	if (ntracked < 8)
		snprintf(tracked[ntracked++], RF_NAME_MAX, "%s", name);
}

int tu_segment_exists(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/dev/shm/%s", name[0] == '/' ? name + 1 : name);
	return access(path, F_OK) == 0;
}

enum rf_transport tu_transport = RF_TRANSPORT_SHM;

enum rf_transport tu_parse_transport(const char *s)
{
	if (strcmp(s, "shm") == 0)
		return RF_TRANSPORT_SHM;
	if (strcmp(s, "coordinator") == 0)
		return RF_TRANSPORT_COORDINATOR;
	fprintf(stderr, "unknown transport %s (shm|coordinator)\n", s);
	exit(2);
}

rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record)
{
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = nprocs;
	o.params.transport = tu_transport;
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
