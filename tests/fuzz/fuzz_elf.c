/* fuzz_elf: a whole binary, as `mapscope info` reads it: the ELF reader and its accessors
 * (sections, symbols, imports, relocations, address translation), then gobin__open, which adds
 * the build information, the pclntab scan and module data search, the Go version check and the
 * prologue decoding of every map function. Seeds: the Go test binaries and small non-Go ELFs. */
#include "core/err.h"
#include "inspect/elf.h"
#include "inspect/gobin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int count_func(const char *name, uint64_t value, uint64_t size, void *ctx)
{
	(void)name;
	(void)value;
	(void)size;
	return ++*(size_t *)ctx >= 100000;
}

static void accessors(const struct elf_file *elf)
{
	struct elf_section s;
	uint64_t v, sz, off, where = 0;
	size_t n = 0;
	uint8_t buf[16];

	(void)elf__is_pie(elf);
	(void)elf__has_interp(elf);
	(void)elf__has_symtab(elf);
	for (size_t i = 0; i < elf__section_count(elf); i++)
		if (elf__section_at(elf, i, &s) == 0 && s.name)
			(void)strlen(s.name);
	elf__section(elf, ".gopclntab", &s);
	elf__symbol(elf, "runtime.main", &v, &sz);
	elf__has_import(elf, "pthread_create");
	elf__foreach_func(elf, count_func, &n);
	if (elf__offset_to_vaddr(elf, 0, &v) == 0) {
		elf__vaddr_to_offset(elf, v, &off);
		elf__read(elf, v, buf, sizeof(buf));
		elf__read_ptr(elf, v, &sz);
		for (int i = 0; i < 4 && elf__find_ptr_to(elf, v, &where) == 0; i++)
			;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int fd = -1;
	char path[64];
	struct elf_file *elf;
	struct gobin *gb;
	uint8_t *copy = malloc(len ? len : 1); /* elf__from_mem wants an 8-aligned buffer */

	if (!copy)
		return 0;
	memcpy(copy, data, len);
	if (elf__from_mem(copy, len, &elf) == 0) {
		accessors(elf);
		elf__free(elf);
	}
	free(copy);
	/* gobin__open takes a path: the input as a memory-backed file. */
	if (fd < 0)
		fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, len, 0) != (ssize_t)len)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (gobin__open(path, NULL, &gb) == 0)
		gobin__free(gb);
	err__clear();
	return 0;
}
