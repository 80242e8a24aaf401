/* CTest soak.json_writer (label unit): json_writer.c writes what a JSON
 * reader takes back as it was meant: every character that needs escaping
 * escaped, bytes that are not UTF-8 replaced, null for absent and
 * non-finite values, nesting, and misuse refused rather than written. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"

static int failures;

static void expect(const char *what, const char *got, const char *want)
{
	if (got && want && strcmp(got, want) == 0)
		return;
	if (!got && !want)
		return;
	failures++;
	printf("FAIL: %s\n  got:  %s\n  want: %s\n", what, got ? got : "(refused)",
	       want ? want : "(refused)");
}

int main(void)
{
	struct json_writer w;

	json_init(&w);
	json_begin_object(&w, NULL);
	json_string(&w, "quote", "a\"b\\c/d");
	json_string(&w, "controls", "\n\r\t\b\f\x01\x1f");
	json_string(&w, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* a stray continuation byte, a truncated sequence, an overlong '/', a
	 * UTF-16 surrogate, and a code point past U+10FFFF */
	json_string(&w, "bad", "\x80|\xc3|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80");
	json_string(&w, "key \"k\"", "");
	json_string(&w, "absent", NULL);
	json_null(&w, "null");
	json_uint(&w, "u", 18446744073709551615ull);
	json_int(&w, "i", -5);
	json_double(&w, "d", 2.5, 3);
	json_double(&w, "nan", NAN, 3);
	json_double(&w, "inf", -INFINITY, 3);
	json_double(&w, "big", 1e300, 3);
	json_bool(&w, "t", true);
	json_begin_object(&w, "nested");
	json_bool(&w, "f", false);
	json_begin_object(&w, "empty");
	json_end_object(&w);
	json_end_object(&w);
	json_end_object(&w);
	expect("a document", json_finish(&w),
	       "{\n"
	       "  \"quote\": \"a\\\"b\\\\c/d\",\n"
	       "  \"controls\": \"\\n\\r\\t\\b\\f\\u0001\\u001f\",\n"
	       "  \"utf8\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\n"
	       "  \"bad\": \"\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\n"
	       "  \"key \\\"k\\\"\": \"\",\n"
	       "  \"absent\": null,\n"
	       "  \"null\": null,\n"
	       "  \"u\": 18446744073709551615,\n"
	       "  \"i\": -5,\n"
	       "  \"d\": 2.500,\n"
	       "  \"nan\": null,\n"
	       "  \"inf\": null,\n"
	       "  \"big\": 1.0000000000000001e+300,\n"
	       "  \"t\": true,\n"
	       "  \"nested\": {\n"
	       "    \"f\": false,\n"
	       "    \"empty\": {}\n"
	       "  }\n"
	       "}\n");
	json_free(&w);

	/* misuse: an object left open, a member without a key, two top levels */
	json_init(&w);
	json_begin_object(&w, NULL);
	json_uint(&w, "n", 1);
	expect("an object left open", json_finish(&w), NULL);
	json_free(&w);
	json_init(&w);
	json_begin_object(&w, NULL);
	json_uint(&w, NULL, 1);
	json_end_object(&w);
	expect("a member without a key", json_finish(&w), NULL);
	json_free(&w);
	json_init(&w);
	json_begin_object(&w, NULL);
	json_end_object(&w);
	json_begin_object(&w, NULL);
	json_end_object(&w);
	expect("two top-level objects", json_finish(&w), NULL);
	json_free(&w);
	json_init(&w);
	json_begin_object(&w, NULL);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_begin_object(&w, "deeper");
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_end_object(&w);
	json_end_object(&w);
	expect("nesting past JSON_MAX_DEPTH", json_finish(&w), NULL);
	json_free(&w);

	if (failures)
		return 1;
	printf("json_writer: all cases as expected\n");
	return 0;
}
