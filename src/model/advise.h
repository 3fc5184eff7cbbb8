/* advise: the change each map needs and what it saves, from what mapscope read of a program's maps
 * and the simulator's memory model of the program's Go version (src/sim). Pure: it never reads
 * the target; the caller hands over the maps, a sample of their entries and the concurrent
 * writes seen. */
#ifndef MAPSCOPE_MODEL_ADVISE_H
#define MAPSCOPE_MODEL_ADVISE_H

#include "sim/simgo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In the order a report lists them when they save alike. */
enum advise_kind {
	ADVISE_GUARD,
	ADVISE_REBUILD,
	ADVISE_SLICE,
	ADVISE_SET,
	ADVISE_SMALL_MAPS,
	ADVISE_PRESIZE,
};

/* reflect.Kind of bool. */
#define ADVISE_KIND_BOOL 1

/* An integer kind (Int ... Uintptr): keys that can index a slice. */
bool advise__int_kind(uint8_t kind);

/* The type every byte figure rests on. */
struct advise_type {
	const char *name;	      /* "map[int64]bool" */
	uint8_t key_kind, elem_kind;  /* reflect.Kind */
	uint64_t key_size, elem_size; /* of K and V */
};

/* One map as mapscope last read it. */
struct advise_map {
	uint64_t addr, len, peak_len, capacity;
	bool no_storage;  /* its header has no buckets or groups yet (never written) */
	uint32_t refills; /* times it was seen emptied and then filled again */
	uint64_t growths;
	double growth_seconds; /* measured growth time (classic: until evacuated) */
	/* A uniform sample of its entries; sampled 0: none was taken. */
	uint64_t sampled;
	int64_t key_min, key_max; /* integer keys: the least and greatest sampled */
	uint64_t true_values;	  /* bool values: how many sampled were true */
};

/* The maps of one creation site, all of one type. */
struct advise_site {
	const char *site;      /* the function that made them, or the variable holding them */
	const char *site_file; /* "main.go:42", NULL when unknown */
	struct advise_type type;
	const struct advise_map *maps;
	size_t n;
};

#define ADVISE_EVIDENCE 6

struct advise_item {
	enum advise_kind kind;
	const struct advise_site *site; /* NULL for a guard whose map is not known here */
	const char *type;		/* the map type's name, or NULL */
	uint64_t *addrs;
	size_t naddrs;
	int64_t saves_bytes;  /* < 0: no byte figure */
	double saves_seconds; /* < 0: no time figure */
	char change[512];
	/* The numbers behind it, as name and value. */
	struct {
		const char *name;
		double value;
	} evidence[ADVISE_EVIDENCE];
	size_t nevidence;
	char writers[2][160]; /* guard: the two writers' functions */
};

struct advise_list {
	struct advise_item *v;
	size_t n, cap;
};

struct advise_params {
	struct simgo go;    /* the program's release and layout */
	uint64_t min_bytes; /* below this a byte saving is not advice */
};

/* Adds to out what the maps of s deserve. Returns 0 or -ENOMEM. */
int advise__site(const struct advise_params *p, const struct advise_site *s,
		 struct advise_list *out);
/* Adds a guard: the map at addr (0: unknown) was written by two goroutines at once, in the
 * functions a and b (b NULL: the other writer was not seen). Returns 0 or -ENOMEM. */
int advise__guard(struct advise_list *out, const struct advise_site *s, const char *type,
		  uint64_t addr, const char *a, const char *b);
/* Orders out: guards first, then by bytes saved, then by time saved. */
void advise__sort(struct advise_list *out);
void advise__free(struct advise_list *out);
const char *advise__kind_name(enum advise_kind k);

/* What the model gives a map of type t that had fill distinct keys inserted into a
 * make(map, hint) (grown as it needed), then all but keep of them deleted: the bytes it holds,
 * as allocated. Returns 0, -E2BIG beyond the 2^24 keys the model is run for, or a negative
 * errno. Exposed for the unit tests. */
int advise__sim_bytes(const struct simgo *go, const struct advise_type *t, uint64_t hint,
		      uint64_t fill, uint64_t keep, uint64_t *bytes);

#endif
