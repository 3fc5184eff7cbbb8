#include "model/goheap.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "inspect/pclntab.h"
#include "model/remote.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* linux/amd64 heap geometry (runtime/malloc.go), the same in Go 1.19-1.27: arenaL1Bits is 0, so
 * mheap_.arenas[0] is the one L2 array of 1<<arenaL2Bits heapArena pointers. */
#define ARENA_BASE_OFFSET 0xffff800000000000ull /* arenaBaseOffset */
#define ARENA_SHIFT 26				/* log2(heapArenaBytes), 64 MiB */
#define ARENA_L2_ENTRIES (1ull << 22)		/* 1 << arenaL2Bits */
#define PAGE_SHIFT 13				/* log2(_PageSize), 8 KiB */
#define PAGES_PER_ARENA 8192
/* heapArena.bitmap (mbitmap.go): 1.19 holds 4 words a byte (pointer bits in the low nibble,
 * scan bits in the high), 2 MiB an arena; 1.20-1.21 one bit a word in uint64s, 1 MiB. */
#define BITMAP2_BYTES (1ull << 21)
#define BITMAP1_WORDS (1ull << 17)
/* No span is larger than the 48-bit address space. */
#define MAX_SPAN_PAGES (1ull << (48 - PAGE_SHIFT))

/* mSpanState (runtime/mheap.go). */
enum { SPAN_DEAD, SPAN_IN_USE, SPAN_MANUAL };

#define SPAN_READ_MAX 256
#define CODE_SCAN_MAX 256

struct goheap {
	const struct go_layout *l;
	pid_t pid;
	uint64_t arenas; /* file address of mheap_.arenas */
	uint64_t bias;
	size_t span_len;
	/* The runtime sets arenas[0] and each arenas[0][ri] once and never frees them, so a value
	 * read once stays right for the life of the process. */
	uint64_t l2;
	uint64_t last_ri, last_ha;
};

/* The mspan fields liveness depends on, as one read saw them. */
struct span {
	uint64_t start, npages, freeindex, nelems, allocbits, elemsize;
	uint32_t sweepgen;
	uint8_t state;
};

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static int read_u64(const struct goheap *h, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	int ret = remote__read(h->pid, addr, b, sizeof(b));

	if (ret)
		return ret;
	*v = le(b, 8);
	return 0;
}

int goheap__open_at(const struct go_layout *l, pid_t pid, uint64_t arenas_vaddr,
		    struct goheap **out)
{
	struct goheap *h;
	unsigned int end = 0;
	const unsigned int ends[] = {
		l->span_start + 8u,
		l->span_npages + 8u,
		l->span_freeindex + l->span_index_size,
		l->span_nelems + l->span_index_size,
		l->span_allocbits + 8u,
		l->span_sweepgen + 4u,
		l->span_state + 1u,
		l->span_elemsize + 8u,
		l->span_spanclass + 1u,
		l->span_largetype ? l->span_largetype + 8u : 0u,
	};

	*out = NULL;
	if (!l->mheap_arenas || (l->span_index_size != 2 && l->span_index_size != 8) ||
	    l->mheap_arenas < l->mheap_sweepgen + 4u || !arenas_vaddr)
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		end = ends[i] > end ? ends[i] : end;
	if (end > SPAN_READ_MAX)
		return -ENOTSUP;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->l = l;
	h->pid = pid;
	h->arenas = arenas_vaddr;
	h->span_len = end;
	*out = h;
	return 0;
}

static bool in_writable_section(const struct elf_file *elf, uint64_t addr, uint64_t n)
{
	struct elf_section s;

	for (size_t i = 0; i < elf__section_count(elf); i++)
		if (elf__section_at(elf, i, &s) == 0 && (s.flags & 0x3) == 0x3 /* WRITE|ALLOC */ &&
		    addr >= s.addr && addr - s.addr <= s.size && n <= s.size - (addr - s.addr))
			return true;
	return false;
}

int goheap__arenas_symtab(const struct gobin *gb, uint64_t *vaddr)
{
	uint64_t v, size;

	if (!gb->layout || !gb->layout->mheap_arenas)
		return -ENOTSUP;
	if (elf__symbol(gb->elf, "runtime.mheap_", &v, &size) || !v)
		return -ENOENT;
	if (size && size < gb->layout->mheap_arenas + 8ull)
		return -EINVAL;
	*vaddr = v + gb->layout->mheap_arenas;
	return 0;
}

/* runtime.spanOfHeap is out of line in every supported release, and the first RIP-relative
 * 8-byte load it makes is `mov mheap_.arenas[0](%rip), reg` (its only global). Checked against
 * .symtab on 1.19-1.27, every build variant (tests/unit/test_goheap.c). */
int goheap__arenas_disasm(const struct gobin *gb, uint64_t *vaddr)
{
	uint64_t entry, end, off, a;
	const uint8_t *file, *p;
	size_t flen, len;
	int ret = -ENOENT;
	cs_insn *in;
	csh cs;

	if (!gb->layout || !gb->layout->mheap_arenas)
		return -ENOTSUP;
	if (!gb->pcln || pclntab__lookup(gb->pcln, "runtime.spanOfHeap", &entry, &end) ||
	    end <= entry)
		return -ENOENT;
	file = elf__data(gb->elf, &flen);
	if (elf__vaddr_to_offset(gb->elf, entry, &off) || off >= flen)
		return -ENOENT;
	len = end - entry;
	if (len > flen - off)
		len = flen - off;
	if (len > CODE_SCAN_MAX)
		len = CODE_SCAN_MAX;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -EIO;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs_malloc(cs);
	if (!in) {
		cs_close(&cs);
		return -ENOMEM;
	}
	p = file + off;
	a = entry;
	while (cs_disasm_iter(cs, &p, &len, &a, in)) {
		const cs_x86 *x = &in->detail->x86;
		const cs_x86_op *src = &x->operands[1];
		uint64_t target;

		if (in->id != X86_INS_MOV || x->op_count != 2 ||
		    x->operands[0].type != X86_OP_REG || x->operands[0].size != 8 ||
		    src->type != X86_OP_MEM || src->mem.base != X86_REG_RIP ||
		    src->mem.index != X86_REG_INVALID || src->mem.segment != X86_REG_INVALID)
			continue;
		target = in->address + in->size + (uint64_t)src->mem.disp;
		/* mheap_ is a writable global and arenas lies inside it. */
		if (target >= gb->layout->mheap_arenas &&
		    in_writable_section(gb->elf, target - gb->layout->mheap_arenas,
					gb->layout->mheap_arenas + 8ull)) {
			*vaddr = target;
			ret = 0;
		}
		break;
	}
	cs_free(in, 1);
	cs_close(&cs);
	return ret;
}

int goheap__open(const struct gobin *gb, pid_t pid, struct goheap **out)
{
	const struct go_layout *l = gb->layout;
	uint64_t arenas;

	*out = NULL;
	/* A wrong offset would drop live maps: only DWARF-checked rows are trusted. */
	if (!l || !l->verified || !l->mheap_arenas)
		return -ENOTSUP;
	if (goheap__arenas_symtab(gb, &arenas) && goheap__arenas_disasm(gb, &arenas))
		return -ENOENT;
	return goheap__open_at(l, pid, arenas, out);
}

void goheap__set_bias(struct goheap *h, uint64_t bias)
{
	if (h)
		h->bias = bias;
}

void goheap__free(struct goheap *h)
{
	free(h);
}

/* heapArena metadata of arena ri (spanOf's arenas[0][ri]); -ENOENT when no arena is mapped
 * there, i.e. addr is not in Go's heap. */
static int arena_of(struct goheap *h, uint64_t ri, uint64_t *ha)
{
	int ret;

	if (h->l2 && h->last_ha && h->last_ri == ri) {
		*ha = h->last_ha;
		return 0;
	}
	if (!h->l2) {
		ret = read_u64(h, h->arenas + h->bias, &h->l2);
		if (ret)
			return ret;
		if (!h->l2)
			return -ENOENT;
	}
	ret = read_u64(h, h->l2 + ri * 8, ha);
	if (ret)
		return ret;
	if (!*ha)
		return -ENOENT;
	h->last_ri = ri;
	h->last_ha = *ha;
	return 0;
}

static void parse_span(const struct goheap *h, const uint8_t *b, struct span *s)
{
	const struct go_layout *l = h->l;

	memset(s, 0, sizeof(*s));
	s->start = le(b + l->span_start, 8);
	s->npages = le(b + l->span_npages, 8);
	s->freeindex = le(b + l->span_freeindex, l->span_index_size);
	s->nelems = le(b + l->span_nelems, l->span_index_size);
	s->allocbits = le(b + l->span_allocbits, 8);
	s->elemsize = le(b + l->span_elemsize, 8);
	s->sweepgen = (uint32_t)le(b + l->span_sweepgen, 4);
	s->state = b[l->span_state];
}

static int cmp_span(const void *a, const void *b)
{
	const struct goheap_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* A span worth scanning: in use, and its geometry consistent (the same checks judge makes). */
static bool span_from(const struct goheap *h, const uint8_t *b, struct goheap_span *out)
{
	const struct go_layout *l = h->l;
	struct span s;

	parse_span(h, b, &s);
	if (s.state != SPAN_IN_USE || !s.npages || s.npages > MAX_SPAN_PAGES || !s.elemsize ||
	    !s.nelems || s.elemsize > s.npages << PAGE_SHIFT ||
	    s.nelems > (s.npages << PAGE_SHIFT) / s.elemsize || s.freeindex > s.nelems ||
	    s.start & ((1ull << PAGE_SHIFT) - 1))
		return false;
	*out = (struct goheap_span){
		.start = s.start,
		.end = s.start + (s.npages << PAGE_SHIFT),
		.nelems = s.nelems,
		.elemsize = s.elemsize,
		.freeindex = s.freeindex,
		.allocbits = s.allocbits,
		.largetype = l->span_largetype ? le(b + l->span_largetype, 8) : 0,
		.sweepgen = s.sweepgen,
		.spanclass = b[l->span_spanclass],
	};
	return true;
}

int goheap__spans(struct goheap *h, struct goheap_span **out, size_t *n, uint32_t *sweepgen)
{
	uint64_t sl[3], mheap, *ptrs = NULL;
	struct goheap_span *spans = NULL;
	uint8_t *raw = NULL, *ok = NULL;
	size_t got = 0, cnt;
	long ret;

	*out = NULL;
	*n = 0;
	if (!h || !h->l->mheap_allspans || !h->l->span_spanclass)
		return -ENOTSUP;
	mheap = h->arenas + h->bias - h->l->mheap_arenas;
	/* The runtime frees the old array when allspans grows: a torn read is tried once more. */
	for (int attempt = 0; attempt < 2; attempt++) {
		ret = remote__read(h->pid, mheap + h->l->mheap_sweepgen, sweepgen, 4);
		if (!ret)
			ret = remote__read(h->pid, mheap + h->l->mheap_allspans, sl, sizeof(sl));
		if (ret)
			goto out;
		ret = -EINVAL;
		if (!sl[0] || sl[1] > sl[2] || sl[1] > (1ull << 28))
			goto out;
		free(ptrs);
		ptrs = malloc((sl[1] + 1) * sizeof(*ptrs));
		ret = -ENOMEM;
		if (!ptrs)
			goto out;
		ret = remote__read(h->pid, sl[0], ptrs, sl[1] * 8);
		if (!ret)
			break;
	}
	if (ret)
		goto out;
	cnt = sl[1];
	raw = malloc((cnt + 1) * h->span_len);
	ok = calloc(cnt + 1, 1);
	spans = malloc((cnt + 1) * sizeof(*spans));
	ret = -ENOMEM;
	if (!raw || !ok || !spans)
		goto out;
	ret = remote__read_clustered(h->pid, ptrs, h->span_len, raw, ok, cnt);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < cnt; i++)
		if (ok[i] && span_from(h, raw + i * h->span_len, &spans[got]))
			got++;
	qsort(spans, got, sizeof(*spans), cmp_span);
	*out = spans;
	*n = got;
	spans = NULL;
	ret = 0;
out:
	free(ptrs);
	free(raw);
	free(ok);
	free(spans);
	return (int)ret;
}

const struct goheap_span *goheap__span_of(const struct goheap_span *spans, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (spans[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && addr < spans[lo - 1].end ? &spans[lo - 1] : NULL;
}

static bool same_span(const struct span *a, const struct span *b)
{
	return a->start == b->start && a->npages == b->npages && a->freeindex == b->freeindex &&
	       a->nelems == b->nelems && a->allocbits == b->allocbits &&
	       a->elemsize == b->elemsize && a->sweepgen == b->sweepgen && a->state == b->state;
}

/* mspan.isFree for the object holding addr, given the heap's sweepgen hg. After a sweep,
 * allocBits is the last GC's mark bits and freeindex is 0; allocation then only moves freeindex
 * forward, so index < freeindex or a set allocBits bit means allocated, anything else free. A
 * span not yet swept (sweepgen hg-2, or hg+1 while still cached) still holds the state from
 * before the last GC: conservative, since nothing is allocated in an unswept span. The mark
 * bits themselves are not used: Go 1.26's inline mark bits keep them elsewhere until the
 * sweep. NEED_BIT: the verdict is bit (*bit & 7) of the allocBits byte at *bit >> 3. */
#define NEED_BIT 2
static int judge(const struct span *s, uint32_t hg, uint64_t addr, uint64_t elemsize,
		 uint64_t *bit)
{
	uint64_t idx;

	if (s->state > SPAN_MANUAL)
		return -EINVAL;
	if (s->state == SPAN_DEAD)
		return 0; /* the page's span was freed and nothing reallocated it */
	if (s->npages == 0 || s->npages > MAX_SPAN_PAGES)
		return -EINVAL;
	if (addr < s->start || addr - s->start >= s->npages << PAGE_SHIFT)
		return 0; /* a stale spans[] entry: the struct now describes another span */
	if (s->state == SPAN_MANUAL)
		return -ENOENT; /* a goroutine stack or other manually managed memory */
	if (!s->elemsize || !s->nelems || s->elemsize > s->npages << PAGE_SHIFT ||
	    s->nelems > (s->npages << PAGE_SHIFT) / s->elemsize || s->freeindex > s->nelems)
		return -EINVAL;
	/* The pages went to a span of another size class: no object of that size starts here.
	 * Judged before the tail: an address in the tail of the new class's span (a 48-byte
	 * class's last object, in a span of 144-byte objects, seen under churn) is no map. */
	if (elemsize && (s->elemsize != elemsize || (addr - s->start) % elemsize))
		return 0;
	idx = (addr - s->start) / s->elemsize;
	if (idx >= s->nelems)
		return -EINVAL; /* the span's tail, where no object starts */
	if (s->sweepgen == hg - 1)
		return -EAGAIN; /* the sweeper is rewriting freeindex and allocBits */
	if (idx < s->freeindex)
		return 1;
	if (!s->allocbits || s->allocbits + idx / 8 < s->allocbits ||
	    s->allocbits + idx / 8 >= 1ull << 60)
		return -EINVAL;
	*bit = (s->allocbits + idx / 8) << 3 | (idx % 8);
	return NEED_BIT;
}

/* One address of a batch on its way to a verdict. */
struct probe {
	uint64_t addr;
	size_t at;   /* its index in the caller's arrays */
	uint64_t sp; /* the mspan heapArena.spans holds for its page */
	size_t span; /* sp's index in the batch's distinct spans */
	uint64_t bit;
	int verdict;
};

static int cmp_probe(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Batch buffers, sized for n probes. */
struct batch {
	struct probe *p;
	uint64_t *addr, *word, *uniq;
	uint8_t *ok, *ok2, *a, *b;
};

static void batch_free(struct batch *b)
{
	free(b->p);
	free(b->addr);
	free(b->word);
	free(b->uniq);
	free(b->ok);
	free(b->ok2);
	free(b->a);
	free(b->b);
}

static int batch_alloc(struct batch *b, size_t n, size_t span_len)
{
	n = n ? n : 1;
	b->p = calloc(n, sizeof(*b->p));
	b->addr = calloc(n, sizeof(*b->addr));
	b->word = calloc(n, sizeof(*b->word));
	b->uniq = calloc(n, sizeof(*b->uniq));
	b->ok = calloc(n, 1);
	b->ok2 = calloc(n, 1);
	b->a = calloc(n, span_len);
	b->b = calloc(n, span_len);
	if (b->p && b->addr && b->word && b->uniq && b->ok && b->ok2 && b->a && b->b)
		return 0;
	batch_free(b);
	return -ENOMEM;
}

/* heapArena.spans[page] of each probe: p[0..*m) keeps those whose page has a span, the others
 * get their verdict in out. */
static long find_spans(struct goheap *h, struct batch *b, size_t *m, int *out)
{
	size_t k = 0, kept = 0;
	long ret;

	for (size_t i = 0; i < *m; i++) {
		struct probe *p = &b->p[i];
		uint64_t ri = (p->addr - ARENA_BASE_OFFSET) >> ARENA_SHIFT, ha = 0;

		ret = ri < ARENA_L2_ENTRIES ? arena_of(h, ri, &ha) : -ENOENT;
		if (ret) {
			out[p->at] = (int)ret;
			continue;
		}
		b->addr[k] =
			ha + h->l->arena_spans + ((p->addr >> PAGE_SHIFT) % PAGES_PER_ARENA) * 8;
		b->p[k++] = *p;
	}
	ret = remote__read_clustered(h->pid, b->addr, 8, b->word, b->ok, k);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < k; i++) {
		if (!b->ok[i] || !b->word[i]) {
			out[b->p[i].at] = b->ok[i] ? -ENOENT : -EFAULT; /* -ENOENT: no span ever */
			continue;
		}
		b->p[i].sp = b->word[i];
		b->p[kept++] = b->p[i];
	}
	*m = kept;
	return 0;
}

/* One look at the spans of p[0..m): the heap's sweepgen, the spans, the allocBits bytes asked
 * for, then the spans and sweepgen again. A verdict stands (goes to out) when it is an error
 * other than -EAGAIN or when nothing it rests on changed between the two looks; p[0..*m) keeps
 * the others for another look. */
static long look(struct goheap *h, struct batch *b, size_t *m, uint64_t elemsize, int *out)
{
	uint64_t mheap = h->arenas + h->bias - h->l->mheap_arenas;
	size_t nu = 0, nbits = 0, kept = 0;
	uint32_t hg, hg2;
	long ret;

	for (size_t i = 0; i < *m; i++)
		b->uniq[i] = b->p[i].sp;
	qsort(b->uniq, *m, sizeof(*b->uniq), cmp_u64);
	for (size_t i = 0; i < *m; i++)
		if (!nu || b->uniq[nu - 1] != b->uniq[i])
			b->uniq[nu++] = b->uniq[i];
	ret = remote__read(h->pid, mheap + h->l->mheap_sweepgen, &hg, sizeof(hg));
	if (!ret)
		ret = remote__read_clustered(h->pid, b->uniq, h->span_len, b->a, b->ok, nu);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < *m; i++) {
		struct probe *p = &b->p[i];
		uint64_t *u = bsearch(&p->sp, b->uniq, nu, sizeof(*u), cmp_u64);
		struct span s;

		p->span = (size_t)(u - b->uniq);
		if (!b->ok[p->span]) {
			p->verdict = -EFAULT;
			continue;
		}
		parse_span(h, b->a + p->span * h->span_len, &s);
		p->verdict = judge(&s, hg, p->addr, elemsize, &p->bit);
		if (p->verdict == NEED_BIT)
			b->addr[nbits++] = p->bit >> 3;
	}
	ret = remote__read_clustered(h->pid, b->addr, 1, b->word, b->ok2, nbits);
	if (ret < 0)
		return ret;
	nbits = 0;
	for (size_t i = 0; i < *m; i++) {
		struct probe *p = &b->p[i];

		if (p->verdict != NEED_BIT)
			continue;
		/* b->word holds nbits bytes, one per probe that asked. */
		p->verdict = b->ok2[nbits] ? (((uint8_t *)b->word)[nbits] >> (p->bit & 7)) & 1
					   : -EFAULT;
		nbits++;
	}
	ret = remote__read_clustered(h->pid, b->uniq, h->span_len, b->b, b->ok2, nu);
	if (ret >= 0)
		ret = remote__read(h->pid, mheap + h->l->mheap_sweepgen, &hg2, sizeof(hg2));
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < *m; i++) {
		struct probe *p = &b->p[i];
		const uint8_t *sa = b->a + p->span * h->span_len, *sb = b->b + p->span * h->span_len;
		struct span x, y;

		if (p->verdict < 0 && p->verdict != -EAGAIN) {
			out[p->at] = p->verdict;
			continue;
		}
		parse_span(h, sa, &x);
		parse_span(h, sb, &y);
		if (p->verdict >= 0 && hg == hg2 && b->ok2[p->span] && same_span(&x, &y)) {
			out[p->at] = p->verdict;
			continue;
		}
		b->p[kept++] = *p;
	}
	*m = kept;
	return 0;
}

int goheap__allocated_each(struct goheap *h, const uint64_t *addrs, size_t n, uint64_t elemsize,
			   int *out)
{
	struct batch b = { 0 };
	size_t m = n;
	long ret;

	if (!h)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		out[i] = -EAGAIN;
	ret = batch_alloc(&b, n, h->span_len);
	if (ret)
		return (int)ret;
	for (size_t i = 0; i < n; i++)
		b.p[i] = (struct probe){ .addr = addrs[i], .at = i };
	/* Sorted, neighbours share an arena (one cached read) and often a span. */
	qsort(b.p, n, sizeof(*b.p), cmp_probe);
	ret = find_spans(h, &b, &m, out);
	/* A sweep or GC phase change during a look (torn fields) gives no verdict: one more look,
	 * then -EAGAIN. */
	for (int attempt = 0; !ret && m && attempt < 2; attempt++)
		ret = look(h, &b, &m, elemsize, out);
	batch_free(&b);
	return (int)(ret < 0 ? ret : 0);
}

int goheap__allocated(struct goheap *h, uint64_t addr, uint64_t elemsize)
{
	int verdict, ret = goheap__allocated_each(h, &addr, 1, elemsize, &verdict);

	return ret ? ret : verdict;
}

size_t goheap__bitmap_span(int format, size_t words)
{
	/* The first word may sit at the last position of a byte (2 bits) or a uint64 (1 bit). */
	if (format == GO_HEAP_BITMAP_2BIT)
		return (words + 3 + 3) / 4;
	if (format == GO_HEAP_BITMAP_1BIT)
		return (words + 63 + 63) / 64 * 8;
	return 0;
}

uint64_t goheap__bitmap_offset(int format, uint64_t addr)
{
	if (format == GO_HEAP_BITMAP_2BIT)
		return (addr / 32) % BITMAP2_BYTES;
	return (addr / 512) % BITMAP1_WORDS * 8;
}

void goheap__bitmap_decode(int format, const uint8_t *raw, uint64_t addr, size_t words,
			   uint8_t *bits)
{
	/* Position of the object's first word in raw, in bit-pairs or bits. */
	uint64_t at = format == GO_HEAP_BITMAP_2BIT ? (addr / 8) % 4 : (addr / 8) % 64;

	memset(bits, 0, (words + 7) / 8);
	for (size_t w = 0; w < words; w++, at++) {
		unsigned int b = format == GO_HEAP_BITMAP_2BIT ? raw[at / 4] >> (at % 4) & 1
							       : raw[at / 8] >> (at % 8) & 1;

		bits[w / 8] |= (uint8_t)(b << (w % 8));
	}
}

int goheap__ptrbits_each(struct goheap *h, const uint64_t *addrs, size_t n, size_t words,
			 uint8_t *bits, uint8_t *ok)
{
	int format = h ? h->l->heap_bitmap : GO_HEAP_BITMAP_NONE;
	size_t each = goheap__bitmap_span(format, words), nb = (words + 7) / 8, k = 0;
	uint64_t *at = NULL;
	size_t *order = NULL;
	uint8_t *raw = NULL, *got = NULL;
	long ret = -ENOMEM;

	if (n)
		memset(ok, 0, n);
	if (!each || !words)
		return -ENOTSUP;
	at = calloc(n + 1, sizeof(*at));
	order = malloc((n + 1) * sizeof(*order));
	raw = malloc((n + 1) * each);
	got = calloc(n + 1, 1);
	if (!at || !order || !raw || !got)
		goto out;
	ret = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		uint64_t a = addrs[i], ri = (a - ARENA_BASE_OFFSET) >> ARENA_SHIFT, ha = 0;

		/* Bits of a word in another arena are in that arena's bitmap. */
		if (ri >= ARENA_L2_ENTRIES || a % 8 ||
		    ((a + words * 8 - 1 - ARENA_BASE_OFFSET) >> ARENA_SHIFT) != ri)
			continue;
		ret = arena_of(h, ri, &ha);
		if (ret == -ENOENT || ret == -EFAULT) {
			ret = 0;
			continue;
		}
		at[k] = ha + goheap__bitmap_offset(format, a);
		order[k++] = i;
	}
	if (ret)
		goto out;
	ret = remote__read_clustered(h->pid, at, each, raw, got, k);
	if (ret < 0)
		goto out;
	for (size_t j = 0; j < k; j++) {
		if (!got[j])
			continue;
		goheap__bitmap_decode(format, raw + j * each, addrs[order[j]], words,
				      bits + order[j] * nb);
		ok[order[j]] = 1;
	}
	ret = 0;
out:
	free(at);
	free(order);
	free(raw);
	free(got);
	return (int)ret;
}
