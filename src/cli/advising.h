/* advising: what `mapscope advise` (and top's closing summary) works out at the end of a
 * session: the maps grouped by creation site or []map, the biggest integer-key and bool-value
 * maps sampled while the program is there to read, and model/advise.h's advice for them,
 * guards from the concurrent writes seen included. */
#ifndef MAPSCOPE_CLI_ADVISING_H
#define MAPSCOPE_CLI_ADVISING_H

#include <stdint.h>

struct session;
struct advising;
struct advise_list;

/* Works out the advice for s's maps (advice saving less than min_bytes left out), sorted.
 * Returns 0 or a negative errno; *out (advising__free it) is set either way. */
int advising__run(struct session *s, uint64_t min_bytes, struct advising **out);
const struct advise_list *advising__list(const struct advising *a);
void advising__free(struct advising *a);

#endif
