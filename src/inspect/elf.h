/* elf: a bounds-checked reader of 64-bit little-endian ELF files (x86-64).
 *
 * Every byte of the file is treated as hostile: each table is checked against the file size
 * before use, and accessors return -ENOENT/-EINVAL rather than read out of bounds. Only what
 * mapscope needs is exposed: sections by name, loadable segments, symbols, reads by virtual
 * address (with R_X86_64_RELATIVE relocations applied for PIE binaries). No libelf. */
#ifndef MAPSCOPE_INSPECT_ELF_H
#define MAPSCOPE_INSPECT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

struct elf_section {
	const char *name;
	uint64_t addr;   /* virtual address (0 if not allocated) */
	uint64_t offset; /* file offset */
	uint64_t size;
	uint32_t type;
	uint64_t flags;
	const uint8_t *data; /* NULL for SHT_NOBITS */
	uint32_t link;
	size_t index;
};

/* Maps PATH read-only and checks its headers. On failure records a message with err__set(). */
int elf__open(const char *path, struct elf_file **out);
/* Same over a caller-owned buffer, which must outlive the object (fuzzing, tests). */
int elf__from_mem(const void *buf, size_t len, struct elf_file **out);
void elf__free(struct elf_file *elf);

const uint8_t *elf__data(const struct elf_file *elf, size_t *len);
bool elf__is_pie(const struct elf_file *elf);        /* ET_DYN */
bool elf__has_interp(const struct elf_file *elf);    /* dynamically linked */
bool elf__has_symtab(const struct elf_file *elf);
/* Section by name; fills *out and returns 0, or -ENOENT. */
int elf__section(const struct elf_file *elf, const char *name, struct elf_section *out);
/* Sections by index 0..n-1, for scans. */
size_t elf__section_count(const struct elf_file *elf);
int elf__section_at(const struct elf_file *elf, size_t i, struct elf_section *out);

/* File offset of a virtual address inside a PT_LOAD segment's file-backed part. */
int elf__vaddr_to_offset(const struct elf_file *elf, uint64_t vaddr, uint64_t *off);
/* Virtual address of a file offset inside a PT_LOAD segment. */
int elf__offset_to_vaddr(const struct elf_file *elf, uint64_t off, uint64_t *vaddr);
/* Copies n bytes at virtual address vaddr from the file image. -EFAULT if any byte is not
 * file-backed. */
int elf__read(const struct elf_file *elf, uint64_t vaddr, void *dst, size_t n);
/* Reads a pointer-sized word at vaddr as the loaded image would hold it before ASLR: for a PIE, a
 * R_X86_64_RELATIVE relocation at vaddr supplies the value (its addend). */
int elf__read_ptr(const struct elf_file *elf, uint64_t vaddr, uint64_t *out);

/* Finds a pointer-sized, 8-aligned word in an allocated, writable or read-only data section whose
 * value (after RELATIVE relocation, for a PIE) equals target. Starts after *where when *where is
 * non-zero, so callers can walk every match. Returns 0 and sets *where, or -ENOENT. */
int elf__find_ptr_to(const struct elf_file *elf, uint64_t target, uint64_t *where);

/* Symbol lookup in .symtab (then .dynsym): value and size of the first symbol named NAME. */
int elf__symbol(const struct elf_file *elf, const char *name, uint64_t *value, uint64_t *size);
/* True if .dynsym imports NAME (an undefined symbol), e.g. a libc function a cgo binary calls. */
bool elf__has_import(const struct elf_file *elf, const char *name);
/* Calls fn for every function symbol in .symtab; stops and returns fn's value if non-zero. */
int elf__foreach_func(const struct elf_file *elf,
		      int (*fn)(const char *name, uint64_t value, uint64_t size, void *ctx),
		      void *ctx);
/* The same for every data symbol (STT_OBJECT): global variables. */
int elf__foreach_object(const struct elf_file *elf,
			int (*fn)(const char *name, uint64_t value, uint64_t size, void *ctx),
			void *ctx);

#endif
