// heapscantarget is the workload of bench/heapscan: a program with MB megabytes of live heap
// made mostly of maps, then a CPU-bound loop whose progress mapscope's heap scan must not stop.
// It builds, kept live in a global slice:
//
//	big maps    up to 85 % of the bytes with the small maps (about 80 % at 1000 MB, 50 % at
//	            100 MB): maps of 1,000-100,000 entries (1000 x 100^(u^4), u uniform:
//	            mean ~7,300), half map[int64]int64, half map[string]*T (T is 48 bytes
//	            with pointers: the map headers' size class, so the scan meets non-map objects
//	            in the spans it reads)
//	small maps  100,000 maps of 1-8 entries, half of each type (about 35 MB; a tenth of them
//	            when MB < 100)
//	garbage     the rest: []byte slices of 64 B-64 KiB and 48-byte T objects
//
// then collects once and prints
//
//	maps N big B small S small_bytes BYTES
//	ready heap_alloc BYTES heap_sys BYTES
//
// and loops forever on a hash (no map calls, no allocation: mapscope's probes never fire in it
// and no GC runs), printing every 10 ms
//
//	tick UNIX_NS ITERATIONS_SINCE_LAST_TICK
//
// unbuffered. Usage: heapscantarget MB
package main

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

// T is 48 bytes and holds pointers: the size class of a map header.
type T struct {
	name    string
	next    *T
	a, b, c int64
}

var (
	keep  []any
	sink  uint64
	stats runtime.MemStats
)

func heapAlloc() uint64 {
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

func bigMap(r *rand.Rand, n int, strs bool) any {
	if !strs {
		m := make(map[int64]int64)
		for i := 0; i < n; i++ {
			m[r.Int63()] = int64(i)
		}
		return m
	}
	m := make(map[string]*T)
	for i := 0; i < n; i++ {
		k := "k" + strconv.FormatInt(r.Int63n(1<<40), 36)
		m[k] = &T{name: k, a: int64(i)}
	}
	return m
}

func smallMap(r *rand.Rand, i int) any {
	n := 1 + r.Intn(8)
	if i%2 == 0 {
		m := make(map[int64]int64)
		for j := 0; j < n; j++ {
			m[int64(j*7+i)] = int64(j)
		}
		return m
	}
	m := make(map[string]*T)
	for j := 0; j < n; j++ {
		k := "s" + strconv.Itoa(j)
		m[k] = &T{name: k}
	}
	return m
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: heapscantarget MB")
		os.Exit(2)
	}
	mb, err := strconv.Atoi(os.Args[1])
	if err != nil || mb <= 0 {
		fmt.Fprintln(os.Stderr, "heapscantarget: MB must be a positive integer")
		os.Exit(2)
	}
	target := uint64(mb) << 20
	r := rand.New(rand.NewSource(14))
	// No collection while building: the heap only grows, and cycles over it would triple
	// the build time. One at the end leaves the live heap alone.
	debug.SetGCPercent(-1)

	small := 100_000
	if mb < 100 {
		small /= 10
	}
	runtime.GC()
	before := heapAlloc()
	for i := 0; i < small; i++ {
		keep = append(keep, smallMap(r, i))
	}
	runtime.GC()
	smallBytes := heapAlloc() - before
	// HeapAlloc counts the tables growth left behind until a collection: fill to the goal by
	// it, collect, and go on while the live heap is short of it.
	big := 0
	for goal := target * 85 / 100; ; {
		for heapAlloc() < goal {
			u := r.Float64()
			n := int(1000 * math.Pow(100, u*u*u*u)) // mean about 7,300
			keep = append(keep, bigMap(r, n, big%2 == 1))
			big++
		}
		if runtime.GC(); heapAlloc() >= goal {
			break
		}
	}
	for heapAlloc() < target {
		if r.Intn(4) == 0 {
			for i := 0; i < 256; i++ {
				keep = append(keep, &T{a: int64(i)})
			}
		} else {
			keep = append(keep, make([]byte, 64<<r.Intn(11)))
		}
	}
	runtime.GC()
	debug.SetGCPercent(100)
	heap := heapAlloc()
	fmt.Fprintf(os.Stdout, "maps %d big %d small %d small_bytes %d\n", big+small, big, small,
		smallBytes)
	fmt.Fprintf(os.Stdout, "ready heap_alloc %d heap_sys %d\n", heap, stats.HeapSys)

	buf := make([]byte, 0, 64)
	var h uint64 = 14695981039346656037
	var iters uint64
	next := time.Now().UnixNano() + 10_000_000
	for {
		for i := 0; i < 256; i++ {
			h ^= uint64(i)
			h *= 1099511628211
			h ^= h >> 29
		}
		iters++
		if now := time.Now().UnixNano(); now >= next {
			buf = append(buf[:0], "tick "...)
			buf = strconv.AppendInt(buf, now, 10)
			buf = append(buf, ' ')
			buf = strconv.AppendUint(buf, iters, 10)
			buf = append(buf, '\n')
			os.Stdout.Write(buf)
			iters = 0
			next = now + 10_000_000
			sink = h
		}
	}
}
