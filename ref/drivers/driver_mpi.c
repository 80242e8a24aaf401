/* mpi: records as MPI messages, barriers as MPI collectives; what a careful
 * MPI user writes. Participants may be on different machines (HOSTS).
 *
 * A record is one message on TAG_RECORD of our own duplicate of
 * MPI_COMM_WORLD: a small header and the payload. MPI's non-overtaking rule
 * (same sender, communicator and tag) keeps each sender's order; to all is
 * one message per peer. Sends are MPI_Isend from a pool of `inflight` slots
 * per peer; with every slot of a peer busy the send waits for a completion
 * while it keeps receiving, bounded by its timeout (back-pressure).
 *
 * A round starts, in every mode, with MPI_Iallreduce of the mode's bit: it
 * completes only when all have entered (that alone is the rendezvous), and
 * it tells every participant whether the modes agreed (RF_EMODE in all if
 * not) before anyone starts a collective the others would not match. With
 * modecheck=off the rendezvous is a bare MPI_Ibarrier instead and the fences
 * skip the check (what a benchmark of MPI_Ibarrier wants; mixed modes then
 * mismatch collectives, which MPI leaves undefined: at best a timeout). Both
 * fences then exchange cumulative per-peer send counts (MPI_Ialltoall),
 * drain receives until every sender's count is reached (a record counts once
 * its handler returned, so the delivery and processing fences are the same
 * algorithm), and end with MPI_Ibarrier, so that no one leaves before all
 * have drained. Every collective is tested while polling inbound.
 *
 * A timeout returns RF_ETIMEDOUT and leaves the connection unusable (every
 * later call says so): a started MPI collective cannot be cancelled, and a
 * participant that left one can never match the next.
 *
 * A peer's death: MPI (Open MPI 4, its default MPI_ERRORS_ARE_FATAL) does
 * not report it to the survivors as an error code; mpirun sees the rank exit
 * abnormally and kills the whole job (every rank, on every host), so a
 * blocked call never hangs on a dead peer: the process ends. RF_EPEERDEAD is
 * therefore never returned by this driver.
 *
 * MPI_Init_thread is called only when nobody initialised MPI, and
 * MPI_Finalize only when this driver did. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "drivers.h"
#include "rf_os.h"
#include "ringfence.h"

#define TAG_RECORD 1

struct header {
	uint16_t type, dest;
	uint32_t len;
};

struct slot {
	MPI_Request req;
	uint8_t *buf;
};

struct rf_driver_conn {
	MPI_Comm comm;
	uint32_t rank, size, max_record, inflight;
	bool initialized_mpi; /* we called MPI_Init_thread: we finalize */
	bool broken;          /* a collective timed out: unusable */
	bool modecheck;       /* every round starts with the modes' Iallreduce */
	rf_handler_fn handler;
	void *ctx;
	struct slot *slots;  /* [size * inflight]: peer q's at q * inflight */
	uint64_t *sent;      /* [size]: records sent to q, ever */
	uint64_t *received;  /* [size]: records from p whose handler returned */
	uint64_t *expect;    /* [size]: from the alltoall */
	uint8_t *rbuf;
	bool in_handler;
};

static size_t msg_max(const struct rf_driver_conn *c)
{
	return sizeof(struct header) + c->max_record;
}

static int mpi_poll(rf_driver_conn *c)
{
	if (c->broken)
		return RF_ETIMEDOUT;
	int n = 0;
	for (;;) {
		int flag = 0;
		MPI_Status st;
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_RECORD, c->comm, &flag, &st);
		if (!flag)
			return n;
		int bytes = 0;
		MPI_Get_count(&st, MPI_BYTE, &bytes);
		if (bytes < (int)sizeof(struct header) || (size_t)bytes > msg_max(c))
			return RF_ECORRUPT;
		MPI_Recv(c->rbuf, bytes, MPI_BYTE, st.MPI_SOURCE, TAG_RECORD, c->comm,
			 MPI_STATUS_IGNORE);
		struct header h;
		memcpy(&h, c->rbuf, sizeof h);
		if (h.len != (uint32_t)bytes - sizeof h)
			return RF_ECORRUPT;
		/* pos: the record's index in its sender's stream to us */
		struct rf_record rec = {.pos = c->received[st.MPI_SOURCE], .len = h.len,
					.type = h.type, .sender = (uint16_t)st.MPI_SOURCE,
					.dest = h.dest, .payload = c->rbuf + sizeof h};
		c->in_handler = true;
		c->handler(c->ctx, &rec);
		c->in_handler = false;
		c->received[st.MPI_SOURCE]++;
		n++;
	}
}

/* Tests req until it completes, polling inbound; RF_ETIMEDOUT past deadline. */
static int wait_polling(rf_driver_conn *c, MPI_Request *req, int64_t deadline)
{
	for (;;) {
		int done = 0;
		MPI_Test(req, &done, MPI_STATUS_IGNORE);
		if (done)
			return 0;
		int rc = mpi_poll(c);
		if (rc < 0)
			return rc;
		if (rf_os_now_ns() >= deadline)
			return RF_ETIMEDOUT;
	}
}

/* A free slot for peer q: waits for one of q's sends to complete. */
static int free_slot(rf_driver_conn *c, uint32_t q, int64_t deadline, struct slot **out)
{
	struct slot *s = c->slots + (size_t)q * c->inflight;
	for (;;) {
		for (uint32_t i = 0; i < c->inflight; i++) {
			int done = 1;
			if (s[i].req != MPI_REQUEST_NULL)
				MPI_Test(&s[i].req, &done, MPI_STATUS_IGNORE);
			if (done) {
				*out = &s[i];
				return 0;
			}
		}
		int rc = mpi_poll(c);
		if (rc < 0)
			return rc;
		if (rf_os_now_ns() >= deadline)
			return deadline == 0 ? RF_EAGAIN : RF_ETIMEDOUT;
	}
}

static int mpi_send(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		    uint32_t len, int64_t timeout_ns)
{
	if (c->broken)
		return RF_ETIMEDOUT;
	if (c->in_handler)
		return RF_EBUSY;
	if (len > c->max_record)
		return RF_ETOOBIG;
	if (type >= RF_TYPE_RESERVED || (dest != RF_DEST_ALL && (dest >= c->size || dest == c->rank)))
		return RF_EINVAL;
	int64_t deadline = timeout_ns == RF_NONBLOCK ? 0 : rf_os_deadline(timeout_ns);
	struct header h = {.type = type, .dest = dest, .len = len};
	for (uint32_t q = 0; q < c->size; q++) {
		if (q == c->rank || (dest != RF_DEST_ALL && dest != q))
			continue;
		struct slot *s = NULL;
		int rc = free_slot(c, q, deadline, &s);
		if (rc)
			return rc; /* to all: the peers before q have it (the suite sees the error) */
		memcpy(s->buf, &h, sizeof h);
		memcpy(s->buf + sizeof h, payload, len);
		MPI_Isend(s->buf, (int)(sizeof h + len), MPI_BYTE, (int)q, TAG_RECORD, c->comm,
			  &s->req);
		c->sent[q]++;
	}
	return 0;
}

static int collective_failed(rf_driver_conn *c, int rc)
{
	if (rc == RF_ETIMEDOUT)
		c->broken = true; /* the collective cannot be cancelled */
	return rc;
}

static int mpi_barrier(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns)
{
	if (c->broken)
		return RF_ETIMEDOUT;
	if ((unsigned)mode > RF_PROCESSING_FENCE)
		return RF_EINVAL;
	int64_t deadline = rf_os_deadline(timeout_ns);
	MPI_Request req;
	int rc;
	if (c->modecheck) {
		int mine = 1 << mode, all = 0;
		MPI_Iallreduce(&mine, &all, 1, MPI_INT, MPI_BOR, c->comm, &req);
		rc = wait_polling(c, &req, deadline);
		if (rc)
			return collective_failed(c, rc);
		if (all != mine)
			return RF_EMODE; /* in every participant: all saw the same `all` */
		if (mode == RF_RENDEZVOUS)
			return 0;
	} else if (mode == RF_RENDEZVOUS) {
		MPI_Ibarrier(c->comm, &req);
		return collective_failed(c, wait_polling(c, &req, deadline));
	}
	MPI_Ialltoall(c->sent, 1, MPI_UINT64_T, c->expect, 1, MPI_UINT64_T, c->comm, &req);
	rc = wait_polling(c, &req, deadline);
	if (rc)
		return collective_failed(c, rc);
	for (uint32_t p = 0; p < c->size; p++) {
		while (p != c->rank && c->received[p] < c->expect[p]) {
			rc = mpi_poll(c);
			if (rc < 0)
				return rc;
			if (rf_os_now_ns() >= deadline)
				return collective_failed(c, RF_ETIMEDOUT);
		}
	}
	MPI_Ibarrier(c->comm, &req);
	return collective_failed(c, wait_polling(c, &req, deadline));
}

static void free_conn(rf_driver_conn *c)
{
	if (c->slots)
		for (size_t i = 0; i < (size_t)c->size * c->inflight; i++)
			free(c->slots[i].buf);
	free(c->slots);
	free(c->sent);
	free(c->received);
	free(c->expect);
	free(c->rbuf);
	free(c);
}

static int mpi_close(rf_driver_conn *c)
{
	/* Our sends complete once their readers take them: wait, polling, for a
	 * bounded time, and free what did not (a broken run's). */
	int64_t deadline = rf_os_deadline(10 * 1000000000ll);
	int rc = 0;
	for (size_t i = 0; i < (size_t)c->size * c->inflight; i++) {
		struct slot *s = &c->slots[i];
		if (s->req == MPI_REQUEST_NULL)
			continue;
		if (c->broken || wait_polling(c, &s->req, deadline)) {
			MPI_Request_free(&s->req);
			rc = RF_ETIMEDOUT;
		}
	}
	MPI_Comm_free(&c->comm);
	if (c->initialized_mpi)
		MPI_Finalize();
	if (c->broken)
		rc = RF_ETIMEDOUT;
	free_conn(c);
	return rc;
}

static int mpi_open(const struct rf_driver_env *env, rf_driver_conn **out)
{
	*out = NULL;
	uint64_t inflight = 64;
	unsigned modecheck = 0;
	static const char *const on_off[] = {"on", "off", NULL};
	const struct rf_drivers_param keys[] = {
		{"inflight", NULL, NULL, 1, 65536, &inflight},
		{"modecheck", on_off, &modecheck, 0, 0, NULL},
	};
	int rc = rf_drivers_params("mpi", env->params, keys, 2);
	if (rc)
		return rc;
	if (!env->handler) {
		rf_drivers_set_why("driver mpi: open needs a handler");
		return RF_EINVAL;
	}
	int inited = 0;
	MPI_Initialized(&inited);
	if (!inited) {
		int provided = 0;
		if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
			rf_drivers_set_why("driver mpi: MPI_Init_thread failed");
			return RF_ESYS;
		}
	}
	int rank = -1, size = -1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if ((uint32_t)rank != env->rank || (uint32_t)size != env->size || size < 2) {
		rf_drivers_set_why("driver mpi: env says rank %u of %u, MPI says %d of %d (run the "
				   "suite under mpirun, with its ranks)",
				   (unsigned)env->rank, (unsigned)env->size, rank, size);
		if (!inited)
			MPI_Finalize();
		return RF_EINVAL;
	}
	struct rf_driver_conn *c = calloc(1, sizeof *c);
	if (!c)
		return RF_ENOMEM;
	c->initialized_mpi = !inited;
	c->rank = env->rank;
	c->size = env->size;
	c->max_record = env->max_record ? env->max_record : 4096;
	c->inflight = (uint32_t)inflight;
	c->modecheck = modecheck == 0;
	c->handler = env->handler;
	c->ctx = env->handler_ctx;
	size_t nslots = (size_t)c->size * c->inflight;
	c->slots = calloc(nslots, sizeof *c->slots);
	c->sent = calloc(c->size, sizeof *c->sent);
	c->received = calloc(c->size, sizeof *c->received);
	c->expect = calloc(c->size, sizeof *c->expect);
	c->rbuf = malloc(msg_max(c));
	bool ok = c->slots && c->sent && c->received && c->expect && c->rbuf;
	for (size_t i = 0; ok && i < nslots; i++) {
		c->slots[i].req = MPI_REQUEST_NULL;
		ok = (c->slots[i].buf = malloc(msg_max(c))) != NULL;
	}
	if (!ok) {
		free_conn(c);
		if (!inited)
			MPI_Finalize();
		return RF_ENOMEM;
	}
	/* Collective: all are present once it completes, which is bounded here
	 * (a rank that never opens must not hang the others). */
	MPI_Request req;
	MPI_Comm_idup(MPI_COMM_WORLD, &c->comm, &req);
	int64_t deadline = rf_os_deadline(env->timeout_ns);
	for (int done = 0; !done;) {
		MPI_Test(&req, &done, MPI_STATUS_IGNORE);
		if (!done && rf_os_now_ns() >= deadline) {
			/* the duplicate cannot be cancelled: leave MPI as it is */
			rf_drivers_set_why("driver mpi: rank %u: not every rank opened in time",
					   (unsigned)c->rank);
			return RF_ETIMEDOUT;
		}
	}
	*out = c;
	return 0;
}

static int mpi_describe(rf_driver_conn *c, char *buf, size_t len)
{
	(void)c;
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;
	MPI_Get_library_version(lib, &n);
	lib[strcspn(lib, "\r\n")] = '\0';
	int k = snprintf(buf, len, "mpi=\"%s\" version=%s", lib, RF_VERSION_STRING);
	return k > 0 && (size_t)k < len ? 0 : RF_EINVAL;
}

static const struct rf_driver mpi_driver = {
	RF_DRIVER_ABI_VERSION, sizeof(struct rf_driver), "mpi", RF_VERSION_STRING,
	RF_DRIVER_RENDEZVOUS | RF_DRIVER_DELIVERY_FENCE | RF_DRIVER_PROCESSING_FENCE |
		RF_DRIVER_HOSTS,
	mpi_open, mpi_send, mpi_poll, mpi_barrier, mpi_close, mpi_describe, NULL, NULL,
};

const struct rf_driver *rf_driver_mpi(void)
{
	return &mpi_driver;
}
