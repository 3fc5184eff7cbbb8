/* utf8: validation of UTF-8 from hostile sources (file names, remote strings), so that what
 * mapscope prints is always valid text. */
#ifndef MAPSCOPE_CORE_UTF8_H
#define MAPSCOPE_CORE_UTF8_H

#include <stddef.h>

/* Length of the valid, shortest-form UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
size_t utf8__len(const unsigned char *s, size_t n);

#endif
