/* top output: one interval's report of the registry, as a JSON line (DESIGN.md's `top --json`
 * contract) or a plain table. */
#ifndef MAPSCOPE_OUTPUT_TOP_H
#define MAPSCOPE_OUTPUT_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gobin;
struct registry;
struct reg_map;
struct reg_growth;
struct cwrite_log;
struct bysite_row;

struct top_frame {
	double time;    /* unix seconds */
	int pid;
	uint64_t bias;  /* load bias, for symbolizing */
	uint64_t dropped;
	double overhead_pct;
	double trap_ns; /* a probe's trap on this host, as calibrated at start */
	bool final;     /* the last report of the run */
	size_t max_maps; /* --max-maps: JSON lists only the biggest this many maps (0: all) */
	bool exited;    /* the target has exited: values are the last ones read */
	uint64_t boot_to_unix_ns; /* add to BPF timestamps to get unix time */
	/* With --limit-entries or --limit-bytes: the sites whose forecast reaches a limit within
	 * TOP_WARN_S are warned about (a "limit_forecast" event in JSON). NULL: no limits. */
	const struct sites *sites;
	double limit_entries, limit_bytes;
	/* Calls are counted: each map's calls (model/registry.h) are shown; else null in JSON. */
	bool counted;
	bool calls_settled; /* their scale is settled: from now on no total falls */
	/* The growths that finished since the last report (registry__take_growths: valid until
	 * the registry records another). */
	const struct reg_growth *growths;
	size_t ngrowths;
	/* Concurrent writes caught: those from cw_from on are reported (the caller moves cw_from
	 * past them after the report). */
	const struct cwrite_log *cw;
	size_t cw_from;
};

#define TOP_WARN_S 3600.0

struct site;

/* A creation site whose forecast reaches a --limit-* within TOP_WARN_S. */
struct top_warning {
	const struct site *site;
	const char *resource; /* "entries" or "bytes" */
	double limit, value, eta_s;
};

/* Steps through tf's limit warnings; start with *i = 0. */
bool top__next_warning(const struct top_frame *tf, size_t *i, struct top_warning *w);
/* qsort order of const struct reg_map * rows: the most bytes first. */
int top__by_bytes(const void *a, const void *b);
/* "name.go:42" of a site row, as its maps' site_file. */
const char *top__site_file(const struct bysite_row *s, char *buf, size_t n);
/* bloated: capacity at least 8x len and at least 1 MiB held (maps never shrink). */
bool top__is_bloated(const struct reg_map *m);
/* "123B", "45KiB", "67MiB" in buf. */
const char *top__bytes(uint64_t b, char *buf, size_t n);
/* What a SITE column shows for a map with no stack (found by a heap scan): the global variable
 * holding it, or "?". */
const char *top__no_site(const struct reg_map *m);
/* A site row's "function file:line", or the global holding its maps when it has no stack. */
const char *top__site_text(const struct bysite_row *s, char *buf, size_t n);
void top__json(FILE *out, const struct gobin *gb, struct registry *r,
	       const struct top_frame *f);
void top__table(FILE *out, const struct gobin *gb, struct registry *r,
		const struct top_frame *f);

#endif
