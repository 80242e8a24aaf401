/* rf-clean: removes the shared-memory segments of ringfence worlds whose
 * creator no longer runs (SPEC §1 "an explicit clean command"). Live worlds
 * are left alone, and so are other users' files and files that are not
 * ringfence segments: a name under our prefix proves nothing. Exit status:
 * 0; 1 if the segments could not be listed; 2 bad usage. */
#include <stdio.h>
#include <string.h>

#include "rf_build_info.h"
#include "ringfence.h"

static const char usage[] =
	"usage: rf-clean [--all-users]\n"
	"Removes ringfence segments (/dev/shm/rf-<pid>-...) whose creator is gone.\n"
	"Only this user's segments whose header is a ringfence header are removed;\n"
	"another user's files and files that are not ringfence segments are left.\n"
	"\n"
	"  --all-users   root only: every user's stale segments (still only those\n"
	"                with a ringfence header)\n"
	"  -h, --help    this text\n"
	"  --version     the version and git revision of this build\n";

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= RF_LOG_INFO) /* what was swept; not what was left (debug) */
		fprintf(stderr, "rf-clean: %s\n", msg);
}

int main(int argc, char **argv)
{
	bool all_users = false;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("rf-clean %s (revision %s)\n", RF_BUILD_VERSION, RF_BUILD_REVISION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--all-users") == 0) {
		all_users = true;
	} else if (argc > 1) {
		fprintf(stderr, "rf-clean: unexpected argument '%s' (see --help)\n", argv[1]);
		return 2;
	}
	rf_set_log(log_stderr, NULL);
	int n = all_users ? rf_sweep_all_users() : rf_sweep();
	if (n == RF_EINVAL && all_users) {
		fprintf(stderr, "rf-clean: --all-users: only root may remove another user's segments\n");
		return 2;
	}
	if (n < 0) {
		fprintf(stderr, "rf-clean: %s\n", rf_strerror(n));
		return 1;
	}
	printf("rf-clean: removed %d stale segment%s\n", n, n == 1 ? "" : "s");
	return 0;
}
