/* heapscan: every live map header in a Go heap, found from outside and read-only.
 *
 * Map headers are objects of one size class with pointers (48 bytes: classic hmap, Swiss
 * maps.Map; 64 for the 56-byte hmap of noswissmap 1.24-1.25). The scan reads mheap_.allspans,
 * then only the spans of that class and only their allocated slots, and believes a slot is a map
 * only when its structure holds: the fields in range and every pointer landing at the start of
 * an allocated-looking heap object of a size that fits (classic: 2^B buckets; Swiss: a group, or
 * a directory of tables whose capacities and masks agree). Empty maps with no storage are
 * skipped: nothing distinguishes them from zeroed memory.
 *
 * Types come from the runtime's own data: the allocation header of a bucket or group array
 * (Go 1.22+, objects over 512 bytes with pointers), mspan.largeType for large ones, else the
 * binary's map types whose bucket or group size and pointer-ness fit the array, cut on Go
 * 1.19-1.21 to those whose pointer mask is the one the GC's heap bitmap holds for the array,
 * then to those whose slice or pointer value agrees with the object one value points at. */
#ifndef MAPSCOPE_MODEL_HEAPSCAN_H
#define MAPSCOPE_MODEL_HEAPSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gobin;
struct goheap;
struct heapscan;

/* The map types (runtime addresses) that fit one shape of storage. Owned by the heapscan, and
 * kept for its life: maps of one shape share one set. */
struct heapscan_cands {
	uint32_t n;
	uint64_t types[];
};

struct heapscan_map {
	uint64_t addr;
	uint64_t type;			    /* runtime address of its map type; 0 when not known */
	const struct heapscan_cands *cands; /* when type is 0: those that fit (n >= 2), or NULL */
	const char *held_by;		    /* the global variable that points at it, or NULL */
	/* The array of maps it is in (a []map[K]V: all one type), by its address, or 0. */
	uint64_t array;
};

struct heapscan_stats {
	uint64_t spans;	     /* in-use spans in the heap */
	uint64_t slots;	     /* allocated objects of the header size class read */
	uint64_t maps;	     /* validated maps */
	uint64_t empty;	     /* empty maps with no storage, skipped (not those in an array) */
	uint64_t rejected;   /* held together, but their storage fits no map type of the binary */
	uint64_t typed;	     /* maps typed by an allocation header or largeType */
	uint64_t bitmap_typed; /* untyped by size, typed by the GC's pointer bitmap (<= 1.21) */
	uint64_t value_typed;  /* untyped by the bitmap, typed by what a value points at (<= 1.21) */
	uint64_t bytes_read; /* from the target */
	double seconds, cpu_seconds;
};

/* Prepares scans of pid running gb: indexes the binary's map types and global variables.
 * Returns 0, -ENOTSUP when gb's layout has no heap scan columns, or -ENOMEM. */
int heapscan__new(const struct gobin *gb, pid_t pid, struct heapscan **out);
void heapscan__free(struct heapscan *hs);

typedef void (*heapscan_fn)(void *ctx, const struct heapscan_map *m);
/* Told how far a scan that has run over a second is (fraction 0-1, maps validated so far), at
 * most four times a second, and once more with done set at its end when it was told before. */
typedef void (*heapscan_progress_fn)(void *ctx, double fraction, uint64_t maps, bool done);
void heapscan__set_progress(struct heapscan *hs, heapscan_progress_fn fn, void *ctx);
/* One scan of heap h (whose load bias is set) of a process with load bias `bias`: fn once per
 * validated map. Never stops or writes the target. Returns 0 or a negative errno (the target
 * is gone, or its span tables cannot be read). */
int heapscan__run(struct heapscan *hs, struct goheap *h, uint64_t bias, heapscan_fn fn, void *ctx,
		  struct heapscan_stats *st);

/* The heap object a map value points at: n elements from the pointer (a slice's capacity, or 1),
 * room bytes from the pointer to its object's end, its span's noscan bit, whether the object
 * starts there and was allocated for those elements (a slice's backing array in a scan span),
 * and bits[0..words) the GC's pointer bits from the pointer on (NULL: unknown). */
struct heapscan_obj {
	uint64_t n, room;
	bool noscan, whole;
	const uint8_t *bits;
	size_t words;
};

/* Whether o can hold elements of esize bytes whose first ptrdata bytes carry pointer mask `mask`
 * (word w at bit w%8 of byte w/8; NULL unknown). 1 agrees, 0 contradicts, -1 cannot tell. */
int heapscan__value_fits(uint64_t esize, uint64_t ptrdata, const uint8_t *mask,
			 const struct heapscan_obj *o);

#endif
