/* pprof: a profile as Google's profile.proto (the format of `go tool pprof`), gzipped. */
#ifndef MAPSCOPE_OUTPUT_PPROF_H
#define MAPSCOPE_OUTPUT_PPROF_H

#include <stddef.h>
#include <stdint.h>

struct profile;

/* Serialises p (not compressed) into a malloc'd buffer. 0 or -ENOMEM. */
int pprof__encode(const struct profile *p, uint8_t **out, size_t *len);
/* Writes p to path, gzipped. 0 or a negative errno, with the message recorded (err__set). */
int pprof__write(const struct profile *p, const char *path);

#endif
