/* The machine as POSIX describes it: /etc/os-release, /proc/cpuinfo, uname. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "platform.h"

/* The value of the first line of a /proc or /etc style file that starts with
 * `key` and has `sep` after it: what follows sep, without leading blanks and
 * quotes or trailing blanks and quotes. Empty when there is none. */
static void file_field(const char *path, const char *key, char sep, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0, klen = strlen(key);
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strncmp(line, key, klen) != 0)
			continue;
		char *v = strchr(line + klen, sep);
		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t\"");
		size_t vl = strlen(v);
		while (vl > 0 && (v[vl - 1] == '"' || v[vl - 1] == ' '))
			vl--;
		snprintf(out, len, "%.*s", (int)vl, v);
		break;
	}
	free(line);
	fclose(f);
}

void bench_host_get(struct bench_host *h)
{
	struct utsname u;
	int have_uname = uname(&u) == 0;

	file_field("/etc/os-release", "PRETTY_NAME", '=', h->os, sizeof h->os);
	if (!h->os[0] && have_uname)
		snprintf(h->os, sizeof h->os, "%s", u.sysname);

	if (have_uname)
		snprintf(h->kernel, sizeof h->kernel, "%s %s %s %s", u.sysname, u.release, u.version,
			 u.machine);
	else
		snprintf(h->kernel, sizeof h->kernel, "unknown");

	file_field("/proc/cpuinfo", "model name", ':', h->cpu_model, sizeof h->cpu_model); /* x86 */
	if (!h->cpu_model[0]) /* some Arm boards */
		file_field("/proc/cpuinfo", "Model", ':', h->cpu_model, sizeof h->cpu_model);
	if (!h->cpu_model[0] && have_uname)
		snprintf(h->cpu_model, sizeof h->cpu_model, "%s", u.machine);
	if (!h->cpu_model[0])
		snprintf(h->cpu_model, sizeof h->cpu_model, "unknown");

	/* An emulator would be a different runtime; POSIX builds run natively. */
	snprintf(h->runtime, sizeof h->runtime, "native");
}
