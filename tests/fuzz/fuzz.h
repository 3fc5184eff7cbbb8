/* fuzz.h: helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Every target treats its input as hostile bytes, exactly as mapscope treats a binary or a
 * target's memory; a crash, a sanitizer report, a leak or an allocation beyond libFuzzer's
 * -malloc_limit_mb is a bug in the parser, never in the input. */
#ifndef MAPSCOPE_TESTS_FUZZ_H
#define MAPSCOPE_TESTS_FUZZ_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Where fuzz_wrap_elf() loads its image, as a non-PIE Go binary would be. */
#define FUZZ_ELF_VADDR 0x400000ull
/* The wrapped blob starts here in the image: 16-aligned, as .go.buildinfo is searched. */
#define FUZZ_ELF_BLOB 128u

/* Wraps blob into a minimal x86-64 ELF executable with one PT_LOAD segment that maps the whole
 * image at FUZZ_ELF_VADDR and no section headers (a stripped binary's shape), so that the readers
 * that take an elf_file see the blob at FUZZ_ELF_VADDR + FUZZ_ELF_BLOB. Returns a malloc'ed,
 * 8-aligned image of *len bytes, or NULL. */
static inline uint8_t *fuzz_wrap_elf(const uint8_t *blob, size_t n, size_t *len)
{
	uint8_t *img = calloc(1, FUZZ_ELF_BLOB + n + 1);
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };

	if (!img)
		return NULL;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_flags = PF_R | PF_X;
	ph.p_vaddr = FUZZ_ELF_VADDR;
	ph.p_filesz = ph.p_memsz = FUZZ_ELF_BLOB + n;
	ph.p_align = 0x1000;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	if (n)
		memcpy(img + FUZZ_ELF_BLOB, blob, n);
	*len = FUZZ_ELF_BLOB + n;
	return img;
}

#endif
