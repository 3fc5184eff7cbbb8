/* mapread: reads a live Go map's header and tables from the target's memory and derives what
 * `top` reports. Read-only; a map being written concurrently may read inconsistently, in which
 * case the next interval's read is used. */
#ifndef MAPSCOPE_MODEL_MAPREAD_H
#define MAPSCOPE_MODEL_MAPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map_stats {
	uint64_t len;
	uint64_t capacity; /* slots: 8<<B; Swiss: sum of table capacities, 8 for a small map */
	uint64_t bytes;    /* header + buckets/groups (+ overflow, old buckets) + directory, tables */
	bool storage;      /* buckets, a group or a directory is allocated (a map written once) */
	/* classic */
	uint64_t buckets, overflow_buckets;
	uint8_t B;
	bool growing, same_size_growing;
	uint32_t seed; /* hash0: re-randomised by clear and by deleting the last entry */
	/* swiss */
	uint64_t tables, tombstones, dir_len;
	uint64_t seed64;
};

struct mapread_layout {
	bool swiss;
	uint16_t hmap_size;    /* classic: 48, or 56 (1.24+ noswissmap) */
	uint32_t bucket_size;  /* classic bucket or Swiss group size, from the map's type; 0 if unknown */
	bool count_tombstones; /* reads every group's control word */
};

/* Whether a classic map of 2^B buckets can hold count entries: an insert that would take it over
 * the load factor (6.5 a bucket; 8 with one bucket) grows it first. While it grows, inserts are
 * not checked, but each evacuates an old bucket first: a doubling (B already the new size) ends
 * well under the bound, a same-size growth (too many overflow buckets) can pass it by at most
 * its 2^B old buckets. Overflow buckets do not raise it: a header that read 14 entries with B 0
 * and an overflow bucket was other memory. */
bool mapread__classic_count_ok(uint64_t count, uint8_t B, bool growing);
/* Returns 0, or a negative errno when the header cannot be read or is implausible. */
int mapread__stats(pid_t pid, uint64_t addr, const struct mapread_layout *l, struct map_stats *out);
/* Bytes of a map's header (hmap or maps.Map) under layout l. */
size_t mapread__header_size(const struct mapread_layout *l);
/* mapread__stats with the header at addr already read into hdr (mapread__header_size bytes, e.g.
 * one of a batch): only what lies beyond it (a Swiss map's directory and tables) is read. */
int mapread__stats_from(pid_t pid, uint64_t addr, const uint8_t *hdr,
			const struct mapread_layout *l, struct map_stats *out);

#endif
