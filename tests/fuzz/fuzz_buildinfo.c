/* fuzz_buildinfo: the .go.buildinfo reader (inline and pointer formats, found by scanning a
 * binary without section headers) and the Go version parser on what it yields. Seeds: the build
 * information blobs of the Go test binaries. */
#include "fuzz.h"
#include "inspect/buildinfo.h"
#include "inspect/elf.h"
#include "inspect/goversion.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct elf_file *elf;
	struct buildinfo bi;
	struct go_version v;
	size_t n;
	uint8_t *img = fuzz_wrap_elf(data, len, &n);

	if (!img)
		return 0;
	if (elf__from_mem(img, n, &elf) == 0) {
		if (buildinfo__read(elf, &bi) == 0) {
			if (goversion__parse(bi.version, &v) == 0) {
				(void)goversion__layout(&v);
				(void)goversion__map_layout(&v);
			}
			buildinfo__release(&bi);
		}
		elf__free(elf);
	}
	free(img);
	return 0;
}
