/* remote: read-only access to a target's memory with process_vm_readv. Never writes. */
#ifndef MAPSCOPE_MODEL_REMOTE_H
#define MAPSCOPE_MODEL_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads exactly n bytes at addr. Returns 0, or -EFAULT (unmapped), -ESRCH (gone), -EPERM. */
int remote__read(pid_t pid, uint64_t addr, void *dst, size_t n);
/* Reads n 8-byte words at addrs[i] into out[i] in as few system calls as possible. Returns the
 * number of leading words read (a word that cannot be read ends the run), or a negative errno. */
long remote__read_words(pid_t pid, const uint64_t *addrs, uint64_t *out, size_t n);
/* Reads n regions of `each` bytes, region i at addrs[i] into out + i*each, in as few system
 * calls as possible; ok[i] says whether region i was read whole. A region that cannot be read
 * does not stop the others. Returns how many were read, or a negative errno (-ESRCH, -EPERM). */
long remote__read_each(pid_t pid, const uint64_t *addrs, size_t each, void *out, uint8_t *ok,
		       size_t n);
/* remote__read_each for regions that crowd together (map headers, the heap's span tables and
 * bitmaps): a page holding several regions is read once, whole, and each region copied out of
 * it, the others are read alone. Tens of thousands of regions cost a few hundred iovecs, each
 * of which the kernel pins its pages for. Same results and return as remote__read_each; a
 * region may be given twice. */
long remote__read_clustered(pid_t pid, const uint64_t *addrs, size_t each, void *out,
			    uint8_t *ok, size_t n);
/* Load bias of a PIE's executable: runtime address = file vaddr + bias, where first_vaddr is the
 * virtual address of the executable's file offset 0 (0x400000 in a Go PIE). 0 for non-PIE. */
int remote__load_bias(pid_t pid, const char *exe_path, int pie, uint64_t first_vaddr,
		      uint64_t *bias);

#endif
