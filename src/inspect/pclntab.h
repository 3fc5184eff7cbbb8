/* pclntab: Go's function table (runtime.pcHeader and friends), the symbol source that survives
 * stripping. Formats of Go 1.18-1.19 (magic 0xfffffff0) and 1.20+ (0xfffffff1). Every offset
 * read from the table is bounds-checked against the table's bytes. */
#ifndef MAPSCOPE_INSPECT_PCLNTAB_H
#define MAPSCOPE_INSPECT_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>

struct elf_file;
struct pclntab;

/* Finds and parses the pclntab of a Go binary (by section name, else by scanning for the header)
 * and determines the text start: pcHeader.textStart where stored, else runtime.text from
 * runtime.firstmoduledata (Go 1.26+; in cgo binaries it differs from the .text section).
 * Records a message and returns a negative errno on failure. */
int pclntab__open(const struct elf_file *elf, struct pclntab **out);
/* Parses a pclntab held in memory at vaddr with a known text start (tests, fuzzing). */
int pclntab__from_mem(const uint8_t *data, size_t len, uint64_t text_start, struct pclntab **out);
void pclntab__free(struct pclntab *t);

uint32_t pclntab__magic(const struct pclntab *t);
uint64_t pclntab__text_start(const struct pclntab *t);
/* "header" if pcHeader.textStart held it, "moduledata" otherwise. */
const char *pclntab__text_source(const struct pclntab *t);
size_t pclntab__nfunc(const struct pclntab *t);
/* Virtual address of runtime.firstmoduledata in the file, or 0 if it was not found. */
uint64_t pclntab__moduledata(const struct pclntab *t);
/* Function i: entry address, end (next function's entry) and name (NUL-terminated, inside the
 * table). Returns 0 or -EINVAL for a corrupt entry. */
int pclntab__func(const struct pclntab *t, size_t i, uint64_t *entry, uint64_t *end,
		  const char **name);
/* First function named NAME. */
int pclntab__lookup(const struct pclntab *t, const char *name, uint64_t *entry, uint64_t *end);
/* Function containing pc, with the file and line of pc. file may be NULL if unavailable. */
int pclntab__pc(const struct pclntab *t, uint64_t pc, const char **func, const char **file,
		int *line);
/* The SP delta at pc (the pcsp table): how far below the return address of pc's function SP
 * is when pc is about to run; 0 at the entry and in frameless functions. */
int pclntab__spdelta(const struct pclntab *t, uint64_t pc, int32_t *delta);

#endif
