/* The report of mapscope info: what mapscope sees in a Go binary. */
#include "output/info.h"

#include "core/json.h"
#include "inspect/pclntab.h"

#include <inttypes.h>
#include <string.h>

static void json_func(struct json *j, const struct gobin_func *fn)
{
	json__obj_begin(j);
	json__key(j, "name");
	json__str(j, fn->name);
	json__key(j, "role");
	json__str(j, gobin__role_name(fn->role));
	json__key(j, "addr");
	json__hex(j, fn->addr);
	json__key(j, "file_offset");
	json__hex(j, fn->file_offset);
	json__key(j, "size");
	json__uint(j, fn->size);
	json__key(j, "probe_offset");
	if (fn->probe.insn == PROBE_NONE)
		json__null(j);
	else
		json__uint(j, fn->probe.offset);
	json__key(j, "probe_insn");
	if (fn->probe.insn == PROBE_NONE)
		json__null(j);
	else
		json__str(j, prologue__insn_name(fn->probe.insn));
	json__key(j, "ret_offsets");
	json__arr_begin(j);
	for (size_t k = 0; k < fn->nrets; k++)
		json__uint(j, fn->rets[k]);
	json__arr_end(j);
	if (fn->done_offset) {
		json__key(j, "done_offset");
		json__uint(j, fn->done_offset);
	}
	json__obj_end(j);
}

void info__json(FILE *f, const struct gobin *gb)
{
	struct json *j = json__new(f);

	json__obj_begin(j);
	json__key(j, "path");
	json__str(j, gb->path);
	json__key(j, "go_version");
	json__str(j, gb->bi.version);
	json__key(j, "layout");
	json__str(j, goversion__layout_name(gb->maps));
	json__key(j, "stripped");
	json__bool(j, gb->stripped);
	json__key(j, "pie");
	json__bool(j, gb->pie);
	json__key(j, "cgo");
	json__bool(j, gb->cgo);
	json__key(j, "symbols_from");
	json__str(j, gb->symbols_from);
	json__key(j, "text_start");
	json__hex(j, pclntab__text_start(gb->pcln));
	json__key(j, "text_start_from");
	json__str(j, pclntab__text_source(gb->pcln));
	json__key(j, "functions");
	json__arr_begin(j);
	for (size_t i = 0; i < gb->nfuncs; i++)
		json_func(j, &gb->funcs[i]);
	json__arr_end(j);
	json__key(j, "supported");
	json__bool(j, gb->supported);
	if (!gb->supported) {
		json__key(j, "reason");
		json__str(j, gb->reason);
	}
	json__obj_end(j);
	json__free(j);
}

/* Returns whether the function has a probe site, for the summary line. */
static bool plain_func(FILE *f, const struct gobin_func *fn)
{
	fprintf(f, "    %-46s 0x%-8" PRIx64 " %-6s", fn->name, fn->addr,
		gobin__role_name(fn->role));
	if (fn->probe.insn == PROBE_NONE) {
		fprintf(f, " no probe site (no stack-check prologue)\n");
		return false;
	}
	fprintf(f, " probe +%-3u %-4s", fn->probe.offset, prologue__insn_name(fn->probe.insn));
	if (fn->nrets)
		fprintf(f, "  %zu ret%s", fn->nrets, fn->nrets == 1 ? "" : "s");
	if (fn->done_offset)
		fprintf(f, "  growth done +%u", fn->done_offset);
	fputc('\n', f);
	return true;
}

void info__plain(FILE *f, const struct gobin *gb)
{
	const char *from = pclntab__text_source(gb->pcln);
	size_t probed = 0;

	fprintf(f, "%s\n", gb->path);
	fprintf(f, "  Go version:  %s (%s maps)\n", gb->bi.version,
		goversion__layout_name(gb->maps));
	fprintf(f, "  build:       %s, %s, %s\n", gb->stripped ? "stripped" : "with symbols",
		gb->pie ? "PIE" : "not PIE", gb->cgo ? "cgo" : "no cgo");
	fprintf(f, "  symbols:     %s (runtime.text 0x%" PRIx64 " from the %s)\n", gb->symbols_from,
		pclntab__text_start(gb->pcln),
		strcmp(from, "header") == 0 ? "pclntab header" : "module data");
	fprintf(f, "  map functions:\n");
	for (size_t i = 0; i < gb->nfuncs; i++)
		probed += plain_func(f, &gb->funcs[i]);
	fprintf(f, "  %zu functions, %zu with a probe site\n", gb->nfuncs, probed);
	if (gb->supported)
		fprintf(f, "  supported:   yes\n");
	else
		fprintf(f, "  supported:   no: %s\n", gb->reason);
}
