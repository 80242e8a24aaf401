/* Small helpers shared by the unit tests: checks that report and fail. */
#ifndef RF_TESTUTIL_H
#define RF_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ringfence.h"

/* Fails the test (exit 1) with file:line and the message when cond is false. */
#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                     \
			fprintf(stderr, "\n");                                            \
			exit(1);                                                          \
		}                                                                         \
	} while (0)

/* Fails unless an rf_* call returned `want`; prints rf_strerror of both. */
#define CHECK_RC(call, want)                                                              \
	do {                                                                              \
		int rc_ = (call);                                                         \
		CHECK(rc_ == (want), "%s returned %d (%s), expected %d (%s)", #call, rc_, \
		      rf_strerror(rc_), (int)(want), rf_strerror(want));                  \
	} while (0)

#define CHECK_OK(call) CHECK_RC(call, 0)

/* Monotonic nanoseconds. */
int64_t tu_now_ns(void);

/* Sends library log lines to stderr, prefixed with the participant's pid. */
void tu_log_to_stderr(void);

/* Returns 1 when /dev/shm holds a ringfence segment named `name`. */
int tu_segment_exists(const char *name);


/* Removes segment `name` when the test exits, passing or failing, for tests
 * that create worlds by hand (a failed CHECK exits without closing them). */
void tu_unlink_at_exit(const char *name);

/* Deterministic PRNG (splitmix64): the same seed gives the same stream in
 * every process, so a receiver can regenerate what a sender sent. */
static inline uint64_t tu_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Transport of the worlds tu_launch creates (default shm). */
extern enum rf_transport tu_transport;

/* Parses "shm" or "coordinator"; exits 2 on anything else. */
enum rf_transport tu_parse_transport(const char *s);

/* Launches P participants of this test program (argv is passed on to the
 * workers, so they run the same case); exits on failure. */
rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record);

/* Closes the world; participant 0 fails unless every worker passed and the
 * segment is gone. Returns the process exit code. */
int tu_finish(rf_world *w);

#endif
