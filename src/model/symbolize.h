/* symbolize: target PCs to Go function names and file:line, from the binary's pclntab. */
#ifndef MAPSCOPE_MODEL_SYMBOLIZE_H
#define MAPSCOPE_MODEL_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;

struct frame {
	const char *func; /* NULL if unknown */
	const char *file; /* full path, NULL if unknown */
	int line;
};

/* Resolves a runtime PC (load bias already known). return_addr: pc is a return address, so the
 * call instruction is at pc-1. Returns 0 or -ENOENT. */
int symbolize__pc(const struct gobin *gb, uint64_t bias, uint64_t pc, bool return_addr,
		  struct frame *out);
/* The SP delta at runtime PC pc (inspect/pclntab.h): where its return address is above SP. */
int symbolize__spdelta(const struct gobin *gb, uint64_t bias, uint64_t pc, int32_t *delta);
/* Index of the first frame outside the Go runtime (the map's user-code site), or -1. stack[0]
 * is the probed PC; the rest are return addresses. */
int symbolize__site(const struct gobin *gb, uint64_t bias, const uint64_t *stack, size_t n,
		    struct frame *out);
/* "name.go:42" from a frame, in buf. */
const char *symbolize__file_line(const struct frame *f, char *buf, size_t n);

#endif
