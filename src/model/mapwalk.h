/* mapwalk: a uniform random sample of a live Go map's entries, read from the target's memory
 * (classic buckets, also mid-evacuation; Swiss small maps and tables), and the entries' keys and
 * values printed as Go's %v prints basic kinds. Read-only. */
#ifndef MAPSCOPE_MODEL_MAPWALK_H
#define MAPSCOPE_MODEL_MAPWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct maptype_info;

/* How a map's entries are laid out: from its type (gotype) and the Go version. */
struct mapwalk_layout {
	bool swiss;
	uint16_t hmap_size;   /* classic: 48, or 56 (1.24+ noswissmap) */
	uint32_t bucket_size; /* classic bucket or Swiss group */
	uint32_t key_slot, elem_slot; /* classic: bytes per key / elem in a bucket (8 if indirect) */
	/* swiss: key i of a group at keys_off + i*key_stride, elem i likewise */
	uint32_t keys_off, key_stride, elems_off, elem_stride;
	bool indirect_key, indirect_elem;
	uint8_t key_kind, elem_kind;  /* reflect.Kind */
	uint64_t key_size, elem_size; /* of K and V themselves */
};

/* Where one live entry is: the addresses of its key and elem slots in the target. */
struct mapwalk_entry {
	uint64_t key, elem;
};

struct mapwalk_sample {
	uint64_t len;         /* the header's count (classic) or used (Swiss) */
	uint64_t live;        /* live entries found by the walk */
	bool growing;         /* classic: oldbuckets != nil */
	bool consistent;      /* header unchanged across the walk and live == len */
	int tries;            /* walks made (a retry follows an inconsistent one) */
	size_t n;             /* entries sampled: min(requested, live) */
	struct mapwalk_entry *e;
};

/* Fills l from a map type; swiss and hmap_size come from the binary. */
void mapwalk__layout(const struct maptype_info *ti, bool swiss, uint16_t hmap_size,
		     struct mapwalk_layout *l);

/* Walks the map at addr and keeps a uniform sample (without replacement) of n live entries,
 * chosen with a generator seeded by seed: every live entry has the same chance. A map written
 * during the walk is walked again, up to `retries` more times; the last walk is kept with
 * consistent=false. Returns 0 or a negative errno (header unreadable or implausible); free
 * out->e with mapwalk__free. */
int mapwalk__sample(pid_t pid, uint64_t addr, const struct mapwalk_layout *l, size_t n,
		    uint64_t seed, int retries, struct mapwalk_sample *out);
void mapwalk__free(struct mapwalk_sample *s);

/* Formats the value of kind/size whose slot is at addr (a pointer to it when indirect) as Go's
 * %v prints it: bool, integers, uintptr, floats, strings (at most max_str bytes: *truncated is
 * set when the string is longer), pointers (0x…, <nil>); other kinds as hex bytes (at most
 * max_str bytes, also *truncated). Returns 0 or a negative errno (memory unreadable). */
int mapwalk__format(pid_t pid, uint64_t addr, bool indirect, uint8_t kind, uint64_t size,
		    size_t max_str, char *buf, size_t bufsz, bool *truncated);

/* The %v text of a float64 / float32, as Go's fmt prints it (shortest round-trip digits). */
void mapwalk__float(double v, bool is32, char *buf, size_t n);

#endif
