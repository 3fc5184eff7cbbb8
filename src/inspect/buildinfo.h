/* buildinfo: reads the Go version and module/build settings from a binary's .go.buildinfo blob.
 * Works on stripped binaries: without a section header it scans for the magic at 16-byte
 * alignment, as debug/buildinfo does. */
#ifndef MAPSCOPE_INSPECT_BUILDINFO_H
#define MAPSCOPE_INSPECT_BUILDINFO_H

#include <stdbool.h>

struct elf_file;

struct buildinfo {
	char version[64];   /* "go1.26.10" or "go1.24.4 X:noswissmap" */
	char *modinfo;      /* module and build settings text, or NULL; owned */
	int cgo;            /* CGO_ENABLED build setting: 1, 0, or -1 when not recorded */
	char goexperiment[64];
};

/* Returns 0, -ENOENT if the file has no Go build info (not a Go program), -EINVAL if it is
 * malformed. Records a message with err__set(). */
int buildinfo__read(const struct elf_file *elf, struct buildinfo *out);
void buildinfo__release(struct buildinfo *bi);

#endif
