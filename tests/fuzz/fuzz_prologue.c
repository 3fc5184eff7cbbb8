/* fuzz_prologue: the Capstone-based prologue, RET and write-barrier-check decoders on arbitrary
 * code bytes (seeds: the map functions of the Go test binaries). */
#include "inspect/prologue.h"

#include "inspect/gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct prologue p;
	uint32_t rets[GOBIN_MAX_RETS], off;
	size_t n;

	if (prologue__decode(data, len, 0x401000, &p) == 0)
		(void)prologue__insn_name(p.insn);
	prologue__rets(data, len, 0x401000, rets, GOBIN_MAX_RETS, &n);
	prologue__first_rip_cmp0(data, len, 0x401000, &off);
	return 0;
}
