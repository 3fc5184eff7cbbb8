/* heapscan_int: the state the heap scan's files share. Private to src/model/heapscan*.c: nothing
 * else includes it, and callers use model/heapscan.h.
 *
 * One scan (heapscan__run, heapscan.c) goes through the files in this order:
 *   heapscan_span.c   the header-class spans, each slot checked as a classic or Swiss header;
 *   heapscan_type.c   types from allocation headers, storage sizes and the GC's pointer bitmap;
 *   heapscan_value.c  types from what one value of a map points at (classic, Go 1.19-1.21);
 *   heapscan_hold.c   arrays of maps, and the global variable that holds each map. */
#ifndef MAPSCOPE_MODEL_HEAPSCAN_INT_H
#define MAPSCOPE_MODEL_HEAPSCAN_INT_H

#include "inspect/elf.h"
#include "model/heapscan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct goheap_span;
struct gotype_map;
struct gotype_value;

struct global {
	uint64_t addr, size; /* file virtual address */
	const char *name;
};

struct heapscan {
	const struct gobin *gb;
	pid_t pid;
	bool swiss, headers;
	uint64_t hdr_size, hdr_class;
	struct gotype_map *types; /* sorted by group */
	size_t ntypes;
	uint64_t min_group;
	struct global *globals; /* sorted by addr */
	size_t nglobals, gcap;
	struct elf_section data[2]; /* .data and .bss, where pointers to heap maps live */
	size_t ndata;
	struct shape *shapes; /* every storage shape typed so far, and its candidates */
	size_t nshapes, scap;
	/* For the bitmap (go_layout.heap_bitmap): types indexes by map address, each group's
	 * pointer mask once read (masks[i] NULL: not yet or none, mask_state 1 read, 2 none), and
	 * the cut candidate sets, kept like the shapes' for the life of the heapscan. */
	size_t *by_map;
	uint8_t **masks, *mask_state;
	struct heapscan_cands **cut;
	size_t ncut, ccap;
	/* For the value cut, each type's value (state 1 read, 2 neither slice nor pointer) and its
	 * element's pointer mask. */
	struct gotype_value *vals;
	uint8_t **vmasks, **dmasks, *val_state;
	heapscan_progress_fn progress;
	void *progress_ctx;
};

/* What the candidates of a map depend on: its storage array's size and group count range, and
 * whether it holds pointers. */
struct shape {
	uint64_t usize, groups, groups_max;
	bool noscan;
	struct heapscan_cands *cands; /* NULL: none or exactly one fit (type) */
	uint64_t type;
};

/* What the structural check learnt about one map: where its storage array is, and how many
 * groups (classic buckets) that array holds at least and at most. */
struct found {
	struct heapscan_map m;
	uint64_t arr, usize, groups, groups_max;
	const struct goheap_span *arr_span;
	bool arr_header;
};

struct run {
	struct heapscan *hs;
	const struct goheap_span *spans;
	size_t nspans;
	uint64_t bias;
	struct heapscan_stats *st;
	struct found *found;
	size_t nfound, cap;
	/* Empty maps' headers (no storage: not told from other objects by themselves), sorted;
	 * those an array of maps points at are added as its maps (pending, until the arrays are
	 * all found: adding moves r->found). */
	uint64_t *empty;
	size_t nempty, cap_empty;
	struct found *pending;
	size_t npending, cap_pending;
};

/* A word of the target's memory, from a buffer that need not be aligned. */
static inline uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* heapscan.c */

/* Appends *f to the growable array *v of *n elements (room for *cap). 0, or -ENOMEM with *v
 * left as it was. Any pointer into *v is stale after a successful call. */
int heapscan_run__push_found(struct found **v, size_t *n, size_t *cap, const struct found *f);

/* heapscan_span.c */

/* Checks every allocated slot of span s (of the header size class) as a map header, and adds
 * those whose structure holds to r->found, the empty ones with no storage to r->empty. Skips a
 * span the sweeper is working on (hg: the heap's sweepgen) and one freed under the read. 0, or
 * -ENOMEM. */
int heapscan_span__scan(struct run *r, const struct goheap_span *s, uint32_t hg);

/* heapscan_type.c */

/* *words[i]: the allocation header word of r->found[i]'s array, 0 when it has none or it could
 * not be read. Free *words with free(), also on failure. 0, -ENOMEM, or a negative errno of
 * the read. */
int heapscan_type__read_headers(struct run *r, uint64_t **words);

/* Sets f's type (or candidates) from its array's allocation header word hdr_word, its span's
 * largeType, or the binary's map types that fit its storage. False only when no map type fits
 * though the binary has some: f is then no map. */
bool heapscan_type__found(struct run *r, struct found *f, uint64_t hdr_word);

/* The index in hs->types of the type at file address map, or SIZE_MAX. Needs hs->by_map. */
size_t heapscan_type__by_map(const struct heapscan *hs, uint64_t map);

/* The candidate set of these n types, kept for the life of hs and shared by every map with
 * the same set; NULL when out of memory. */
const struct heapscan_cands *heapscan_type__cut_set(struct heapscan *hs, const uint64_t *types,
						    uint32_t n);

/* Narrows the candidates of r->found's maps by the GC's pointer bitmap of h (Go 1.19-1.21);
 * never drops every candidate of a map. Needs hs->by_map. 0, -ENOMEM or a read error. */
int heapscan_type__cut_by_bitmap(struct run *r, struct goheap *h);

/* heapscan_value.c */

/* Narrows the candidates of r->found's classic maps by the heap object one value points at;
 * never drops every candidate of a map. Needs hs->by_map. 0, -ENOMEM or a read error. */
int heapscan_value__cut(struct run *r, struct goheap *h);

/* heapscan_hold.c */

/* Indexes the binary's global variables and the .data and .bss sections they live in. 0, or
 * -ENOMEM. */
int heapscan_hold__index(struct heapscan *hs);

/* Sorts r->found by address and finds the arrays of maps among the heap's large objects: sets
 * their members' array (and type, when they share one) and queues their empty members in
 * r->pending. 0, or -ENOMEM. */
int heapscan_hold__arrays(struct run *r);

/* Moves the pending empty maps into r->found, each once, and sorts r->found by address again.
 * 0, or -ENOMEM. */
int heapscan_hold__add_pending(struct run *r);

/* Names the global variable that points at each map of r->found (sorted by address). Best
 * effort: a section that cannot be read names none. */
void heapscan_hold__globals(struct run *r);

#endif
