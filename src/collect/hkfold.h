/* hkfold: hotkeys' counts in user space. The kernel's counts are cumulative per (map, key):
 * each read turns them into deltas and adds each map's to that map's exact table, which holds
 * up to HKFOLD_EXACT_MAX keys with error 0; a map with more keys moves, heaviest first, into a
 * Space-Saving sketch of 4k counters. Each map's writes, type and site come along. */
#ifndef MAPSCOPE_COLLECT_HKFOLD_H
#define MAPSCOPE_COLLECT_HKFOLD_H

#include <stddef.h>
#include <stdint.h>

#define HKFOLD_EXACT_MAX 100000 /* keys per map counted exactly */

struct hotkeys;
struct spacesave;
struct ss_counter;
struct hkfold;
struct hkfold_tab;

/* A sketch's key: struct hk_key without its map (len, pad, data). */
#define HKFOLD_KEY_BYTES (sizeof(struct hk_key) - 8)

struct hkfold_map {
	uint64_t addr, type, ret_pc, writes, writes_last, deletes, deletes_last;
	struct hkfold_tab *exact; /* NULL once the map outgrew it */
	struct spacesave *ss;     /* NULL while exact holds every key */
};

/* k: the keys reported per map. */
int hkfold__new(unsigned k, struct hkfold **out);
/* Folds in what the kernel counted since the last call. Returns 0 or a negative errno. */
int hkfold__collect(struct hkfold *f, struct hotkeys *hk);
size_t hkfold__count(const struct hkfold *f);
const struct hkfold_map *hkfold__at(const struct hkfold *f, size_t i);
/* The map's heaviest keys, at most max into out, heaviest first: exact counts (error 0) while
 * the map had at most HKFOLD_EXACT_MAX keys, else Space-Saving's with their bounds. Returns how
 * many, or a negative errno. */
int hkfold__top(const struct hkfold_map *m, struct ss_counter *out, size_t max);
/* The map at addr, or NULL. */
const struct hkfold_map *hkfold__find(const struct hkfold *f, uint64_t addr);
void hkfold__free(struct hkfold *f);

#endif
