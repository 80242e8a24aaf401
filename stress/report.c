/* What rf-soak tells: a progress line while it runs, a summary, and JSON.
 *
 * The JSON goes through json_writer.c (escaping, null for what is absent);
 * ci/soak merges the files with jq. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ringfence.h>

#include "json_writer.h"
#include "proc.h"
#include "report.h"
#include "rf_build_info.h"
#include "rf_os.h"

int report_version(void)
{
	printf("rf-soak %s (revision %s)\n", RF_BUILD_VERSION, RF_BUILD_REVISION);
	return EXIT_PASS;
}

void report_set_impl(struct soak_result *res, const struct soak_impl *im)
{
	res->impl = im;
}

void report_progress(const struct soak_opts *o, const struct soak_impl *im,
		     uint64_t rounds_done, int64_t start_ns, bool final)
{
	static int64_t last, last_start;
	static int tty = -1;
	if (start_ns != last_start) /* a new world: the first line after one period */
		last = last_start = start_ns;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	int64_t now = rf_os_now_ns();
	int64_t period = tty ? 250000000 : (int64_t)(o->interval * 1e9);
	if (!final && now - last < period)
		return;
	if (final && !tty)
		return; /* the summary follows */
	last = now;
	double el = (double)(now - start_ns) / 1e9, rate = el > 0 ? (double)rounds_done / el : 0;
	double rem = o->duration > 0 ? o->duration - el : 0;
	if (o->rounds && rate > 0) {
		double by_rounds = (double)(o->rounds - (rounds_done < o->rounds ? rounds_done : o->rounds)) / rate;
		rem = o->duration > 0 && rem < by_rounds ? rem : by_rounds;
	}
	if (rem < 0)
		rem = 0;
	uint64_t n[COUNT_N];
	char viol[24] = "?", miss[24] = "?";
	if (counts_sum(n)) {
		snprintf(viol, sizeof viol, "%llu", (unsigned long long)n[COUNT_VIOLATIONS]);
		snprintf(miss, sizeof miss, "%llu", (unsigned long long)n[COUNT_MISSES]);
	}
	fprintf(stderr, "%s%s %s: rounds %llu  %.0f rounds/s  violations %s  unfenced misses %s  elapsed %.1f s  remaining %.1f s%s",
		tty ? "\r" : "rf-soak: ", im->drv->name, im->drv->version, (unsigned long long)rounds_done, rate,
		viol, miss, el, rem, tty ? (final ? "   \n" : "   ") : "\n");
}

void report_add_latency(struct soak_result *res, double ms)
{
	if (res->nlat == res->cap_lat) {
		uint32_t cap = res->cap_lat ? 2 * res->cap_lat : 64;
		double *v = realloc(res->lat_ms, cap * sizeof *v);
		if (!v)
			return;
		res->lat_ms = v;
		res->cap_lat = cap;
	}
	res->lat_ms[res->nlat++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies. */
static double percentile(const struct soak_result *res, double q)
{
	if (!res->nlat)
		return 0;
	uint32_t i = (uint32_t)(q * res->nlat + 0.999999);
	return res->lat_ms[(i ? i : 1) - 1];
}

static const char *verdict(int code)
{
	switch (code) {
	case EXIT_PASS: return "PASS";
	case EXIT_VIOLATION: return "FAIL: violation";
	case EXIT_FAULTCHECK: return "FAIL: fault not handled as required";
	case EXIT_STALL: return "FAIL: stall (watchdog fired)";
	case EXIT_ERROR: return "FAIL: error";
	case EXIT_UNREADABLE: return "FAIL: counts unreadable (the shared area was overwritten)";
	case EXIT_USAGE: return "FAIL: bad usage (the driver refused its params)";
	case 128 + SIGINT: return "interrupted by SIGINT";
	case 128 + SIGTERM: return "interrupted by SIGTERM";
	}
	return "?";
}

/* The algorithm the worlds ran; what was asked if none started (then
 * "auto" says the library never chose). */
static const char *algorithm(const struct soak_opts *o, const struct soak_result *res)
{
	if (!res->impl->reference) /* the driver's own barrier: its describe() may say */
		return "-";
	return rf_algorithm_name(res->algorithm != RF_ALGO_AUTO ? res->algorithm : o->algorithm);
}

/* Under mpirun --placement is not applied: the binding is mpirun's. */
static const char *placement(const struct soak_opts *o)
{
	return o->launcher_mpi ? "mpirun" : o->placement_text;
}

static const char *transport(const struct soak_opts *o, const struct soak_result *res)
{
	return res->impl->reference ? rf_transport_name(o->transport) : "-";
}

static void summary(const struct soak_opts *o, struct soak_result *res)
{
	if (res->nlat)
		qsort(res->lat_ms, res->nlat, sizeof *res->lat_ms, cmp_double);
	res->peak_rss_kb = proc_peak_rss_kb();
	printf("rf-soak: P=%u transport=%s algorithm=%s mode=%s placement=%s fault=%s seed=%llu\n",
	       o->procs, transport(o, res), algorithm(o, res), cli_mode_name(o->mode),
	       placement(o), cli_fault_name(o->fault), (unsigned long long)o->seed);
	printf("rf-soak: impl=%s version=%s params='%s'%s%s\n", res->impl->drv->name,
	       res->impl->drv->version, res->impl->params, res->impl_describe[0] ? ": " : "",
	       res->impl_describe);
	/* kill-coordinator: the rounds ran in participants that were killed */
	if (res->counts_unreadable) /* no number read from the overwritten area */
		printf("rf-soak: counts unreadable: the shared area was overwritten\n");
	if (o->fault != FAULT_KILL_COORDINATOR && res->counts_unreadable) {
		printf("rf-soak: %llu rounds in %.1f s (%.0f/s), violations unreadable, stalls unreadable\n",
		       (unsigned long long)res->rounds, res->elapsed_s,
		       res->elapsed_s > 0 ? (double)res->rounds / res->elapsed_s : 0);
	} else if (o->fault != FAULT_KILL_COORDINATOR) {
		printf("rf-soak: %llu rounds in %.1f s (%.0f/s), violations %llu, stalls %llu\n",
		       (unsigned long long)res->rounds, res->elapsed_s,
		       res->elapsed_s > 0 ? (double)res->rounds / res->elapsed_s : 0,
		       (unsigned long long)res->violations, (unsigned long long)res->stalls);
		printf("rf-soak: unfenced misses: %llu of %llu rendezvous rounds (%.0f per million)\n",
		       (unsigned long long)res->misses, (unsigned long long)res->rv_rounds,
		       res->rv_rounds ? 1e6 * (double)res->misses / (double)res->rv_rounds : 0);
	}
	if (res->trials > 1 || o->fault == FAULT_KILL_WORKER || o->fault == FAULT_KILL_COORDINATOR)
		printf("rf-soak: %llu trials, %llu failed; release latency after the kill: n=%u max %.2f ms p99 %.2f ms p50 %.2f ms\n",
		       (unsigned long long)res->trials, (unsigned long long)res->trials_failed, res->nlat,
		       res->nlat ? res->lat_ms[res->nlat - 1] : 0, percentile(res, 0.99),
		       percentile(res, 0.5));
	if (res->binding[0] && o->launcher_mpi)
		printf("rf-soak: binding (CPUs per rank, as mpirun bound them): %s%s\n", res->binding,
		       res->oversubscribed ? " (oversubscribed)" : "");
	else if (res->binding[0])
		printf("rf-soak: binding (PU per participant): %s%s\n", res->binding,
		       res->oversubscribed ? " (oversubscribed)" : "");
	printf("rf-soak: peak RSS %ld kB\n", res->peak_rss_kb);
	printf("rf-soak: %s (exit %d)\n", verdict(res->exit_code), res->exit_code);
}

/* The run's facts that no option gives: where, from which build, when. */
static void json_context(struct json_writer *w)
{
	char host[256], date[32];
	time_t now = time(NULL);
	struct tm *utc = gmtime(&now); /* participant 0 alone writes the summary */
	json_begin_object(w, "context");
	json_string(w, "host", proc_host_name(host, sizeof host)[0] ? host : NULL);
	json_string(w, "rf_version", RF_BUILD_VERSION);
	json_string(w, "rf_git_revision", RF_BUILD_REVISION);
	json_string(w, "date", utc && strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", utc) ? date : NULL);
	json_end_object(w);
}

/* A count of the sealed per-participant counts, or null when they could
 * not be read (the summary prints "unreadable", never a number). */
static void json_count(struct json_writer *w, const char *key, const struct soak_result *res,
		       uint64_t v)
{
	if (res->counts_unreadable)
		json_null(w, key);
	else
		json_uint(w, key, v);
}

/* Field names are what bench/report/rfresults.py reads (RUN_FIELDS) and
 * ci/soak sums; absent values are null. */
static int write_json(const struct soak_opts *o, const struct soak_result *res)
{
	if (!o->json)
		return 0;
	struct json_writer w;
	json_init(&w);
	json_begin_object(&w, NULL);
	json_string(&w, "tool", "rf-soak");
	json_context(&w);
	json_uint(&w, "procs", o->procs);
	json_string(&w, "transport", transport(o, res));
	json_string(&w, "algorithm", algorithm(o, res));
	json_string(&w, "mode", cli_mode_name(o->mode));
	json_string(&w, "fault", cli_fault_name(o->fault));
	json_uint(&w, "seed", o->seed);
	json_string(&w, "impl", res->impl->drv->name);
	json_string(&w, "impl_version", res->impl->drv->version);
	json_string(&w, "impl_params", res->impl->params);
	json_string(&w, "impl_describe", res->impl_describe);
	json_string(&w, "launcher", o->launcher_mpi ? "mpi" : "self");
	json_string(&w, "placement", placement(o));
	json_string(&w, "binding", res->binding);
	json_bool(&w, "oversubscribed", res->oversubscribed);
	json_uint(&w, "rounds", res->rounds);
	json_double(&w, "elapsed_s", res->elapsed_s, 3);
	json_count(&w, "violations", res, res->violations);
	json_count(&w, "stalls", res, res->stalls);
	json_count(&w, "rendezvous_rounds", res, res->rv_rounds);
	json_count(&w, "misses", res, res->misses);
	if (res->counts_unreadable || !res->rv_rounds)
		json_null(&w, "miss_per_million");
	else
		json_double(&w, "miss_per_million", 1e6 * (double)res->misses / (double)res->rv_rounds, 1);
	json_uint(&w, "trials", res->trials);
	json_uint(&w, "trials_failed", res->trials_failed);
	json_begin_object(&w, "release_ms"); /* no kill, no latency: null, not 0 */
	json_uint(&w, "n", res->nlat);
	if (res->nlat) {
		json_double(&w, "max", res->lat_ms[res->nlat - 1], 3);
		json_double(&w, "p99", percentile(res, 0.99), 3);
		json_double(&w, "p50", percentile(res, 0.5), 3);
	} else {
		json_null(&w, "max");
		json_null(&w, "p99");
		json_null(&w, "p50");
	}
	json_end_object(&w);
	json_bool(&w, "counts_unreadable", res->counts_unreadable);
	if (res->peak_rss_kb > 0)
		json_int(&w, "peak_rss_kb", res->peak_rss_kb);
	else
		json_null(&w, "peak_rss_kb");
	json_int(&w, "exit_code", res->exit_code);
	json_end_object(&w);
	const char *text = json_finish(&w);
	int rc = -1;
	FILE *f = text ? fopen(o->json, "w") : NULL;
	if (!text)
		fprintf(stderr, "rf-soak: %s: out of memory writing the JSON\n", o->json);
	else if (!f)
		perror(o->json);
	else {
		bool ok = fputs(text, f) >= 0;
		if (fclose(f) != 0 || !ok)
			perror(o->json);
		else
			rc = 0;
	}
	json_free(&w);
	return rc;
}

int report_finish(const struct soak_opts *o, struct soak_result *res)
{
	summary(o, res);
	if (write_json(o, res) != 0 && res->exit_code == EXIT_PASS)
		res->exit_code = EXIT_ERROR;
	free(res->lat_ms);
	res->lat_ms = NULL;
	return res->exit_code;
}
