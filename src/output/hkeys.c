#include "output/hkeys.h"

#include "core/json.h"
#include "model/symbolize.h"

#include <inttypes.h>
#include <string.h>

void hkeys__key_text(const struct hkeys_key *k, uint8_t kind, bool known, char *buf, size_t n,
		     size_t *slen)
{
	uint64_t u = 0;
	size_t len = k->len, i, o = 0;

	*slen = 0;
	if (known && kind == HKEYS_KIND_STRING) {
		*slen = len < HKEYS_STR_MAX ? len : HKEYS_STR_MAX;
		memcpy(buf, k->data, *slen);
		return;
	}
	if (known && len <= 8 && (len == 1 || len == 2 || len == 4 || len == 8)) {
		memcpy(&u, k->data, len);
		if (kind >= 2 && kind <= 6) { /* int, int8 .. int64 */
			int64_t v = len == 1 ? (int8_t)u : len == 2 ? (int16_t)u
				    : len == 4 ? (int32_t)u : (int64_t)u;

			snprintf(buf, n, "%" PRId64, v);
			return;
		}
		if (kind >= 7 && kind <= 12) { /* uint .. uintptr */
			snprintf(buf, n, "%" PRIu64, u);
			return;
		}
		if (kind == 1 && len == 1) {
			snprintf(buf, n, "%s", u ? "true" : "false");
			return;
		}
		if ((kind == 22 || kind == 26) && len == 8) { /* pointers */
			snprintf(buf, n, u ? "0x%" PRIx64 : "<nil>", u);
			return;
		}
	}
	for (i = 0; i < len && i < HKEYS_RAW_MAX && o + 3 < n; i++, o += 2)
		snprintf(buf + o, n - o, "%02x", k->data[i]);
	if (len > HKEYS_RAW_MAX && o + 4 < n)
		snprintf(buf + o, n - o, "...");
}

static void frame_text(const struct gobin *gb, uint64_t bias, const struct hkeys_sample *s,
		       size_t i, char *buf, size_t n)
{
	struct frame fr = { 0 };
	char fl[96];

	/* stack[0] is the probed PC itself; the rest are return addresses. */
	if (symbolize__pc(gb, bias, s->stack[i], i > 0, &fr) == 0 && fr.func)
		snprintf(buf, n, "%s %s", fr.func, symbolize__file_line(&fr, fl, sizeof(fl)));
	else
		snprintf(buf, n, "0x%" PRIx64, s->stack[i]);
}

void hkeys__sample_json(struct json *j, const struct gobin *gb, uint64_t bias,
			const struct hkeys_sample *s, uint8_t kind, bool known)
{
	char buf[HKEYS_STR_MAX * 2 + 8], fb[200];
	size_t slen;

	hkeys__key_text(&s->key, kind, known, buf, sizeof(buf), &slen);
	json__obj_begin(j);
	json__key(j, "map");
	json__hex(j, s->map);
	json__key(j, "key");
	if (slen || (known && kind == HKEYS_KIND_STRING))
		json__strn(j, buf, slen);
	else
		json__str(j, buf);
	json__key(j, "goid");
	json__uint(j, s->goid);
	json__key(j, "stack");
	json__arr_begin(j);
	for (size_t i = 0; i < s->nframes; i++) {
		frame_text(gb, bias, s, i, fb, sizeof(fb));
		json__str(j, fb);
	}
	json__arr_end(j);
	json__obj_end(j);
}

void hkeys__sample_text(FILE *f, const struct gobin *gb, uint64_t bias,
			const struct hkeys_sample *s, uint8_t kind, bool known)
{
	char buf[HKEYS_STR_MAX * 2 + 8], fb[200];
	size_t slen;

	hkeys__key_text(&s->key, kind, known, buf, sizeof(buf), &slen);
	fprintf(f, "  goroutine %" PRIu64 "  0x%" PRIx64 "  %.*s", s->goid,
		s->map, slen ? (int)slen : (int)strlen(buf), buf);
	/* From the writing function (stack[1]) up: stack[0] is inside mapassign. */
	for (size_t i = 1; i < s->nframes && i < 4; i++) {
		frame_text(gb, bias, s, i, fb, sizeof(fb));
		fprintf(f, "%s%s", i == 1 ? "  at " : " < ", fb);
	}
	fputc('\n', f);
}
