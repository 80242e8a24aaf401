/* Snapshots and stall rows (SPEC §4: "a snapshot of the world is always
 * available for diagnosis").
 *
 *   fenced  P=3, participant p sends 5(p+1) records to all, notes its leading
 *           position E_p in the user area and enters a processing fence;
 *           after it, every participant's snapshot shows each p's E_p as
 *           noted, every reader's received and processed at or past it,
 *           every slot RUNNING, the round entered and no longer pending,
 *           and one processing round counted.
 *   stall   P=2, participant 1 stops polling; participant 0 sends and waits
 *           in a delivery fence until its timeout. Its snapshot then has
 *           E_0 above reader 1's received, and the printed stall rows mark
 *           that pair "not received" with both numbers on the row.
 *   timeout P=3, participant 2 stays out of the round; participant 1 waits in
 *           it; participant 0's barrier times out, which aborts the world,
 *           and participant 1 leaves. rf_snapshot_at_timeout still shows the
 *           moment of the timeout (1 arrived and running, 2 not arrived),
 *           where a snapshot taken now shows 1 detached.
 */
#include <stdatomic.h>
#include <string.h>

#include "testutil.h"

enum { FENCED_P = 3 };

static void on_record(void *ctx, const struct rf_record *rec)
{
	(void)rec;
	++*(uint64_t *)ctx;
}

static void run_fenced(rf_world *w)
{
	uint32_t me = rf_world_rank(w), P = rf_world_size(w);
	uint64_t *noted = rf_world_user(w, NULL); /* [p]: E_p as p saw it */
	uint64_t got = 0;
	rf_world_set_handler(w, on_record, &got);
	for (uint32_t i = 0; i < 5 * (me + 1); i++)
		CHECK_OK(rf_send(w, RF_DEST_ALL, 1, &i, sizeof i, 10 * TU_SECOND));
	noted[me] = rf_ring_leading(w);
	CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, 10 * TU_SECOND));
	struct rf_snapshot *s;
	CHECK_OK(rf_snapshot_take(w, &s));
	CHECK(s->nprocs == P && s->self == me, "nprocs %u self %u", s->nprocs, s->self);
	CHECK(s->completed_rounds >= 1 && !s->aborted, "rounds %llu aborted %d",
	      (unsigned long long)s->completed_rounds, s->aborted);
	CHECK(s->stats[RF_PROCESSING_FENCE].rounds == 1, "processing rounds %llu",
	      (unsigned long long)s->stats[RF_PROCESSING_FENCE].rounds);
	for (uint32_t p = 0; p < P; p++) {
		const struct rf_snapshot_participant *d = &s->part[p];
		CHECK(d->state == RF_PART_RUNNING, "participant %u in state %d", p, (int)d->state);
		/* A peer may already have entered the closing rendezvous (round 2,
		 * at the same E_p: nothing is sent in between). */
		CHECK(d->round == 2 || (d->round == 1 && d->mode == RF_PROCESSING_FENCE &&
					!d->arrived),
		      "participant %u: round %llu mode %u arrived %d", p,
		      (unsigned long long)d->round, d->mode, d->arrived);
		CHECK(d->entry_target == noted[p], "E_%u is %llu, noted %llu", p,
		      (unsigned long long)d->entry_target, (unsigned long long)noted[p]);
		CHECK(s->leading[p] >= d->entry_target, "ring %u leading below E_p", p);
		for (uint32_t q = 0; q < P; q++) {
			if (q == p)
				continue;
			size_t i = (size_t)p * P + q;
			CHECK(s->processed[i] >= d->entry_target && s->received[i] >= s->processed[i],
			      "ring %u reader %u: received %llu processed %llu, E_p %llu", p, q,
			      (unsigned long long)s->received[i], (unsigned long long)s->processed[i],
			      (unsigned long long)d->entry_target);
		}
	}
	uint64_t want = 0;
	for (uint32_t p = 0; p < P; p++)
		want += p == me ? 0 : 5 * (p + 1);
	CHECK(got == want, "handled %llu records, expected %llu", (unsigned long long)got,
	      (unsigned long long)want);
	rf_snapshot_free(s);
	/* Nobody closes while a peer may still take its snapshot. */
	CHECK_OK(rf_barrier(w, RF_RENDEZVOUS, 10 * TU_SECOND));
}

static void run_stall(rf_world *w)
{
	if (rf_world_rank(w) == 1) {
		/* Not polling: wait for participant 0's verdict in the user area. */
		_Atomic uint32_t *done = rf_world_user(w, NULL);
		int64_t end = rf_os_now_ns() + 20 * TU_SECOND;
		while (!atomic_load(done) && rf_os_now_ns() < end)
			rf_os_sleep_ns(TU_MS);
		CHECK(atomic_load(done), "participant 0 never finished");
		return;
	}
	_Atomic uint32_t *done = rf_world_user(w, NULL);
	uint32_t v = 7;
	for (int i = 0; i < 3; i++)
		CHECK_OK(rf_send(w, 1, 1, &v, sizeof v, TU_SECOND));
	CHECK_RC(rf_barrier(w, RF_DELIVERY_FENCE, 200 * TU_MS), RF_ETIMEDOUT);
	struct rf_snapshot *s;
	CHECK_OK(rf_snapshot_take(w, &s));
	uint64_t E = s->part[0].entry_target, r = s->received[0 * 2 + 1];
	CHECK(E == rf_ring_leading(w) && r < E, "E_0 %llu, reader 1 received %llu",
	      (unsigned long long)E, (unsigned long long)r);
	CHECK(s->part[0].arrived && !s->part[1].arrived, "arrivals %d %d", s->part[0].arrived,
	      s->part[1].arrived);
	char text[8192] = "";
	FILE *f = tmpfile();
	CHECK(f, "tmpfile");
	CHECK_OK(rf_snapshot_print(s, f));
	rewind(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	/* the row of ring 0, reader 1: both numbers, and the mark */
	char row[128];
	snprintf(row, sizeof row, "%12llu %12llu", (unsigned long long)E, (unsigned long long)r);
	const char *at = strstr(text, row);
	CHECK(at && strstr(at, "<- not received"), "no stall row for ring 0 reader 1 in:\n%s", text);
	rf_snapshot_free(s);
	atomic_store(done, 1);
}

static void run_timeout(rf_world *w)
{
	_Atomic uint32_t *done = rf_world_user(w, NULL);
	uint32_t me = rf_world_rank(w);
	struct rf_snapshot *s;
	if (me == 2) {
		int64_t end = rf_os_now_ns() + 20 * TU_SECOND;
		while (!atomic_load(done) && rf_os_now_ns() < end)
			rf_os_sleep_ns(TU_MS);
		CHECK(atomic_load(done), "participant 0 never finished");
		return;
	}
	if (me == 1) {
		CHECK_RC(rf_barrier(w, RF_RENDEZVOUS, 20 * TU_SECOND), RF_EABORTED);
		CHECK_RC(rf_snapshot_at_timeout(w, &s), RF_ENOENT); /* ours did not time out */
		return;
	}
	CHECK_RC(rf_snapshot_at_timeout(w, &s), RF_ENOENT);
	rf_os_sleep_ns(100 * TU_MS); /* participant 1 is in the round by then, mostly */
	CHECK_RC(rf_barrier(w, RF_RENDEZVOUS, 300 * TU_MS), RF_ETIMEDOUT);
	/* wait until participant 1 has left: what the snapshot must not show */
	int64_t end = rf_os_now_ns() + 10 * TU_SECOND;
	for (;;) {
		CHECK_OK(rf_snapshot_take(w, &s));
		bool left = s->part[1].state == RF_PART_DETACHED;
		rf_snapshot_free(s);
		if (left)
			break;
		CHECK(rf_os_now_ns() < end, "participant 1 never left after the abort");
		rf_os_sleep_ns(TU_MS);
	}
	CHECK_OK(rf_snapshot_at_timeout(w, &s));
	CHECK(s->part[1].state == RF_PART_RUNNING && s->part[1].arrived && s->part[0].arrived &&
		      !s->part[2].arrived,
	      "the timeout's snapshot: participant 1 state %u arrived %d, 0 arrived %d, 2 arrived %d",
	      s->part[1].state, s->part[1].arrived, s->part[0].arrived, s->part[2].arrived);
	CHECK(s->aborted == 0, "taken after the abort (reason %d)", s->aborted);
	rf_snapshot_free(s);
	atomic_store(done, 1);
}

int main(int argc, char **argv)
{
	const char *c = argc >= 2 ? argv[1] : "fenced";
	tu_log_to_stderr();
	rf_world *w;
	if (strcmp(c, "fenced") == 0) {
		w = tu_launch(argv, FENCED_P, 0, 0);
		run_fenced(w);
	} else if (strcmp(c, "stall") == 0) {
		w = tu_launch(argv, 2, 0, 0);
		run_stall(w);
	} else if (strcmp(c, "timeout") == 0) {
		w = tu_launch(argv, 3, 0, 0);
		run_timeout(w);
		/* the abort is the point: close reports it, nothing else may fail */
		rf_world_close(w);
		return 0;
	} else {
		CHECK(0, "unknown case %s", c);
		return 2;
	}
	return tu_finish(w);
}
