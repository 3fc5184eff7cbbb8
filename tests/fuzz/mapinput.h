/* mapinput: the input format shared by the map reader fuzz targets (fuzz_mapread, fuzz_mapwalk)
 * and written by seeds.py: a 32-byte layout header, then the target's memory, mapped at
 * FUZZ_REMOTE_BASE, with the map header at its first byte.
 *
 *   0  flags: 1 swiss, 2 hmap of 56 bytes, 4 count tombstones, 8 indirect key, 16 indirect elem
 *   1  key kind        2  elem kind      3  max string bytes to print
 *   4  u32 bucket (classic) or group (Swiss) size
 *   8  u16 key slot, elem slot (classic); keys off, key stride, elems off, elem stride (Swiss)
 *  20  u32 key size, elem size
 *  28  u8 sample size, retries */
#ifndef MAPSCOPE_TESTS_MAPINPUT_H
#define MAPSCOPE_TESTS_MAPINPUT_H

#include "fake_remote.h"
#include "model/mapwalk.h"

#include <stdbool.h>
#include <string.h>

#define MAPIN_HDR 32

struct mapinput {
	struct mapwalk_layout l;
	bool count_tombstones;
	uint8_t max_str, n, retries;
};

static inline uint16_t mapin_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t mapin_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Parses the header and points the fake remote at the memory; false if the input is too short. */
static inline bool mapinput__parse(const uint8_t *d, size_t len, struct mapinput *in)
{
	memset(in, 0, sizeof(*in));
	if (len < MAPIN_HDR)
		return false;
	in->l.swiss = d[0] & 1;
	in->l.hmap_size = d[0] & 2 ? 56 : 48;
	in->count_tombstones = d[0] & 4;
	in->l.indirect_key = d[0] & 8;
	in->l.indirect_elem = d[0] & 16;
	in->l.key_kind = d[1];
	in->l.elem_kind = d[2];
	in->max_str = d[3];
	in->l.bucket_size = mapin_u32(d + 4);
	in->l.key_slot = in->l.keys_off = mapin_u16(d + 8);
	in->l.elem_slot = in->l.key_stride = mapin_u16(d + 10);
	in->l.elems_off = mapin_u16(d + 12);
	in->l.elem_stride = mapin_u16(d + 14);
	if (in->l.swiss) {
		in->l.key_slot = in->l.elem_slot = 0;
	} else {
		in->l.keys_off = in->l.key_stride = in->l.elems_off = in->l.elem_stride = 0;
	}
	in->l.key_size = mapin_u32(d + 20);
	in->l.elem_size = mapin_u32(d + 24);
	in->n = d[28];
	in->retries = d[29] % 3;
	fuzz_remote__set(d + MAPIN_HDR, len - MAPIN_HDR);
	return true;
}

#endif
