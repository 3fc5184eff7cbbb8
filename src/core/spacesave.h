/* spacesave: the Space-Saving top-K sketch (Metwally et al.) with weighted updates. A counter's
 * count over-estimates its key's true weight by at most its error:
 * true ∈ [count − error, count]. Any key whose true weight exceeds the smallest count is held. */
#ifndef MAPSCOPE_CORE_SPACESAVE_H
#define MAPSCOPE_CORE_SPACESAVE_H

#include <stddef.h>
#include <stdint.h>

#define SS_KEY_MAX 80

struct ss_counter {
	uint64_t count, error, fp;
	unsigned char key[SS_KEY_MAX];
};

struct spacesave;

/* cap counters for keys of ksz bytes (at most SS_KEY_MAX). Returns 0 or -ENOMEM/-EINVAL. */
int spacesave__new(size_t cap, size_t ksz, struct spacesave **out);
/* Adds weight w to key. Feeding a batch heaviest first keeps the error bounds smallest. */
void spacesave__add(struct spacesave *s, const void *key, uint64_t w);
/* The counters, heaviest first (the order is kept until the next add). */
size_t spacesave__top(struct spacesave *s, const struct ss_counter **out);
void spacesave__free(struct spacesave *s);

#endif
