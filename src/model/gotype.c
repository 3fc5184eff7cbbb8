#include "model/gotype.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/pclntab.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* abi.Type (48 bytes, same offsets 1.19-1.27) and the map types (GO-MAP-INTERNALS.md §1). */
#define TYPE_TFLAG 20
#define TYPE_KIND 23
#define TYPE_STR 40
#define TFLAG_EXTRA_STAR 0x2
#define MAPTYPE_KEY 48
#define CLASSIC_KEYSIZE 80
#define CLASSIC_ELEMSIZE 81
#define CLASSIC_BUCKETSIZE 82
#define MAPTYPE_ELEM 56
#define MAPTYPE_GROUP 64
#define TYPE_PTRBYTES 8
#define TYPE_GCDATA 32
#define KIND_GCPROG 0x40 /* in the kind byte, <= 1.23 */
#define KIND_MAP 21
#define KIND_STRUCT 25
#define KIND_PTR 22
#define KIND_SLICE 23
#define PTRTYPE_ELEM 48 /* abi.PtrType.Elem and abi.SliceType.Elem */
#define CLASSIC_FLAGS 84
#define CLASSIC_INDIRECT_KEY 1
#define CLASSIC_INDIRECT_ELEM 2
#define SWISS_GROUPSIZE 80
#define SWISS_SLOTSIZE 88
#define SWISS_ELEMOFF 96
#define SWISS_FLAGS 104
#define SWISS_INDIRECT_KEY 4
#define SWISS_INDIRECT_ELEM 8
#define SWISS_STRIDES 88 /* 1.27+: KeysOff, KeyStride, ElemsOff, ElemStride; ElemOff; Flags */
#define SWISS_STRIDES_FLAGS 128
#define SWISS_CTRL_WORD 8

const char *gotype__kind_name(uint8_t kind)
{
	static const char *names[] = {
		"invalid", "bool",    "int",       "int8",      "int16",     "int32",
		"int64",   "uint",    "uint8",     "uint16",    "uint32",    "uint64",
		"uintptr", "float32", "float64",   "complex64", "complex128", "array",
		"chan",    "func",    "interface", "map",       "ptr",       "slice",
		"string",  "struct",  "unsafe.Pointer",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static uint64_t types_base(const struct gobin *gb)
{
	uint64_t md = pclntab__moduledata(gb->pcln), types;

	if (!md || !gb->layout || elf__read_ptr(gb->elf, md + gb->layout->md_types, &types))
		return 0;
	return types;
}

/* The name of type at vaddr: a nameOff into the types section; 1 byte flags, uvarint length. */
static int type_name(const struct gobin *gb, uint64_t vaddr, char *buf, size_t n)
{
	uint64_t base = types_base(gb), at, len = 0;
	uint8_t tflag, hdr[11];
	int32_t str;
	size_t i;

	if (!base || elf__read(gb->elf, vaddr + TYPE_TFLAG, &tflag, 1) ||
	    elf__read(gb->elf, vaddr + TYPE_STR, &str, 4))
		return -EFAULT;
	at = base + (uint64_t)(int64_t)str;
	if (elf__read(gb->elf, at, hdr, 1))
		return -EFAULT;
	for (i = 0; i < 10; i++) {
		if (elf__read(gb->elf, at + 1 + i, &hdr[1 + i], 1))
			return -EFAULT;
		len |= (uint64_t)(hdr[1 + i] & 0x7f) << (7 * i);
		if (!(hdr[1 + i] & 0x80))
			break;
	}
	if (i == 10 || len == 0)
		return -EINVAL;
	at += 2 + i;
	if ((tflag & TFLAG_EXTRA_STAR) && len > 1) {
		at++;
		len--;
	}
	if (len >= n)
		len = n - 1;
	if (elf__read(gb->elf, at, buf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

int gotype__maptype(const struct gobin *gb, uint64_t vaddr, struct maptype_info *out)
{
	uint64_t key, elem, group, slot, eoff;
	uint32_t flags;
	uint16_t bsize;
	uint8_t kind, ekind;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = type_name(gb, vaddr, out->name, sizeof(out->name));
	if (ret)
		snprintf(out->name, sizeof(out->name), "map[?]?");
	if (elf__read_ptr(gb->elf, vaddr + MAPTYPE_KEY, &key) ||
	    elf__read(gb->elf, key + TYPE_KIND, &kind, 1))
		return -EFAULT;
	out->key_kind = gb->layout && gb->layout->kind_masked ? kind & 0x1f : kind;
	if (elf__read_ptr(gb->elf, vaddr + MAPTYPE_ELEM, &elem) ||
	    elf__read(gb->elf, elem + TYPE_KIND, &ekind, 1) ||
	    elf__read(gb->elf, key, &out->key_type_size, 8) ||
	    elf__read(gb->elf, elem, &out->elem_type_size, 8))
		return -EFAULT;
	out->elem_kind = gb->layout && gb->layout->kind_masked ? ekind & 0x1f : ekind;
	if (gb->maps == GO_LAYOUT_SWISS) {
		uint64_t st[4];

		if (elf__read(gb->elf, vaddr + SWISS_GROUPSIZE, &group, 8) || group > (1u << 20))
			return -EFAULT;
		if (gb->layout && gb->layout->swiss_group_strides) {
			if (elf__read(gb->elf, vaddr + SWISS_STRIDES, st, sizeof(st)) ||
			    elf__read(gb->elf, vaddr + SWISS_STRIDES_FLAGS, &flags, 4))
				return -EFAULT;
		} else {
			/* Interleaved slots {key; elem} after the control word. */
			if (elf__read(gb->elf, vaddr + SWISS_SLOTSIZE, &slot, 8) ||
			    elf__read(gb->elf, vaddr + SWISS_ELEMOFF, &eoff, 8) ||
			    elf__read(gb->elf, vaddr + SWISS_FLAGS, &flags, 4))
				return -EFAULT;
			st[0] = SWISS_CTRL_WORD;
			st[1] = slot;
			st[2] = SWISS_CTRL_WORD + eoff;
			st[3] = slot;
		}
		for (int i = 0; i < 4; i++)
			if (st[i] >= group)
				return -EINVAL;
		out->bucket_size = (uint32_t)group;
		out->keys_off = (uint32_t)st[0];
		out->key_stride = (uint32_t)st[1];
		out->elems_off = (uint32_t)st[2];
		out->elem_stride = (uint32_t)st[3];
		out->indirect_key = flags & SWISS_INDIRECT_KEY;
		out->indirect_elem = flags & SWISS_INDIRECT_ELEM;
		return 0;
	}
	if (elf__read(gb->elf, vaddr + CLASSIC_BUCKETSIZE, &bsize, 2) ||
	    elf__read(gb->elf, vaddr + CLASSIC_KEYSIZE, &out->key_size, 1) ||
	    elf__read(gb->elf, vaddr + CLASSIC_ELEMSIZE, &out->elem_size, 1) ||
	    elf__read(gb->elf, vaddr + CLASSIC_FLAGS, &flags, 4))
		return -EFAULT;
	out->bucket_size = bsize;
	out->indirect_key = flags & CLASSIC_INDIRECT_KEY;
	out->indirect_elem = flags & CLASSIC_INDIRECT_ELEM;
	return 0;
}

int gotype__value(const struct gobin *gb, uint64_t vaddr, struct gotype_value *out)
{
	uint64_t elem, pointee;
	uint8_t kind, pkind, flags;

	memset(out, 0, sizeof(*out));
	if (gb->maps == GO_LAYOUT_SWISS || elf__read_ptr(gb->elf, vaddr + MAPTYPE_ELEM, &elem) ||
	    elf__read(gb->elf, elem + TYPE_KIND, &kind, 1) ||
	    elf__read(gb->elf, vaddr + CLASSIC_KEYSIZE, &out->key_size, 1) ||
	    elf__read(gb->elf, vaddr + CLASSIC_ELEMSIZE, &out->elem_size, 1) ||
	    elf__read(gb->elf, vaddr + CLASSIC_FLAGS, &flags, 1))
		return -EFAULT;
	kind = gb->layout && gb->layout->kind_masked ? kind & 0x1f : kind;
	if ((kind != KIND_SLICE && kind != KIND_PTR) || (flags & CLASSIC_INDIRECT_ELEM))
		return -ENOENT;
	if (elf__read_ptr(gb->elf, elem + PTRTYPE_ELEM, &pointee) ||
	    elf__read(gb->elf, pointee, &out->esize, 8) ||
	    elf__read(gb->elf, pointee + TYPE_PTRBYTES, &out->ptrdata, 8) ||
	    elf__read(gb->elf, pointee + TYPE_KIND, &pkind, 1) ||
	    (out->ptrdata && elf__read_ptr(gb->elf, pointee + TYPE_GCDATA, &out->gcdata)))
		return -EFAULT;
	out->slice = kind == KIND_SLICE;
	out->gcprog = gb->ver.minor <= 23 && (pkind & KIND_GCPROG);
	if (((gb->layout && gb->layout->kind_masked) ? pkind & 0x1f : pkind) != KIND_PTR)
		return 0;
	if (elf__read_ptr(gb->elf, pointee + PTRTYPE_ELEM, &elem) ||
	    elf__read(gb->elf, elem, &out->dsize, 8) ||
	    elf__read(gb->elf, elem + TYPE_PTRBYTES, &out->dptrdata, 8) ||
	    elf__read(gb->elf, elem + TYPE_KIND, &pkind, 1) ||
	    (out->dptrdata && elf__read_ptr(gb->elf, elem + TYPE_GCDATA, &out->dgcdata)))
		return 0;
	out->deref = true;
	out->dgcprog = gb->ver.minor <= 23 && (pkind & KIND_GCPROG);
	return 0;
}

static uint8_t kind_at(const struct gobin *gb, const uint8_t *p)
{
	return gb->layout && gb->layout->kind_masked ? p[TYPE_KIND] & 0x1f : p[TYPE_KIND];
}

static int cmp_group(const void *a, const void *b)
{
	const struct gotype_map *x = a, *y = b;

	return x->group < y->group ? -1 : x->group > y->group;
}

/* The map type at s->data + off (vaddr v) when everything about it checks out. */
static bool map_type_at(const struct gobin *gb, const struct elf_section *s, uint64_t off,
			struct gotype_map *out)
{
	const uint8_t *p = s->data + off;
	uint64_t v = s->addr + off, ptr[3], gsize, stated = 0, ptrbytes, gcdata = 0;
	uint8_t gk[TYPE_KIND + 1];
	char name[8];

	if (kind_at(gb, p) != KIND_MAP || memcmp(p, "\x08\0\0\0\0\0\0\0", 8) ||
	    memcmp(p + TYPE_PTRBYTES, "\x08\0\0\0\0\0\0\0", 8))
		return false;
	for (int i = 0; i < 3; i++)
		if (elf__read_ptr(gb->elf, v + MAPTYPE_KEY + 8u * i, &ptr[i]) || ptr[i] % 8 ||
		    ptr[i] < s->addr || ptr[i] - s->addr >= s->size)
			return false;
	if (gb->maps == GO_LAYOUT_SWISS) {
		if (elf__read(gb->elf, v + SWISS_GROUPSIZE, &stated, 8))
			return false;
	} else if (elf__read(gb->elf, v + CLASSIC_BUCKETSIZE, &stated, 2)) {
		return false;
	}
	if (elf__read(gb->elf, ptr[2], &gsize, 8) || gsize != stated || !gsize ||
	    elf__read(gb->elf, ptr[2] + TYPE_PTRBYTES, &ptrbytes, 8) ||
	    elf__read(gb->elf, ptr[2], gk, sizeof(gk)) || kind_at(gb, gk) != KIND_STRUCT ||
	    type_name(gb, v, name, sizeof(name)) || strncmp(name, "map[", 4) ||
	    (ptrbytes && elf__read_ptr(gb->elf, ptr[2] + TYPE_GCDATA, &gcdata)))
		return false;
	*out = (struct gotype_map){v, ptr[2], gsize, ptrbytes != 0, ptrbytes, gcdata,
				   gb->ver.minor <= 23 && (gk[TYPE_KIND] & KIND_GCPROG)};
	return true;
}

int gotype__map_types(const struct gobin *gb, struct gotype_map **out, size_t *n)
{
	uint64_t base = types_base(gb);
	struct gotype_map *maps = NULL, t;
	size_t cap = 0, got = 0;
	struct elf_section s;
	bool found = false;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; base && i < elf__section_count(gb->elf) && !found; i++)
		found = elf__section_at(gb->elf, i, &s) == 0 && s.data && base >= s.addr &&
			base - s.addr < s.size;
	if (!found)
		return -ENOENT;
	for (uint64_t off = (base - s.addr + 7) & ~7ull; off + 80 <= s.size; off += 8) {
		if (!map_type_at(gb, &s, off, &t))
			continue;
		if (got == cap) {
			struct gotype_map *m = realloc(maps, (cap ? cap * 2 : 64) * sizeof(*m));

			if (!m) {
				free(maps);
				return -ENOMEM;
			}
			maps = m;
			cap = cap ? cap * 2 : 64;
		}
		maps[got++] = t;
	}
	if (got)
		qsort(maps, got, sizeof(*maps), cmp_group);
	*out = maps;
	*n = got;
	return 0;
}
