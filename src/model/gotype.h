/* gotype: Go type descriptors read from the binary's file image (abi.Type, map types) and their
 * names as Go writes them ("map[string]*main.Session"). */
#ifndef MAPSCOPE_MODEL_GOTYPE_H
#define MAPSCOPE_MODEL_GOTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;

struct maptype_info {
	char name[192];
	uint8_t key_kind;     /* reflect.Kind of the key (24 = string) */
	uint32_t bucket_size; /* classic: bucket; swiss: group */
	uint8_t key_size, elem_size; /* classic only */
	/* What a reader of the entries needs (peek): the key and elem types themselves. */
	uint8_t elem_kind;
	uint64_t key_type_size, elem_type_size; /* abi.Type.Size_ of K and V */
	/* swiss only: key i of a group at keys_off + i*key_stride, elem i likewise */
	uint32_t keys_off, key_stride, elems_off, elem_stride;
	bool indirect_key, indirect_elem;       /* the slot holds a pointer to K / V */
};

/* Reads the map type at file virtual address vaddr. Returns 0 or a negative errno. */
int gotype__maptype(const struct gobin *gb, uint64_t vaddr, struct maptype_info *out);
/* A map type of the binary, with the type its storage is an array of (classic bucket, Swiss
 * group): the type a heap object's allocation header names. File virtual addresses. */
struct gotype_map {
	uint64_t map, group;
	uint64_t group_size;
	bool group_ptrs; /* the group holds pointers: its arrays live in scan spans */
	/* The group's pointer mask: abi.Type.PtrBytes, and GCData, a bitmap of PtrBytes/8 bits
	 * (one a word, 1: a pointer) unless gcprog says it is a GC program. */
	uint64_t ptrdata, gcdata;
	bool gcprog;
};

/* Every map type in the binary's type data (the section holding moduledata.types), found by
 * structure: kind map, pointer-sized, key, elem and group inside the section, the group a struct
 * of the size the map type states, and a name "map[...". Sorted by group. Free *out. Returns 0,
 * -ENOENT without type data, or -ENOMEM. */
int gotype__map_types(const struct gobin *gb, struct gotype_map **out, size_t *n);

/* What a classic map's value points at, when it is a slice or a pointer (Go 1.19-1.21 value
 * cut, heapscan): the slot sizes, and the element type's size and pointer mask (PtrBytes,
 * GCData unless gcprog). */
struct gotype_value {
	uint8_t key_size, elem_size;
	bool slice; /* []E, else *E */
	uint64_t esize, ptrdata, gcdata;
	bool gcprog;
	/* The element is itself a pointer *T ([]*T, **T): T's size and mask likewise. */
	bool deref;
	uint64_t dsize, dptrdata, dgcdata;
	bool dgcprog;
};

/* Reads it for the map type at file virtual address vaddr. Returns 0, -ENOENT when the value is
 * neither a slice nor a pointer held in the slot, or a read error. */
int gotype__value(const struct gobin *gb, uint64_t vaddr, struct gotype_value *out);

/* reflect.Kind name: "int64", "string", ...; "?" if unknown. */
const char *gotype__kind_name(uint8_t kind);

#endif
