/* sitetypes: the map type each creation site makes, learnt from the maps of the site that got a
 * type.
 *
 * runtime.makemap_small takes no type, so a map made by `make(map[K]V)` without a size hint is
 * untyped until something types it: a touch in a window, an allocation header. Every map made at
 * one call path is of one type (one call instruction has one static type; generic code reached
 * by one path has one dictionary), so once one map of a site is typed, all of them are: Debian's
 * Prometheus makes its 16,384 series maps at one site. A site is the first SITETYPES_FRAMES
 * frames of the creation stack; one that ever shows two types is mixed and types nothing. */
#ifndef MAPSCOPE_MODEL_SITETYPES_H
#define MAPSCOPE_MODEL_SITETYPES_H

#include <stdint.h>

#define SITETYPES_FRAMES 4

struct sitetypes;

struct sitetypes *sitetypes__new(void);
void sitetypes__free(struct sitetypes *t);
/* The site of a creation stack (never 0). */
uint64_t sitetypes__key(const uint64_t *stack, uint32_t nstack);
/* Records that a map made at site key has the given type. Returns 1 when this is news (the site
 * had no type), 0 when known (or now mixed), -ENOMEM. */
int sitetypes__learn(struct sitetypes *t, uint64_t key, uint64_t type);
/* The one type of the site's maps, or 0 when unknown or mixed. */
uint64_t sitetypes__type(const struct sitetypes *t, uint64_t key);

#endif
