/* simgo: version facts, from the Go sources (runtime/map.go, internal/runtime/maps). */
#include "sim/simgo.h"

#include "core/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int simgo__parse(const char *s, struct simgo *g)
{
	int major, minor, n = 0;

	if (!strncmp(s, "go", 2))
		s += 2;
	if (sscanf(s, "%d.%d%n", &major, &minor, &n) != 2 || major != 1 || (s[n] && s[n] != '.')) {
		err__set("invalid Go version '%s': expected e.g. 1.23 or go1.26.1", s);
		return -EINVAL;
	}
	if (minor < 19 || minor > 27) {
		err__set("Go 1.%d is outside what the simulator models (1.19 to 1.27)", minor);
		return -EINVAL;
	}
	/* Every modelled release was checked against its own sources and runtime; these two were
	 * not available to check. */
	if (minor == 20 || minor == 25) {
		err__set(
			"Go 1.%d is not modelled (only 1.19, 1.21-1.24, 1.26 and 1.27 were checked "
			"against their runtime): use a neighbouring release",
			minor);
		return -EINVAL;
	}
	memset(g, 0, sizeof(*g));
	g->minor = minor;
	g->layout = minor >= 24 ? SIMGO_SWISS : SIMGO_CLASSIC;
	/* Go 1.21 computed loadFactorNum as (bucketCnt*13/16)*loadFactorDen = 12. */
	g->load_num = minor == 21 ? 12 : 13;
	g->prune_tombstones = minor >= 26;
	return 0;
}

const char *simgo__layout_name(enum simgo_layout l)
{
	return l == SIMGO_SWISS ? "swiss" : "classic";
}
