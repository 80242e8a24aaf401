/* A small JSON writer for rf-soak's --json (json_writer.c says why it is
 * ours): objects, strings escaped and made valid UTF-8, numbers, true /
 * false and null, into a growing buffer that the caller writes out. */
#ifndef RF_SOAK_JSON_WRITER_H
#define RF_SOAK_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

struct json_writer {
	char *buf;   /* the text so far, NUL-terminated (NULL before anything) */
	size_t len, cap;
	bool failed; /* out of memory, too deep, or unbalanced: json_finish says so */
	int depth;   /* open objects */
	bool first[JSON_MAX_DEPTH]; /* no member written yet at each depth */
};

/* An empty writer; the first call must be json_begin_object(w, NULL). */
void json_init(struct json_writer *w);
/* Opens an object: the top-level one (key NULL) or member `key` of the
 * open object. Every key is escaped as a string is. */
void json_begin_object(struct json_writer *w, const char *key);
/* Closes the innermost open object. */
void json_end_object(struct json_writer *w);
/* Member key: s escaped (", \ and control characters; bytes that are not
 * UTF-8 become U+FFFD), or null when s is NULL. */
void json_string(struct json_writer *w, const char *key, const char *s);
/* Member key: v, exactly (JSON readers may round above 2^53). */
void json_uint(struct json_writer *w, const char *key, uint64_t v);
/* Member key: v, exactly. */
void json_int(struct json_writer *w, const char *key, int64_t v);
/* v with `decimals` digits after the point; null when v is NaN or infinite
 * (JSON has no such numbers). */
void json_double(struct json_writer *w, const char *key, double v, int decimals);
/* Member key: true or false. */
void json_bool(struct json_writer *w, const char *key, bool v);
/* Member key: null (a value that is absent, never a made-up zero). */
void json_null(struct json_writer *w, const char *key);
/* The complete document (ending in a newline) in w->buf, or NULL when
 * something failed or an object is still open; the caller frees w->buf
 * (json_free) either way. */
const char *json_finish(struct json_writer *w);
/* Frees the buffer. */
void json_free(struct json_writer *w);

#endif
