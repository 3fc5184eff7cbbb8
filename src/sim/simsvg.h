/* simsvg: a small line chart as a standalone SVG file (for sim sweep and docs/load-factor.md). */
#ifndef MAPSCOPE_SIM_SIMSVG_H
#define MAPSCOPE_SIM_SIMSVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct simsvg_series {
	const char *name;
	const double *x, *y;
	size_t n;
	bool dashed;
};

/* Writes the chart; the axes span the data (y from 0). Returns 0 or -EIO. */
int simsvg__chart(FILE *out, const char *title, const char *xlabel, const char *ylabel,
		  const struct simsvg_series *s, size_t nseries);

#endif
