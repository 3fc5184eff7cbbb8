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
	fputc_unlocked('\n', j->out);
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
		fputc_unlocked(',', j->out);
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc_unlocked(c, j->out);
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
	fputc_unlocked(c, j->out);
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

	fputc_unlocked('"', out);
	while (i < n) {
		unsigned char c = s[i];
		size_t run = i;

		/* Printable ASCII needs no escape: one write for the whole run (a report of 100,000
		 * maps spent most of its time in one-byte writes). */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			fputc_unlocked('\\', out);
			fputc_unlocked(c, out);
			i++;
		} else if (c == '\n') {
			fputs_unlocked("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs_unlocked("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((len = utf8__len(s + i, n - i)) != 0) {
			fwrite_unlocked(s + i, 1, len, out);
			i += len;
		} else {
			fprintf(out, "\\u%04x", c);
			i++;
		}
	}
	fputc_unlocked('"', out);
}

void json__key(struct json *j, const char *key)
{
	sep(j);
	put_string(j->out, key, strlen(key));
	fputc_unlocked(':', j->out);
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

/* v in base (10 or 16) after prefix, without printf: a report of 100,000 maps is mostly numbers. */
static void put_number(FILE *out, const char *prefix, uint64_t v, unsigned base, const char *suffix)
{
	char buf[32];
	size_t i = sizeof(buf);

	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	fputs_unlocked(prefix, out);
	fwrite_unlocked(buf + i, 1, sizeof(buf) - i, out);
	fputs_unlocked(suffix, out);
}

void json__int(struct json *j, int64_t v)
{
	sep(j);
	put_number(j->out, v < 0 ? "-" : "", v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, "");
}

void json__uint(struct json *j, uint64_t v)
{
	sep(j);
	put_number(j->out, "", v, 10, "");
}

void json__hex(struct json *j, uint64_t v)
{
	sep(j);
	put_number(j->out, "\"0x", v, 16, "\"");
}

/* v in decimal when it is k / 2^24 with 0 <= v < 2^32, which it then is exactly in at most 24
 * digits after the point: a load (len over a power-of-two capacity) and every integer. printf
 * with its read-back check was a tenth of a report at 100,000 maps. False for any other v. */
static bool put_dyadic(FILE *out, double v)
{
	double scaled = v * 16777216.0;
	char buf[40];
	size_t n = 0;
	uint64_t k, frac;

	if (!(v >= 0 && v < 4294967296.0) || scaled != (double)(uint64_t)scaled)
		return false;
	k = (uint64_t)scaled;
	frac = k & 0xffffff;
	put_number(out, "", k >> 24, 10, frac ? "." : "");
	while (frac) {
		frac *= 10;
		buf[n++] = (char)('0' + (frac >> 24));
		frac &= 0xffffff;
	}
	fwrite_unlocked(buf, 1, n, out);
	return true;
}

void json__double(struct json *j, double v)
{
	sep(j);
	if (put_dyadic(j->out, v))
		return;
	if (isfinite(v)) {
		char buf[32];

		/* The shortest form that reads back as the same double. */
		snprintf(buf, sizeof(buf), "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof(buf), "%.17g", v);
		fputs_unlocked(buf, j->out);
	} else {
		fputs_unlocked("null", j->out);
	}
}

void json__bool(struct json *j, bool v)
{
	sep(j);
	fputs_unlocked(v ? "true" : "false", j->out);
}

void json__null(struct json *j)
{
	sep(j);
	fputs_unlocked("null", j->out);
}
