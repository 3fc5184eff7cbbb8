/* goversion: Go release strings and the one table of every version-dependent fact mapscope uses.
 *
 * Nothing else in mapscope hard-codes an offset that changes between Go releases: code asks
 * goversion__layout() for the row that covers a binary's version. See GO-MAP-INTERNALS.md. */
#ifndef MAPSCOPE_INSPECT_GOVERSION_H
#define MAPSCOPE_INSPECT_GOVERSION_H

#include <stdbool.h>
#include <stdint.h>

struct go_version {
	int major, minor, patch; /* go1.26.10 → 1, 26, 10; patch -1 for "go1.27rc1", devel */
	bool noswissmap;         /* "X:noswissmap" experiment (Go 1.24-1.25 only) */
};

enum go_map_layout {
	GO_LAYOUT_CLASSIC,
	GO_LAYOUT_SWISS,
};

/* go_layout.heap_bitmap. */
enum {
	GO_HEAP_BITMAP_NONE,
	GO_HEAP_BITMAP_2BIT,
	GO_HEAP_BITMAP_1BIT,
};

/* Every version-dependent offset and rule. Offsets are in bytes on linux/amd64. */
struct go_layout {
	int min_minor, max_minor; /* Go 1.min_minor .. 1.max_minor inclusive */
	bool swiss_default;       /* Swiss tables unless built with GOEXPERIMENT=noswissmap */
	uint16_t goid_offset;     /* runtime.g.goid */
	uint16_t g_sched_bp;      /* runtime.g.sched.bp: 104; 96 once gobuf.ret went (1.25) */
	bool kind_masked;         /* abi.Type.Kind_ carries flag bits (mask 0x1f), ≤ 1.25 */
	uint16_t classic_hmap_size;     /* 48; 56 with clearSeq (1.24+ noswissmap) */
	uint8_t classic_load_num;       /* loadFactorNum: 13, or 12 in Go 1.21 */
	bool prune_tombstones;          /* Swiss (*table).pruneTombstones exists */
	bool pclntab_text_from_moduledata; /* pcHeader.textStart no longer stored (1.26+) */
	uint8_t func_struct_size;       /* runtime._func: 40 (1.18-1.19), 44 (1.20+) */
	uint16_t md_types;              /* runtime.moduledata.types: 280 (≤1.19), 296 (1.20+) */
	bool verified;                  /* offsets checked against a built binary's DWARF */
	/* Heap span tables (goheap), 0 where not derived: liveness is then unknown. */
	uint32_t mheap_arenas;   /* runtime.mheap_.arenas ([1]*[1<<22]*heapArena) */
	uint32_t mheap_sweepgen; /* runtime.mheap_.sweepgen (u32) */
	uint32_t arena_spans;    /* runtime.heapArena.spans: after the pointer bitmap ≤ 1.21 */
	uint8_t span_start;      /* runtime.mspan.startAddr (uintptr) */
	uint8_t span_npages;     /* runtime.mspan.npages (uintptr) */
	uint8_t span_index_size; /* width of mspan.freeindex and nelems: 8 (≤ 1.21), 2 (1.22+) */
	uint8_t span_freeindex;  /* runtime.mspan.freeindex */
	uint8_t span_nelems;     /* runtime.mspan.nelems */
	uint8_t span_allocbits;  /* runtime.mspan.allocBits (*gcBits) */
	uint8_t span_sweepgen;   /* runtime.mspan.sweepgen (u32); 1.21 added pinnerBits before it */
	uint8_t span_state;      /* runtime.mspan.state (u8: 0 dead, 1 in use, 2 manual) */
	uint8_t span_elemsize;   /* runtime.mspan.elemsize (uintptr) */
	/* The heap scan's columns (model/heapscan.h), from the same DWARF. */
	uint32_t mheap_allspans; /* runtime.mheap_.allspans ([]*mspan) */
	uint8_t span_spanclass;	 /* runtime.mspan.spanclass (u8: size class << 1 | noscan) */
	uint8_t span_largetype;	 /* runtime.mspan.largeType (*_type), 1.22+; 0 before */
	/* abi.MapType (Swiss) describes a group by KeysOff, KeyStride, ElemsOff, ElemStride
	 * (+88..+112, ElemOff +120, Flags +128) instead of SlotSize, ElemOff (+88, +96, Flags
	 * +104): 1.27+, where GOEXPERIMENT=mapsplitgroup may also split keys from elems. */
	bool swiss_group_strides;
	/* The GC's pointer bitmap of heap objects, heapArena.bitmap at offset 0 (DWARF of 1.19,
	 * 1.21): 2 bits a word, the 4 pointer bits of 4 words in a byte's low nibble (1.19); 1 bit
	 * a word, 64 words a uint64 (1.20-1.21). 0: none (1.22+ keep it in spans or headers). */
	uint8_t heap_bitmap;
};

/* Map header fields that every release of a layout keeps in place (runtime sources of 1.19-1.27;
 * GO-MAP-INTERNALS.md §1.2, §1.3). What moves between releases is a column of struct go_layout:
 * classic_hmap_size, since hmap gained clearSeq in the noswissmap builds of 1.24-1.25. The BPF
 * programs take the ones they read as rodata set from here before load. */
/* runtime.hmap; count at 0, extra (*mapextra) its last word */
#define GO_HMAP_FLAGS 8
#define GO_HMAP_B 9
#define GO_HMAP_NOVERFLOW 10
#define GO_HMAP_HASH0 12
#define GO_HMAP_BUCKETS 16
#define GO_HMAP_OLDBUCKETS 24
#define GO_HMAP_NEVACUATE 32
#define GO_HMAP_SIZE_MIN 48 /* ≤ 1.23 */
#define GO_HMAP_SIZE_MAX 56 /* with clearSeq */
#define GO_HMAP_WRITING 4   /* flags: hashWriting */
#define GO_HMAP_SAMESIZE 8  /* flags: sameSizeGrow */
#define GO_MAPEXTRA_SIZE 24
/* internal/runtime/maps.Map; used at 0 */
#define GO_SWISS_SEED 8
#define GO_SWISS_DIRPTR 16
#define GO_SWISS_DIRLEN 24
#define GO_SWISS_WRITING 34
#define GO_SWISS_TOMBSTONES 35 /* tombstonePossible */
#define GO_SWISS_MAP_SIZE 48
/* internal/runtime/maps.table; used at 0 */
#define GO_TABLE_CAPACITY 2
#define GO_TABLE_GROUPS 16 /* groups.data */
#define GO_TABLE_LENGTH_MASK 24
#define GO_TABLE_SIZE 32

/* Oldest and newest supported versions (minor numbers of Go 1.x). */
#define GO_MIN_SUPPORTED_MINOR 19
#define GO_MAX_SUPPORTED_MINOR 27
/* The oldest Go whose calling convention (register ABI, 1.17) mapscope can read at all. */
#define GO_MIN_REGABI_MINOR 17

/* Parses "go1.26.10", "go1.24.4 X:noswissmap", "go1.27rc1", "devel go1.27-abcdef ...".
 * Returns 0, or -EINVAL if the string is not a Go release string. */
int goversion__parse(const char *s, struct go_version *out);
/* The table row for v, or NULL if v is outside every row. */
const struct go_layout *goversion__layout(const struct go_version *v);
/* Bytes of a classic runtime.hmap under row l; NULL (a version outside every row) reads as
 * GO_HMAP_SIZE_MIN. Only a classic map's header has this size: a Swiss one has
 * GO_SWISS_MAP_SIZE. */
uint16_t goversion__hmap_size(const struct go_layout *l);
enum go_map_layout goversion__map_layout(const struct go_version *v);
/* The byte a map write holds set while it runs, the one the runtime's "concurrent map writes"
 * check reads: classic hmap.flags & hashWriting, Swiss maps.Map.writing (toggled, so only bit 0).
 * The same in every release of a layout (runtime sources of 1.19-1.27). */
struct go_map_writing {
	uint8_t off, mask;
};
const struct go_map_writing *goversion__map_writing(enum go_map_layout l);
const char *goversion__layout_name(enum go_map_layout l);

#endif
