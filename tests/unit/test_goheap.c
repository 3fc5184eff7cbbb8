/* goheap: liveness verdicts against fake span tables built in this process's own memory (read
 * back with process_vm_readv on our own pid, so no root is needed), and the stripped-binary
 * locator of mheap_.arenas against .symtab on every built test target. */
#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/goheap.h"
#include "t.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAP_P 0xc000012030ull /* a fake heap address: page 0xc000012000, arena 0xc000000000 */
#define SPAN_START 0xc000012000ull

struct fake {
	const struct go_layout *l;
	uint8_t *mheap;
	uint64_t *l2;
	uint8_t *arena;
	uint8_t span[256];
	uint8_t bits[64];
	struct goheap *h;
};

static void put(uint8_t *p, size_t off, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t *spans_slot(struct fake *f, uint64_t addr)
{
	return (uint64_t *)(f->arena + f->l->arena_spans) + ((addr >> 13) % 8192);
}

/* One in-use span of 48-byte objects at SPAN_START (one page, 170 objects), swept in the
 * current cycle (sweepgen == heap sweepgen == 10), freeindex 0, no allocBits set. */
static void span_reset(struct fake *f)
{
	const struct go_layout *l = f->l;

	memset(f->span, 0, sizeof(f->span));
	memset(f->bits, 0, sizeof(f->bits));
	put(f->span, l->span_start, 8, SPAN_START);
	put(f->span, l->span_npages, 8, 1);
	put(f->span, l->span_freeindex, l->span_index_size, 0);
	put(f->span, l->span_nelems, l->span_index_size, 8192 / 48);
	put(f->span, l->span_allocbits, 8, (uint64_t)(uintptr_t)f->bits);
	put(f->span, l->span_sweepgen, 4, 10);
	put(f->span, l->span_state, 1, 1);
	put(f->span, l->span_elemsize, 8, 48);
	put(f->mheap, l->mheap_sweepgen, 4, 10);
}

static int fake_open(struct fake *f, int minor, uint64_t bias)
{
	struct go_version v = {.major = 1, .minor = minor};
	uint64_t ri = (HEAP_P + (1ull << 47)) >> 26;

	memset(f, 0, sizeof(*f));
	f->l = goversion__layout(&v);
	if (!f->l)
		return -1;
	f->mheap = calloc(1, f->l->mheap_arenas + 8);
	f->l2 = calloc(1ull << 22, sizeof(uint64_t));
	f->arena = calloc(1, f->l->arena_spans + 8192 * 8);
	if (!f->mheap || !f->l2 || !f->arena)
		return -1;
	put(f->mheap, f->l->mheap_arenas, 8, (uint64_t)(uintptr_t)f->l2);
	f->l2[ri] = (uint64_t)(uintptr_t)f->arena;
	*spans_slot(f, HEAP_P) = (uint64_t)(uintptr_t)f->span;
	span_reset(f);
	if (goheap__open_at(f->l, getpid(),
			    (uint64_t)(uintptr_t)(f->mheap + f->l->mheap_arenas) - bias, &f->h))
		return -1;
	goheap__set_bias(f->h, bias);
	return 0;
}

static void fake_close(struct fake *f)
{
	goheap__free(f->h);
	free(f->mheap);
	free(f->l2);
	free(f->arena);
}

/* HEAP_P is object 1 of the span (offset 0x30 = 48). */
static const char *verdicts(int minor, uint64_t bias)
{
	static char why[128];
	struct fake f;
	int got;

#define EXPECT(want, what)                                                                         \
	do {                                                                                       \
		got = goheap__allocated(f.h, HEAP_P, 0);                                              \
		if (got != (want)) {                                                               \
			snprintf(why, sizeof(why), "go1.%d %s: got %d, want %d", minor, what, got, \
				 want);                                                            \
			fake_close(&f);                                                            \
			return why;                                                                \
		}                                                                                  \
	} while (0)

	if (fake_open(&f, minor, bias))
		return "fake heap setup failed";
	EXPECT(0, "swept, bit clear, freeindex 0");
	f.bits[0] = 0x02;
	EXPECT(1, "allocBits bit set");
	f.bits[0] = 0xfd;
	EXPECT(0, "only the neighbours' bits set");
	put(f.span, f.l->span_freeindex, f.l->span_index_size, 2);
	EXPECT(1, "below freeindex (allocated since the sweep)");
	put(f.span, f.l->span_freeindex, f.l->span_index_size, 1);
	EXPECT(0, "at freeindex, bit clear");
	put(f.span, f.l->span_sweepgen, 4, 8);
	EXPECT(0, "unswept span (hg-2) keeps its last verdict");
	put(f.span, f.l->span_sweepgen, 4, 9);
	EXPECT(-EAGAIN, "being swept (hg-1)");
	put(f.span, f.l->span_sweepgen, 4, 13);
	EXPECT(0, "swept and cached (hg+3)");

	span_reset(&f);
	put(f.span, f.l->span_state, 1, 2);
	EXPECT(-ENOENT, "manual span (stack)");
	put(f.span, f.l->span_state, 1, 0);
	EXPECT(0, "dead span");
	put(f.span, f.l->span_state, 1, 1);
	put(f.span, f.l->span_start, 8, SPAN_START + 8192);
	EXPECT(0, "stale spans[] entry: span elsewhere");
	put(f.span, f.l->span_state, 1, 7);
	put(f.span, f.l->span_start, 8, SPAN_START);
	EXPECT(-EINVAL, "state out of range");

	/* Hostile span contents. */
	span_reset(&f);
	put(f.span, f.l->span_elemsize, 8, 0);
	EXPECT(-EINVAL, "elemsize 0");
	span_reset(&f);
	put(f.span, f.l->span_nelems, f.l->span_index_size, 8192 / 48 + 1);
	EXPECT(-EINVAL, "nelems beyond the span");
	span_reset(&f);
	put(f.span, f.l->span_nelems, f.l->span_index_size, 1);
	EXPECT(-EINVAL, "object index >= nelems");
	span_reset(&f);
	put(f.span, f.l->span_freeindex, f.l->span_index_size, 1000);
	EXPECT(-EINVAL, "freeindex > nelems");
	span_reset(&f);
	put(f.span, f.l->span_npages, 8, 0);
	EXPECT(-EINVAL, "zero pages");
	span_reset(&f);
	put(f.span, f.l->span_npages, 8, ~0ull);
	EXPECT(-EINVAL, "absurd npages");
	span_reset(&f);
	put(f.span, f.l->span_allocbits, 8, 0);
	EXPECT(-EINVAL, "nil allocBits");
	put(f.span, f.l->span_allocbits, 8, 8);
	EXPECT(-EFAULT, "unreadable allocBits");

	/* The page went to a span of 144-byte objects: the 48-byte class's last object lies in
	 * its tail. Asked as a 48-byte header it is no map; asked as any object, no verdict. */
	span_reset(&f);
	put(f.span, f.l->span_elemsize, 8, 144);
	put(f.span, f.l->span_nelems, f.l->span_index_size, 8192 / 144);
	got = goheap__allocated(f.h, SPAN_START + 169 * 48, 48);
	if (got != 0) {
		snprintf(why, sizeof(why), "go1.%d tail of another class: got %d", minor, got);
		fake_close(&f);
		return why;
	}
	if (goheap__allocated(f.h, SPAN_START + 169 * 48, 0) != -EINVAL) {
		snprintf(why, sizeof(why), "go1.%d tail, any size: not -EINVAL", minor);
		fake_close(&f);
		return why;
	}

	/* Addresses outside the heap's tables. */
	span_reset(&f);
	*spans_slot(&f, HEAP_P) = 0;
	EXPECT(-ENOENT, "page never in a span");
	*spans_slot(&f, HEAP_P) = 8;
	EXPECT(-EFAULT, "unreadable span");
	*spans_slot(&f, HEAP_P) = (uint64_t)(uintptr_t)f.span;
	EXPECT(0, "restored");
	got = goheap__allocated(f.h, HEAP_P + (1ull << 26), 0);
	if (got != -ENOENT) {
		snprintf(why, sizeof(why), "go1.%d other arena: got %d", minor, got);
		fake_close(&f);
		return why;
	}
	got = goheap__allocated(f.h, 0x0000800000000000ull, 0);
	if (got != -ENOENT) {
		snprintf(why, sizeof(why), "go1.%d beyond the address space: got %d", minor, got);
		fake_close(&f);
		return why;
	}
	fake_close(&f);
	return NULL;
#undef EXPECT
}

TEST(goheap_verdicts_wide_indexes)
{
	const char *why = verdicts(19, 0);

	if (why)
		T_FAIL("%s", why);
	why = verdicts(21, 0x1000);
	if (why)
		T_FAIL("%s", why);
}

TEST(goheap_verdicts_u16_indexes)
{
	static const int minors[] = {22, 23, 24, 26, 27};

	for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
		const char *why = verdicts(minors[i], i * 0x555000);

		if (why)
			T_FAIL("%s", why);
	}
}

TEST(goheap_null_and_unsupported)
{
	struct go_version v = {.major = 1, .minor = 20};
	struct goheap *h = (struct goheap *)1;

	CHECK_EQ(goheap__allocated(NULL, HEAP_P, 0), -EINVAL);
	goheap__set_bias(NULL, 1);
	goheap__free(NULL);
	CHECK_EQ(goheap__open_at(goversion__layout(&v), getpid(), 0x1000, &h), -ENOTSUP);
	CHECK(h == NULL);
}

/* A word's pointer bit as mbitmap.go stores it: 1.19's heapBitsForAddr (byte addr/32 of the
 * arena's 2 MiB, pointer bit (addr/8)&3, its scan bit 4 above), 1.20-1.21's heapBitsForAddr
 * (uintptr word/64 of the 1 MiB, bit word%64, little-endian). */
static void set_ptr(int format, uint8_t *bitmap, uint64_t addr)
{
	if (format == GO_HEAP_BITMAP_2BIT) {
		bitmap[addr / 32 % (1u << 21)] |= (uint8_t)(0x11u << (addr / 8 % 4));
	} else {
		uint64_t word = addr / 8 % (1u << 23), v;

		memcpy(&v, bitmap + word / 64 * 8, 8);
		v |= 1ull << (word % 64);
		memcpy(bitmap + word / 64 * 8, &v, 8);
	}
}

/* Scan bits without the pointer bit (1.19: pointers may follow), or nothing. */
static void set_scan(int format, uint8_t *bitmap, uint64_t addr)
{
	if (format == GO_HEAP_BITMAP_2BIT)
		bitmap[addr / 32 % (1u << 21)] |= (uint8_t)(0x10u << (addr / 8 % 4));
}

/* The object at addr (words[i]: word i holds a pointer) between neighbours whose words all
 * hold pointers, decoded back from the bytes the bitmap keeps. */
static void decode_case(int format, uint64_t addr, const char *words)
{
	static uint8_t bitmap[1u << 21];
	size_t n = strlen(words), span = goheap__bitmap_span(format, n);
	uint64_t off = goheap__bitmap_offset(format, addr);
	uint8_t got[8] = {0};

	memset(bitmap, 0, sizeof(bitmap));
	for (uint64_t a = addr - 64 * 8; a < addr + (n + 64) * 8; a += 8) {
		bool inside = a >= addr && a < addr + n * 8;

		set_scan(format, bitmap, a);
		if (!inside || words[(a - addr) / 8] == '1')
			set_ptr(format, bitmap, a);
	}
	if (off + span > sizeof(bitmap)) {
		T_FAIL("format %d addr 0x%llx: bytes past the bitmap", format,
		       (unsigned long long)addr);
		return;
	}
	goheap__bitmap_decode(format, bitmap + off, addr, n, got);
	for (size_t w = 0; w < n; w++)
		if ((got[w / 8] >> (w % 8) & 1) != (unsigned int)(words[w] == '1'))
			T_FAIL("format %d addr 0x%llx word %zu: got %d, want %c", format,
			       (unsigned long long)addr, w, got[w / 8] >> (w % 8) & 1, words[w]);
	for (size_t w = n; w < 64; w++)
		if (got[w / 8] >> (w % 8) & 1)
			T_FAIL("format %d: bit %zu past the %zu words set", format, w, n);
}

TEST(goheap_bitmap_decode)
{
	/* map[int]string's bucket: tophash, 8 ints, 8 strings (pointer, length), overflow. */
	const char *bucket = "00000000010101010101010101";
	/* Every place a first word can take in a byte (1.19) and a uint64 (1.21), objects that
	 * end inside their first byte or word, and arena offsets near the bitmap's end. */
	const uint64_t addrs[] = {0xc000012000, 0xc000012008, 0xc000012010, 0xc000012018,
				  0xc0000121e0, 0xc0000121f8, 0xc003ffff00, 0xc004000000};

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		decode_case(GO_HEAP_BITMAP_2BIT, addrs[i], bucket);
		decode_case(GO_HEAP_BITMAP_1BIT, addrs[i], bucket);
		decode_case(GO_HEAP_BITMAP_2BIT, addrs[i], "101");
		decode_case(GO_HEAP_BITMAP_1BIT, addrs[i], "011");
	}
	CHECK_EQ(goheap__bitmap_span(GO_HEAP_BITMAP_NONE, 8), 0);
	CHECK_EQ(goheap__bitmap_span(GO_HEAP_BITMAP_2BIT, 26), 8);
	CHECK_EQ(goheap__bitmap_span(GO_HEAP_BITMAP_1BIT, 26), 16);
}

/* goheap__ptrbits_each against a fake arena's bitmap: the object's bits, and none for an
 * object running into the next arena or in an arena the heap does not have. */
static void ptrbits_case(int minor)
{
	const char *words = "0101010100000000000000000000000000000000000000000000000000000001";
	uint64_t addrs[3] = {HEAP_P, 0xc004000000ull - 16, 0xc010000000ull};
	uint8_t bits[3 * 8], ok[3];
	struct fake f;

	if (fake_open(&f, minor, 0)) {
		T_FAIL("go1.%d: fake heap setup failed", minor);
		return;
	}
	for (size_t w = 0; w < 64; w++) {
		set_scan(f.l->heap_bitmap, f.arena, HEAP_P + w * 8);
		if (words[w] == '1')
			set_ptr(f.l->heap_bitmap, f.arena, HEAP_P + w * 8);
	}
	CHECK_EQ(goheap__ptrbits_each(f.h, addrs, 3, 64, bits, ok), 0);
	CHECK_EQ(ok[0], 1);
	CHECK_EQ(ok[1], 0);
	CHECK_EQ(ok[2], 0);
	for (size_t w = 0; ok[0] && w < 64; w++)
		if ((bits[w / 8] >> (w % 8) & 1) != (unsigned int)(words[w] == '1'))
			T_FAIL("go1.%d word %zu: got %d, want %c", minor, w,
			       bits[w / 8] >> (w % 8) & 1, words[w]);
	fake_close(&f);
}

TEST(goheap_ptrbits_fake_arena)
{
	struct fake f;
	uint64_t a = HEAP_P;
	uint8_t bits[8], ok[1];

	ptrbits_case(19);
	ptrbits_case(21);
	/* 1.22+ keep no arena bitmap. */
	if (fake_open(&f, 22, 0)) {
		T_FAIL("go1.22: fake heap setup failed");
		return;
	}
	CHECK_EQ(goheap__ptrbits_each(f.h, &a, 1, 8, bits, ok), -ENOTSUP);
	fake_close(&f);
}

/* Section holding vaddr: its name and vaddr's offset in it. */
static int section_offset(const struct gobin *gb, uint64_t vaddr, char *name, size_t n,
			  uint64_t *off)
{
	struct elf_section s;

	for (size_t i = 0; i < elf__section_count(gb->elf); i++)
		if (elf__section_at(gb->elf, i, &s) == 0 && s.addr && vaddr >= s.addr &&
		    vaddr - s.addr < s.size) {
			snprintf(name, n, "%s", s.name);
			*off = vaddr - s.addr;
			return 0;
		}
	return -ENOENT;
}

/* The RIP-relative operand decoded from runtime.spanOfHeap is &mheap_.arenas: equal to
 * runtime.mheap_ + offset from .symtab in every unstripped target; a stripped build lays its
 * sections out differently (no symbol table), so there the operand must sit at the same offset
 * of the same section as in its unstripped twin. */
TEST(goheap_locate_arenas)
{
	static const char *const versions[] = {"1.19", "1.21", "1.22", "1.23",
					       "1.24", "1.26", "1.27"};
	static const char *const variants[] = {"plain", "pie", "cgo", "stripped"};
	int checked = 0;

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char plain_sec[64] = "";
		uint64_t plain_off = 0;

		for (size_t j = 0; j < sizeof(variants) / sizeof(variants[0]); j++) {
			char path[256], sec[64];
			struct gobin *gb;
			uint64_t sym = 0, dis = 0, off = 0;
			int rs, rd, rsec;

			snprintf(path, sizeof(path), "build/go/inventory/go%s/%s/inventory",
				 versions[i], variants[j]);
			if (access(path, R_OK) || gobin__open(path, NULL, &gb))
				continue;
			rs = goheap__arenas_symtab(gb, &sym);
			rd = goheap__arenas_disasm(gb, &dis);
			rsec = rd ? -ENOENT : section_offset(gb, dis, sec, sizeof(sec), &off);
			gobin__free(gb);
			if (rd || rsec)
				T_FAIL("%s: disassembly found no arenas load (%d, %d)", path, rd,
				       rsec);
			if (strcmp(variants[j], "stripped") == 0) {
				if (rs != -ENOENT)
					T_FAIL("%s: stripped build has runtime.mheap_", path);
				if (plain_sec[0] && (strcmp(sec, plain_sec) || off != plain_off))
					T_FAIL("%s: %s+0x%llx, plain build's symtab %s+0x%llx",
					       path, sec, (unsigned long long)off, plain_sec,
					       (unsigned long long)plain_off);
			} else {
				if (rs)
					T_FAIL("%s: no runtime.mheap_ (%d)", path, rs);
				if (sym != dis)
					T_FAIL("%s: disassembly 0x%llx, symtab 0x%llx", path,
					       (unsigned long long)dis, (unsigned long long)sym);
				if (strcmp(variants[j], "plain") == 0) {
					snprintf(plain_sec, sizeof(plain_sec), "%s", sec);
					plain_off = off;
				}
			}
			checked++;
		}
	}
	printf("# goheap_locate_arenas: %d binaries checked\n", checked);
}

T_MAIN()
