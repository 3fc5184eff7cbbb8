/* bysite: one report's maps aggregated by creation site, the view a server's maps read best in:
 * thousands of maps made at one place are one row. Stateless: built from the registry as it
 * stands, for top's JSON, table and live view (the exporter's model/sites.h keeps counters and
 * forecasts across updates instead). */
#ifndef MAPSCOPE_OUTPUT_BYSITE_H
#define MAPSCOPE_OUTPUT_BYSITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;
struct registry;

struct bysite_row {
	const char *func; /* the site: the first frame outside the runtime; NULL without a stack */
	const char *file; /* its file, NULL when unknown */
	int line;
	const char *held; /* without a stack: the global holding the maps, or "?" */
	const char *type; /* "?" while unknown */
	const char *key_kind; /* the type's key kind ("int64", "string", ...), NULL while unknown */
	uint64_t maps, entries, capacity, bytes, growths, writes, reads;
	size_t at; /* bysite__build's own bookkeeping */
};

/* The registry's maps by (site, type), the biggest in bytes first; writes and reads summed
 * from their calls when counted, else 0. The rows point into gb's tables and the registry's
 * maps: valid until the registry changes. row_of (NULL, or registry__count(r) entries) gets
 * each map's row, by registry index.
 * Returns 0 with *out (free it) and *n, or -ENOMEM. */
int bysite__build(const struct gobin *gb, uint64_t bias, struct registry *r,
		  bool counted, struct bysite_row **out, size_t *n, size_t *row_of);

#endif
