/* An example third-party driver: what a library's authors write to put their
 * implementation under rf-soak and rf-bench (SPEC §9, ringfence/driver.h).
 * This one wraps the ringfence reference through its public API only, as an
 * outsider would wrap theirs: the suite loads it with --impl=PATH.so.
 *
 * A participant's world is its own, found by env->run_name: rank 0 creates
 * it, the others attach (retrying until the creator is there), then a
 * rendezvous so that open returns with all present. env->launched (the
 * reference's own launcher) is ignored, as any third party must.
 *
 * Built with -DEXAMPLE_ABI_VERSION=99 it is the driver the suite must refuse;
 * with -DEXAMPLE_RENDEZVOUS_ONLY one that claims no fence, whose fenced modes
 * the suite must skip (and whose barrier refuses them, as the table says).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ringfence.h"

#ifdef EXAMPLE_RENDEZVOUS_ONLY
#define EXAMPLE_MODES RF_DRIVER_RENDEZVOUS
#else
#define EXAMPLE_MODES (RF_DRIVER_RENDEZVOUS | RF_DRIVER_DELIVERY_FENCE | RF_DRIVER_PROCESSING_FENCE)
#endif

#ifndef EXAMPLE_ABI_VERSION
#define EXAMPLE_ABI_VERSION RF_DRIVER_ABI_VERSION
#endif
#ifndef EXAMPLE_VERSION
#define EXAMPLE_VERSION "0"
#endif

#if defined(__GNUC__)
#define EXAMPLE_EXPORT __attribute__((visibility("default")))
#else
#define EXAMPLE_EXPORT
#endif

struct rf_driver_conn {
	rf_world *w;
};

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_ms(void)
{
	struct timespec t = {0, 1000000};
	nanosleep(&t, NULL);
}

static int ex_open(const struct rf_driver_env *env, rf_driver_conn **out)
{
	*out = NULL;
	/* This driver has no parameters; saying so beats ignoring a typo. */
	if (env->params && env->params[0]) {
		fprintf(stderr, "example driver: unknown parameters '%s' (it takes none)\n",
			env->params);
		return RF_EINVAL;
	}
	char name[RF_NAME_MAX];
	int k = snprintf(name, sizeof name, "%s%s", env->run_name[0] == '/' ? "" : "/",
			 env->run_name);
	if (k <= 0 || (size_t)k >= sizeof name)
		return RF_EINVAL;
	int64_t deadline = env->timeout_ns > INT64_MAX - now_ns() ? INT64_MAX
								   : now_ns() + env->timeout_ns;
	rf_world *w = NULL;
	int rc;
	if (env->rank == 0) {
		struct rf_world_params p;
		rf_world_params_default(&p);
		p.nprocs = env->size;
		p.max_record = env->max_record;
		rc = rf_world_create(name, &p, &w);
	} else {
		while ((rc = rf_world_attach(name, env->rank, &w)) == RF_ENOENT || rc == RF_EAGAIN) {
			if (now_ns() >= deadline) {
				rc = RF_ETIMEDOUT;
				break;
			}
			sleep_ms();
		}
	}
	if (rc)
		return rc;
	/* Before the rendezvous: a peer that leaves it first may send at once,
	 * and our wait in it delivers what arrives. */
	rf_world_set_handler(w, env->handler, env->handler_ctx);
	int64_t left = deadline - now_ns();
	rc = rf_barrier(w, RF_RENDEZVOUS, left > 0 ? left : 1);
	if (rc) {
		rf_world_close(w);
		return rc;
	}
	struct rf_driver_conn *c = malloc(sizeof *c);
	if (!c) {
		rf_world_close(w);
		return RF_ENOMEM;
	}
	c->w = w;
	*out = c;
	return 0;
}

static int ex_send(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		   uint32_t len, int64_t timeout_ns)
{
	return rf_send(c->w, dest, type, payload, len, timeout_ns);
}

static int ex_poll(rf_driver_conn *c)
{
	return rf_poll(c->w);
}

static int ex_barrier(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns)
{
	/* a mode the table does not claim is refused, never run (driver.h) */
	if ((unsigned)mode > RF_PROCESSING_FENCE || !(EXAMPLE_MODES & RF_DRIVER_MODE_CAP(mode)))
		return RF_EINVAL;
	return rf_barrier(c->w, mode, timeout_ns);
}

static int ex_close(rf_driver_conn *c)
{
	int rc = rf_world_close(c->w); /* rank 0: removes the segment too */
	free(c);
	return rc;
}

static int ex_describe(rf_driver_conn *c, char *buf, size_t len)
{
	int k = snprintf(buf, len, "transport=shm algorithm=%s version=%s",
			 rf_algorithm_name(rf_world_algorithm(c->w)), EXAMPLE_VERSION);
	return k > 0 && (size_t)k < len ? 0 : RF_EINVAL;
}

static int ex_progress(rf_driver_conn *c, uint64_t *leading, uint64_t *received,
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

static int ex_abort(rf_driver_conn *c, int reason)
{
	return rf_world_abort(c->w, reason);
}

static const struct rf_driver example = {
	.abi_version = EXAMPLE_ABI_VERSION,
	.struct_size = sizeof(struct rf_driver),
	.name = "example",
	.version = EXAMPLE_VERSION,
	.caps = EXAMPLE_MODES | RF_DRIVER_PROGRESS,
	.open = ex_open,
	.send = ex_send,
	.poll = ex_poll,
	.barrier = ex_barrier,
	.close = ex_close,
	.describe = ex_describe,
	.progress = ex_progress,
	.abort = ex_abort,
};

/* The one symbol the suite looks for (RF_DRIVER_ENTRY). */
EXAMPLE_EXPORT const struct rf_driver *rf_driver_entry(void);
EXAMPLE_EXPORT const struct rf_driver *rf_driver_entry(void)
{
	return &example;
}
