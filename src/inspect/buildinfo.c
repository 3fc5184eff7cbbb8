#include "inspect/buildinfo.h"

#include "core/err.h"
#include "inspect/elf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char magic[14] = "\xff Go buildinf:";
#define BI_HEADER 32

/* Reads a uvarint at p (at most end-p bytes). Returns bytes consumed, 0 if malformed. */
static size_t uvarint(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 10 && p + i < end; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

/* Inline-string format (Go 1.18+): two uvarint-prefixed strings after the 32-byte header. */
static int parse_inline(const uint8_t *p, const uint8_t *end, struct buildinfo *out)
{
	uint64_t n;
	size_t k;

	p += BI_HEADER;
	k = uvarint(p, end, &n);
	if (!k || n == 0 || n >= sizeof(out->version) || n > (uint64_t)(end - p - k))
		return -EINVAL;
	memcpy(out->version, p + k, n);
	out->version[n] = '\0';
	p += k + n;
	k = uvarint(p, end, &n);
	if (k && n > 0 && n <= (uint64_t)(end - p - k)) {
		out->modinfo = malloc(n + 1);
		if (!out->modinfo)
			return -ENOMEM;
		memcpy(out->modinfo, p + k, n);
		out->modinfo[n] = '\0';
	}
	return 0;
}

/* Pointer format (before Go 1.18): two pointers to string headers at +16 and +24. */
static int parse_pointers(const struct elf_file *elf, const uint8_t *p, struct buildinfo *out)
{
	uint64_t hdr, str[2];

	if (p[14] != 8)
		return -EINVAL;
	memcpy(&hdr, p + 16, 8);
	if (elf__read(elf, hdr, str, sizeof(str)) || str[1] == 0 ||
	    str[1] >= sizeof(out->version) || elf__read(elf, str[0], out->version, str[1]))
		return -EINVAL;
	out->version[str[1]] = '\0';
	return 0;
}

static void parse_settings(struct buildinfo *out)
{
	const char *s;

	out->cgo = -1;
	if (!out->modinfo)
		return;
	s = strstr(out->modinfo, "\nbuild\tCGO_ENABLED=");
	if (s)
		out->cgo = s[19] == '1';
	s = strstr(out->modinfo, "\nbuild\tGOEXPERIMENT=");
	if (s) {
		size_t n = strcspn(s + 20, "\n");

		if (n >= sizeof(out->goexperiment))
			n = sizeof(out->goexperiment) - 1;
		memcpy(out->goexperiment, s + 20, n);
		out->goexperiment[n] = '\0';
	}
}

static int parse_at(const struct elf_file *elf, const uint8_t *p, const uint8_t *end,
		    struct buildinfo *out)
{
	if (end - p < BI_HEADER || memcmp(p, magic, sizeof(magic)) != 0 || p[14] != 8)
		return -EINVAL;
	if (p[15] & 0x1)
		return -ENOTSUP;
	return (p[15] & 0x2) ? parse_inline(p, end, out) : parse_pointers(elf, p, out);
}

int buildinfo__read(const struct elf_file *elf, struct buildinfo *out)
{
	struct elf_section s;
	const uint8_t *data;
	size_t len;
	int ret = -ENOENT;

	memset(out, 0, sizeof(*out));
	data = elf__data(elf, &len);
	if (elf__section(elf, ".go.buildinfo", &s) == 0 && s.data && s.size >= BI_HEADER) {
		ret = parse_at(elf, s.data, s.data + s.size, out);
	} else {
		/* No section header: the first aligned candidate that parses. A lone copy of the
		 * magic (in a C program's data, say) is not build information. */
		for (size_t off = 0; off + BI_HEADER <= len; off += 16) {
			if (data[off] != 0xff || memcmp(data + off, magic, sizeof(magic)) != 0)
				continue;
			ret = parse_at(elf, data + off, data + len, out);
			if (ret == 0)
				break;
			buildinfo__release(out);
			ret = -ENOENT;
		}
	}
	if (ret == -ENOENT) {
		err__set("not a Go program (no Go build information found)");
		return ret;
	}
	if (ret == -ENOTSUP) {
		err__set("big-endian Go build information (mapscope supports linux/amd64 only)");
		return ret;
	}
	if (ret) {
		buildinfo__release(out);
		err__set("corrupted Go build information");
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	parse_settings(out);
	return 0;
}

void buildinfo__release(struct buildinfo *bi)
{
	if (!bi)
		return;
	free(bi->modinfo);
	bi->modinfo = NULL;
}
