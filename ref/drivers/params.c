/* The built-in drivers' "key=value,key=value" parameters, strictly: a
 * misspelt key must not silently run the default (a benchmark of the wrong
 * algorithm looks like a result). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"

static char why_text[512];

void rf_drivers_set_why(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why_text, sizeof why_text, fmt, ap);
	va_end(ap);
}

const char *rf_drivers_why(void)
{
	return why_text;
}

/* "a|b|c" of a choice list, for the message. */
static void list_choices(const char *const *c, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; c[i] && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "|" : "", c[i]);
}

static void list_keys(const struct rf_drivers_param *keys, size_t n, char *buf, size_t len)
{
	size_t at = 0;
	snprintf(buf, len, "none");
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", keys[i].key);
}

static int set_value(const char *driver, const struct rf_drivers_param *k, const char *v)
{
	if (k->choices) {
		for (unsigned i = 0; k->choices[i]; i++) {
			if (strcmp(k->choices[i], v) == 0) {
				*k->choice = i;
				return 0;
			}
		}
		char c[256];
		list_choices(k->choices, c, sizeof c);
		rf_drivers_set_why("driver %s: %s=%s is not one of %s", driver, k->key, v, c);
		return RF_EINVAL;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || x < k->min || x > k->max) {
		rf_drivers_set_why("driver %s: %s=%s is not an integer in [%llu, %llu]", driver,
				   k->key, v, (unsigned long long)k->min, (unsigned long long)k->max);
		return RF_EINVAL;
	}
	*k->number = x;
	return 0;
}

int rf_drivers_params(const char *driver, const char *params, const struct rf_drivers_param *keys,
		      size_t n)
{
	if (!params || !params[0])
		return 0;
	char buf[512];
	if (strlen(params) >= sizeof buf) {
		rf_drivers_set_why("driver %s: parameters longer than %zu bytes", driver,
				   sizeof buf - 1);
		return RF_EINVAL;
	}
	strcpy(buf, params);
	bool seen[16] = {false};
	if (n > sizeof seen / sizeof seen[0])
		return RF_EINVAL; /* a driver's own table: a programming error */
	char *item = buf;
	for (;;) {
		char *next = strchr(item, ',');
		if (next)
			*next = '\0';
		char *eq = strchr(item, '=');
		if (!eq || eq == item) {
			rf_drivers_set_why("driver %s: parameter '%s' is not key=value", driver, item);
			return RF_EINVAL;
		}
		*eq = '\0';
		size_t i = 0;
		while (i < n && strcmp(keys[i].key, item) != 0)
			i++;
		if (i == n) {
			char known[256];
			list_keys(keys, n, known, sizeof known);
			rf_drivers_set_why("driver %s: unknown parameter '%s' (known: %s)", driver,
					   item, known);
			return RF_EINVAL;
		}
		if (seen[i]) {
			rf_drivers_set_why("driver %s: parameter '%s' given twice", driver, item);
			return RF_EINVAL;
		}
		seen[i] = true;
		int rc = set_value(driver, &keys[i], eq + 1);
		if (rc)
			return rc;
		if (!next)
			return 0;
		item = next + 1;
	}
}
