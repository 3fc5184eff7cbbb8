/* Shared by the BPF programs that read a map call's key (src/bpf/hotkeys.bpf.c, record.bpf.c)
 * and src/collect/. Includes nothing. */
#ifndef MAPSCOPE_SHARED_MAPFN_H
#define MAPSCOPE_SHARED_MAPFN_H

/* Where a runtime map function (mapassign*, mapaccess*) holds its key; an attach cookie carries
 * it in its low 8 bits. AX is the map type and BX the map in all of them. */
enum mapfn_variant {
	MAPFN_GENERIC = 1, /* mapassign(t, h, key *K): CX = &key */
	MAPFN_FAST32,	   /* CX = key; only ECX is the key, the upper half is whatever was there */
	MAPFN_FAST64,	   /* CX = key */
	MAPFN_FAST64PTR,   /* CX = the pointer key */
	MAPFN_FASTSTR,	   /* CX = ptr, DI = len */
};

#endif
