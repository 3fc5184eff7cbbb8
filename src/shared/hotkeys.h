/* Shared by src/bpf/hotkeys.bpf.c and src/collect/hotkeys.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_HOTKEYS_H
#define MAPSCOPE_SHARED_HOTKEYS_H

#define HK_STR_MAX 64 /* string keys: bytes captured (the full length is kept) */
#define HK_RAW_MAX 32 /* keys of other kinds through the generic mapassign's key pointer */

/* Which runtime.mapassign* a site belongs to; the attach cookie carries it in its low 8 bits. */
enum hk_variant {
	HK_GENERIC = 1, /* mapassign(t, h, key *K): CX = &key */
	HK_FAST32,      /* CX = key; only ECX is the key, the upper half is whatever was there */
	HK_FAST64,      /* CX = key */
	HK_FAST64PTR,   /* CX = the pointer key */
	HK_FASTSTR,     /* CX = ptr, DI = len */
};

#define HK_COOKIE_JCC (1ULL << 32) /* site is a stack-check jbe: drop morestack hits */

/* The BPF count map's key. Zeroed before filling: the hash covers every byte. len is the key's
 * full length in bytes (a string's may exceed what data holds). */
struct hk_key {
	unsigned long long map;
	unsigned int len;
	unsigned int pad;
	unsigned char data[HK_STR_MAX];
};

/* Per map: writes seen, the map type (AX) and the return address of the first write seen. */
struct hk_mapstat {
	unsigned long long writes;
	unsigned long long type;
	unsigned long long ret_pc;
};

#define HK_KIND_STRING 24
#define HK_KIND_MASK 0x1f

#endif
