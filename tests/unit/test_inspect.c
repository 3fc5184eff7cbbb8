/* Unit tests for the binary readers: prologue shapes from GO-MAP-INTERNALS.md §4, version
 * strings, a synthetic pclntab, and hostile input (truncation, bit flips) that must never crash. */
#include "t.h"

#include "core/err.h"
#include "inspect/buildinfo.h"
#include "inspect/elf.h"
#include "inspect/goversion.h"
#include "inspect/pclntab.h"
#include "inspect/prologue.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static struct prologue decode(const uint8_t *code, size_t len)
{
	struct prologue p;

	if (prologue__decode(code, len, 0x401000, &p))
		p.insn = (enum probe_insn)-1;
	return p;
}

TEST(prologue_small_frame_rel8)
{
	/* cmp 0x10(%r14),%rsp; jbe +0x2a; push %rbp; mov %rsp,%rbp */
	static const uint8_t c[] = { 0x49, 0x3b, 0x66, 0x10, 0x76, 0x2a, 0x55, 0x48, 0x89, 0xe5 };
	struct prologue p = decode(c, sizeof(c));

	CHECK_EQ(p.insn, PROBE_PUSH);
	CHECK_EQ(p.offset, 6);
	CHECK_EQ(p.jcc_offset, 4);
}

TEST(prologue_small_frame_rel32)
{
	static const uint8_t c[] = { 0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0x10, 0x01, 0x00, 0x00, 0x55 };
	struct prologue p = decode(c, sizeof(c));

	CHECK_EQ(p.insn, PROBE_PUSH);
	CHECK_EQ(p.offset, 10);
}

TEST(prologue_big_frame_lea_r12)
{
	/* lea -0x80(%rsp),%r12; cmp 0x10(%r14),%r12; jbe rel32; push %rbp */
	static const uint8_t c[] = { 0x4c, 0x8d, 0x64, 0x24, 0x80, 0x4d, 0x3b, 0x66, 0x10,
				     0x0f, 0x86, 0x00, 0x01, 0x00, 0x00, 0x55 };
	struct prologue p = decode(c, sizeof(c));

	CHECK_EQ(p.insn, PROBE_PUSH);
	CHECK_EQ(p.offset, 15);
	CHECK_EQ(p.jcc_offset, 9);
}

TEST(prologue_go119_no_push)
{
	/* Go 1.19: cmp; jbe; sub $0x18,%rsp: the jbe is the only emulated site. */
	static const uint8_t c[] = { 0x49, 0x3b, 0x66, 0x10, 0x76, 0x40, 0x48, 0x83, 0xec, 0x18 };
	struct prologue p = decode(c, sizeof(c));

	CHECK_EQ(p.insn, PROBE_JCC);
	CHECK_EQ(p.offset, 4);
}

TEST(prologue_nosplit_is_not_probed)
{
	/* push %rbp at the entry: no stack check, and the entry is never a probe site. */
	static const uint8_t c[] = { 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x30 };
	struct prologue p = decode(c, sizeof(c));

	CHECK_EQ(p.insn, PROBE_NONE);
	CHECK_EQ(p.offset, 0);
}

TEST(prologue_wrong_register_or_offset)
{
	/* cmp 0x18(%r14),%rsp (not stackguard0) and cmp 0x10(%r13),%rsp (not g). */
	static const uint8_t a[] = { 0x49, 0x3b, 0x66, 0x18, 0x76, 0x2a, 0x55 };
	static const uint8_t b[] = { 0x49, 0x3b, 0x65, 0x10, 0x76, 0x2a, 0x55 };

	CHECK_EQ(decode(a, sizeof(a)).insn, PROBE_NONE);
	CHECK_EQ(decode(b, sizeof(b)).insn, PROBE_NONE);
}

TEST(prologue_truncated_and_garbage)
{
	static const uint8_t cut[] = { 0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0x10 };
	uint8_t junk[64];

	CHECK_EQ(decode(cut, sizeof(cut)).insn, PROBE_NONE);
	CHECK_EQ(decode(cut, 0).insn, PROBE_NONE);
	srand(1);
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rand();
		CHECK(decode(junk, (size_t)(rand() % 65)).insn != (enum probe_insn)-1);
	}
}

TEST(prologue_rets)
{
	/* push %rbp; ret; nop; ret; int3: two RETs at 1 and 3. */
	static const uint8_t c[] = { 0x55, 0xc3, 0x90, 0xc3, 0xcc };
	uint32_t offs[4];
	size_t n;

	CHECK_EQ(prologue__rets(c, sizeof(c), 0x401000, offs, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(offs[0], 1);
	CHECK_EQ(offs[1], 3);
	/* More RETs than room: all are counted, only max stored. */
	CHECK_EQ(prologue__rets(c, sizeof(c), 0x401000, offs, 1, &n), 0);
	CHECK_EQ(n, 2);
}

TEST(goversion_parse)
{
	struct go_version v;

	CHECK_EQ(goversion__parse("go1.26.10", &v), 0);
	CHECK_EQ(v.minor, 26);
	CHECK_EQ(v.patch, 10);
	CHECK(!v.noswissmap);
	CHECK_EQ(goversion__map_layout(&v), GO_LAYOUT_SWISS);
	CHECK_EQ(goversion__parse("go1.24.4 X:noswissmap", &v), 0);
	CHECK(v.noswissmap);
	CHECK_EQ(goversion__map_layout(&v), GO_LAYOUT_CLASSIC);
	CHECK_EQ(goversion__layout(&v)->classic_hmap_size, 56);
	CHECK_EQ(goversion__parse("go1.27rc1", &v), 0);
	CHECK_EQ(v.minor, 27);
	CHECK_EQ(v.patch, -1);
	CHECK_EQ(goversion__parse("devel go1.28-abcdef Tue", &v), 0);
	CHECK_EQ(v.minor, 28);
	CHECK(goversion__layout(&v) == NULL);
	CHECK(goversion__parse("go2", &v) != 0);
	CHECK(goversion__parse("", &v) != 0);
	CHECK(goversion__parse("xgo1.20", &v) != 0);
	CHECK(goversion__parse("go1.", &v) != 0);
}

TEST(goversion_table_facts)
{
	/* The verified rows of GO-MAP-INTERNALS.md §1.4 and §5. */
	static const struct {
		const char *v;
		int goid, loadnum, sched_bp;
	} rows[] = { { "go1.19.8", 152, 13, 104 }, { "go1.21.13", 152, 12, 104 },
		     { "go1.23.5", 160, 13, 104 }, { "go1.24.4", 160, 13, 104 },
		     { "go1.26.10", 152, 13, 96 } };
	struct go_version v;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct go_layout *l;

		CHECK_EQ(goversion__parse(rows[i].v, &v), 0);
		l = goversion__layout(&v);
		CHECK(l != NULL);
		CHECK_EQ(l->goid_offset, rows[i].goid);
		CHECK_EQ(l->classic_load_num, rows[i].loadnum);
		CHECK_EQ(l->g_sched_bp, rows[i].sched_bp);
	}
}

/* A minimal 1.20+ pclntab: header, funcnametab, function table with 2 funcs + end, _func recs. */
static size_t make_pclntab(uint8_t *buf, size_t cap)
{
	uint64_t h[9] = { 0 };
	uint32_t magic = 0xfffffff1u;
	size_t names = 72, ftab = 96, funcs = 120;
	uint32_t ftab_entries[6] = { 0x0, (uint32_t)(funcs - ftab), 0x40,
				     (uint32_t)(funcs + 44 - ftab), 0x80, 0 };
	uint32_t f1[11] = { 0x0, 0 }, f2[11] = { 0x40, 7 };

	memset(buf, 0, cap);
	h[1] = 2;         /* nfunc */
	h[3] = 0x401000;  /* textStart */
	h[4] = names;     /* funcnameOffset */
	h[5] = h[6] = h[7] = names; /* cu, filetab, pctab: unused here */
	h[8] = ftab;      /* pclnOffset */
	memcpy(buf, h, sizeof(h));
	memcpy(buf, &magic, 4);
	buf[6] = 1;
	buf[7] = 8;
	memcpy(buf + names, "main.a\0main.bb\0", 15);
	memcpy(buf + ftab, ftab_entries, sizeof(ftab_entries));
	memcpy(buf + funcs, f1, 44);
	memcpy(buf + funcs + 44, f2, 44);
	return funcs + 88;
}

TEST(pclntab_synthetic)
{
	uint8_t buf[256];
	size_t len = make_pclntab(buf, sizeof(buf));
	struct pclntab *t;
	uint64_t entry, end;
	const char *name;

	CHECK_EQ(pclntab__from_mem(buf, len, 0, &t), 0);
	CHECK_EQ(pclntab__nfunc(t), 2);
	CHECK_EQ(pclntab__lookup(t, "main.bb", &entry, &end), 0);
	CHECK_EQ(entry, 0x401040);
	CHECK_EQ(end, 0x401080);
	CHECK_EQ(pclntab__func(t, 0, &entry, &end, &name), 0);
	CHECK_STR(name, "main.a");
	CHECK(pclntab__lookup(t, "main.c", &entry, &end) != 0);
	pclntab__free(t);
}

TEST(pclntab_hostile)
{
	uint8_t buf[256], copy[256];
	size_t len = make_pclntab(buf, sizeof(buf));
	struct pclntab *t;

	/* Every truncation and every single-byte corruption: errors or sane answers, never a crash
	 * (ASan watches the reads). */
	for (size_t cut = 0; cut < len; cut++) {
		if (pclntab__from_mem(buf, cut, 0, &t) == 0) {
			uint64_t e, n;
			const char *name;

			for (size_t i = 0; i < pclntab__nfunc(t); i++)
				pclntab__func(t, i, &e, &n, &name);
			pclntab__free(t);
		}
	}
	srand(7);
	for (int round = 0; round < 5000; round++) {
		uint64_t e, n;
		const char *name, *file;
		int line;

		memcpy(copy, buf, len);
		copy[rand() % len] = (uint8_t)rand();
		copy[rand() % len] = (uint8_t)rand();
		if (pclntab__from_mem(copy, len, 0, &t))
			continue;
		for (size_t i = 0; i < pclntab__nfunc(t) && i < 4; i++)
			pclntab__func(t, i, &e, &n, &name);
		pclntab__pc(t, 0x401044, &name, &file, &line);
		pclntab__free(t);
	}
	err__clear();
}

static uint8_t *read_self(size_t *len)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = aligned_alloc(64, ((size_t)n + 63) / 64 * 64);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

TEST(elf_not_go_and_hostile)
{
	size_t len;
	uint8_t *self = read_self(&len), *copy;
	struct elf_file *elf;
	struct buildinfo bi;

	CHECK(self != NULL);
	CHECK_EQ(elf__from_mem(self, len, &elf), 0);
	CHECK(elf__has_symtab(elf));
	CHECK_EQ(buildinfo__read(elf, &bi), -ENOENT); /* a C program has no Go build info */
	elf__free(elf);

	copy = aligned_alloc(64, (len + 63) / 64 * 64);
	CHECK(copy != NULL);
	/* Truncations at every header-sized step, then random header corruption. */
	for (size_t cut = 0; cut < len && cut < 8192; cut += 7) {
		if (elf__from_mem(self, cut, &elf) == 0) {
			buildinfo__read(elf, &bi);
			buildinfo__release(&bi);
			elf__free(elf);
		}
	}
	srand(3);
	for (int round = 0; round < 3000; round++) {
		uint64_t v, s;

		memcpy(copy, self, len);
		for (int k = 0; k < 4; k++)
			copy[rand() % (len < 4096 ? len : 4096)] = (uint8_t)rand();
		if (elf__from_mem(copy, len, &elf))
			continue;
		elf__symbol(elf, "main", &v, &s);
		elf__read_ptr(elf, 0x401000, &v);
		if (buildinfo__read(elf, &bi) == 0)
			buildinfo__release(&bi);
		elf__free(elf);
	}
	free(copy);
	free(self);
	err__clear();
}

T_MAIN()
