/* Worlds across builds of another layout (README "Other architectures"):
 * ringfence does not interoperate across ABIs, it refuses them. A process
 * whose build differs from the segment's creator in byte order, pointer or
 * size_t width, uint64_t alignment, cache line or page granule gets RF_EABI
 * from rf_world_attach, and the log says how the two builds differ.
 *
 *   test_abi fields              each layout field of a consistent header
 *                                (checksum recomputed) changed, and the
 *                                magic byte-swapped: RF_EABI with its reason
 *   test_abi mixed PEER [same]   both ways with PEER, a build of this
 *                                program for another ABI (the i686 one):
 *                                PEER attaches to our world, and we to
 *                                PEER's; both must be refused. With `same`,
 *                                PEER is of our ABI and both must attach:
 *                                the control that shows the test can fail.
 *   test_abi peer-attach NAME eabi|ok          (PEER's roles)
 *   test_abi peer-create OUT_FD LIFE_FD
 *
 * Uses only the library and the support library, so that the i686 peer
 * builds from the library's sources without testutil or hwloc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

#define FAIL(...)                                                                     \
	do {                                                                          \
		fprintf(stderr, "test_abi (%u-bit): FAIL: ", (unsigned)sizeof(void *) * 8); \
		fprintf(stderr, __VA_ARGS__);                                         \
		fputc('\n', stderr);                                                  \
		exit(1);                                                              \
	} while (0)

static const int64_t peer_timeout_ns = 60ll * 1000000000ll;

/* The last error the library logged: the reason an attach was refused. */
static char logged[512];

static void capture(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level == RF_LOG_ERROR)
		snprintf(logged, sizeof logged, "%s", msg);
}

/* Attaches as participant `index` and says what came back; a handle is
 * closed (its slot is then used up: a slot is taken once). */
static int attach_as(const char *name, uint32_t index)
{
	rf_world *w = NULL;
	logged[0] = 0;
	int rc = rf_world_attach(name, index, &w);
	if (w)
		rf_world_close(w);
	return rc;
}

/* An RF_EABI refusal must say why, in the words of `must`. */
static void expect_refused(int rc, const char *what, const char *must)
{
	if (rc != RF_EABI)
		FAIL("%s: %s, expected RF_EABI", what, rf_strerror(rc));
	if (!strstr(logged, must))
		FAIL("%s: the log says \"%s\", not \"%s\"", what, logged, must);
	printf("%s: refused: %s\n", what, strstr(logged, ": ") ? strstr(logged, ": ") + 2 : logged);
}

/* A failing check exits at once: the world it created must not outlive it. */
static char created[RF_NAME_MAX];

static void remove_created(void)
{
	if (created[0])
		rf_os_segment_remove(created);
}

static int create_named(char *name, size_t len, rf_world **w);

static struct rf_world_params three(void)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 3;
	return p;
}

static int create_named(char *name, size_t len, rf_world **w)
{
	struct rf_world_params p = three();
	int rc = rf_world_unique_name(name, len);
	if (rc == 0) {
		snprintf(created, sizeof created, "%s", name);
		rc = rf_world_create(name, &p, w);
	}
	return rc;
}

/* --- fields: this build's refusals, one header field at a time ---------------- */

static uint64_t checksum(const struct rf_seg_header *h)
{
	uint64_t sum = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < offsetof(struct rf_seg_header, checksum); i++)
		sum = (sum ^ ((const uint8_t *)h)[i]) * 0x100000001b3ull;
	return sum;
}

static void fields(void)
{
	char name[RF_NAME_MAX];
	rf_world *w0;
	if (create_named(name, sizeof name, &w0))
		FAIL("create");
	struct rf_seg_header *live = (struct rf_seg_header *)w0->base, saved = *live;
	if (live->byte_order != RF_BYTE_ORDER || live->pointer_bytes != sizeof(void *) ||
	    live->cacheline != RF_CACHELINE || live->page != RF_SEG_PAGE)
		FAIL("the header does not record this build");
	if (attach_as(name, 1) != 0)
		FAIL("an untouched header does not attach");
	for (int v = 0; v < 7; v++) {
		struct rf_seg_header h = saved;
		const char *what = "", *must = "the processes of a world must share one layout";
		switch (v) {
		case 0: h.byte_order = (uint8_t)(3 - RF_BYTE_ORDER); what = "byte order"; break;
		case 1: h.pointer_bytes = sizeof(void *) == 8 ? 4 : 8; what = "pointer width"; break;
		case 2: h.size_bytes = sizeof(size_t) == 8 ? 4 : 8; what = "size_t width"; break;
		case 3: h.u64_align = alignof(uint64_t) == 8 ? 4 : 8; what = "uint64_t alignment"; break;
		case 4: h.cacheline = RF_CACHELINE * 2; what = "cache line"; break;
		case 5: h.page = RF_SEG_PAGE * 16; what = "page granule"; break;
		case 6:
			/* the other byte order reads every field swapped, the magic first */
			h.magic = __builtin_bswap64(RF_MAGIC);
			what = "byte-swapped magic";
			must = "-endian build, this process is";
			break;
		}
		h.checksum = checksum(&h);
		memcpy(live, &h, sizeof h);
		int rc = attach_as(name, 1);
		memcpy(live, &saved, sizeof saved);
		expect_refused(rc, what, must);
	}
	if (attach_as(name, 2) != 0)
		FAIL("the restored header does not attach");
	rf_world_close(w0);
	puts("abi: every layout field is checked at attach");
}

/* --- the peer's roles --------------------------------------------------------- */

static int peer_attach(const char *name, const char *expect)
{
	int rc = attach_as(name, 1);
	if (strcmp(expect, "ok") == 0) {
		if (rc != 0)
			FAIL("peer could not attach to a world of its own ABI: %s", rf_strerror(rc));
		puts("peer attached");
		return 0;
	}
	expect_refused(rc, "peer attaching to the other ABI's world", "this process is a");
	return 0;
}

/* Creates a world, hands its name over OUT_FD, and lives until LIFE_FD ends. */
static int peer_create(intptr_t out, intptr_t life)
{
	struct rf_world_params p = three();
	rf_world *w;
	int rc = rf_world_create(NULL, &p, &w);
	if (rc)
		FAIL("peer create: %s", rf_strerror(rc));
	char name[RF_NAME_MAX] = {0};
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	if (rf_os_pipe_write(out, name, sizeof name) != 0)
		FAIL("peer: handing the name over");
	rf_os_pipe_close(out);
	char byte;
	while (rf_os_pipe_read(life, &byte, 1) == 0) {
	}
	return rf_world_close(w) == 0 ? 0 : 1;
}

/* --- mixed: both ways with the peer ---------------------------------------------- */

static void run_peer(char **argv, const intptr_t *inherit, unsigned n, struct rf_os_child *c)
{
	struct rf_os_start how = {.program = argv[0], .argv = argv, .die_with_us = true};
	for (unsigned i = 0; i < n; i++)
		how.inherit[i] = inherit[i];
	how.ninherit = n;
	how.job = rf_os_job_create();
	if (rf_os_child_start(&how, c) != 0)
		FAIL("starting %s", argv[0]);
}

static void reap_peer(struct rf_os_child *c, const char *what)
{
	if (!rf_os_child_wait(c, peer_timeout_ns)) {
		rf_os_child_kill(c);
		rf_os_child_wait(c, -1);
		FAIL("%s: the peer hung (killed)", what);
	}
	if (rf_os_child_exit_code(c) != 0)
		FAIL("%s: the peer exited with %d", what, rf_os_child_exit_code(c));
	rf_os_child_close(c);
}

static void mixed(char *peer, bool same)
{
	rf_os_pipe_quiet();
	/* The peer attaches to our world. */
	char name[RF_NAME_MAX];
	rf_world *w0;
	if (create_named(name, sizeof name, &w0))
		FAIL("create");
	char *argv1[] = {peer, "peer-attach", name, same ? "ok" : "eabi", NULL};
	struct rf_os_child c;
	run_peer(argv1, NULL, 0, &c);
	reap_peer(&c, "the peer attaching to our world");
	rf_world_close(w0);

	/* We attach to the peer's world. */
	intptr_t out_r, out_w, life_r, life_w;
	if (rf_os_pipe(&out_r, &out_w) || rf_os_pipe(&life_r, &life_w))
		FAIL("pipes");
	char fd_out[24], fd_life[24];
	snprintf(fd_out, sizeof fd_out, "%ld", (long)out_w);
	snprintf(fd_life, sizeof fd_life, "%ld", (long)life_r);
	char *argv2[] = {peer, "peer-create", fd_out, fd_life, NULL};
	intptr_t keep[2] = {out_w, life_r};
	run_peer(argv2, keep, 2, &c);
	rf_os_pipe_close(out_w);
	rf_os_pipe_close(life_r);
	char theirs[RF_NAME_MAX];
	if (rf_os_pipe_read(out_r, theirs, sizeof theirs) != 0)
		FAIL("the peer handed over no name");
	theirs[RF_NAME_MAX - 1] = 0;
	int rc = attach_as(theirs, 1);
	rf_os_pipe_close(life_w); /* the peer closes its world and exits */
	rf_os_pipe_close(out_r);
	if (same) {
		if (rc != 0)
			FAIL("could not attach to a world of our own ABI: %s", rf_strerror(rc));
	} else {
		expect_refused(rc, "attaching to the other ABI's world", "the segment was made by a");
	}
	reap_peer(&c, "our attaching to the peer's world");
	printf("abi: %s both ways with %s\n", same ? "attached" : "refused", peer);
}

int main(int argc, char **argv)
{
	rf_set_log(capture, NULL);
	atexit(remove_created);
	if (argc == 2 && strcmp(argv[1], "fields") == 0)
		fields();
	else if ((argc == 3 || argc == 4) && strcmp(argv[1], "mixed") == 0 &&
		 (argc == 3 || strcmp(argv[3], "same") == 0))
		mixed(argv[2], argc == 4);
	else if (argc == 4 && strcmp(argv[1], "peer-attach") == 0)
		return peer_attach(argv[2], argv[3]);
	else if (argc == 4 && strcmp(argv[1], "peer-create") == 0)
		return peer_create((intptr_t)strtol(argv[2], NULL, 10), (intptr_t)strtol(argv[3], NULL, 10));
	else {
		fprintf(stderr, "usage: test_abi fields | mixed PEER [same] | peer-attach NAME eabi|ok | "
				"peer-create OUT_FD LIFE_FD\n");
		return 2;
	}
	return 0;
}
