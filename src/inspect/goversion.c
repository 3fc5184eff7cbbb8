#include "inspect/goversion.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Rows are contiguous and sorted. Sources: GO-MAP-INTERNALS.md (verified on 1.19, 1.21, 1.23,
 * 1.24, 1.26; 1.22 and 1.27 checked against DWARF by this project) and each toolchain's runtime
 * sources; rows not marked verified were derived from source only. */
/* Columns: min, max, swiss, goid, g.sched.bp, kind_masked, hmap size, load num, prune, text from
 * moduledata, _func size, moduledata.types, verified; then the heap columns: mheap_.arenas,
 * mheap_.sweepgen, heapArena.spans, mspan startAddr, npages, index size, freeindex, nelems,
 * allocBits, sweepgen, state, elemsize; then the heap scan's: mheap_.allspans, mspan spanclass,
 * largeType. Heap columns are from DWARF of 1.19-1.27 builds; rows without a built toolchain
 * leave them zero (NO_HEAP) rather than guess. */
#define NO_HEAP 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
/* Go 1.22-1.27 share every heap offset. */
#define HEAP_122 66008, 65856, 0, 24, 32, 2, 48, 50, 64, 88, 99, 104, 65864, 98, 152
static const struct go_layout layouts[] = {
	/* 1.17-1.18: register ABI, readable, but outside the supported range. */
	{ 17, 18, false, 152, 104, true, 48, 13, false, false, 40, 280, false, NO_HEAP },
	{ 19, 19, false, 152, 104, true, 48, 13, false, false, 40, 280, true,
	  /* heapArena.bitmap is 2 MiB before spans */
	  65936, 65848, 2097152, 24, 32, 8, 48, 56, 72, 88, 99, 104, 65856, 98, 0,
	  .heap_bitmap = GO_HEAP_BITMAP_2BIT },
	{ 20, 20, false, 152, 104, true, 48, 13, false, false, 44, 296, false, NO_HEAP,
	  .heap_bitmap = GO_HEAP_BITMAP_1BIT },
	/* Go 1.21's loadFactorNum is (8*13/16)*2 = 12 by integer division. */
	{ 21, 21, false, 152, 104, true, 48, 12, false, false, 44, 296, true,
	  /* 1 MiB bitmap + noMorePtrs before spans; mspan.pinnerBits moves sweepgen on */
	  65944, 65856, 1064960, 24, 32, 8, 48, 56, 72, 96, 107, 112, 65864, 106, 0,
	  .heap_bitmap = GO_HEAP_BITMAP_1BIT },
	/* 1.22: allocation headers remove the arena bitmap; mspan indexes shrink to uint16. */
	{ 22, 22, false, 152, 104, true, 48, 13, false, false, 44, 296, true, HEAP_122 },
	/* 1.23 adds g.syscallbp before goid. */
	{ 23, 23, false, 160, 104, true, 48, 13, false, false, 44, 296, true, HEAP_122 },
	{ 24, 24, true, 160, 104, true, 56, 13, false, false, 44, 296, true, HEAP_122 },
	/* 1.25 removes gobuf.ret (goid −8) and adds pruneTombstones; from source only. */
	{ 25, 25, true, 152, 96, true, 56, 13, true, false, 44, 296, false, NO_HEAP },
	/* 1.26: Kind_ is the bare kind; pcHeader.textStart is gone. */
	{ 26, 26, true, 152, 96, false, 56, 13, true, true, 44, 296, true, HEAP_122 },
	/* 1.27: abi.MapType gives group strides (mapsplitgroup); from source. */
	{ 27, 27, true, 152, 96, false, 56, 13, true, true, 44, 296, true, HEAP_122,
	  .swiss_group_strides = true },
};

int goversion__parse(const char *s, struct go_version *out)
{
	const char *p;
	char *end;
	long v;

	memset(out, 0, sizeof(*out));
	p = strstr(s, "go1.");
	if (!p || (p != s && strncmp(s, "devel ", 6) != 0))
		return -EINVAL;
	p += 2;
	out->major = 1;
	p += 2;
	v = strtol(p, &end, 10);
	if (end == p || v < 0 || v > 1000)
		return -EINVAL;
	out->minor = (int)v;
	if (*end == '.') {
		p = end + 1;
		v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > 100000)
			return -EINVAL;
		out->patch = (int)v;
	} else {
		out->patch = -1;
	}
	out->noswissmap = strstr(end, "noswissmap") != NULL;
	return 0;
}

const struct go_layout *goversion__layout(const struct go_version *v)
{
	if (v->major != 1)
		return NULL;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (v->minor >= layouts[i].min_minor && v->minor <= layouts[i].max_minor)
			return &layouts[i];
	return NULL;
}

uint16_t goversion__hmap_size(const struct go_layout *l)
{
	return l ? l->classic_hmap_size : GO_HMAP_SIZE_MIN;
}

enum go_map_layout goversion__map_layout(const struct go_version *v)
{
	const struct go_layout *l = goversion__layout(v);

	if (!l || !l->swiss_default || v->noswissmap)
		return GO_LAYOUT_CLASSIC;
	return GO_LAYOUT_SWISS;
}

const struct go_map_writing *goversion__map_writing(enum go_map_layout l)
{
	static const struct go_map_writing classic = { GO_HMAP_FLAGS, GO_HMAP_WRITING },
					   swiss = { GO_SWISS_WRITING, 1 };

	return l == GO_LAYOUT_SWISS ? &swiss : &classic;
}

const char *goversion__layout_name(enum go_map_layout l)
{
	return l == GO_LAYOUT_SWISS ? "swiss" : "classic";
}
