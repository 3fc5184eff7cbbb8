/* fuzz_gotype: the map type and type name readers (abi.Type, abi.MapType of every layout, the
 * nameOff/uvarint names in the types section) on arbitrary bytes. The blob is wrapped into an ELF
 * image (fuzz.h); its first 16 bytes choose the Go version and where the map type and
 * runtime.firstmoduledata are, the rest is the types section.
 *
 *   0 Go minor (19 + d[0] % 9)   1 flags: 1 noswissmap   4 u32 map type offset
 *   8 u32 module data offset (both from the blob's start) */

/* The module data normally comes from pclntab__open's scan of the binary; this target supplies
 * it directly, so it needs struct pclntab and is linked without pclntab.o. */
#include "../../src/inspect/pclntab.c"

#include "fuzz.h"
#include "inspect/gobin.h"
#include "model/gotype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct gobin gb;
	static struct pclntab pcln;
	struct maptype_info ti;
	uint64_t blob = FUZZ_ELF_VADDR + FUZZ_ELF_BLOB;
	uint32_t type_off, md_off;
	size_t n;
	uint8_t *img;

	if (len < 16)
		return 0;
	memcpy(&type_off, data + 4, 4);
	memcpy(&md_off, data + 8, 4);
	img = fuzz_wrap_elf(data, len, &n);
	if (!img)
		return 0;
	memset(&gb, 0, sizeof(gb));
	memset(&pcln, 0, sizeof(pcln));
	gb.ver = (struct go_version){ 1, 19 + data[0] % 9, 0, data[1] & 1 };
	gb.layout = goversion__layout(&gb.ver);
	gb.maps = goversion__map_layout(&gb.ver);
	pcln.moduledata = blob + md_off;
	gb.pcln = &pcln;
	if (elf__from_mem(img, n, &gb.elf) == 0) {
		if (gotype__maptype(&gb, blob + type_off, &ti) == 0)
			(void)gotype__kind_name(ti.key_kind);
		elf__free(gb.elf);
	}
	free(img);
	return 0;
}
