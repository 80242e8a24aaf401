/* rf-clean: removes the shared-memory segments of ringfence worlds whose
 * creator no longer runs (SPEC §1 "an explicit clean command"). Live worlds
 * are left alone. Exit status: 0, or 1 if the segments could not be listed. */
#include <stdio.h>
#include <string.h>

#include "ringfence.h"

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "rf-clean: %s\n", msg);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: rf-clean\nRemoves ringfence segments whose creator is gone.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "rf-clean: takes no arguments (see --help)\n");
		return 2;
	}
	rf_set_log(log_stderr, NULL);
	int n = rf_sweep();
	if (n < 0) {
		fprintf(stderr, "rf-clean: %s\n", rf_strerror(n));
		return 1;
	}
	printf("rf-clean: removed %d stale segment%s\n", n, n == 1 ? "" : "s");
	return 0;
}
