// simmaps builds real maps and reads their internals through unsafe, as ground truth for
// mapscope's simulator.
//
// Usage: simmaps int64|string N R [CHURN]
//
// Builds R maps of N entries each (int64 keys 0..N-1, or string keys "user:0".., int64 values),
// then, with CHURN, CHURN*N steps of deleting the oldest key and inserting the next one, and
// prints one line per map:
//
//	classic B=<B> overflow=<linked overflow buckets> noverflow=<hmap.noverflow> growing=<0|1>
//	swiss capacity=<sum of table capacities> tables=<distinct tables> dirlen=<directory length>
//	      tombstones=<sum over tables of capacity*7/8 - used - growthLeft>
//
// simmaps hint int64|string N R: for R maps made with make(map[K]int64, N), prints the heap
// bytes make allocated (runtime.MemStats.TotalAlloc around it, so with size classes), the
// layout it chose, and the insert at which the map first grows:
//
//	hint bytes=<bytes> capacity=<slots> buckets=<2^B, 0 for Swiss> tables=<Swiss tables> grow_at=<n>
//
// Overflow buckets are counted by walking every bucket's chain (and, while growing, the chains
// of old buckets not yet evacuated), which is exact where hmap.noverflow is approximate.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// runtime.hmap, Go 1.19-1.23.
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	extra      unsafe.Pointer
}

// internal/runtime/maps.Map and table, Go 1.24+.
type swissMap struct {
	used        uint64
	seed        uintptr
	dirPtr      unsafe.Pointer
	dirLen      int
	globalDepth uint8
	globalShift uint8
	writing     uint8
	tombstone   bool
	clearSeq    uint64
}

type table struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groups     unsafe.Pointer
	lengthMask uint64
}

func swiss() bool {
	v := strings.TrimPrefix(runtime.Version(), "go1.")
	minor, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	return minor >= 24
}

// chain counts the overflow buckets after bucket b (overflow pointer in its last word).
func chain(b unsafe.Pointer, bsize uintptr) int {
	n := 0
	for {
		b = *(*unsafe.Pointer)(unsafe.Add(b, bsize-8))
		if b == nil {
			return n
		}
		n++
	}
}

func classic(h *hmap, bsize uintptr) string {
	ovf := 0
	for i := uintptr(0); i < uintptr(1)<<h.B; i++ {
		ovf += chain(unsafe.Add(h.buckets, i*bsize), bsize)
	}
	growing := 0
	if h.oldbuckets != nil {
		growing = 1
		oldB := h.B - 1
		if h.flags&8 != 0 { // sameSizeGrow
			oldB = h.B
		}
		for i := uintptr(0); i < uintptr(1)<<oldB; i++ {
			b := unsafe.Add(h.oldbuckets, i*bsize)
			if top := *(*uint8)(b); top < 2 || top > 4 { // not evacuated
				ovf += chain(b, bsize)
			}
		}
	}
	return fmt.Sprintf("classic B=%d overflow=%d noverflow=%d growing=%d", h.B, ovf, h.noverflow, growing)
}

func swissStats(m *swissMap) string {
	if m.dirLen == 0 {
		return "swiss capacity=8 tables=0 dirlen=0 tombstones=0"
	}
	dir := unsafe.Slice((**table)(m.dirPtr), m.dirLen)
	capacity, tables, tombstones := 0, 0, 0
	for i, t := range dir {
		if t.index == i {
			tables++
			capacity += int(t.capacity)
			tombstones += int(t.capacity)*7/8 - int(t.used) - int(t.growthLeft)
		}
	}
	return fmt.Sprintf("swiss capacity=%d tables=%d dirlen=%d tombstones=%d", capacity, tables,
		m.dirLen, tombstones)
}

// layout returns the capacity and the buckets or tables of the map at p.
func layout(p unsafe.Pointer) (capacity, buckets, tables int) {
	if !swiss() {
		h := (*hmap)(p)
		if h.buckets == nil {
			return 0, 0, 0
		}
		return 8 << h.B, 1 << h.B, 0
	}
	m := (*swissMap)(p)
	if m.dirLen == 0 {
		return 8, 0, 0
	}
	for i, t := range unsafe.Slice((**table)(m.dirPtr), m.dirLen) {
		if t.index == i {
			tables++
			capacity += int(t.capacity)
		}
	}
	return capacity, 0, tables
}

var sink any

func hint(key string, n, runs int) {
	var ms runtime.MemStats
	for r := 0; r < runs; r++ {
		var p unsafe.Pointer
		var put func(i int)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		if key == "string" {
			m := make(map[string]int64, n)
			sink = m
			p = *(*unsafe.Pointer)(unsafe.Pointer(&m))
			put = func(i int) { m["user:"+strconv.Itoa(i)] = int64(i) }
		} else {
			m := make(map[int64]int64, n)
			sink = m
			p = *(*unsafe.Pointer)(unsafe.Pointer(&m))
			put = func(i int) { m[int64(i)] = int64(i) }
		}
		runtime.ReadMemStats(&ms)
		bytes := ms.TotalAlloc - before
		capacity, buckets, tables := layout(p)
		growAt := 0
		base := capacity
		for i := 0; i < 64*n+64; i++ {
			put(i)
			c, _, _ := layout(p)
			if base == 0 { // a classic map allocates its first bucket on the first insert
				base = c
			}
			if c != base {
				growAt = i + 1
				break
			}
		}
		fmt.Printf("hint bytes=%d capacity=%d buckets=%d tables=%d grow_at=%d\n", bytes, capacity,
			buckets, tables, growAt)
	}
}

func main() {
	if len(os.Args) == 5 && os.Args[1] == "hint" {
		n, _ := strconv.Atoi(os.Args[3])
		runs, _ := strconv.Atoi(os.Args[4])
		hint(os.Args[2], n, runs)
		return
	}
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: simmaps int64|string N R [CHURN]")
		os.Exit(2)
	}
	n, _ := strconv.Atoi(os.Args[2])
	runs, _ := strconv.Atoi(os.Args[3])
	churn := 0.0
	if len(os.Args) == 5 {
		churn, _ = strconv.ParseFloat(os.Args[4], 64)
	}
	total := n + int(churn*float64(n))
	var keys []string
	if os.Args[1] == "string" {
		keys = make([]string, total)
		for i := range keys {
			keys[i] = "user:" + strconv.Itoa(i)
		}
	}
	for r := 0; r < runs; r++ {
		var p unsafe.Pointer
		var bsize uintptr
		if keys != nil {
			m := make(map[string]int64)
			for i, k := range keys {
				if i >= n {
					delete(m, keys[i-n])
				}
				m[k] = int64(i)
			}
			p, bsize = *(*unsafe.Pointer)(unsafe.Pointer(&m)), 8+8*16+8*8+8
			defer runtime.KeepAlive(m)
		} else {
			m := make(map[int64]int64)
			for i := 0; i < total; i++ {
				if i >= n {
					delete(m, int64(i-n))
				}
				m[int64(i)] = int64(i)
			}
			p, bsize = *(*unsafe.Pointer)(unsafe.Pointer(&m)), 8+8*8+8*8+8
			defer runtime.KeepAlive(m)
		}
		if swiss() {
			fmt.Println(swissStats((*swissMap)(p)))
		} else {
			fmt.Println(classic((*hmap)(p), bsize))
		}
	}
}
