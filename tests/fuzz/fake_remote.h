/* fake_remote: an in-process "target memory" for the map reader fuzz targets. */
#ifndef MAPSCOPE_TESTS_FAKE_REMOTE_H
#define MAPSCOPE_TESTS_FAKE_REMOTE_H

#include <stddef.h>
#include <stdint.h>

/* Address of the region's first byte: small, so that the fuzzer finds pointers into it. */
#define FUZZ_REMOTE_BASE 0x10000ull

/* The region the next reads see; data must stay valid until the next call. */
void fuzz_remote__set(const uint8_t *data, size_t len);

#endif
