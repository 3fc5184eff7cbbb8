/* flame: a profile as a self-contained SVG flame graph (no scripts, fonts or links to other
 * files): the root at the bottom, callees above their callers, each frame's width its share of
 * the value; a <title> per frame gives its name, value and share as a tooltip. */
#ifndef MAPSCOPE_OUTPUT_FLAME_H
#define MAPSCOPE_OUTPUT_FLAME_H

#include "output/profile.h"

#include <stdio.h>

/* title heads the picture (escaped here). 0 or a negative errno. */
int flame__write(FILE *f, const struct profile *p, enum prof_value which, const char *title);

#endif
