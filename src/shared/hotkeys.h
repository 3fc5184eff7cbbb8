/* Shared by src/bpf/hotkeys.bpf.c and src/collect/hotkeys.c. Includes nothing. */
#ifndef MAPSCOPE_SHARED_HOTKEYS_H
#define MAPSCOPE_SHARED_HOTKEYS_H

#define HK_KEYS_MAX (1 << 20) /* (map, key) pairs per count table */
#define HK_STR_MAX 64 /* string keys: bytes captured (the full length is kept) */
#define HK_RAW_MAX 32 /* keys of other kinds through the generic mapassign's key pointer */

/* Attach cookies: the low 8 bits are the site's enum mapfn_variant (shared/mapfn.h). */
#define HK_COOKIE_JCC (1ULL << 32) /* site is a stack-check jbe: drop morestack hits */
/* A runtime.mapaccess* site (--reads): the same registers (AX type, BX map, CX key, DI string
 * length), counted the same way; no writing-flag check, no last-writer record. */
#define HK_COOKIE_READ (1ULL << 33)
/* A runtime.mapdelete* site: only counted per map (struct hk_writer.deletes). */
#define HK_COOKIE_DELETE (1ULL << 34)

/* The BPF count map's key. Zeroed before filling: the hash covers every byte. len is the key's
 * full length in bytes (a string's may exceed what data holds). */
struct hk_key {
	unsigned long long map;
	unsigned int len;
	unsigned int pad;
	unsigned char data[HK_STR_MAX];
};

/* The count map's key for integer and pointer keys (mapassign_fast32/64/64ptr): a third of the
 * size of struct hk_key, so a third of the hashing and comparing per write. */
struct hk_key_small {
	unsigned long long map;
	unsigned int len;
	unsigned int pad;
	unsigned long long key;
};

/* Per map (summed over the CPUs' struct hk_writer): writes seen, the map type (AX) and the
 * return address of a write, for the report's site. */
struct hk_mapstat {
	unsigned long long writes, deletes;
	unsigned long long type;
	unsigned long long ret_pc;
};

/* One write: who (the goroutine's g, from R14: reading its goid on every write would cost a
 * user-memory read; a g is reused only after its goroutine exits), its stamp (the number of
 * armed writes when it began, from one counter shared by the CPUs: it orders them as a clock
 * would, for half of a clock read's cost), the mapassign site hit, the return address into the
 * writing function ([rsp] at the probe: read at the write, as the writer may have returned and
 * called elsewhere by the time a report needs it) and the frame pointer its chain starts at. */
struct hk_wrec {
	unsigned long long g, stamp, pc, ret_pc, bp;
};

/* Per map and per CPU: the last write that CPU made to the map, and the last one before it by
 * another goroutine (a thread preempted mid-write lets another goroutine write on its CPU).
 * Written by that CPU only, under a sequence count (odd while a write is under way) so that
 * another CPU reads it whole. */
struct hk_writer {
	unsigned long long seq;
	struct hk_wrec last, prev;
	unsigned long long writes; /* this CPU's writes to the map (while armed) */
	unsigned long long type;   /* the map's type (AX), from the first */
	unsigned long long site;   /* [rsp] of the first */
	unsigned long long deletes; /* this CPU's deletes from the map (while armed) */
};

#define HK_STACK 32 /* frames per stack in an event (a power of two) */
#define HK_MSG 64 /* a power of two */
#define HK_MAX_CPUS 128 /* CPUs searched for the other writer */
#define HK_EVENTS_PER_MAP 4 /* probe-time reports per map; the fatal one is always sent */

/* What a record on the event ring is: its first field. */
enum hk_event_kind {
	HK_EV_WRITE = 1, /* struct hk_event */
	HK_EV_THREAD,    /* struct hk_thread */
};

/* Two goroutines writing one map at once: [0] is the one that found the map's writing flag set
 * at its write (fatal: the one the runtime is killing), [1] the last other goroutine that wrote
 * the map (goid 0 when none was seen). stack[i][0] is the probed PC, the rest return addresses.
 * stamp - other_stamp is the number of probed writes (to any map) from [1]'s write to [0]'s.
 * args (fatal only): the spill slots of the first two register arguments of the two frames
 * above runtime.fatal ([bp + 16], [bp + 24]), where the map function that called it keeps its
 * map and type across the call (regabi spills a register argument only to its own slot). */
struct hk_event {
	unsigned int kind; /* HK_EV_WRITE */
	unsigned int fatal; /* 1: seen on the runtime's fatal path, the process is dying */
	unsigned long long map;
	unsigned long long stamp, other_stamp;
	unsigned long long goid[2];
	unsigned int nframes[2];
	unsigned int tid; /* [0]'s thread */
	unsigned int pad;
	char msg[HK_MSG]; /* fatal's message */
	unsigned long long args[2][2];
	unsigned long long ns; /* CLOCK_MONOTONIC at the probe */
	unsigned long long stack[2][HK_STACK];
};

#define HK_WORDS 64 /* stack words from the interrupted SP in a struct hk_thread (512 bytes) */
#define HK_THREADS_MAX 64 /* thread contexts sent per death */

/* Another thread of the dying process, at the first signal it took after the fatal probe (the
 * runtime's own SIGURG, as it freezes the world): its interrupted context; or (sig 0) the
 * goroutine it parked as the freeze asked it to stop, from the goroutine's saved context. A
 * thread may send one of each. stack[0] is the
 * interrupted PC, the rest the frame-pointer chain from bp; the caller of a function that had
 * not yet set up its frame is in words, at sp plus that PC's SP delta. */
struct hk_thread {
	unsigned int kind; /* HK_EV_THREAD */
	unsigned int tid;
	unsigned int sig;
	unsigned int nframes;
	unsigned long long goid; /* from R14, the goroutine register (0: not a g) */
	unsigned long long ns, run_ns; /* CLOCK_MONOTONIC at the probe, and the probe's run */
	unsigned long long ip, sp, bp;
	unsigned long long regs[4]; /* AX, BX, CX, DI: a map function's arguments at entry */
	unsigned long long words[HK_WORDS]; /* [sp, sp + 8 * HK_WORDS), zero where unreadable */
	unsigned long long stack[HK_STACK];
};

#define HK_SAMPLES_MAX 4096 /* --samples N: the most individual writes kept */

/* One write of the uniform reservoir (--samples): seq is its number among the counted writes
 * (1-based; 0: slot empty), stack[0] the probed PC, the rest return addresses. */
struct hk_sample {
	unsigned long long seq;
	unsigned long long goid;
	struct hk_key key;
	unsigned int nframes;
	unsigned int pad;
	unsigned long long stack[HK_STACK];
};

#define HK_KIND_STRING 24
#define HK_KIND_MASK 0x1f

#endif
