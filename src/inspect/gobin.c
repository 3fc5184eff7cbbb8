#include "inspect/gobin.h"

#include "core/err.h"
#include "inspect/elf.h"
#include "inspect/pclntab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L_CLASSIC (1u << GO_LAYOUT_CLASSIC)
#define L_SWISS (1u << GO_LAYOUT_SWISS)
#define L_ALL (L_CLASSIC | L_SWISS)
#define MAPS "internal/runtime/maps."

/* Every function the tracing modes may probe (DESIGN.md, Modes 1 and 2). A function missing from a
 * binary (dead-code eliminated: no string-keyed map, no clear, ...) is simply not listed. */
static const struct mapfunc_spec {
	const char *name;
	enum mapfunc_role role;
	unsigned layouts;
} catalogue[] = {
	{ "runtime.makemap", MF_CREATE, L_ALL },
	{ "runtime.makemap_small", MF_CREATE, L_ALL },
	{ MAPS "NewMap", MF_CREATE, L_SWISS },
	{ "runtime.mapassign", MF_ASSIGN, L_ALL },
	{ "runtime.mapassign_fast32", MF_ASSIGN, L_ALL },
	{ "runtime.mapassign_fast64", MF_ASSIGN, L_ALL },
	{ "runtime.mapassign_fast64ptr", MF_ASSIGN, L_ALL },
	{ "runtime.mapassign_faststr", MF_ASSIGN, L_ALL },
	{ "runtime.mapaccess1", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess2", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess1_fast32", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess2_fast32", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess1_fast64", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess2_fast64", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess1_faststr", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess2_faststr", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess1_fat", MF_ACCESS, L_ALL },
	{ "runtime.mapaccess2_fat", MF_ACCESS, L_ALL },
	{ "runtime.mapaccessK", MF_ACCESS, L_CLASSIC },
	{ "runtime.mapdelete", MF_DELETE, L_ALL },
	{ "runtime.mapdelete_fast32", MF_DELETE, L_ALL },
	{ "runtime.mapdelete_fast64", MF_DELETE, L_ALL },
	{ "runtime.mapdelete_faststr", MF_DELETE, L_ALL },
	{ MAPS "(*Map).Delete", MF_DELETE, L_SWISS },
	{ "runtime.mapclear", MF_CLEAR, L_ALL },
	{ MAPS "(*Map).Clear", MF_CLEAR, L_SWISS },
	{ "runtime.mapiterinit", MF_ITER, L_CLASSIC },
	{ "runtime.mapiternext", MF_ITER, L_CLASSIC },
	{ "runtime.mapIterStart", MF_ITER, L_SWISS },
	{ "runtime.mapIterNext", MF_ITER, L_SWISS },
	{ "runtime.hashGrow", MF_GROW, L_CLASSIC },
	{ "runtime.growWork", MF_GROW, L_CLASSIC },
	{ "runtime.growWork_fast32", MF_GROW, L_CLASSIC },
	{ "runtime.growWork_fast64", MF_GROW, L_CLASSIC },
	{ "runtime.growWork_faststr", MF_GROW, L_CLASSIC },
	{ "runtime.evacuate", MF_GROW, L_CLASSIC },
	{ "runtime.evacuate_fast32", MF_GROW, L_CLASSIC },
	{ "runtime.evacuate_fast64", MF_GROW, L_CLASSIC },
	{ "runtime.evacuate_faststr", MF_GROW, L_CLASSIC },
	{ "runtime.advanceEvacuationMark", MF_GROW, L_CLASSIC },
	{ "runtime.makeBucketArray", MF_GROW, L_CLASSIC },
	{ "runtime.(*hmap).newoverflow", MF_GROW, L_CLASSIC },
	{ MAPS "(*Map).growToSmall", MF_GROW, L_SWISS },
	{ MAPS "(*Map).growToTable", MF_GROW, L_SWISS },
	{ MAPS "(*table).rehash", MF_GROW, L_SWISS },
	{ MAPS "(*table).grow", MF_GROW, L_SWISS },
	{ MAPS "(*table).split", MF_GROW, L_SWISS },
	{ MAPS "(*Map).installTableSplit", MF_GROW, L_SWISS },
	{ MAPS "(*table).pruneTombstones", MF_GROW, L_SWISS },
	{ "runtime.fatal", MF_FATAL, L_ALL },
	{ "runtime.sigtramp", MF_SIGNAL, L_ALL },
	{ "runtime.exit", MF_EXIT, L_ALL },
};

#define NCATALOGUE (sizeof(catalogue) / sizeof(catalogue[0]))

const char *gobin__role_name(enum mapfunc_role r)
{
	static const char *names[] = { "create", "assign", "access", "delete",
				       "clear",  "iter",   "grow",   "fatal", "signal", "exit" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* Resolves one function by the chosen symbol source. The symtab names an assembly function
 * NAME.abi0; the pclntab names it NAME. */
static int resolve(const struct gobin *gb, const char *name, uint64_t *addr, uint64_t *size)
{
	char abi0[128];
	uint64_t end;

	if (strcmp(gb->symbols_from, "symtab") == 0) {
		snprintf(abi0, sizeof(abi0), "%s.abi0", name);
		if (elf__symbol(gb->elf, name, addr, size) == 0)
			return 0;
		return elf__symbol(gb->elf, abi0, addr, size);
	}
	if (pclntab__lookup(gb->pcln, name, addr, &end))
		return -ENOENT;
	*size = end - *addr;
	return 0;
}

static int analyse_func(struct gobin *gb, const struct mapfunc_spec *spec, struct gobin_func *f)
{
	const uint8_t *file;
	size_t flen;

	memset(f, 0, sizeof(*f));
	f->name = spec->name;
	f->role = spec->role;
	if (resolve(gb, spec->name, &f->addr, &f->size))
		return -ENOENT;
	file = elf__data(gb->elf, &flen);
	/* Sizes come from the file: bound them by what the file holds. */
	if (elf__vaddr_to_offset(gb->elf, f->addr, &f->file_offset) || f->file_offset >= flen)
		return -ENOENT;
	if (f->size == 0 || f->size > flen - f->file_offset)
		f->size = flen - f->file_offset < 64 ? flen - f->file_offset : 64;
	if (prologue__decode(file + f->file_offset, f->size, f->addr, &f->probe))
		return -EIO;
	/* Growth functions are timed at their RETs; creators return the new map in AX there. */
	if (spec->role == MF_GROW || spec->role == MF_CREATE) {
		size_t n;

		if (prologue__rets(file + f->file_offset, f->size, f->addr, f->rets,
				   GOBIN_MAX_RETS, &n))
			return -EIO;
		f->nrets = n < GOBIN_MAX_RETS ? n : GOBIN_MAX_RETS;
	}
	/* Classic growth ends inside advanceEvacuationMark, which runs for every evacuated bucket:
	 * probing only the block that finishes the growth keeps that probe at one hit per growth. */
	if (!strcmp(spec->name, "runtime.advanceEvacuationMark") &&
	    prologue__first_rip_cmp0(file + f->file_offset, f->size, f->addr, &f->done_offset))
		f->done_offset = 0;
	return 0;
}

static void unsupported(struct gobin *gb, const char *fmt, const char *arg)
{
	if (!gb->supported)
		return; /* keep the first reason */
	gb->supported = false;
	snprintf(gb->reason, sizeof(gb->reason), fmt, arg);
}

static int check_version(struct gobin *gb, const struct gobin_opts *opts)
{
	struct go_version assumed;

	if (goversion__parse(gb->bi.version, &gb->ver)) {
		err__set("unrecognised Go version string '%s' in build information", gb->bi.version);
		return -EINVAL;
	}
	if (gb->ver.minor < GO_MIN_REGABI_MINOR) {
		err__set("built with %s, older than Go 1.%d: mapscope needs the register ABI (Go "
			 "1.%d-1.%d are supported)",
			 gb->bi.version, GO_MIN_REGABI_MINOR, GO_MIN_SUPPORTED_MINOR,
			 GO_MAX_SUPPORTED_MINOR);
		return -ENOTSUP;
	}
	gb->maps = goversion__map_layout(&gb->ver);
	gb->layout = goversion__layout(&gb->ver);
	if (gb->ver.minor > GO_MAX_SUPPORTED_MINOR && opts->assume_go) {
		if (goversion__parse(opts->assume_go, &assumed) || !goversion__layout(&assumed)) {
			err__set("--assume-go '%s' is not a supported Go version (go1.%d to go1.%d)",
				 opts->assume_go, GO_MIN_SUPPORTED_MINOR, GO_MAX_SUPPORTED_MINOR);
			return -EINVAL;
		}
		assumed.noswissmap = gb->ver.noswissmap;
		gb->layout = goversion__layout(&assumed);
		gb->maps = goversion__map_layout(&assumed);
	}
	if (gb->ver.minor > GO_MAX_SUPPORTED_MINOR && !opts->assume_go)
		unsupported(gb, "%s is newer than the newest Go this mapscope knows (go1.27); retry "
				"with --assume-go go1.27 at your own risk", gb->bi.version);
	else if (gb->ver.minor < GO_MIN_SUPPORTED_MINOR)
		unsupported(gb, "%s is older than go1.19, the oldest supported Go", gb->bi.version);
	return 0;
}

static bool has_runtime_symbols(const struct elf_file *elf)
{
	uint64_t v;

	return elf__has_symtab(elf) && elf__symbol(elf, "runtime.main", &v, NULL) == 0;
}

int gobin__open(const char *path, const struct gobin_opts *opts, struct gobin **out)
{
	static const struct gobin_opts defaults;
	struct gobin *gb;
	size_t n = 0;
	int ret;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	gb = calloc(1, sizeof(*gb));
	if (!gb)
		return -ENOMEM;
	snprintf(gb->path, sizeof(gb->path), "%s", path);
	gb->supported = true;
	ret = elf__open(path, &gb->elf);
	if (ret)
		goto fail;
	ret = buildinfo__read(gb->elf, &gb->bi);
	if (ret)
		goto fail;
	ret = check_version(gb, opts);
	if (ret)
		goto fail;
	gb->stripped = !elf__has_symtab(gb->elf);
	gb->pie = elf__is_pie(gb->elf);
	if (elf__offset_to_vaddr(gb->elf, 0, &gb->first_vaddr))
		gb->first_vaddr = 0;
	gb->cgo = gb->bi.cgo >= 0 ? gb->bi.cgo == 1 : elf__has_import(gb->elf, "pthread_create");

	/* The pclntab is always needed (symbolizing stacks); the symtab only names functions. */
	ret = pclntab__open(gb->elf, &gb->pcln);
	if (ret)
		goto fail;
	switch (opts->syms) {
	case GOBIN_SYMS_SYMTAB:
		if (!has_runtime_symbols(gb->elf)) {
			err__set("no Go symbols in .symtab (stripped binary): use --symbols pclntab");
			ret = -ENOENT;
			goto fail;
		}
		gb->symbols_from = "symtab";
		break;
	case GOBIN_SYMS_PCLNTAB:
		gb->symbols_from = "pclntab";
		break;
	default:
		gb->symbols_from = has_runtime_symbols(gb->elf) ? "symtab" : "pclntab";
	}

	gb->funcs = calloc(NCATALOGUE, sizeof(*gb->funcs));
	if (!gb->funcs) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < NCATALOGUE; i++) {
		if (!(catalogue[i].layouts & (1u << gb->maps)))
			continue;
		if (analyse_func(gb, &catalogue[i], &gb->funcs[n]) == 0)
			n++;
	}
	gb->nfuncs = n;
	if (!gobin__func(gb, "runtime.makemap") && !gobin__func(gb, "runtime.mapassign"))
		unsupported(gb, "%s", "no Go map functions found (corrupted function table?)");
	*out = gb;
	return 0;
fail:
	gobin__free(gb);
	return ret;
}

void gobin__free(struct gobin *gb)
{
	if (!gb)
		return;
	free(gb->funcs);
	pclntab__free(gb->pcln);
	buildinfo__release(&gb->bi);
	elf__free(gb->elf);
	free(gb);
}

const struct gobin_func *gobin__func(const struct gobin *gb, const char *name)
{
	for (size_t i = 0; i < gb->nfuncs; i++)
		if (strcmp(gb->funcs[i].name, name) == 0)
			return &gb->funcs[i];
	return NULL;
}

int gobin__call_site(const struct gobin *gb, const char *caller, const char *callee,
		     uint64_t *file_offset)
{
	uint64_t addr, size, target, tsize, off;
	const uint8_t *file;
	size_t flen;

	if (resolve(gb, caller, &addr, &size) || resolve(gb, callee, &target, &tsize))
		return -ENOENT;
	file = elf__data(gb->elf, &flen);
	if (elf__vaddr_to_offset(gb->elf, addr, &off) || off >= flen || size > flen - off)
		return -ENOENT;
	for (uint64_t i = 0; i + 5 <= size; i++) {
		const uint8_t *p = file + off + i;
		int32_t rel;

		if (p[0] != 0xe8)
			continue;
		memcpy(&rel, p + 1, sizeof(rel));
		if (addr + i + 5 + (uint64_t)(int64_t)rel == target) {
			*file_offset = off + i;
			return 0;
		}
	}
	return -ENOENT;
}
