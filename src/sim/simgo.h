/* simgo: what the simulator needs to know about one Go release's maps. */
#ifndef MAPSCOPE_SIM_SIMGO_H
#define MAPSCOPE_SIM_SIMGO_H

#include <stdbool.h>

enum simgo_layout {
	SIMGO_CLASSIC,
	SIMGO_SWISS,
};

struct simgo {
	int minor; /* 19, 21, 22, 23, 24, 26, 27 */
	enum simgo_layout layout;
	/* Classic: grow when count > load_num * 2^B / 2 (13 = 6.5 per bucket; 12 in Go 1.21). */
	int load_num;
	/* Swiss: pruneTombstones before a rehash (Go 1.26+). */
	bool prune_tombstones;
};

/* Parses "1.23", "go1.23" or "go1.23.5" into *g. Supported: 1.19, 1.21-1.24, 1.26, 1.27 (amd64).
 * Returns 0 or -EINVAL with a message recorded by err__set(). */
int simgo__parse(const char *s, struct simgo *g);
const char *simgo__layout_name(enum simgo_layout l);

#endif
