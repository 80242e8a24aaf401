/* The driver loader and the built-in drivers (SPEC §9).
 *
 *   test_drivers loader           unknown names, broken shared objects
 *   test_drivers badabi PATH      a driver built with another ABI version
 *   test_drivers params           strict key=value for the built-ins
 *   test_drivers run DRIVER PARAMS MODES
 *       forks P=3 participants that open DRIVER, send records to all and to
 *       one peer, poll, and enter a barrier of each mode in MODES
 *       ("rendezvous,delivery,processing"), then close. Every record must
 *       arrive exactly once, in order, intact; after a fence every record
 *       sent before it must have arrived (the fence is global). A driver
 *       whose fences do not drain fails the last check: naive runs
 *       rendezvous only here, its fences are the soak's to catch.
 *   test_drivers launched DRIVER PARAMS WORLD
 *       the same, in a world the suite made with rf_launch (WORLD: an shm
 *       algorithm or "coordinator"), which the driver adopts and leaves open.
 *   test_drivers refused DRIVER PARAMS WORLD
 *       a launched world that is not what DRIVER PARAMS asks for: refused.
 *   test_drivers mixed DRIVER PARAMS
 *       participants that disagree on a round's mode all get RF_EMODE, and
 *       the next round works.
 *   test_drivers kill DRIVER PARAMS
 *       the last participant kills itself (SIGKILL) after open; the others,
 *       in a barrier, must see RF_EPEERDEAD or RF_EABORTED well before their
 *       timeout, never hang.
 *   test_drivers mpi PARAMS MODES|kill|mixed   (under mpirun -n 3)
 *       the same checks, one participant per MPI rank, through the mpi
 *       driver; "kill" as in kill, where mpirun must end the job
 *       (mpi_kill.sh).
 *
 * POSIX only (fork, dlopen): the Windows build has no naive driver and no
 * shared-object test drivers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers.h"
#include "testutil.h"

#define P 3
#define ROUNDS 20
#define PER_ROUND 40 /* records to all, and as many to the next rank, per round */
#define MAX_RECORD 256
#define TIMEOUT (10 * TU_SECOND)
#ifndef RUN_CAPACITY
#define RUN_CAPACITY 4096 /* small: senders meet back-pressure */
#endif

static void expect_fail(const char *spec, int want, const char *needle)
{
	const struct rf_driver *d = (const struct rf_driver *)1;
	char why[512];
	int rc = rf_drivers_load(spec, &d, why, sizeof why);
	printf("load %s: %d %s\n", spec, rc, why);
	CHECK(rc == want, "load %s returned %d (%s), expected %d", spec, rc, rf_strerror(rc), want);
	CHECK(d == NULL, "load %s failed but set *out", spec);
	CHECK(strstr(why, needle), "load %s: message '%s' lacks '%s'", spec, why, needle);
}

static int test_loader(void)
{
	const char *names = rf_drivers_names();
	printf("built-in: %s\n", names);
	for (const char *n = names; *n;) {
		char one[64];
		size_t k = strcspn(n, ",");
		CHECK(k < sizeof one, "name too long");
		memcpy(one, n, k);
		one[k] = '\0';
		const struct rf_driver *d = NULL;
		char why[256];
		CHECK_OK(rf_drivers_load(one, &d, why, sizeof why));
		CHECK(d && strcmp(d->name, one) == 0, "load %s gave %s", one, d ? d->name : "NULL");
		n += k;
		n += strspn(n, ", ");
	}
	expect_fail("ringfence", RF_ENOENT, "unknown driver 'ringfence'");
	expect_fail("ringfence", RF_ENOENT, names);
	expect_fail("", RF_EINVAL, "no driver named");
	expect_fail("/nonexistent/librf_nothing.so", RF_ENOENT, "/nonexistent/librf_nothing.so");
	expect_fail(STUB_NO_ENTRY, RF_EINVAL, "no entry point rf_driver_entry");
	expect_fail(STUB_NO_POLL, RF_EINVAL, "no poll");
	expect_fail(STUB_NO_PROGRESS, RF_EINVAL, "no progress");
	char want[64];
	snprintf(want, sizeof want, "struct_size %u", (unsigned)offsetof(struct rf_driver, describe));
	expect_fail(STUB_SHORT, RF_EABI, want);
	expect_fail(STUB_SHORT, RF_EABI, STUB_SHORT);
	return 0;
}

static int test_badabi(const char *path)
{
	expect_fail(path, RF_EABI, path);
	expect_fail(path, RF_EABI, "abi_version 99");
	char want[64];
	snprintf(want, sizeof want, "needs %u", (unsigned)RF_DRIVER_ABI_VERSION);
	expect_fail(path, RF_EABI, want);
	return 0;
}

static void no_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	(void)rec;
}

static void expect_params(const char *driver, const char *params, const char *needle)
{
	const struct rf_driver *d = NULL;
	char why[256];
	CHECK_OK(rf_drivers_load(driver, &d, why, sizeof why));
	struct rf_driver_env env = {
		.abi_version = RF_DRIVER_ABI_VERSION, .rank = 0, .size = 2, .run_name = "rf-0-params",
		.max_record = 64, .timeout_ns = TU_SECOND, .params = params, .handler = no_handler,
	};
	rf_driver_conn *c = (rf_driver_conn *)1;
	rf_drivers_set_why("%s", "");
	int rc = d->open(&env, &c);
	printf("%s params '%s': %d %s\n", driver, params, rc, rf_drivers_why());
	CHECK(rc == RF_EINVAL, "%s '%s' returned %d, expected RF_EINVAL", driver, params, rc);
	CHECK(c == NULL, "a failed open set *out");
	CHECK(strstr(rf_drivers_why(), needle), "message '%s' lacks '%s'", rf_drivers_why(), needle);
}

static int test_params(void)
{
	expect_params("ringfence-shm", "algorithm=fast", "algorithm=fast is not one of auto|central");
	expect_params("ringfence-shm", "algo=tree", "unknown parameter 'algo' (known: algorithm)");
	expect_params("ringfence-shm", "algorithm", "'algorithm' is not key=value");
	expect_params("ringfence-shm", "algorithm=tree,algorithm=central", "given twice");
	expect_params("ringfence-shm", "algorithm=tree,", "'' is not key=value");
	expect_params("ringfence-coordinator", "algorithm=tree", "unknown parameter 'algorithm'");
	return 0;
}

/* --- run: P forked participants ------------------------------------------- */

struct peer_state {
	uint32_t rank;
	uint64_t next[P];  /* the sequence number expected next from each sender */
	uint64_t count[P]; /* records from each sender */
	int bad;
};

struct payload {
	uint32_t sender;
	uint32_t pad;
	uint64_t seq; /* the sender's count of records it sent, any destination */
};

static uint8_t fill_byte(uint32_t sender, uint64_t seq, uint32_t i)
{
	return (uint8_t)(sender * 31u + seq * 7u + i);
}

static void handler(void *ctx, const struct rf_record *rec)
{
	struct peer_state *s = ctx;
	struct payload h;
	if (rec->len < sizeof h || rec->sender >= P) {
		s->bad++;
		return;
	}
	memcpy(&h, rec->payload, sizeof h);
	const uint8_t *b = rec->payload;
	bool intact = h.sender == rec->sender && rec->type == 7;
	for (uint32_t i = sizeof h; i < rec->len; i++)
		intact = intact && b[i] == fill_byte(h.sender, h.seq, i);
	if (!intact || h.seq < s->next[h.sender]) {
		fprintf(stderr, "rank %u: record seq %llu from %u: %s\n", (unsigned)s->rank,
			(unsigned long long)h.seq, (unsigned)h.sender,
			intact ? "out of order or twice" : "damaged");
		s->bad++;
	}
	s->next[h.sender] = h.seq + 1;
	s->count[h.sender]++;
}

/* Records rank q has received from p after `rounds` rounds. */
static uint64_t expected(uint32_t p, uint32_t q, int rounds)
{
	return (uint64_t)rounds * PER_ROUND * ((p + 1) % P == q ? 2 : 1);
}

static bool complete(const struct peer_state *s, int rounds)
{
	for (uint32_t p = 0; p < P; p++)
		if (p != s->rank && s->count[p] != expected(p, s->rank, rounds))
			return false;
	return true;
}

/* Opens rank's participant of the P-world run_name, records into *s
 * (capacity: the buffering hint; launched: the suite's world or NULL); the
 * test fails if it cannot. */
static rf_driver_conn *open_peer(const struct rf_driver *d, const char *run_name, uint32_t rank,
				 const char *params, uint32_t capacity, rf_world *launched,
				 struct peer_state *s)
{
	struct rf_driver_env env = {
		.abi_version = RF_DRIVER_ABI_VERSION, .rank = rank, .size = P, .run_name = run_name,
		.max_record = MAX_RECORD, .capacity = capacity, .timeout_ns = TIMEOUT,
		.params = params, .handler = handler, .handler_ctx = s, .launched = launched,
	};
	rf_driver_conn *c = NULL;
	int rc = d->open(&env, &c);
	CHECK(rc == 0, "rank %u: open: %s: %s", (unsigned)rank, rf_strerror(rc), rf_drivers_why());
	return c;
}

static int participant_in(const struct rf_driver *d, const char *run_name, uint32_t rank,
			  const char *params, const enum rf_mode *modes, int nmodes,
			  rf_world *launched)
{
	struct peer_state s = {.rank = rank};
	rf_driver_conn *c = open_peer(d, run_name, rank, params, RUN_CAPACITY, launched, &s);
	int rc;
	if (d->describe && rank == 0) {
		char desc[256];
		CHECK_OK(d->describe(c, desc, sizeof desc));
		printf("%s: %s\n", d->name, desc);
	}
	uint8_t buf[MAX_RECORD];
	uint64_t seq = 0, state = 0x5eed + rank;
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 2 * PER_ROUND; i++) {
			uint16_t dest = i % 2 ? (uint16_t)((rank + 1) % P) : RF_DEST_ALL;
			uint32_t len = sizeof(struct payload) +
				       (uint32_t)(rf_os_splitmix64(&state) %
						  (MAX_RECORD - sizeof(struct payload) + 1));
			struct payload h = {.sender = rank, .seq = seq};
			memcpy(buf, &h, sizeof h);
			for (uint32_t k = sizeof h; k < len; k++)
				buf[k] = fill_byte(rank, seq, k);
			rc = d->send(c, dest, 7, buf, len, TIMEOUT);
			CHECK(rc == 0, "rank %u: send: %s", (unsigned)rank, rf_strerror(rc));
			seq++;
			if (i % 16 == 0)
				CHECK(d->poll(c) >= 0, "rank %u: poll", (unsigned)rank);
		}
		enum rf_mode m = modes[r % nmodes];
		rc = d->barrier(c, m, TIMEOUT);
		CHECK(rc == 0, "rank %u: round %d %s: %s", (unsigned)rank, r, rf_mode_name(m),
		      rf_strerror(rc));
		if (m != RF_RENDEZVOUS)
			for (uint32_t p = 0; p < P; p++)
				CHECK(p == rank || s.count[p] >= expected(p, rank, r + 1),
				      "rank %u: after %s fence of round %d: %llu records from %u, "
				      "%llu sent before it",
				      (unsigned)rank, rf_mode_name(m), r, (unsigned long long)s.count[p],
				      (unsigned)p, (unsigned long long)expected(p, rank, r + 1));
	}
	int64_t deadline = rf_os_deadline(TIMEOUT);
	while (!complete(&s, ROUNDS) && rf_os_now_ns() < deadline) {
		CHECK(d->poll(c) >= 0, "rank %u: poll", (unsigned)rank);
		rf_os_sleep_ns(100000);
	}
	for (uint32_t p = 0; p < P; p++)
		CHECK(p == rank || s.count[p] == expected(p, rank, ROUNDS),
		      "rank %u: %llu records from %u at the end, %llu sent", (unsigned)rank,
		      (unsigned long long)s.count[p], (unsigned)p,
		      (unsigned long long)expected(p, rank, ROUNDS));
	CHECK(s.bad == 0, "rank %u: %d bad records", (unsigned)rank, s.bad);
	rc = d->barrier(c, RF_RENDEZVOUS, TIMEOUT); /* nobody closes while a peer still sends */
	CHECK(rc == 0, "rank %u: last rendezvous: %s", (unsigned)rank, rf_strerror(rc));
	if (d->caps & RF_DRIVER_PROGRESS) {
		uint64_t lead[P], recv[P * P], proc[P * P];
		CHECK_OK(d->progress(c, lead, recv, proc));
		for (uint32_t q = 0; q < P; q++)
			CHECK(q == rank || proc[q * P + rank] <= lead[q], "progress past leading");
	}
	rc = d->close(c);
	CHECK(rc == 0, "rank %u: close: %s", (unsigned)rank, rf_strerror(rc));
	return 0;
}

/* mixed: rank 0 asks for a delivery fence, the others for a processing
 * fence; every participant must get RF_EMODE, and the next round works. */
static int participant_mixed(const struct rf_driver *d, const char *run_name, uint32_t rank,
			     const char *params)
{
	struct peer_state s = {.rank = rank};
	rf_driver_conn *c = open_peer(d, run_name, rank, params, 0, NULL, &s);
	int rc;
	for (int round = 0; round < 3; round++) {
		rc = d->barrier(c, rank == 0 ? RF_DELIVERY_FENCE : RF_PROCESSING_FENCE, TIMEOUT);
		CHECK(rc == RF_EMODE, "rank %u: mixed modes gave %s", (unsigned)rank,
		      rf_strerror(rc));
		rc = d->barrier(c, RF_PROCESSING_FENCE, TIMEOUT);
		CHECK(rc == 0, "rank %u: the round after: %s", (unsigned)rank, rf_strerror(rc));
	}
	CHECK_OK(d->close(c));
	return 0;
}

/* How long the survivors may take to see the death: far below TIMEOUT, so a
 * driver that only times out fails. */
#define DEATH_SEEN_NS (3 * TU_SECOND)

static int participant_kill(const struct rf_driver *d, const char *run_name, uint32_t rank,
			    const char *params)
{
	struct peer_state s = {.rank = rank};
	rf_driver_conn *c = open_peer(d, run_name, rank, params, 0, NULL, &s);
	int rc;
	if (rank == P - 1)
		raise(SIGKILL);
	int64_t t0 = rf_os_now_ns();
	do
		rc = d->barrier(c, RF_PROCESSING_FENCE, TIMEOUT);
	while (rc == 0);
	int64_t took = rf_os_now_ns() - t0;
	printf("rank %u: %s after %.1f ms\n", (unsigned)rank, rf_strerror(rc), took / 1e6);
	CHECK(rc == RF_EPEERDEAD || rc == RF_EABORTED, "rank %u: barrier returned %s", (unsigned)rank,
	      rf_strerror(rc));
	CHECK(took < DEATH_SEEN_NS, "rank %u: the death took %.1f ms to see", (unsigned)rank,
	      took / 1e6);
	d->close(c);
	return 0;
}

static int participant(const struct rf_driver *d, const char *run_name, uint32_t rank,
		       const char *params, const enum rf_mode *modes, int nmodes)
{
	return participant_in(d, run_name, rank, params, modes, nmodes, NULL);
}

/* launched: the suite made the world with rf_launch (transport `t`, the
 * shm algorithm `algo`); the driver must adopt it, and its close must leave
 * it to us. With `refuse`, the world is not the one the driver asks for:
 * open must say so (RF_EINVAL and a message), in every participant. */
static int test_launched(const char *spec, const char *params, const char *world_kind,
			 bool refuse, char **argv)
{
	const struct rf_driver *d = NULL;
	char why[512];
	int rc = rf_drivers_load(spec, &d, why, sizeof why);
	CHECK(rc == 0, "%s", why);
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	o.params.max_record = MAX_RECORD;
	o.argv = argv;
	if (strcmp(world_kind, "coordinator") == 0)
		o.params.transport = RF_TRANSPORT_COORDINATOR;
	else
		CHECK_OK(rf_algorithm_parse(world_kind, &o.params.algorithm));
	rf_world *w = NULL;
	CHECK_OK(rf_launch(&o, &w));
	uint32_t rank = rf_world_rank(w);
	if (refuse) {
		struct peer_state s = {.rank = rank};
		struct rf_driver_env env = {
			.abi_version = RF_DRIVER_ABI_VERSION, .rank = rank, .size = P,
			.run_name = "unused", .max_record = MAX_RECORD, .timeout_ns = TIMEOUT,
			.params = params, .handler = handler, .handler_ctx = &s, .launched = w,
		};
		rf_driver_conn *c = (rf_driver_conn *)1;
		rc = d->open(&env, &c);
		if (rank == 0)
			printf("%s %s over a %s world: %s: %s\n", spec, params, world_kind,
			       rf_strerror(rc), rf_drivers_why());
		CHECK(rc == RF_EINVAL && c == NULL, "rank %u: open gave %s", (unsigned)rank,
		      rf_strerror(rc));
		CHECK(strstr(rf_drivers_why(), "the launched world runs"), "message: %s",
		      rf_drivers_why());
	} else {
		enum rf_mode modes[] = {RF_RENDEZVOUS, RF_DELIVERY_FENCE, RF_PROCESSING_FENCE};
		participant_in(d, "unused", rank, params, modes, 3, w);
		/* The driver's close left the world to us: it still works. */
		CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, TIMEOUT));
	}
	CHECK_OK(rf_barrier(w, RF_RENDEZVOUS, TIMEOUT));
	CHECK_OK(rf_world_close(w));
	if (rank == 0 && !refuse)
		printf("%s %s over a launched %s world passed\n", spec, params, world_kind);
	return 0;
}

static int parse_modes(const char *list, enum rf_mode *modes)
{
	int n = 0;
	char buf[128];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *t = strtok(buf, ","); t && n < 8; t = strtok(NULL, ",")) {
		if (strcmp(t, "rendezvous") == 0)
			modes[n++] = RF_RENDEZVOUS;
		else if (strcmp(t, "delivery") == 0)
			modes[n++] = RF_DELIVERY_FENCE;
		else if (strcmp(t, "processing") == 0)
			modes[n++] = RF_PROCESSING_FENCE;
		else
			return -1;
	}
	return n;
}

/* mode_list: the rounds' modes, or "kill" or "mixed". */
static int test_run(const char *spec, const char *params, const char *mode_list)
{
	enum rf_mode modes[8];
	bool kill_one = strcmp(mode_list, "kill") == 0, mixed = strcmp(mode_list, "mixed") == 0;
	int nmodes = kill_one || mixed ? 1 : parse_modes(mode_list, modes);
	CHECK(nmodes > 0, "modes '%s': rendezvous, delivery, processing", mode_list);
	const struct rf_driver *d = NULL;
	char why[512];
	int rc = rf_drivers_load(spec, &d, why, sizeof why);
	CHECK(rc == 0, "%s", why);
	for (int i = 0; i < nmodes && !kill_one && !mixed; i++)
		CHECK(d->caps & RF_DRIVER_MODE_CAP(modes[i]), "%s does not claim %s", spec,
		      rf_mode_name(modes[i]));
	char run_name[RF_NAME_MAX];
	CHECK_OK(rf_world_unique_name(run_name, sizeof run_name));
	fflush(stdout);
	pid_t pids[P];
	for (uint32_t r = 0; r < P; r++) {
		pids[r] = fork();
		CHECK(pids[r] >= 0, "fork");
		if (pids[r] == 0)
			_exit(kill_one ? participant_kill(d, run_name, r, params)
			      : mixed  ? participant_mixed(d, run_name, r, params)
				       : participant(d, run_name, r, params, modes, nmodes));
	}
	/* Bounded: a participant that hangs is killed, and the test fails. */
	int failed = 0, left = P;
	int64_t deadline = rf_os_deadline(6 * TIMEOUT);
	while (left > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			left--;
			bool victim = kill_one && pid == pids[P - 1];
			if (victim ? !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				   : !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "participant %ld failed (status 0x%x)\n", (long)pid,
					status);
				failed = 1;
			}
			continue;
		}
		if (rf_os_now_ns() > deadline) {
			fprintf(stderr, "participants hung: killed\n");
			for (int r = 0; r < P; r++)
				kill(pids[r], SIGKILL);
			while (waitpid(-1, NULL, 0) > 0)
				;
			failed = 1;
			break;
		}
		rf_os_sleep_ns(1000000);
	}
	/* A failed run's segment, if rank 0 died before removing it (the name
	 * carries our pid, so rf_sweep would not take it while we live). */
	rf_os_segment_remove(run_name);
	if (!failed)
		printf("%s %s: %s passed\n", spec, params, mode_list);
	return failed;
}

/* One participant under mpirun: rank and size from the launcher's
 * environment, as a suite gets them, for the driver to check against MPI's. */
static int test_mpi(const char *params, const char *mode_list)
{
	enum rf_mode modes[8];
	bool special = strcmp(mode_list, "kill") == 0 || strcmp(mode_list, "mixed") == 0;
	int nmodes = special ? 1 : parse_modes(mode_list, modes);
	CHECK(nmodes > 0, "modes '%s': rendezvous, delivery, processing; kill; mixed", mode_list);
	const char *r = getenv("OMPI_COMM_WORLD_RANK"), *n = getenv("OMPI_COMM_WORLD_SIZE");
	if (!r || !n) {
		r = getenv("PMI_RANK");
		n = getenv("PMI_SIZE");
	}
	CHECK(r && n && atoi(n) == P, "run under mpirun -n %d", P);
	const struct rf_driver *d = NULL;
	char why[512];
	int rc = rf_drivers_load("mpi", &d, why, sizeof why);
	CHECK(rc == 0, "%s", why);
	if (strcmp(mode_list, "kill") == 0) /* mpi_kill.sh judges what mpirun does */
		return participant_kill(d, "unused", (uint32_t)atoi(r), params);
	if (strcmp(mode_list, "mixed") == 0)
		return participant_mixed(d, "unused", (uint32_t)atoi(r), params);
	return participant(d, "unused", (uint32_t)atoi(r), params, modes, nmodes);
}

int main(int argc, char **argv)
{
	tu_whole_lines(stdout);
	if (argc == 2 && strcmp(argv[1], "loader") == 0)
		return test_loader();
	if (argc == 3 && strcmp(argv[1], "badabi") == 0)
		return test_badabi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "params") == 0)
		return test_params();
	if (argc == 5 && (strcmp(argv[1], "launched") == 0 || strcmp(argv[1], "refused") == 0))
		return test_launched(argv[2], argv[3], argv[4], argv[1][0] == 'r', argv);
	if (argc == 4 && (strcmp(argv[1], "kill") == 0 || strcmp(argv[1], "mixed") == 0))
		return test_run(argv[2], argv[3], argv[1]);
	if (argc == 4 && strcmp(argv[1], "mpi") == 0)
		return test_mpi(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return test_run(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: test_drivers loader | badabi PATH | params | "
			"run DRIVER PARAMS MODES | kill|mixed DRIVER PARAMS | mpi PARAMS MODES|kill|mixed | "
			"launched|refused DRIVER PARAMS central|dissemination|tree|coordinator\n");
	return 2;
}
