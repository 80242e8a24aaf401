/* The world segment (SPEC §1): header checks, names, slots, sweeping.
 * Damage is done through a second, raw mapping of the segment, as a stray
 * process would; attach must answer RF_EABI / RF_ECORRUPT, never crash (run
 * under the asan preset too). */
#include <stddef.h>
#include <string.h>

#include "../src/internal.h"
#include "testutil.h"

static struct rf_world_params params(uint32_t P)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = P;
	return p;
}

/* Maps the segment raw, applies `poke` at `off`, and returns what attach says. */
static int attach_after_poke(const char *name, size_t off, const void *bytes, size_t n)
{
	struct tu_map map;
	CHECK(tu_segment_map(name, 4096, &map) == 0, "mapping %s", name);
	uint8_t *m = map.addr;
	uint8_t saved[256];
	CHECK(n <= sizeof saved, "poke too big");
	memcpy(saved, m + off, n);
	memcpy(m + off, bytes, n);
	rf_world *w = NULL;
	int rc = rf_world_attach(name, 1, &w);
	memcpy(m + off, saved, n);
	if (w)
		rf_world_close(w);
	tu_segment_unmap(&map);
	return rc;
}

static void header_checks(void)
{
	char name[RF_NAME_MAX];
	CHECK_OK(rf_world_unique_name(name, sizeof name));
	struct rf_world_params p = params(3);
	rf_world *w0;
	CHECK_OK(rf_world_create(name, &p, &w0));
	tu_unlink_at_exit(name);
	CHECK(tu_segment_exists(name), "no segment");

	uint32_t abi = RF_ABI_VERSION + 1, big = 99, cl = 128;
	uint64_t magic = 0x1234;
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, abi), &abi, 4), RF_EABI);
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, header_bytes), &big, 4),
		 RF_EABI);
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, magic), &magic, 8),
		 RF_ECORRUPT);
	/* Fields changed without the checksum: damage, not a version. */
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, nprocs), &big, 4),
		 RF_ECORRUPT);
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, creator_pid), &big, 4),
		 RF_ECORRUPT);
	CHECK_RC(attach_after_poke(name, offsetof(struct rf_seg_header, off_data), &magic, 8),
		 RF_ECORRUPT);
	/* Consistent headers (checksum recomputed): from a build with another
	 * cache-line size, and ones whose barrier algorithm is not one this
	 * build would lay out so (unknown, AUTO unresolved, or its area size
	 * changed): an attacher must not read that area as its own. */
	struct rf_seg_header *live = (struct rf_seg_header *)((rf_world *)w0)->base;
	for (int v = 0; v < 4; v++) {
		struct rf_seg_header h = *live;
		if (v == 0)
			h.cacheline = cl;
		else if (v == 1)
			h.algorithm = 99;
		else if (v == 2)
			h.algorithm = RF_ALGO_AUTO;
		else
			h.barrier_bytes += 64;
		uint64_t sum = 0xcbf29ce484222325ull;
		for (size_t i = 0; i < offsetof(struct rf_seg_header, checksum); i++)
			sum = (sum ^ ((uint8_t *)&h)[i]) * 0x100000001b3ull;
		h.checksum = sum;
		CHECK_RC(attach_after_poke(name, 0, &h, sizeof h), v == 0 ? RF_EABI : RF_ECORRUPT);
	}
	/* Untouched, it attaches; indices are checked; a slot is taken once. */
	rf_world *w1, *w2;
	CHECK_OK(rf_world_attach(name, 1, &w1));
	CHECK_RC(rf_world_attach(name, 1, &w2), RF_EBUSY);
	CHECK_RC(rf_world_attach(name, 0, &w2), RF_EINVAL);
	CHECK_RC(rf_world_attach(name, 3, &w2), RF_EINVAL);
	CHECK(rf_world_size(w1) == 3 && rf_world_rank(w1) == 1, "size/rank");
	CHECK_OK(rf_world_close(w1));

	/* A truncated segment: the header claims more than exists. The same
	 * header in smaller segments of their own (a Windows section cannot
	 * shrink, so this is how it is done everywhere). */
	for (size_t len = 8192; len >= 16; len = len == 8192 ? 16 : 0) {
		char small[RF_NAME_MAX];
		struct tu_map m;
		CHECK_OK(rf_world_unique_name(small, sizeof small));
		tu_unlink_at_exit(small);
		CHECK(tu_segment_create(small, len, &m) == 0, "segment of %zu bytes", len);
		memcpy(m.addr, ((rf_world *)w0)->base, len < 4096 ? len : 4096);
		CHECK_RC(rf_world_attach(small, 2, &w2), RF_ECORRUPT);
		tu_segment_unmap(&m);
		rf_os_segment_remove(small);
	}

	/* The name is taken while the world lives, and gone after close. */
	CHECK_RC(rf_world_create(name, &p, &w2), RF_EEXIST);
	CHECK_OK(rf_world_close(w0));
	CHECK(!tu_segment_exists(name), "close left %s", name);
	CHECK_RC(rf_world_attach(name, 1, &w2), RF_ENOENT);
}

/* The user area is shared and zero-filled, and absent unless asked for. */
static void user_area_checks(void)
{
	struct rf_world_params p = params(2);
	p.user_bytes = 100;
	rf_world *w0, *w1;
	CHECK_OK(rf_world_create(NULL, &p, &w0));
	tu_unlink_at_exit(rf_world_name(w0));
	CHECK_OK(rf_world_attach(rf_world_name(w0), 1, &w1));
	size_t n0 = 0, n1 = 0;
	uint8_t *u0 = rf_world_user(w0, &n0), *u1 = rf_world_user(w1, &n1);
	CHECK(u0 && u1 && n0 == 100 && n1 == 100, "user area %p %zu / %p %zu", (void *)u0, n0,
	      (void *)u1, n1);
	CHECK(((uintptr_t)u0 % 64) == 0, "user area not cache-line aligned");
	for (size_t i = 0; i < n0; i++)
		CHECK(u0[i] == 0, "not zero-filled at %zu", i);
	u0[99] = 42;
	CHECK(u1[99] == 42, "not shared");
	CHECK_OK(rf_world_close(w1));
	CHECK_OK(rf_world_close(w0));
	p.user_bytes = 0;
	CHECK_OK(rf_world_create(NULL, &p, &w0));
	tu_unlink_at_exit(rf_world_name(w0));
	CHECK(rf_world_user(w0, &n0) == NULL && n0 == 0, "user area without asking");
	CHECK_OK(rf_world_close(w0));
}

static void argument_checks(void)
{
	rf_world *w;
	struct rf_world_params p = params(1);
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	p = params(RF_MAX_PROCS + 1);
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	p = params(2);
	p.ring_capacity = 3000; /* not a power of two */
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	p = params(2);
	p.ring_capacity = 1024;
	p.max_record = 4096; /* a record must fit twice */
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	p = params(2);
	CHECK_RC(rf_world_create("no-slash", &p, &w), RF_EINVAL);
	CHECK_RC(rf_world_attach("/rf-does-not-exist", 1, &w), RF_ENOENT);

	/* Algorithms: the coordinator has one; a value naming none is refused;
	 * AUTO resolves to a named one that attachers see too. */
	p = params(2);
	p.transport = RF_TRANSPORT_COORDINATOR;
	p.algorithm = RF_ALGO_TREE;
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	p = params(2);
	p.algorithm = (enum rf_algorithm)99;
	CHECK_RC(rf_world_create(NULL, &p, &w), RF_EINVAL);
	enum rf_algorithm parsed = RF_ALGO_AUTO;
	CHECK_RC(rf_algorithm_parse("spiral", &parsed), RF_EINVAL);
	CHECK(parsed == RF_ALGO_AUTO, "a failed parse wrote its result");
	for (int a = RF_ALGO_AUTO; a <= RF_ALGO_TREE; a++) {
		CHECK_OK(rf_algorithm_parse(rf_algorithm_name((enum rf_algorithm)a), &parsed));
		CHECK(parsed == (enum rf_algorithm)a, "%s does not parse back",
		      rf_algorithm_name((enum rf_algorithm)a));
		p = params(3);
		p.algorithm = (enum rf_algorithm)a;
		rf_world *c, *at;
		CHECK_OK(rf_world_create(NULL, &p, &c));
		tu_unlink_at_exit(rf_world_name(c));
		enum rf_algorithm got = rf_world_algorithm(c);
		CHECK(got != RF_ALGO_AUTO && (a == RF_ALGO_AUTO || got == (enum rf_algorithm)a),
		      "asked for %s, runs %s", rf_algorithm_name((enum rf_algorithm)a),
		      rf_algorithm_name(got));
		CHECK_OK(rf_world_attach(rf_world_name(c), 1, &at));
		CHECK(rf_world_algorithm(at) == got, "an attacher runs %s, the creator %s",
		      rf_algorithm_name(rf_world_algorithm(at)), rf_algorithm_name(got));
		CHECK_OK(rf_world_close(at));
		CHECK_OK(rf_world_close(c));
	}

	/* Unique names differ. */
	char a[RF_NAME_MAX], b[RF_NAME_MAX];
	CHECK_OK(rf_world_unique_name(a, sizeof a));
	CHECK_OK(rf_world_unique_name(b, sizeof b));
	CHECK(strcmp(a, b) != 0, "%s twice", a);

	/* Record arguments. */
	p = params(2);
	CHECK_OK(rf_world_create(NULL, &p, &w));
	tu_unlink_at_exit(rf_world_name(w));
	uint8_t buf[8] = {0};
	CHECK_RC(rf_send(w, 0, 1, buf, 8, RF_NONBLOCK), RF_EINVAL);        /* to self */
	CHECK_RC(rf_send(w, 2, 1, buf, 8, RF_NONBLOCK), RF_EINVAL);        /* no such */
	CHECK_RC(rf_send(w, 1, RF_TYPE_RESERVED, buf, 8, RF_NONBLOCK), RF_EINVAL);
	CHECK_RC(rf_send(w, 1, 1, NULL, 8, RF_NONBLOCK), RF_EINVAL);
	CHECK_RC(rf_send(w, 1, 1, buf, RF_DEFAULT_MAX_RECORD + 1, RF_NONBLOCK), RF_ETOOBIG);
	CHECK_RC(rf_barrier(w, (enum rf_mode)7, 0), RF_EINVAL);
	CHECK_RC(rf_world_abort(w, RF_EINVAL), RF_EINVAL);
	CHECK(strcmp(rf_strerror(RF_EMODE), rf_strerror(12345)) != 0, "strerror");
	CHECK_OK(rf_world_close(w));
}

/* A creator killed (SIGKILL, TerminateProcess) while its world lives: where
 * names outlive their creator (POSIX) its segment stays until a sweep removes
 * it; where they go with the last handle (Windows) nothing is left to sweep.
 * Either way a sweep leaves live worlds alone. The creator is this program
 * run as "creator" (tu_creator_main). */

static void sweep_checks(void)
{
	void *job = rf_os_job_create(); /* NULL where dying with us needs none */
	char *args[] = {"creator", NULL};
	struct tu_child child;
	tu_start_self(args, job, &child);
	char dead[RF_NAME_MAX];
	CHECK(tu_child_read(&child, dead, sizeof dead) == 0, "child name");
	tu_unlink_at_exit(dead);

	struct rf_world_params p = params(2);
	rf_world *live;
	CHECK_OK(rf_world_create(NULL, &p, &live));
	tu_unlink_at_exit(rf_world_name(live));
	CHECK(rf_sweep() >= 0, "sweep failed");
	CHECK(tu_segment_exists(dead), "swept the segment of a live creator");
	CHECK(tu_segment_exists(rf_world_name(live)), "swept our own live world");

	rf_os_child_kill(&child.os);
	CHECK(rf_os_child_wait(&child.os, 10 * TU_SECOND) == 1, "creator still runs");
	tu_child_close(&child);
	rf_os_job_close(job);
	if (tu_names_outlive_creators) {
		CHECK(tu_segment_exists(dead), "segment gone without a sweep");
		CHECK(rf_sweep() >= 1, "sweep did not remove the dead creator's segment");
		CHECK(!tu_segment_exists(dead), "still there");
	} else {
		CHECK(!tu_segment_exists(dead), "a dead creator's segment outlived it");
		CHECK(rf_sweep() == 0, "sweep found something to remove");
	}
	CHECK(tu_segment_exists(rf_world_name(live)), "live world swept");
	CHECK_OK(rf_world_close(live));
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "creator") == 0)
		tu_creator_main(2);
	tu_log_to_stderr();
	header_checks();
	argument_checks();
	user_area_checks();
	sweep_checks();
	printf("world: header, argument and sweep checks passed\n");
	return 0;
}
