/* The reference as a driver: ringfence-shm (params: algorithm=...) and
 * ringfence-coordinator. The table maps one to one onto the public API; what
 * is the driver's own is how a participant gets its world: the suite's
 * rf_launch world when there is one, else a world of its own made from
 * env->run_name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "drivers.h"
#include "rf_os.h"
#include "ringfence.h"

#ifndef RF_VERSION_STRING
#error "RF_VERSION_STRING is set by ref/drivers/CMakeLists.txt"
#endif

struct rf_driver_conn {
	rf_world *w;
	bool owned; /* we made it (close closes it); else the suite's rf_launch world */
};

/* Retry interval of an attach that came before the creator. */
#define ATTACH_RETRY_NS 1000000

static const char *const algorithms[] = {"auto", "central", "dissemination", "tree", NULL};

/* The segment's name: run_name as given when it is already one ("/rf-<pid>-..."
 * from rf_world_unique_name, which rf_sweep and rf-clean then recognise), else
 * with the '/' a segment name needs. */
static int segment_name(const char *driver, const char *run_name, char *buf, size_t len)
{
	if (!run_name || !run_name[0]) {
		rf_drivers_set_why("driver %s: no run_name", driver);
		return RF_EINVAL;
	}
	int k = snprintf(buf, len, "%s%s", run_name[0] == '/' ? "" : "/", run_name);
	if (k <= 0 || (size_t)k >= len || (size_t)k >= RF_NAME_MAX || strchr(buf + 1, '/')) {
		rf_drivers_set_why("driver %s: run_name '%s' is not a segment name (< %u bytes, no '/')",
				   driver, run_name, (unsigned)RF_NAME_MAX);
		return RF_EINVAL;
	}
	return 0;
}

/* The suite's world, if it is the one asked for: a launched run whose world
 * does not match the driver would measure something else under this name. */
static int adopt(const char *driver, enum rf_transport t, enum rf_algorithm a,
		 const struct rf_driver_env *env, rf_world *w)
{
	struct rf_snapshot *s = NULL;
	int rc = rf_snapshot_take(w, &s);
	if (rc)
		return rc;
	enum rf_transport have = (enum rf_transport)s->transport;
	rf_snapshot_free(s);
	enum rf_algorithm resolved = rf_world_algorithm(w);
	if (have != t || (a != RF_ALGO_AUTO && a != resolved)) {
		rf_drivers_set_why("driver %s: the launched world runs transport=%s algorithm=%s, "
				   "not the transport=%s algorithm=%s asked for",
				   driver, rf_transport_name(have), rf_algorithm_name(resolved),
				   rf_transport_name(t), rf_algorithm_name(a));
		return RF_EINVAL;
	}
	if (rf_world_rank(w) != env->rank || rf_world_size(w) != env->size) {
		rf_drivers_set_why("driver %s: env says rank %u of %u, the launched world %u of %u",
				   driver, (unsigned)env->rank, (unsigned)env->size,
				   (unsigned)rf_world_rank(w), (unsigned)rf_world_size(w));
		return RF_EINVAL;
	}
	return 0;
}

/* The smallest power of two >= x (the ring's capacity must be one). */
static uint32_t pow2_at_least(uint32_t x)
{
	uint32_t p = 1;
	while (p < x && p < (1u << 31))
		p <<= 1;
	return p;
}

/* A world of our own: rank 0 creates, the others attach as soon as the name
 * exists, and a rendezvous makes open return with all present. The name is
 * removed once all are in, so a later kill leaves nothing in /dev/shm. */
static int make_world(const char *driver, enum rf_transport t, enum rf_algorithm a,
		      const struct rf_driver_env *env, rf_world **out)
{
	char name[RF_NAME_MAX];
	int rc = segment_name(driver, env->run_name, name, sizeof name);
	if (rc)
		return rc;
	int64_t deadline = rf_os_deadline(env->timeout_ns);
	rf_world *w = NULL;
	if (env->rank == 0) {
		struct rf_world_params p;
		rf_world_params_default(&p);
		p.nprocs = env->size;
		p.transport = t;
		p.algorithm = a;
		p.max_record = env->max_record;
		p.ring_capacity = env->capacity ? pow2_at_least(env->capacity) : 0;
		rc = rf_world_create(name, &p, &w);
		if (rc) {
			rf_drivers_set_why("driver %s: rf_world_create %s: %s", driver, name,
					   rf_strerror(rc));
			return rc;
		}
	} else {
		for (;;) {
			rc = rf_world_attach(name, env->rank, &w);
			if (rc != RF_ENOENT && rc != RF_EAGAIN)
				break;
			if (rf_os_now_ns() >= deadline) {
				rc = RF_ETIMEDOUT;
				break;
			}
			rf_os_sleep_ns(ATTACH_RETRY_NS);
		}
		if (rc) {
			rf_drivers_set_why("driver %s: rank %u: rf_world_attach %s: %s", driver,
					   (unsigned)env->rank, name, rf_strerror(rc));
			return rc;
		}
	}
	/* Before the rendezvous: a peer that leaves it first may send at once,
	 * and our wait in it delivers what arrives. */
	rf_world_set_handler(w, env->handler, env->handler_ctx);
	int64_t left = deadline - rf_os_now_ns();
	rc = rf_barrier(w, RF_RENDEZVOUS, left > 0 ? left : 1);
	if (env->rank == 0)
		rf_os_segment_remove(name); /* all attached, or the run is over */
	if (rc) {
		rf_drivers_set_why("driver %s: rank %u: rendezvous at open: %s", driver,
				   (unsigned)env->rank, rf_strerror(rc));
		rf_world_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int open_world(const char *driver, enum rf_transport t, enum rf_algorithm a,
		      const struct rf_driver_env *env, rf_driver_conn **out)
{
	if (out)
		*out = NULL;
	if (!env || !out || env->size < 2 || env->rank >= env->size || !env->handler) {
		rf_drivers_set_why("driver %s: open needs an env with rank < size, size >= 2 and a "
				   "handler", driver);
		return RF_EINVAL;
	}
	struct rf_driver_conn *c = calloc(1, sizeof *c);
	if (!c)
		return RF_ENOMEM;
	int rc;
	if (env->launched) {
		rc = adopt(driver, t, a, env, env->launched);
		c->w = env->launched;
	} else {
		rc = make_world(driver, t, a, env, &c->w);
		c->owned = true;
	}
	if (rc) {
		free(c);
		return rc;
	}
	if (env->launched)
		rf_world_set_handler(c->w, env->handler, env->handler_ctx);
	*out = c;
	return 0;
}

static int open_shm(const struct rf_driver_env *env, rf_driver_conn **out)
{
	if (out)
		*out = NULL;
	unsigned algo = RF_ALGO_AUTO; /* the choices are in enum rf_algorithm's order */
	const struct rf_drivers_param keys[] = {{"algorithm", algorithms, &algo, 0, 0, NULL}};
	int rc = rf_drivers_params("ringfence-shm", env ? env->params : NULL, keys, 1);
	if (rc)
		return rc;
	return open_world("ringfence-shm", RF_TRANSPORT_SHM, (enum rf_algorithm)algo, env, out);
}

static int open_coordinator(const struct rf_driver_env *env, rf_driver_conn **out)
{
	if (out)
		*out = NULL;
	int rc = rf_drivers_params("ringfence-coordinator", env ? env->params : NULL, NULL, 0);
	if (rc)
		return rc;
	return open_world("ringfence-coordinator", RF_TRANSPORT_COORDINATOR, RF_ALGO_AUTO, env,
			  out);
}

static int drv_send(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		    uint32_t len, int64_t timeout_ns)
{
	return rf_send(c->w, dest, type, payload, len, timeout_ns);
}

static int drv_poll(rf_driver_conn *c)
{
	return rf_poll(c->w);
}

static int drv_barrier(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns)
{
	if ((unsigned)mode > RF_PROCESSING_FENCE)
		return RF_EINVAL;
	return rf_barrier(c->w, mode, timeout_ns);
}

static int drv_close(rf_driver_conn *c)
{
	int rc = c->owned ? rf_world_close(c->w) : 0;
	free(c);
	return rc;
}

static int drv_describe(rf_driver_conn *c, char *buf, size_t len)
{
	struct rf_snapshot *s = NULL;
	int rc = rf_snapshot_take(c->w, &s);
	if (rc)
		return rc;
	int k = snprintf(buf, len, "transport=%s algorithm=%s version=%s",
			 rf_transport_name((enum rf_transport)s->transport),
			 s->transport == RF_TRANSPORT_SHM ? rf_algorithm_name(rf_world_algorithm(c->w))
							  : "central",
			 RF_VERSION_STRING);
	rf_snapshot_free(s);
	return k > 0 && (size_t)k < len ? 0 : RF_EINVAL;
}

static int drv_progress(rf_driver_conn *c, uint64_t *leading, uint64_t *received,
			uint64_t *processed)
{
	struct rf_snapshot *s = NULL;
	int rc = rf_snapshot_take(c->w, &s);
	if (rc)
		return rc;
	size_t p = s->nprocs;
	memcpy(leading, s->leading, p * sizeof *leading);
	memcpy(received, s->received, p * p * sizeof *received);
	memcpy(processed, s->processed, p * p * sizeof *processed);
	rf_snapshot_free(s);
	return 0;
}

static int drv_abort(rf_driver_conn *c, int reason)
{
	return rf_world_abort(c->w, reason);
}

#define RF_CAPS                                                                       \
	(RF_DRIVER_RENDEZVOUS | RF_DRIVER_DELIVERY_FENCE | RF_DRIVER_PROCESSING_FENCE | \
	 RF_DRIVER_PROGRESS)

static const struct rf_driver shm_driver = {
	RF_DRIVER_ABI_VERSION, sizeof(struct rf_driver), "ringfence-shm", RF_VERSION_STRING, RF_CAPS,
	open_shm, drv_send, drv_poll, drv_barrier, drv_close, drv_describe, drv_progress, drv_abort,
};

static const struct rf_driver coordinator_driver = {
	RF_DRIVER_ABI_VERSION, sizeof(struct rf_driver), "ringfence-coordinator",
	RF_VERSION_STRING, RF_CAPS, open_coordinator, drv_send, drv_poll, drv_barrier, drv_close,
	drv_describe, drv_progress, drv_abort,
};

const struct rf_driver *rf_driver_ringfence_shm(void)
{
	return &shm_driver;
}

const struct rf_driver *rf_driver_ringfence_coordinator(void)
{
	return &coordinator_driver;
}
