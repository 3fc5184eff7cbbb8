#include "core/json.h"

#include "core/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no element written yet at this level */
	bool after_key;
	bool broken; /* nesting misuse seen */
};

struct json *json__new(FILE *out)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->out = out;
	j->first[0] = true;
	return j;
}

int json__free(struct json *j)
{
	int ret;

	if (!j)
		return 0;
	ret = (j->depth || j->broken) ? -EINVAL : 0;
	fputc('\n', j->out);
	free(j);
	return ret;
}

static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->out);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->broken = true;
		return;
	}
	j->first[++j->depth] = true;
}

static void close_(struct json *j, char c)
{
	if (j->depth == 0)
		j->broken = true;
	else
		j->depth--;
	fputc(c, j->out);
}

void json__obj_begin(struct json *j)
{
	open(j, '{');
}

void json__obj_end(struct json *j)
{
	close_(j, '}');
}

void json__arr_begin(struct json *j)
{
	open(j, '[');
}

void json__arr_end(struct json *j)
{
	close_(j, ']');
}

static void put_string(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;

	fputc('"', out);
	while (i < n) {
		unsigned char c = s[i];
		size_t run = i;

		/* Printable ASCII needs no escape: one write for the whole run (a report of 100,000
		 * maps spent most of its time in one-byte writes). */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			fwrite(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((len = utf8__len(s + i, n - i)) != 0) {
			fwrite(s + i, 1, len, out);
			i += len;
		} else {
			fprintf(out, "\\u%04x", c);
			i++;
		}
	}
	fputc('"', out);
}

void json__key(struct json *j, const char *key)
{
	sep(j);
	put_string(j->out, key, strlen(key));
	fputc(':', j->out);
	j->after_key = true;
}

void json__strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_string(j->out, s, n);
}

void json__str(struct json *j, const char *s)
{
	if (!s) {
		json__null(j);
		return;
	}
	json__strn(j, s, strlen(s));
}

void json__int(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void json__uint(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json__hex(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void json__double(struct json *j, double v)
{
	sep(j);
	if (isfinite(v)) {
		char buf[32];

		/* The shortest form that reads back as the same double. */
		snprintf(buf, sizeof(buf), "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof(buf), "%.17g", v);
		fputs(buf, j->out);
	} else {
		fputs("null", j->out);
	}
}

void json__bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json__null(struct json *j)
{
	sep(j);
	fputs("null", j->out);
}
