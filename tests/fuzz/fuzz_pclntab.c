/* fuzz_pclntab: Go's function table reader on an arbitrary table (seeds: the .gopclntab of the
 * Go test binaries): every function record, a lookup by name, and pc → function/file/line. */
#include "inspect/pclntab.h"

#include <string.h>

#define TEXT 0x401000ull
#define MAX_FUNCS 4096 /* keeps one input's run short; the reads are per record anyway */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct pclntab *t;
	uint64_t entry, end;
	const char *name, *file;
	size_t nf;
	int line;

	if (pclntab__from_mem(data, len, TEXT, &t))
		return 0;
	nf = pclntab__nfunc(t);
	for (size_t i = 0; i < nf && i < MAX_FUNCS; i++) {
		if (pclntab__func(t, i, &entry, &end, &name))
			continue;
		pclntab__pc(t, entry + (end - entry) / 2, &name, &file, &line);
	}
	pclntab__lookup(t, "runtime.mapassign", &entry, &end);
	pclntab__pc(t, TEXT - 1, &name, &file, &line);
	pclntab__pc(t, UINT64_MAX, &name, &file, &line);
	if (len >= 8) {
		uint64_t pc;

		memcpy(&pc, data + len - 8, 8);
		pclntab__pc(t, pc, &name, &file, &line);
	}
	pclntab__free(t);
	return 0;
}
