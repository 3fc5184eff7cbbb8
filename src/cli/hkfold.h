/* hkfold: hotkeys' counts in user space. The kernel's counts are cumulative per (map, key):
 * each read turns them into deltas and feeds each map's, heaviest first, into that map's
 * Space-Saving sketch of 4k counters; each map's writes, type and site come along. */
#ifndef MAPSCOPE_CLI_HKFOLD_H
#define MAPSCOPE_CLI_HKFOLD_H

#include <stddef.h>
#include <stdint.h>

struct hotkeys;
struct spacesave;
struct hkfold;

/* A sketch's key: struct hk_key without its map (len, pad, data). */
#define HKFOLD_KEY_BYTES (sizeof(struct hk_key) - 8)

struct hkfold_map {
	uint64_t addr, type, ret_pc, writes, writes_last, deletes, deletes_last;
	struct spacesave *ss;
};

/* k: the keys reported per map. */
int hkfold__new(unsigned k, struct hkfold **out);
/* Folds in what the kernel counted since the last call. Returns 0 or a negative errno. */
int hkfold__collect(struct hkfold *f, struct hotkeys *hk);
size_t hkfold__count(const struct hkfold *f);
const struct hkfold_map *hkfold__at(const struct hkfold *f, size_t i);
/* The map at addr, or NULL. */
const struct hkfold_map *hkfold__find(const struct hkfold *f, uint64_t addr);
void hkfold__free(struct hkfold *f);

#endif
