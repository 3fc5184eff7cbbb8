#include "inspect/elf.h"

#include "core/err.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct elf_file {
	const uint8_t *data;
	size_t len;
	bool mapped;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh; /* NULL when the file has no usable section table */
	size_t shnum;
	const char *shstr;
	size_t shstr_len;
	const Elf64_Phdr *ph;
	size_t phnum;
	const Elf64_Rela *rela; /* .rela.dyn, sorted by the linker? not assumed */
	size_t nrela;
	bool rela_sorted; /* by r_offset, checked at open: lookups bisect */
};

/* True if [off, off+n) lies inside a buffer of length len, without overflow. */
static bool in_bounds(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

/* The dynamic relocations, from DT_RELA/DT_RELASZ (Go's internal linker names the section ".rela",
 * the external one ".rela.dyn"; the dynamic table works for both and without section headers). */
static void find_rela(struct elf_file *e)
{
	uint64_t rela = 0, relasz = 0, off;

	for (size_t i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];

		if (p->p_type != PT_DYNAMIC || !in_bounds(e->len, p->p_offset, p->p_filesz) ||
		    p->p_offset % 8)
			continue;
		for (size_t k = 0; k < p->p_filesz / sizeof(Elf64_Dyn); k++) {
			const Elf64_Dyn *d = (const Elf64_Dyn *)(e->data + p->p_offset) + k;

			if (d->d_tag == DT_NULL)
				break;
			if (d->d_tag == DT_RELA)
				rela = d->d_un.d_ptr;
			else if (d->d_tag == DT_RELASZ)
				relasz = d->d_un.d_val;
		}
	}
	if (!rela || !relasz || elf__vaddr_to_offset(e, rela, &off) ||
	    !in_bounds(e->len, off, relasz) || off % 8)
		return;
	e->rela = (const Elf64_Rela *)(e->data + off);
	e->nrela = relasz / sizeof(Elf64_Rela);
	e->rela_sorted = true;
	for (size_t i = 1; i < e->nrela && e->rela_sorted; i++)
		e->rela_sorted = e->rela[i - 1].r_offset <= e->rela[i].r_offset;
}

/* The first relocation at or after vaddr, when they are sorted; else 0 (a linear search). */
static size_t rela_from(const struct elf_file *elf, uint64_t vaddr)
{
	size_t lo = 0, hi = elf->nrela;

	if (!elf->rela_sorted)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (elf->rela[mid].r_offset < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int parse(struct elf_file *e)
{
	const Elf64_Ehdr *eh;

	if (e->len < 4 || memcmp(e->data, ELFMAG, SELFMAG) != 0) {
		err__set("not an ELF file");
		return -EINVAL;
	}
	if (e->len < sizeof(Elf64_Ehdr)) {
		err__set("truncated ELF header");
		return -EINVAL;
	}
	eh = (const Elf64_Ehdr *)e->data;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		err__set("not an x86-64 ELF file (mapscope supports linux/amd64 only)");
		return -ENOTSUP;
	}
	e->eh = eh;

	if (eh->e_phnum && eh->e_phentsize == sizeof(Elf64_Phdr) &&
	    in_bounds(e->len, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)) &&
	    eh->e_phoff % 8 == 0) {
		e->ph = (const Elf64_Phdr *)(e->data + eh->e_phoff);
		e->phnum = eh->e_phnum;
	}
	if (eh->e_shnum && eh->e_shentsize == sizeof(Elf64_Shdr) &&
	    in_bounds(e->len, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) &&
	    eh->e_shoff % 8 == 0) {
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(e->data + eh->e_shoff);

		e->sh = sh;
		e->shnum = eh->e_shnum;
		if (eh->e_shstrndx < e->shnum && sh[eh->e_shstrndx].sh_type == SHT_STRTAB &&
		    in_bounds(e->len, sh[eh->e_shstrndx].sh_offset, sh[eh->e_shstrndx].sh_size)) {
			e->shstr = (const char *)e->data + sh[eh->e_shstrndx].sh_offset;
			e->shstr_len = sh[eh->e_shstrndx].sh_size;
		}
	}
	/* A file cut short still has intact headers but loses the segments or the section table. */
	for (size_t i = 0; i < e->phnum; i++) {
		if (e->ph[i].p_type == PT_LOAD && !in_bounds(e->len, e->ph[i].p_offset, e->ph[i].p_filesz)) {
			err__set("truncated ELF file (a segment extends past the end of the file)");
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < e->shnum; i++) {
		if (e->sh[i].sh_type != SHT_NOBITS &&
		    !in_bounds(e->len, e->sh[i].sh_offset, e->sh[i].sh_size)) {
			err__set("truncated ELF file (a section extends past the end of the file)");
			return -EINVAL;
		}
	}
	if (eh->e_shnum && !e->sh) {
		err__set("truncated or corrupted ELF file (bad section header table)");
		return -EINVAL;
	}
	if (!e->ph && !e->sh) {
		err__set("ELF file has neither program nor section headers (truncated?)");
		return -EINVAL;
	}
	find_rela(e);
	return 0;
}

int elf__from_mem(const void *buf, size_t len, struct elf_file **out)
{
	struct elf_file *e;
	int ret;

	*out = NULL;
	if ((uintptr_t)buf % 8) {
		err__set("internal: unaligned ELF buffer");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->data = buf;
	e->len = len;
	ret = parse(e);
	if (ret) {
		free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int elf__open(const char *path, struct elf_file **out)
{
	struct stat st;
	void *map;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err__set("%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		err__set("not a regular file");
		return -EINVAL;
	}
	if (st.st_size == 0) {
		close(fd);
		err__set("empty file");
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		ret = -errno;
		err__set("mmap: %s", strerror(errno));
		return ret;
	}
	ret = elf__from_mem(map, (size_t)st.st_size, out);
	if (ret) {
		munmap(map, (size_t)st.st_size);
		return ret;
	}
	(*out)->mapped = true;
	return 0;
}

void elf__free(struct elf_file *elf)
{
	if (!elf)
		return;
	if (elf->mapped)
		munmap((void *)elf->data, elf->len);
	free(elf);
}

const uint8_t *elf__data(const struct elf_file *elf, size_t *len)
{
	*len = elf->len;
	return elf->data;
}

bool elf__is_pie(const struct elf_file *elf)
{
	return elf->eh->e_type == ET_DYN;
}

bool elf__has_interp(const struct elf_file *elf)
{
	for (size_t i = 0; i < elf->phnum; i++)
		if (elf->ph[i].p_type == PT_INTERP)
			return true;
	return false;
}

size_t elf__section_count(const struct elf_file *elf)
{
	return elf->sh ? elf->shnum : 0;
}

int elf__section_at(const struct elf_file *elf, size_t i, struct elf_section *out)
{
	const Elf64_Shdr *sh;

	if (!elf->sh || i >= elf->shnum)
		return -ENOENT;
	sh = &elf->sh[i];
	memset(out, 0, sizeof(*out));
	out->name = "";
	if (elf->shstr && sh->sh_name < elf->shstr_len &&
	    memchr(elf->shstr + sh->sh_name, '\0', elf->shstr_len - sh->sh_name))
		out->name = elf->shstr + sh->sh_name;
	out->addr = sh->sh_addr;
	out->offset = sh->sh_offset;
	out->size = sh->sh_size;
	out->type = sh->sh_type;
	out->flags = sh->sh_flags;
	out->link = sh->sh_link;
	out->index = i;
	if (sh->sh_type != SHT_NOBITS) {
		if (!in_bounds(elf->len, sh->sh_offset, sh->sh_size))
			return -EINVAL;
		out->data = elf->data + sh->sh_offset;
	}
	return 0;
}

int elf__section(const struct elf_file *elf, const char *name, struct elf_section *out)
{
	for (size_t i = 0; i < elf__section_count(elf); i++) {
		if (elf__section_at(elf, i, out) == 0 && strcmp(out->name, name) == 0)
			return 0;
	}
	return -ENOENT;
}

bool elf__has_symtab(const struct elf_file *elf)
{
	struct elf_section s;

	return elf__section(elf, ".symtab", &s) == 0 && s.size > sizeof(Elf64_Sym);
}

int elf__vaddr_to_offset(const struct elf_file *elf, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < elf->phnum; i++) {
		const Elf64_Phdr *p = &elf->ph[i];

		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr || vaddr - p->p_vaddr >= p->p_filesz)
			continue;
		*off = p->p_offset + (vaddr - p->p_vaddr);
		return 0;
	}
	/* No program headers (e.g. a truncated test file): fall back to allocated sections. */
	if (!elf->phnum) {
		struct elf_section s;

		for (size_t i = 0; i < elf__section_count(elf); i++) {
			if (elf__section_at(elf, i, &s) || !s.data || !s.addr || vaddr < s.addr ||
			    vaddr - s.addr >= s.size)
				continue;
			*off = s.offset + (vaddr - s.addr);
			return 0;
		}
	}
	return -EFAULT;
}

int elf__offset_to_vaddr(const struct elf_file *elf, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < elf->phnum; i++) {
		const Elf64_Phdr *p = &elf->ph[i];

		if (p->p_type == PT_LOAD && off >= p->p_offset && off - p->p_offset < p->p_filesz) {
			*vaddr = p->p_vaddr + (off - p->p_offset);
			return 0;
		}
	}
	return -EFAULT;
}

int elf__read(const struct elf_file *elf, uint64_t vaddr, void *dst, size_t n)
{
	uint64_t off;

	if (n == 0)
		return 0;
	/* Both ends must be file-backed in the same mapping; checking the last byte too is enough
	 * because segments do not overlap in valid files, and the copy is bounded by the file. */
	if (elf__vaddr_to_offset(elf, vaddr, &off) || !in_bounds(elf->len, off, n))
		return -EFAULT;
	memcpy(dst, elf->data + off, n);
	return 0;
}

int elf__read_ptr(const struct elf_file *elf, uint64_t vaddr, uint64_t *out)
{
	for (size_t i = rela_from(elf, vaddr); i < elf->nrela; i++) {
		if (elf->rela_sorted && elf->rela[i].r_offset > vaddr)
			break;
		if (elf->rela[i].r_offset == vaddr &&
		    ELF64_R_TYPE(elf->rela[i].r_info) == R_X86_64_RELATIVE) {
			*out = (uint64_t)elf->rela[i].r_addend;
			return 0;
		}
	}
	return elf__read(elf, vaddr, out, sizeof(*out));
}

int elf__find_ptr_to(const struct elf_file *elf, uint64_t target, uint64_t *where)
{
	uint64_t after = *where;
	struct elf_section s;

	if (elf__is_pie(elf)) {
		uint64_t best = UINT64_MAX;

		for (size_t i = 0; i < elf->nrela; i++) {
			const Elf64_Rela *r = &elf->rela[i];

			if (ELF64_R_TYPE(r->r_info) == R_X86_64_RELATIVE &&
			    (uint64_t)r->r_addend == target && r->r_offset > after && r->r_offset < best)
				best = r->r_offset;
		}
		if (best == UINT64_MAX)
			return -ENOENT;
		*where = best;
		return 0;
	}
	for (size_t i = 0; i < elf__section_count(elf); i++) {
		if (elf__section_at(elf, i, &s) || !s.data || !(s.flags & SHF_ALLOC) ||
		    (s.flags & SHF_EXECINSTR) || s.type != SHT_PROGBITS || s.addr % 8)
			continue;
		for (uint64_t off = 0; off + 8 <= s.size; off += 8) {
			uint64_t v;

			if (s.addr + off <= after)
				continue;
			memcpy(&v, s.data + off, 8);
			if (v == target) {
				*where = s.addr + off;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* Iterates a symbol table section; fn returns non-zero to stop. */
static int foreach_sym(const struct elf_file *elf, const char *secname,
		       int (*fn)(const Elf64_Sym *sym, const char *name, void *ctx), void *ctx)
{
	struct elf_section sym, str;
	size_t n;

	if (elf__section(elf, secname, &sym) || !sym.data || sym.offset % 8)
		return 0;
	if (elf__section_at(elf, sym.link, &str) || !str.data || str.size == 0)
		return 0;
	n = sym.size / sizeof(Elf64_Sym);
	for (size_t i = 0; i < n; i++) {
		const Elf64_Sym *s = (const Elf64_Sym *)sym.data + i;
		int ret;

		if (s->st_name >= str.size ||
		    !memchr(str.data + s->st_name, '\0', str.size - s->st_name))
			continue;
		ret = fn(s, (const char *)str.data + s->st_name, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

struct sym_query {
	const char *name;
	uint64_t value, size;
};

static int match_sym(const Elf64_Sym *sym, const char *name, void *ctx)
{
	struct sym_query *q = ctx;

	if (sym->st_shndx == SHN_UNDEF || strcmp(name, q->name) != 0)
		return 0;
	q->value = sym->st_value;
	q->size = sym->st_size;
	return 1;
}

int elf__symbol(const struct elf_file *elf, const char *name, uint64_t *value, uint64_t *size)
{
	struct sym_query q = { .name = name };

	if (foreach_sym(elf, ".symtab", match_sym, &q) != 1 &&
	    foreach_sym(elf, ".dynsym", match_sym, &q) != 1)
		return -ENOENT;
	*value = q.value;
	if (size)
		*size = q.size;
	return 0;
}

static int match_import(const Elf64_Sym *sym, const char *name, void *ctx)
{
	return sym->st_shndx == SHN_UNDEF && strcmp(name, ctx) == 0;
}

bool elf__has_import(const struct elf_file *elf, const char *name)
{
	return foreach_sym(elf, ".dynsym", match_import, (void *)name) == 1;
}

struct func_iter {
	int (*fn)(const char *name, uint64_t value, uint64_t size, void *ctx);
	void *ctx;
	unsigned int type;
};

static int call_func(const Elf64_Sym *sym, const char *name, void *ctx)
{
	struct func_iter *it = ctx;

	if (ELF64_ST_TYPE(sym->st_info) != it->type || sym->st_shndx == SHN_UNDEF)
		return 0;
	return it->fn(name, sym->st_value, sym->st_size, it->ctx);
}

int elf__foreach_func(const struct elf_file *elf,
		      int (*fn)(const char *name, uint64_t value, uint64_t size, void *ctx), void *ctx)
{
	struct func_iter it = {fn, ctx, STT_FUNC};

	return foreach_sym(elf, ".symtab", call_func, &it);
}

int elf__foreach_object(const struct elf_file *elf,
			int (*fn)(const char *name, uint64_t value, uint64_t size, void *ctx),
			void *ctx)
{
	struct func_iter it = {fn, ctx, STT_OBJECT};

	return foreach_sym(elf, ".symtab", call_func, &it);
}
