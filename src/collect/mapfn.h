/* mapfn: the runtime map functions the per-call collectors probe, each with where it holds its
 * key (shared/mapfn.h). */
#ifndef MAPSCOPE_COLLECT_MAPFN_H
#define MAPSCOPE_COLLECT_MAPFN_H

#include "shared/mapfn.h"

#include <stddef.h>

struct mapfn {
	const char *name;
	enum mapfn_variant v;
};

/* runtime.mapassign and its fast variants, the writes hotkeys and record count. */
extern const struct mapfn mapfn__assign[];
extern const size_t mapfn__assign_n;

#endif
