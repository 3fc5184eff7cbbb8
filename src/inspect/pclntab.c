#include "inspect/pclntab.h"

#include "core/err.h"
#include "inspect/elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_118 0xfffffff0u
#define MAGIC_120 0xfffffff1u
#define HEADER_SIZE 72
/* runtime.moduledata: pcHeader at +0, ftab slice length at +136, text at +176 (Go 1.18-1.27). */
#define MD_FTAB_LEN 136
#define MD_TEXT 176

struct pclntab {
	const uint8_t *data;
	size_t len;
	uint32_t magic;
	uint64_t nfunc, nfiles, text_start;
	uint64_t moduledata; /* vaddr of runtime.firstmoduledata, 0 if not found */
	const char *text_source;
	uint64_t funcname, cu, filetab, pctab, pcln; /* offsets from the header */
};

static int rd32(const struct pclntab *t, uint64_t off, uint32_t *v)
{
	if (off > t->len || t->len - off < 4)
		return -EINVAL;
	memcpy(v, t->data + off, 4);
	return 0;
}

static int rd64(const uint8_t *d, size_t len, uint64_t off, uint64_t *v)
{
	if (off > len || len - off < 8)
		return -EINVAL;
	memcpy(v, d + off, 8);
	return 0;
}

static int parse_header(const uint8_t *d, size_t len, struct pclntab *t)
{
	uint32_t magic;

	if (len < HEADER_SIZE)
		return -EINVAL;
	memcpy(&magic, d, 4);
	if ((magic != MAGIC_118 && magic != MAGIC_120) || d[4] || d[5] || d[6] != 1 || d[7] != 8)
		return -EINVAL;
	t->data = d;
	t->len = len;
	t->magic = magic;
	rd64(d, len, 8, &t->nfunc);
	rd64(d, len, 16, &t->nfiles);
	rd64(d, len, 24, &t->text_start);
	rd64(d, len, 32, &t->funcname);
	rd64(d, len, 40, &t->cu);
	rd64(d, len, 48, &t->filetab);
	rd64(d, len, 56, &t->pctab);
	rd64(d, len, 64, &t->pcln);
	/* The function table (nfunc+1 pairs of u32) must fit. */
	if (t->nfunc == 0 || t->nfunc > len / 8 || t->pcln > len || (t->nfunc + 1) * 8 > len - t->pcln)
		return -EINVAL;
	if (t->funcname > len || t->filetab > len || t->pctab > len || t->cu > len)
		return -EINVAL;
	return 0;
}

int pclntab__from_mem(const uint8_t *data, size_t len, uint64_t text_start, struct pclntab **out)
{
	struct pclntab *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	if (parse_header(data, len, t)) {
		free(t);
		err__set("corrupted Go function table (pclntab)");
		return -EINVAL;
	}
	if (text_start)
		t->text_start = text_start;
	t->text_source = "header";
	*out = t;
	return 0;
}

/* Finds the pcHeader: the named section, else a scan of read-only data for a valid header. */
static int locate(const struct elf_file *elf, const uint8_t **d, size_t *len, uint64_t *vaddr)
{
	static const char *names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	struct elf_section s;
	struct pclntab probe;
	const uint8_t *file;
	size_t flen;

	for (size_t i = 0; i < 2; i++) {
		if (elf__section(elf, names[i], &s) == 0 && s.data) {
			*d = s.data;
			*len = s.size;
			*vaddr = s.addr;
			return 0;
		}
	}
	file = elf__data(elf, &flen);
	for (uint64_t off = 0; off + HEADER_SIZE <= flen; off += 8) {
		uint64_t base;

		if (file[off] != 0xf0 && file[off] != 0xf1)
			continue;
		if (parse_header(file + off, flen - off, &probe))
			continue;
		if (elf__offset_to_vaddr(elf, off, &base))
			continue;
		*d = file + off;
		*len = flen - off;
		*vaddr = base;
		return 0;
	}
	return -ENOENT;
}

/* runtime.text from runtime.firstmoduledata: the data word that points at the pcHeader and whose
 * ftab length matches this table. */
static int find_moduledata(const struct elf_file *elf, const struct pclntab *t,
			   uint64_t hdr_vaddr, uint64_t *text, uint64_t *mdaddr)
{
	uint64_t md = 0, ftab_len, v;

	while (elf__find_ptr_to(elf, hdr_vaddr, &md) == 0) {
		if (elf__read(elf, md + MD_FTAB_LEN, &ftab_len, 8) || ftab_len != t->nfunc + 1)
			continue;
		if (elf__read_ptr(elf, md + MD_TEXT, &v) || v == 0)
			continue;
		*text = v;
		*mdaddr = md;
		return 0;
	}
	return -ENOENT;
}

int pclntab__open(const struct elf_file *elf, struct pclntab **out)
{
	const uint8_t *d;
	size_t len;
	uint64_t vaddr, text = 0, mdtext = 0;
	struct pclntab *t;
	int ret;

	*out = NULL;
	if (locate(elf, &d, &len, &vaddr)) {
		err__set("no Go function table (pclntab) found");
		return -ENOENT;
	}
	ret = pclntab__from_mem(d, len, 0, &t);
	if (ret)
		return ret;
	/* textStart needs a relocation in a PIE, so read it as a pointer; Go 1.26+ no longer stores
	 * it, and then runtime.text comes from the module data, which type names need anyway. */
	ret = find_moduledata(elf, t, vaddr, &mdtext, &t->moduledata);
	if (elf__read_ptr(elf, vaddr + 24, &text) || text == 0) {
		if (ret) {
			pclntab__free(t);
			err__set("cannot find runtime.text (no runtime.firstmoduledata for the pclntab)");
			return -ENOENT;
		}
		text = mdtext;
		t->text_source = "moduledata";
	}
	t->text_start = text;
	*out = t;
	return 0;
}

void pclntab__free(struct pclntab *t)
{
	free(t);
}

uint64_t pclntab__moduledata(const struct pclntab *t)
{
	return t->moduledata;
}

uint32_t pclntab__magic(const struct pclntab *t)
{
	return t->magic;
}

uint64_t pclntab__text_start(const struct pclntab *t)
{
	return t->text_start;
}

const char *pclntab__text_source(const struct pclntab *t)
{
	return t->text_source;
}

size_t pclntab__nfunc(const struct pclntab *t)
{
	return t->nfunc;
}

/* A NUL-terminated string at off inside the table, or NULL. */
static const char *cstr(const struct pclntab *t, uint64_t off)
{
	if (off >= t->len || !memchr(t->data + off, '\0', t->len - off))
		return NULL;
	return (const char *)t->data + off;
}

/* The _func record of function i: its offset from the header. */
static int func_off(const struct pclntab *t, size_t i, uint64_t *off, uint32_t *entryoff,
		    uint32_t *next_entryoff)
{
	uint32_t funcoff;

	if (i >= t->nfunc || rd32(t, t->pcln + i * 8, entryoff) ||
	    rd32(t, t->pcln + i * 8 + 4, &funcoff) || rd32(t, t->pcln + (i + 1) * 8, next_entryoff))
		return -EINVAL;
	*off = t->pcln + funcoff;
	return 0;
}

int pclntab__func(const struct pclntab *t, size_t i, uint64_t *entry, uint64_t *end,
		  const char **name)
{
	uint32_t entryoff, next, nameoff;
	uint64_t off;

	if (func_off(t, i, &off, &entryoff, &next) || rd32(t, off + 4, &nameoff))
		return -EINVAL;
	*name = cstr(t, t->funcname + (uint64_t)(int64_t)(int32_t)nameoff);
	if (!*name || next < entryoff)
		return -EINVAL;
	*entry = t->text_start + entryoff;
	*end = t->text_start + next;
	return 0;
}

int pclntab__lookup(const struct pclntab *t, const char *name, uint64_t *entry, uint64_t *end)
{
	const char *n;

	for (size_t i = 0; i < t->nfunc; i++)
		if (pclntab__func(t, i, entry, end, &n) == 0 && strcmp(n, name) == 0)
			return 0;
	return -ENOENT;
}

/* Reads a varint-encoded pc-value table step (runtime.step). Returns false at the end. */
static bool step(const struct pclntab *t, uint64_t *p, uint64_t *pc, int32_t *val, bool first)
{
	uint32_t uv = 0, shift = 0;
	uint8_t b;

	do {
		if (*p >= t->len || shift > 28)
			return false;
		b = t->data[(*p)++];
		uv |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (uv == 0 && !first)
		return false;
	/* Go's int32 addition wraps; a signed overflow in C is undefined (fuzz_pclntab found one on
	 * a corrupt table), so the sum is taken in uint32. */
	*val = (int32_t)((uint32_t)*val + ((uv & 1) ? ~(uv >> 1) : (uv >> 1)));
	uv = 0;
	shift = 0;
	do {
		if (*p >= t->len || shift > 28)
			return false;
		b = t->data[(*p)++];
		uv |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	*pc += uv; /* minLC is 1 on amd64 */
	return true;
}

/* Value of the pc-value table at tab_off (relative to pctab) for target pc. */
static int pcvalue(const struct pclntab *t, uint32_t tab_off, uint64_t entry, uint64_t target,
		   int32_t *out)
{
	uint64_t p = t->pctab + tab_off, pc = entry;
	int32_t val = -1;
	bool first = true;

	if (tab_off == 0)
		return -ENOENT;
	while (step(t, &p, &pc, &val, first)) {
		first = false;
		if (target < pc) {
			*out = val;
			return 0;
		}
	}
	return -ENOENT;
}

/* Index of the function containing pc, with its entry. */
static int func_at(const struct pclntab *t, uint64_t pc, size_t *idx, uint64_t *entry,
		   const char **func)
{
	size_t lo = 0, hi = t->nfunc;
	uint64_t end;

	if (pc < t->text_start)
		return -ENOENT;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t e;

		if (rd32(t, t->pcln + mid * 8, &e))
			return -EINVAL;
		if (t->text_start + e <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (pclntab__func(t, lo, entry, &end, func) || pc >= end)
		return -ENOENT;
	*idx = lo;
	return 0;
}

int pclntab__pc(const struct pclntab *t, uint64_t pc, const char **func, const char **file,
		int *line)
{
	uint32_t entryoff, next, pcfile, pcln, cuoff, fileoff;
	uint64_t off, entry;
	int32_t fileno, ln;
	size_t i;
	int ret;

	*file = NULL;
	*line = 0;
	ret = func_at(t, pc, &i, &entry, func);
	if (ret)
		return ret;
	if (func_off(t, i, &off, &entryoff, &next) || rd32(t, off + 20, &pcfile) ||
	    rd32(t, off + 24, &pcln) || rd32(t, off + 32, &cuoff))
		return 0;
	if (pcvalue(t, pcln, entry, pc, &ln) == 0)
		*line = ln;
	if (pcvalue(t, pcfile, entry, pc, &fileno) == 0 && fileno >= 0 &&
	    rd32(t, t->cu + ((uint64_t)cuoff + (uint32_t)fileno) * 4, &fileoff) == 0 &&
	    fileoff != UINT32_MAX)
		*file = cstr(t, t->filetab + fileoff);
	return 0;
}

int pclntab__spdelta(const struct pclntab *t, uint64_t pc, int32_t *delta)
{
	uint32_t entryoff, next, pcsp;
	const char *func;
	uint64_t off, entry;
	size_t i;
	int ret;

	ret = func_at(t, pc, &i, &entry, &func);
	if (ret)
		return ret;
	if (func_off(t, i, &off, &entryoff, &next) || rd32(t, off + 16, &pcsp))
		return -EINVAL;
	return pcvalue(t, pcsp, entry, pc, delta);
}
