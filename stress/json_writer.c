/* rf-soak's JSON writer. Ours because the Windows build may use only what
 * Debian packages for mingw-w64, and no JSON library is among them (the
 * Linux-only libraries, json-c or jansson, would make the two builds write
 * differently); what rf-soak writes needs objects, strings, numbers and
 * null, not a parser.
 *
 * The layout: one member per line, two spaces per level, as jq prints. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

void json_init(struct json_writer *w)
{
	memset(w, 0, sizeof *w);
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (w->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(w->buf, cap);
		if (!p) {
			w->failed = true;
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void printf_(struct json_writer *w, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) /* no number of ours is that long */
		w->failed = true;
	else
		put(w, tmp, (size_t)n);
}

/* The length of the well-formed UTF-8 sequence at s (1 to 4), or 0 when
 * s starts no such sequence (a stray continuation byte, an overlong form,
 * a surrogate, a code point past U+10FFFF, or one cut short). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void quoted(struct json_writer *w, const char *s)
{
	put(w, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) {
			puts_(w, "\xef\xbf\xbd"); /* U+FFFD for the byte that is not UTF-8 */
			p++;
			continue;
		}
		switch (*p) {
		case '"': puts_(w, "\\\""); break;
		case '\\': puts_(w, "\\\\"); break;
		case '\n': puts_(w, "\\n"); break;
		case '\r': puts_(w, "\\r"); break;
		case '\t': puts_(w, "\\t"); break;
		case '\b': puts_(w, "\\b"); break;
		case '\f': puts_(w, "\\f"); break;
		default:
			if (*p < 0x20)
				printf_(w, "\\u%04x", *p);
			else
				put(w, (const char *)p, n);
		}
		p += n;
	}
	put(w, "\"", 1);
}

/* The separator, indentation and key before a value. */
static void member(struct json_writer *w, const char *key)
{
	if (w->depth == 0) {
		if (key || w->len) /* one top-level object, no key */
			w->failed = true;
		return;
	}
	if (!key) {
		w->failed = true;
		return;
	}
	puts_(w, w->first[w->depth - 1] ? "\n" : ",\n");
	w->first[w->depth - 1] = false;
	for (int i = 0; i < w->depth; i++)
		puts_(w, "  ");
	quoted(w, key);
	puts_(w, ": ");
}

void json_begin_object(struct json_writer *w, const char *key)
{
	member(w, key);
	if (w->depth == JSON_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	puts_(w, "{");
	w->first[w->depth++] = true;
}

void json_end_object(struct json_writer *w)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	bool empty = w->first[--w->depth];
	if (!empty) {
		puts_(w, "\n");
		for (int i = 0; i < w->depth; i++)
			puts_(w, "  ");
	}
	puts_(w, "}");
}

void json_string(struct json_writer *w, const char *key, const char *s)
{
	member(w, key);
	if (s)
		quoted(w, s);
	else
		puts_(w, "null");
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	member(w, key);
	printf_(w, "%llu", (unsigned long long)v);
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
	member(w, key);
	printf_(w, "%lld", (long long)v);
}

void json_double(struct json_writer *w, const char *key, double v, int decimals)
{
	member(w, key);
	if (!isfinite(v))
		puts_(w, "null");
	else if (fabs(v) >= 1e15) /* %f of a huge value outgrows the buffer */
		printf_(w, "%.17g", v);
	else
		printf_(w, "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, v);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	member(w, key);
	puts_(w, v ? "true" : "false");
}

void json_null(struct json_writer *w, const char *key)
{
	member(w, key);
	puts_(w, "null");
}

const char *json_finish(struct json_writer *w)
{
	if (w->depth != 0 || w->len == 0)
		w->failed = true;
	puts_(w, "\n");
	return w->failed ? NULL : w->buf;
}

void json_free(struct json_writer *w)
{
	free(w->buf);
	json_init(w);
}
