/* naive: what a newcomer writes from POSIX pieces (Linux: abstract AF_UNIX
 * sockets). Records go over one stream socket per pair of participants, so
 * they arrive exactly once and in order; a peer's death is EOF on its
 * socket (RF_EPEERDEAD); a send to a full socket keeps reading inbound, so
 * sends never deadlock; every wait is bounded by its timeout.
 *
 * Its one flaw is the fence: every mode is the same barrier, a generation
 * counter under a process-shared (robust) mutex and a condition variable on
 * CLOCK_MONOTONIC, in a segment named from run_name and unlinked once all
 * have attached. A pthread_barrier would be the plainer choice, but it cannot
 * time out, and every wait here must be bounded. The barrier polls inbound
 * between waits (so a sender blocked on our socket is not deadlocked) but
 * does not drain: caps claims both fences anyway, and the soak's oracle must
 * catch the lie. No PROGRESS: it has no counters to offer.
 *
 * Nothing is left in the file system: abstract socket names vanish with
 * their sockets, and the segment's name is removed once all have attached. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "builtin.h"
#include "drivers.h"
#include "rf_os.h"
#include "ringfence.h"

#define SLICE_NS 1000000 /* a wait's slice: poll inbound between them */
#define NAIVE_MAX_PROCS 64

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t ready;    /* rank 0 initialised the rest */
	uint32_t attached; /* participants that have opened it */
	uint32_t arrived;  /* in the current generation */
	uint32_t modes;    /* bits of the modes the current generation's arrivals asked for */
	uint32_t last_modes; /* the last completed generation's: nobody can complete
			      * the next before every waiter of this one has read it */
	uint64_t generation;
};

struct frame {
	uint16_t type, dest;
	uint32_t len;
};

struct peer {
	int fd;
	uint8_t *buf; /* bytes read, not yet delivered */
	size_t have;
	uint64_t records; /* delivered from this peer: the next record's pos */
};

struct rf_driver_conn {
	uint32_t rank, size, max_record;
	struct shared *sh;
	struct peer peer[NAIVE_MAX_PROCS];
	rf_handler_fn handler;
	void *ctx;
	int dead; /* a peer's socket ended: RF_EPEERDEAD from now on */
	char shm_name[RF_NAME_MAX + 8];
};

static size_t buf_cap(const struct rf_driver_conn *c)
{
	return 2 * (sizeof(struct frame) + c->max_record) + 65536;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *run_name, uint32_t rank)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	int k = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "rf-naive-%s-%u", run_name,
			 (unsigned)rank);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)k);
}

/* Delivers every complete frame from peer p; -1 at EOF or an error. */
static int drain_peer(struct rf_driver_conn *c, uint32_t p, int *count)
{
	struct peer *pe = &c->peer[p];
	for (;;) {
		ssize_t n = read(pe->fd, pe->buf + pe->have, buf_cap(c) - pe->have);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		pe->have += (size_t)n;
		size_t at = 0;
		while (pe->have - at >= sizeof(struct frame)) {
			struct frame f;
			memcpy(&f, pe->buf + at, sizeof f);
			if (pe->have - at < sizeof f + f.len)
				break;
			struct rf_record rec = {.pos = pe->records++, .len = f.len, .type = f.type,
						.sender = (uint16_t)p, .dest = f.dest,
						.payload = pe->buf + at + sizeof f};
			c->handler(c->ctx, &rec);
			(*count)++;
			at += sizeof f + f.len;
		}
		memmove(pe->buf, pe->buf + at, pe->have - at);
		pe->have -= at;
	}
}

static int naive_poll(rf_driver_conn *c)
{
	int count = 0;
	for (uint32_t p = 0; p < c->size; p++)
		if (p != c->rank && drain_peer(c, p, &count) < 0)
			c->dead = 1;
	return c->dead && count == 0 ? RF_EPEERDEAD : count;
}

/* Writes all n bytes to peer p, reading inbound while the socket is full. */
static int write_all(struct rf_driver_conn *c, uint32_t p, const uint8_t *b, size_t n,
		     int64_t deadline)
{
	while (n > 0) {
		ssize_t k = send(c->peer[p].fd, b, n, MSG_NOSIGNAL);
		if (k > 0) {
			b += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return RF_EPEERDEAD;
		if (naive_poll(c) == RF_EPEERDEAD)
			return RF_EPEERDEAD;
		if (rf_os_now_ns() >= deadline)
			return RF_ETIMEDOUT;
		struct pollfd pf = {.fd = c->peer[p].fd, .events = POLLOUT};
		poll(&pf, 1, 1);
	}
	return 0;
}

static int naive_send(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		      uint32_t len, int64_t timeout_ns)
{
	if (len > c->max_record)
		return RF_ETOOBIG;
	if (type >= RF_TYPE_RESERVED || (dest != RF_DEST_ALL && (dest >= c->size || dest == c->rank)))
		return RF_EINVAL;
	if (c->dead)
		return RF_EPEERDEAD;
	int64_t deadline = timeout_ns == RF_NONBLOCK ? 0 : rf_os_deadline(timeout_ns);
	struct frame f = {.type = type, .dest = dest, .len = len};
	for (uint32_t p = 0; p < c->size; p++) {
		if (p == c->rank || (dest != RF_DEST_ALL && dest != p))
			continue;
		int rc = write_all(c, p, (const uint8_t *)&f, sizeof f, deadline);
		if (rc == 0)
			rc = write_all(c, p, payload, len, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

static int lock(struct shared *sh)
{
	int e = pthread_mutex_lock(&sh->lock);
	if (e == EOWNERDEAD) /* its owner died: the counters are still whole words */
		e = pthread_mutex_consistent(&sh->lock);
	return e;
}

static void abs_time(struct timespec *t, int64_t ns_from_now)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	int64_t ns = t->tv_nsec + ns_from_now;
	t->tv_sec += ns / 1000000000;
	t->tv_nsec = ns % 1000000000;
}

/* Every mode: all have entered this generation (and agreed on the mode,
 * else RF_EMODE in all). Nothing about anyone's
 * inbound records: that is the flaw. A timeout leaves our arrival counted,
 * so the barrier is unusable after one (as the reference's is: aborted). */
static int naive_barrier(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns)
{
	if ((unsigned)mode > RF_PROCESSING_FENCE)
		return RF_EINVAL;
	int64_t deadline = rf_os_deadline(timeout_ns);
	struct shared *sh = c->sh;
	if (lock(sh))
		return RF_ESYS;
	uint64_t gen = sh->generation;
	sh->modes |= 1u << mode;
	if (++sh->arrived == c->size) {
		sh->last_modes = sh->modes;
		sh->modes = 0;
		sh->arrived = 0;
		sh->generation++;
		pthread_cond_broadcast(&sh->cond);
	}
	int rc = 0;
	while (sh->generation == gen) {
		struct timespec t;
		abs_time(&t, SLICE_NS);
		pthread_cond_timedwait(&sh->cond, &sh->lock, &t);
		if (sh->generation != gen)
			break;
		pthread_mutex_unlock(&sh->lock);
		rc = naive_poll(c) == RF_EPEERDEAD ? RF_EPEERDEAD : 0;
		if (!rc && rf_os_now_ns() >= deadline)
			rc = RF_ETIMEDOUT;
		if (lock(sh))
			return RF_ESYS;
		if (rc && sh->generation == gen)
			break;
		rc = 0;
	}
	if (rc == 0 && sh->last_modes != (1u << mode))
		rc = RF_EMODE; /* participants disagreed: all of them are told */
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

/* Rank 0 creates and initialises the segment; the others wait for `ready`. */
static int open_shared(struct rf_driver_conn *c, const char *run_name, int64_t deadline)
{
	snprintf(c->shm_name, sizeof c->shm_name, "/%s-naive", run_name[0] == '/' ? run_name + 1
										 : run_name);
	int fd = -1;
	for (;;) {
		fd = c->rank == 0 ? shm_open(c->shm_name, O_RDWR | O_CREAT | O_EXCL, 0600)
				  : shm_open(c->shm_name, O_RDWR, 0600);
		if (fd < 0 && (c->rank == 0 || errno != ENOENT)) {
			rf_drivers_set_why("driver naive: rank %u: segment %s: %s", (unsigned)c->rank,
					   c->shm_name, strerror(errno));
			return RF_ESYS;
		}
		struct stat st;
		if (fd >= 0 && (c->rank == 0 || (fstat(fd, &st) == 0 &&
						 (size_t)st.st_size >= sizeof *c->sh)))
			break;
		/* not there yet, or there but not sized yet: rank 0 is on its way */
		if (fd >= 0)
			close(fd);
		if (rf_os_now_ns() >= deadline) {
			rf_drivers_set_why("driver naive: rank %u: segment %s: rank 0 did not make it "
					   "in time", (unsigned)c->rank, c->shm_name);
			return RF_ETIMEDOUT;
		}
		rf_os_sleep_ns(SLICE_NS);
	}
	if (c->rank == 0 && ftruncate(fd, sizeof *c->sh) != 0) {
		close(fd);
		return RF_ESYS;
	}
	void *m = mmap(NULL, sizeof *c->sh, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return RF_ESYS;
	c->sh = m;
	if (c->rank == 0) {
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&c->sh->lock, &ma);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->sh->cond, &ca);
		__atomic_store_n(&c->sh->ready, 1, __ATOMIC_RELEASE);
	}
	while (!__atomic_load_n(&c->sh->ready, __ATOMIC_ACQUIRE)) {
		if (rf_os_now_ns() >= deadline)
			return RF_ETIMEDOUT;
		rf_os_sleep_ns(SLICE_NS);
	}
	return 0;
}

/* One socket per pair: rank j > i connects to i's listener and says who it is. */
static int connect_all(struct rf_driver_conn *c, const char *run_name, int64_t deadline)
{
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, run_name, c->rank);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, alen) != 0 || listen(ls, NAIVE_MAX_PROCS)) {
		rf_drivers_set_why("driver naive: rank %u: listen: %s", (unsigned)c->rank,
				   strerror(errno));
		if (ls >= 0)
			close(ls);
		return RF_ESYS;
	}
	int rc = 0;
	for (uint32_t i = 0; i < c->rank && !rc; i++) {
		int s = -1;
		for (;;) {
			s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			socklen_t l = abstract_addr(&a, run_name, i);
			if (s >= 0 && connect(s, (struct sockaddr *)&a, l) == 0)
				break;
			if (s >= 0)
				close(s);
			s = -1;
			if (rf_os_now_ns() >= deadline)
				break;
			rf_os_sleep_ns(SLICE_NS);
		}
		if (s < 0 || write(s, &c->rank, sizeof c->rank) != sizeof c->rank) {
			rc = RF_ETIMEDOUT;
			break;
		}
		c->peer[i].fd = s;
	}
	for (uint32_t k = c->rank + 1; k < c->size && !rc; k++) {
		struct pollfd pf = {.fd = ls, .events = POLLIN};
		int64_t left = (deadline - rf_os_now_ns()) / 1000000;
		uint32_t who = UINT32_MAX;
		int s = -1;
		if (left > 0 && poll(&pf, 1, (int)left) == 1)
			s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0 || read(s, &who, sizeof who) != sizeof who || who <= c->rank ||
		    who >= c->size || c->peer[who].fd >= 0) {
			if (s >= 0)
				close(s);
			rc = RF_ETIMEDOUT;
			break;
		}
		c->peer[who].fd = s;
	}
	close(ls);
	if (rc)
		rf_drivers_set_why("driver naive: rank %u: peers did not connect in time",
				   (unsigned)c->rank);
	for (uint32_t p = 0; p < c->size && !rc; p++)
		if (p != c->rank)
			fcntl(c->peer[p].fd, F_SETFL, fcntl(c->peer[p].fd, F_GETFL) | O_NONBLOCK);
	return rc;
}

static int naive_close(rf_driver_conn *c)
{
	for (uint32_t p = 0; p < c->size; p++) {
		if (c->peer[p].fd >= 0)
			close(c->peer[p].fd);
		free(c->peer[p].buf);
	}
	if (c->sh)
		munmap(c->sh, sizeof *c->sh);
	free(c);
	return 0;
}

static int naive_open(const struct rf_driver_env *env, rf_driver_conn **out)
{
	*out = NULL;
	int rc = rf_drivers_params("naive", env->params, NULL, 0);
	if (rc)
		return rc;
	if (env->size < 2 || env->size > NAIVE_MAX_PROCS || env->rank >= env->size ||
	    !env->handler || !env->run_name || strlen(env->run_name) > RF_NAME_MAX) {
		rf_drivers_set_why("driver naive: needs 2 <= size <= %u, rank < size, a handler and "
				   "a run_name", NAIVE_MAX_PROCS);
		return RF_EINVAL;
	}
	struct rf_driver_conn *c = calloc(1, sizeof *c);
	if (!c)
		return RF_ENOMEM;
	c->rank = env->rank;
	c->size = env->size;
	c->max_record = env->max_record ? env->max_record : 4096;
	c->handler = env->handler;
	c->ctx = env->handler_ctx;
	for (uint32_t p = 0; p < NAIVE_MAX_PROCS; p++)
		c->peer[p].fd = -1;
	for (uint32_t p = 0; p < c->size; p++)
		if (p != c->rank && !(c->peer[p].buf = malloc(buf_cap(c)))) {
			naive_close(c);
			return RF_ENOMEM;
		}
	const char *run = env->run_name[0] == '/' ? env->run_name + 1 : env->run_name;
	int64_t deadline = rf_os_deadline(env->timeout_ns);
	rc = open_shared(c, env->run_name, deadline);
	if (rc == 0)
		rc = connect_all(c, run, deadline);
	if (rc == 0) {
		lock(c->sh);
		c->sh->attached++;
		pthread_mutex_unlock(&c->sh->lock);
		/* all are connected once they all pass this: a correct rendezvous */
		int64_t left = deadline - rf_os_now_ns();
		rc = naive_barrier(c, RF_RENDEZVOUS, left > 0 ? left : 1);
		if (rc)
			rf_drivers_set_why("driver naive: rank %u: rendezvous at open: %s",
					   (unsigned)c->rank, rf_strerror(rc));
	}
	if (c->rank == 0)
		shm_unlink(c->shm_name); /* all attached, or the open failed */
	if (rc) {
		naive_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int naive_describe(rf_driver_conn *c, char *buf, size_t len)
{
	(void)c;
	int k = snprintf(buf, len, "transport=unix-sockets barrier=pshared-mutex-cond version=%s",
			 RF_VERSION_STRING);
	return k > 0 && (size_t)k < len ? 0 : RF_EINVAL;
}

static const struct rf_driver naive_driver = {
	RF_DRIVER_ABI_VERSION, sizeof(struct rf_driver), "naive", RF_VERSION_STRING,
	RF_DRIVER_RENDEZVOUS | RF_DRIVER_DELIVERY_FENCE | RF_DRIVER_PROCESSING_FENCE,
	naive_open, naive_send, naive_poll, naive_barrier, naive_close, naive_describe, NULL, NULL,
};

const struct rf_driver *rf_driver_naive(void)
{
	return &naive_driver;
}
