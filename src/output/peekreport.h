/* peekreport: the report of `mapscope peek` (docs/peek.md), plain or JSON. The entries are
 * written as the command formats them, one at a time, so that a large sample is never held as
 * text: a head view, then each entry's view, then the end. The writers only read the views. */
#ifndef MAPSCOPE_OUTPUT_PEEKREPORT_H
#define MAPSCOPE_OUTPUT_PEEKREPORT_H

#include "model/mapwalk.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json;

/* The map and the walk that sampled it; seed repeats the sample. */
struct peekreport_head {
	uint64_t addr, seed;
	const char *type; /* Go's name of the map type */
	bool swiss;
	const struct mapwalk_sample *s;
};

/* One sampled entry as Go's %v prints it; *_truncated: the text was cut at mapscope's limit. */
struct peekreport_entry {
	const char *key, *value;
	bool key_truncated, value_truncated;
};

struct peekreport {
	FILE *f;
	struct json *j; /* NULL for plain */
};

/* Writes the head. Returns 0, or -ENOMEM with nothing written; on 0, peekreport__end must
 * follow. */
int peekreport__begin(struct peekreport *w, FILE *f, bool json, const struct peekreport_head *h);
void peekreport__entry(struct peekreport *w, const struct peekreport_entry *e);
/* unreadable: sampled entries that could not be read because the map changed since the walk. */
void peekreport__end(struct peekreport *w, unsigned int unreadable);

#endif
