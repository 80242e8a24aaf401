/* libFuzzer target: rf-soak's command line (cli_parse) on arbitrary
 * arguments. The input, split at its NUL bytes, is the arguments after
 * argv[0] (at most 32). A command line is either refused — through exit()
 * with the usage code, 2, or 0 after --help; this target catches the exit
 * (linked with -Wl,--wrap=exit) — or accepted with every option inside the
 * range --help documents. Never a crash, an out-of-bounds access (ASan,
 * UBSan) or another exit code. */
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../record.h"

void __real_exit(int code);
void __wrap_exit(int code);

static jmp_buf back;
static volatile int parsing, exit_code;

void __wrap_exit(int code)
{
	if (!parsing)
		__real_exit(code);
	exit_code = code;
	longjmp(back, 1);
}

static void accepted(const struct soak_opts *o)
{
	if (o->procs < 2 || o->procs > RF_MAX_PROCS)
		abort();
	if (o->size_min < sizeof(struct soak_rec) || o->size_max < o->size_min || o->size_max > 1u << 20)
		abort();
	if (o->mode < RF_RENDEZVOUS || o->mode > MODE_ALL)
		abort();
	if (o->fault < FAULT_NONE || o->fault > FAULT_SCRIBBLE)
		abort();
	if (!(o->watchdog >= 0.01) || !(o->interval >= 0.1) || !(o->release_bound >= 0.001))
		abort();
	if (o->rounds == 0 && o->duration == 0 && o->fault != FAULT_KILL_WORKER &&
	    o->fault != FAULT_KILL_COORDINATOR)
		abort(); /* a run with no end */
	if (o->trials < 1 || o->max_records > 100000 || !o->impl_params)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[34];
	int argc = 0;
	argv[argc++] = "rf-soak";
	for (size_t at = 0; at <= size && argc < 33; at += strlen(buf + at) + 1)
		argv[argc++] = buf + at;
	argv[argc] = NULL;
	struct soak_opts o;
	optind = 0; /* glibc: getopt starts afresh, as in a new process */
	parsing = 1;
	if (setjmp(back) == 0) {
		cli_parse(argc, argv, &o);
		parsing = 0;
		accepted(&o);
	} else {
		parsing = 0;
		if (exit_code != EXIT_USAGE && exit_code != EXIT_PASS)
			abort();
	}
	free(buf);
	return 0;
}
