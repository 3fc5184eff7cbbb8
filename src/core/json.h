/* json: a streaming JSON writer. It inserts commas and validates nesting, escapes every string
 * (bytes that are not valid UTF-8 become \u00XX escapes of the raw byte, so hostile input always
 * yields valid JSON), and writes one compact line. */
#ifndef MAPSCOPE_CORE_JSON_H
#define MAPSCOPE_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;

struct json *json__new(FILE *out);
/* Ends the line. Returns 0, or -EINVAL if objects/arrays were left open (a bug). NULL-safe. */
int json__free(struct json *j);

void json__obj_begin(struct json *j);
void json__obj_end(struct json *j);
void json__arr_begin(struct json *j);
void json__arr_end(struct json *j);
/* Key inside an object; the next value call supplies its value. */
void json__key(struct json *j, const char *key);

void json__str(struct json *j, const char *s);
void json__strn(struct json *j, const char *s, size_t n);
void json__int(struct json *j, int64_t v);
void json__uint(struct json *j, uint64_t v);
void json__hex(struct json *j, uint64_t v); /* "0x1f" */
void json__double(struct json *j, double v); /* non-finite → null */
void json__bool(struct json *j, bool v);
void json__null(struct json *j);

#endif
