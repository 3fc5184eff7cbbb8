/* simmem: Go's size classes (runtime/sizeclasses.go, unchanged from 1.19 to 1.27). */
#include "sim/simmem.h"

/* clang-format off */
static const uint16_t class_to_size[] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
	352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
	2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
	9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
	28672, 32768,
};
/* clang-format on */

#define MAX_SMALL 32768
#define PAGE 8192

static uint64_t header(uint64_t size, bool noscan, int go_minor)
{
	return go_minor >= 22 && !noscan && size > 512 && size <= MAX_SMALL - 8 ? 8 : 0;
}

uint64_t simmem__alloc(uint64_t size, bool noscan, int go_minor)
{
	uint64_t req = size + header(size, noscan, go_minor);

	if (req <= MAX_SMALL) {
		for (unsigned i = 0; i < sizeof(class_to_size) / sizeof(class_to_size[0]); i++)
			if (class_to_size[i] >= req)
				return class_to_size[i];
	}
	return (size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

uint64_t simmem__roundup(uint64_t size, bool noscan, int go_minor)
{
	uint64_t h = header(size, noscan, go_minor);

	if (size + h <= MAX_SMALL)
		return simmem__alloc(size, noscan, go_minor) - h;
	return (size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}
