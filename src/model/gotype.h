/* gotype: Go type descriptors read from the binary's file image (abi.Type, map types) and their
 * names as Go writes them ("map[string]*main.Session"). */
#ifndef MAPSCOPE_MODEL_GOTYPE_H
#define MAPSCOPE_MODEL_GOTYPE_H

#include <stdbool.h>
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
/* reflect.Kind name: "int64", "string", ...; "?" if unknown. */
const char *gotype__kind_name(uint8_t kind);

#endif
