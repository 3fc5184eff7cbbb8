/* goheap: is the Go heap object at an address still allocated? Answered from outside, read-only,
 * from the runtime's own span tables (mheap_.arenas → heapArena.spans → mspan), the way
 * runtime.spanOfHeap and mspan.isFree do it. Go's heap stays mapped after a free, so a freed
 * map's header stays readable: only the span's allocation state says it is gone.
 *
 * Every remote word is treated as hostile: indexes, element counts and sizes are checked against
 * the span before use, and a span that changes while it is read gives "unknown", not a verdict. */
#ifndef MAPSCOPE_MODEL_GOHEAP_H
#define MAPSCOPE_MODEL_GOHEAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gobin;
struct go_layout;
struct goheap;

/* Opens the heap of process pid running gb. Returns 0, -ENOTSUP when gb's version has no
 * verified heap offsets, or -ENOENT when &mheap_.arenas cannot be found in the binary. */
int goheap__open(const struct gobin *gb, pid_t pid, struct goheap **out);
/* Same, with the layout row and the file address of mheap_.arenas given (tests). */
int goheap__open_at(const struct go_layout *l, pid_t pid, uint64_t arenas_vaddr,
		    struct goheap **out);
/* Load bias of a PIE target (runtime address = file address + bias); 0 until set. */
void goheap__set_bias(struct goheap *h, uint64_t bias);
void goheap__free(struct goheap *h);

/* 1: the object holding addr is allocated (or, on a span not yet swept since the last GC, was
 * allocated before that GC: a freed object reads allocated until its span is swept).
 * 0: free: the slot is unallocated, or no in-use span holds the page (the pages were freed).
 * Negative errno, liveness unknown: -ENOENT not in a heap span (a goroutine stack, C memory,
 * globals), -EAGAIN the span is being swept or changed while read, -EINVAL implausible span
 * contents, or the read error (-EFAULT, -ESRCH, -EPERM).
 * elemsize (0: any) also asks for an object of that size class starting at addr, else 0: the
 * page is now in a span of another size class, or addr is not where one of its objects starts
 * (the memory was freed and reused for objects of another size, seen under map churn). */
int goheap__allocated(struct goheap *h, uint64_t addr, uint64_t elemsize);
/* goheap__allocated for addrs[0..n), each verdict into out[i], in a few batched reads however
 * many addresses (a refresh of 50,000 maps). Returns 0, or a negative errno when the target
 * cannot be read at all (-ESRCH, -EPERM, -ENOMEM; out then holds -EAGAIN or a verdict). */
int goheap__allocated_each(struct goheap *h, const uint64_t *addrs, size_t n, uint64_t elemsize,
			   int *out);

/* One in-use heap span as mheap_.allspans showed it. An object of a span starts at
 * start + i*elemsize, i < nelems; it is allocated when i < freeindex or bit i of allocbits is
 * set (see goheap__allocated for the sweep states). */
struct goheap_span {
	uint64_t start, end; /* [start, start + npages pages) */
	uint64_t nelems, elemsize, freeindex, allocbits;
	uint64_t largetype; /* runtime address of the object's type (1.22+, size class 0), or 0 */
	uint32_t sweepgen;
	uint8_t spanclass; /* size class << 1 | noscan */
};

/* Every in-use span of the heap, sorted by start, and the heap's sweepgen, from one read of
 * mheap_.allspans and batched reads of the spans. Spans whose fields are implausible are left
 * out. Free *out with free(). Returns 0, -ENOTSUP without the layout's scan columns, or a read
 * error. */
int goheap__spans(struct goheap *h, struct goheap_span **out, size_t *n, uint32_t *sweepgen);
/* The span holding addr in spans[0..n) (sorted by start), or NULL. */
const struct goheap_span *goheap__span_of(const struct goheap_span *spans, size_t n, uint64_t addr);

/* The GC's pointer bits (1: the word holds a pointer) of the first `words` words of each heap
 * object at addrs[i], from heapArena.bitmap (Go 1.19-1.21; see go_layout.heap_bitmap), into
 * bits + i*((words+7)/8), word w at bit w%8 of byte w/8. ok[i] says whether they were read:
 * not when the words run into the next arena or the arena is unknown. Only objects of scan
 * spans have bits; an object freed and reused meanwhile may show another's. Returns 0,
 * -ENOTSUP when the version has no such bitmap, or a read error (-ESRCH, -EPERM, -ENOMEM). */
int goheap__ptrbits_each(struct goheap *h, const uint64_t *addrs, size_t n, size_t words,
			 uint8_t *bits, uint8_t *ok);
/* Bytes of bitmap that hold `words` words' bits in `format` (GO_HEAP_BITMAP_*), wherever the
 * first word falls; 0 for an unknown format. */
size_t goheap__bitmap_span(int format, size_t words);
/* Where the bitmap bytes of the object at addr start, as an offset into heapArena.bitmap. */
uint64_t goheap__bitmap_offset(int format, uint64_t addr);
/* The pointer bits of `words` words from raw, the bitmap bytes at goheap__bitmap_offset(addr)
 * on: word w into bit w%8 of bits[w/8]. */
void goheap__bitmap_decode(int format, const uint8_t *raw, uint64_t addr, size_t words,
			   uint8_t *bits);

/* File virtual address of runtime.mheap_.arenas in gb: from .symtab (runtime.mheap_ + offset),
 * or in a stripped binary from the RIP-relative load in runtime.spanOfHeap. 0 or -ENOENT. */
int goheap__arenas_symtab(const struct gobin *gb, uint64_t *vaddr);
int goheap__arenas_disasm(const struct gobin *gb, uint64_t *vaddr);

#endif
