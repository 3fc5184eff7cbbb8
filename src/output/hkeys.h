/* hkeys: hotkeys' keys as text (Go's %v for integer kinds, the string itself for strings, hex
 * bytes otherwise) and its reservoir samples (--samples) as text and JSON. */
#ifndef MAPSCOPE_OUTPUT_HKEYS_H
#define MAPSCOPE_OUTPUT_HKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gobin;
struct json;

#define HKEYS_STR_MAX 64     /* a string key's bytes the probes capture */
#define HKEYS_RAW_MAX 32     /* the bytes of other keys shown, in hex */
#define HKEYS_KIND_STRING 24 /* reflect.String */

/* A key as the probes captured it: its full length, and its first bytes (HKEYS_STR_MAX of them
 * readable, zero past what was captured). */
struct hkeys_key {
	uint32_t len;
	const uint8_t *data;
};

/* One reservoir sample: the map, the goroutine, its key and its stack (runtime PCs, the probed
 * PC first). */
struct hkeys_sample {
	uint64_t map, goid;
	struct hkeys_key key;
	const uint64_t *stack;
	size_t nframes;
};

/* k as text in buf (n bytes); kind is the key type's kind, known whether the map's type is.
 * For a string key *slen is its captured length (the text is then the bytes, not
 * NUL-terminated); 0 otherwise. */
void hkeys__key_text(const struct hkeys_key *k, uint8_t kind, bool known, char *buf, size_t n,
		     size_t *slen);
/* One sample: {"map", "key", "goid", "stack": ["func file:line", ...]}, PCs resolved against
 * gb at load bias. */
void hkeys__sample_json(struct json *j, const struct gobin *gb, uint64_t bias,
			const struct hkeys_sample *s, uint8_t kind, bool known);
/* One sample as a line: goroutine, map, key, then the stack from the writing function up. */
void hkeys__sample_text(FILE *f, const struct gobin *gb, uint64_t bias,
			const struct hkeys_sample *s, uint8_t kind, bool known);

#endif
