/* profile: samples of map writes and growths by call stack, the model behind `mapscope
 * record`'s outputs (pprof, folded stacks, SVG flame graph). Frames are already symbolized;
 * their strings are borrowed (they live in the binary's pclntab) and must outlive the profile. */
#ifndef MAPSCOPE_OUTPUT_PROFILE_H
#define MAPSCOPE_OUTPUT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

enum prof_value {
	PROF_WRITES,	   /* runtime.mapassign* calls */
	PROF_GROWTHS,	   /* growths of a map's buckets or tables */
	PROF_GROWTH_BYTES, /* bytes of the buckets or tables a growth allocated */
	PROF_GROWTH_NS,	   /* how long the growths took, where the layout lets it be measured */
	PROF_NVALUES,
};

struct prof_frame {
	uint64_t addr;	  /* runtime address (a return address except in the leaf) */
	const char *func; /* NULL when unknown: writers show the address */
	const char *file; /* full path, NULL when unknown */
	int line;
};

struct prof_sample {
	struct prof_frame *frames; /* leaf first */
	size_t n;
	char *key; /* the map key written (record --export-keys; pprof label "key"), or NULL */
	int64_t v[PROF_NVALUES];
};

struct profile {
	struct prof_sample *samples;
	size_t n, cap;
	size_t *index; /* open addressing over samples by their addresses; 0 = empty, else i+1 */
	size_t index_cap;
	int64_t time_ns, duration_ns; /* start (Unix ns) and length of the recording */
	/* The main binary as it was mapped: pprof's Mapping. */
	const char *binary;
	uint64_t map_start, map_limit, map_offset;
	const char *comment; /* e.g. the command line and what was lost; may be NULL */
};

/* Adds v to the sample of this stack (same addresses), creating it. 0 or -ENOMEM. */
int profile__add(struct profile *p, const struct prof_frame *frames, size_t n,
		 const int64_t v[PROF_NVALUES]);
/* The same for the sample of this stack and key (copied; NULL is profile__add). */
int profile__add_keyed(struct profile *p, const struct prof_frame *frames, size_t n,
		       const char *key, const int64_t v[PROF_NVALUES]);
/* Sum of one value over every sample. */
int64_t profile__total(const struct profile *p, enum prof_value which);
/* "writes", "growths", "growth_bytes", "growth_time" and their units; -1 for an unknown name. */
const char *profile__value_name(enum prof_value which);
const char *profile__value_unit(enum prof_value which);
int profile__value_parse(const char *name);
/* The label a text format shows for a frame: the function, else its address in buf. */
const char *profile__frame_name(const struct prof_frame *f, char *buf, size_t n);
void profile__free(struct profile *p);

#endif
