/* clock: the time in nanoseconds, from any POSIX clock. */
#ifndef MAPSCOPE_CORE_CLOCK_H
#define MAPSCOPE_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Clock c in nanoseconds. */
uint64_t clock__ns(clockid_t c);

#endif
