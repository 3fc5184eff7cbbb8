#include "collect/mapfn.h"

const struct mapfn mapfn__assign[] = {
	{"runtime.mapassign", MAPFN_GENERIC},
	{"runtime.mapassign_fast32", MAPFN_FAST32},
	{"runtime.mapassign_fast64", MAPFN_FAST64},
	{"runtime.mapassign_fast64ptr", MAPFN_FAST64PTR},
	{"runtime.mapassign_faststr", MAPFN_FASTSTR},
};

const size_t mapfn__assign_n = sizeof(mapfn__assign) / sizeof(mapfn__assign[0]);
