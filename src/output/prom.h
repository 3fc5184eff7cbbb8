/* prom: the exporter's /metrics page in Prometheus' text exposition format (version 0.0.4).
 *
 * Every family is written once, with the series of all targets under it. Labels are bounded:
 * pid and exe per target, function, file and type per exported creation site (sites.h), never a
 * map address or a key. Label values are escaped (backslash, quote, newline). */
#ifndef MAPSCOPE_OUTPUT_PROM_H
#define MAPSCOPE_OUTPUT_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sites;

struct prom_target {
	int pid;
	const char *exe;        /* the binary's file name */
	const char *go_version; /* NULL when the target could not be opened */
	bool up;                /* traced and readable at the last update */
	const struct sites *sites; /* NULL when not up */
	uint64_t dropped;       /* probe events lost (ring buffer full) */
	double overhead_ratio;  /* the target's measured slowdown from probes, 0.01 = 1 % */
	bool limits;            /* a limit was given: write mapscope_map_limit_eta_seconds */
	bool writes;            /* writes are counted: write mapscope_map_writes_total */
};

/* Concurrent map writes the runtime killed a target for, by the caught goroutine's function
 * and the map's type: kept after the target is gone. */
struct prom_cwrite {
	int pid;
	const char *exe, *function, *type;
	uint64_t n;
};

/* Writes the page for n targets and ncw concurrent-write series. Returns 0, or -EIO when the
 * stream failed. */
int prom__write(FILE *out, const struct prom_target *t, size_t n, const struct prom_cwrite *cw,
		size_t ncw, const char *version);

#endif
