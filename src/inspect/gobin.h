/* gobin: everything mapscope learns from a Go binary before it traces: version, layout, build
 * flavour, and the map functions with their probe sites and RET offsets. This is what `info`
 * prints and what the collector plans its probes from. */
#ifndef MAPSCOPE_INSPECT_GOBIN_H
#define MAPSCOPE_INSPECT_GOBIN_H

#include "inspect/buildinfo.h"
#include "inspect/goversion.h"
#include "inspect/prologue.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct elf_file;
struct pclntab;

enum mapfunc_role {
	MF_CREATE,
	MF_ASSIGN,
	MF_ACCESS,
	MF_DELETE,
	MF_CLEAR,
	MF_ITER,
	MF_GROW,   /* growth start / step; RET offsets listed */
	MF_FATAL,  /* runtime.fatal: "concurrent map writes" */
	MF_SIGNAL, /* runtime.sigtramp: the other threads at a fatal */
	MF_EXIT,   /* runtime.exit: a launched program's last read */
};

#define GOBIN_MAX_RETS 32

struct gobin_func {
	const char *name; /* static, from the catalogue */
	enum mapfunc_role role;
	uint64_t addr, size;
	uint64_t file_offset; /* of addr; the uprobe offset is file_offset + probe.offset */
	struct prologue probe;
	uint32_t rets[GOBIN_MAX_RETS];
	size_t nrets; /* RET count when the role wants exit probes, else 0 */
	uint32_t done_offset; /* advanceEvacuationMark: its evacuation-complete block; 0 if none */
};

enum gobin_syms {
	GOBIN_SYMS_AUTO,
	GOBIN_SYMS_SYMTAB,
	GOBIN_SYMS_PCLNTAB,
};

struct gobin_opts {
	const char *assume_go; /* treat the binary as this Go version ("go1.27") when newer */
	enum gobin_syms syms;
};

struct gobin {
	char path[PATH_MAX];
	struct elf_file *elf;
	struct pclntab *pcln;
	struct buildinfo bi;
	struct go_version ver;
	const struct go_layout *layout; /* NULL when unsupported */
	enum go_map_layout maps;
	bool stripped, pie, cgo;
	uint64_t first_vaddr; /* virtual address of file offset 0 (for a PIE's load bias) */
	const char *symbols_from; /* "symtab" or "pclntab" */
	struct gobin_func *funcs;
	size_t nfuncs;
	bool supported;
	char reason[200];
};

/* Opens and analyses PATH. Fails (negative errno, message recorded) only when the file cannot be
 * read as a Go program at all: missing, not ELF, not Go, Go older than 1.17, truncated, corrupt.
 * A readable Go binary that mapscope cannot trace succeeds with supported=false and a reason. */
int gobin__open(const char *path, const struct gobin_opts *opts, struct gobin **out);
void gobin__free(struct gobin *gb);
const struct gobin_func *gobin__func(const struct gobin *gb, const char *name);
const char *gobin__role_name(enum mapfunc_role r);
/* The file offset of the first direct call (E8 rel32) in function caller to function callee.
 * The byte scan may in principle match inside another instruction; the exact target makes that
 * unlikely. Returns 0 or -ENOENT. */
int gobin__call_site(const struct gobin *gb, const char *caller, const char *callee,
		     uint64_t *file_offset);

#endif
