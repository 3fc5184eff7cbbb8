// advisemaps: one map per kind of advice `mapscope advise` gives, for its e2e test. Each map is
// made in its own function (its own creation site) and kept until the end:
//
//	presize  200,000 entries into a map made with no size hint (it grows many times)
//	rebuild  400,000 entries, then all but 2,000 deleted (the map keeps its full size)
//	slice    keys exactly 0..99,999, so a []int64 indexed by key would do
//	set      150,000 entries whose values are all true, so a map[int64]struct{} would do
//	none     50,000 sparse keys in a map made with the right hint: it deserves no advice
//	reuse    100,000 entries in a map made with the right hint, emptied and filled again
//	         every 300 ms after "ready" (a reused buffer): it deserves no advice either, though
//	         it is empty half of the time
//	small    5,000 maps of 3 entries each, so 5,000 []pair of 3 would do
//
// For each it measures what the change really saves: the live heap bytes (runtime.ReadMemStats
// after runtime.GC, the median of 3 tries) of a replica built the same way, less those of the
// changed structure. Replicas and alternatives are dropped after measuring. Then it prints, all
// at once:
//
//	map KIND ADDR LEN SAVES    one line per kept map, in the order above (ADDR as %p prints
//	                           it; SAVES in bytes, signed; 0 for presize, none and each small map)
//	site small 5000 SAVES      what the small maps save together
//	ready
//
// and holds the maps until a line (or EOF) on standard input, reading one key of each every
// millisecond meanwhile, as a service uses its maps (an attached mapscope learns a map's type
// from such a call; reads change nothing the test measures).
//
// Usage: advisemaps
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

const (
	nPresize   = 200000
	nRebuild   = 400000
	keepReb    = 2000
	nSlice     = 100000
	nSet       = 150000
	nSmall     = 5000
	smallLen   = 3
	nNone      = 50000
	nReuse     = 100000
	saltReuse  = 6
	saltPre    = 1
	saltReb    = 2
	saltSet    = 3
	saltNone   = 4
	saltSmallK = 5
)

type pair struct{ k, v int64 }

// The kept maps.
var (
	presizeMap map[int64]int64
	rebuildMap map[int64]int64
	sliceMap   map[int64]int64
	setMap     map[int64]bool
	smallMaps  []map[int64]int64
	noneMap    map[int64]int64
	reuseMap   map[int64]int64
)

// key: the i-th pseudo-random key of a salt. mix is a bijection on uint64 (splitmix64's
// finalizer), so the keys of one salt are distinct for i < 2^40 and look uniformly random.
func key(salt, i int) int64 {
	x := uint64(salt)<<40 + uint64(i)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int64(x)
}

// The fills are shared by an original and its replica, so both are built the same way.
func fillPresize(m map[int64]int64) {
	for i := 0; i < nPresize; i++ {
		m[key(saltPre, i)] = int64(i)
	}
}

func fillRebuild(m map[int64]int64) {
	for i := 0; i < nRebuild; i++ {
		m[key(saltReb, i)] = int64(i)
	}
	for i := keepReb; i < nRebuild; i++ {
		delete(m, key(saltReb, i))
	}
}

func fillSlice(m map[int64]int64) {
	for k := int64(0); k < nSlice; k++ {
		m[k] = k * 3
	}
}

func fillSet(m map[int64]bool) {
	for i := 0; i < nSet; i++ {
		m[key(saltSet, i)] = true
	}
}

func fillSmall(m map[int64]int64, i int) {
	for j := 0; j < smallLen; j++ {
		m[key(saltSmallK, i*smallLen+j)] = int64(i + j)
	}
}

//go:noinline
func buildPresize() map[int64]int64 {
	m := make(map[int64]int64)
	fillPresize(m)
	return m
}

//go:noinline
func buildRebuild() map[int64]int64 {
	m := make(map[int64]int64)
	fillRebuild(m)
	return m
}

//go:noinline
func buildSlice() map[int64]int64 {
	m := make(map[int64]int64)
	fillSlice(m)
	return m
}

//go:noinline
func buildSet() map[int64]bool {
	m := make(map[int64]bool)
	fillSet(m)
	return m
}

//go:noinline
func buildSmall() []map[int64]int64 {
	ms := make([]map[int64]int64, nSmall)
	for i := range ms {
		m := make(map[int64]int64)
		fillSmall(m, i)
		ms[i] = m
	}
	return ms
}

//go:noinline
func buildNone() map[int64]int64 {
	m := make(map[int64]int64, nNone)
	for i := 0; i < nNone; i++ {
		m[key(saltNone, i)] = int64(i) + 7
	}
	return m
}

// The replicas: the same as the originals, but from creation sites of their own, so that the
// originals' sites hold (and have only ever grown) the kept maps alone.

//go:noinline
func replicaRebuild() interface{} {
	m := make(map[int64]int64)
	fillRebuild(m)
	return m
}

//go:noinline
func replicaSlice() interface{} {
	m := make(map[int64]int64)
	fillSlice(m)
	return m
}

//go:noinline
func replicaSet() interface{} {
	m := make(map[int64]bool)
	fillSet(m)
	return m
}

//go:noinline
func replicaSmall() interface{} {
	ms := make([]map[int64]int64, nSmall)
	for i := range ms {
		m := make(map[int64]int64)
		fillSmall(m, i)
		ms[i] = m
	}
	return ms
}

// The changed structures.

//go:noinline
func altRebuild() interface{} {
	n := make(map[int64]int64, len(rebuildMap))
	for k, v := range rebuildMap {
		n[k] = v
	}
	return n
}

//go:noinline
func altSlice() interface{} {
	s := make([]int64, nSlice)
	for k := range s {
		s[k] = int64(k) * 3
	}
	return s
}

//go:noinline
func altSet() interface{} {
	m := make(map[int64]struct{})
	for i := 0; i < nSet; i++ {
		m[key(saltSet, i)] = struct{}{}
	}
	return m
}

//go:noinline
func altSmall() interface{} {
	ps := make([][]pair, nSmall)
	for i := range ps {
		p := make([]pair, smallLen)
		for j := range p {
			p[j] = pair{key(saltSmallK, i*smallLen+j), int64(i + j)}
		}
		ps[i] = p
	}
	return ps
}

// heapBytes: the live heap bytes build's result holds, the median of 3 tries.
func heapBytes(build func() interface{}) int64 {
	var tries [3]int64
	for t := range tries {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		x := build()
		runtime.GC()
		runtime.ReadMemStats(&b)
		runtime.KeepAlive(x)
		tries[t] = int64(b.HeapAlloc) - int64(a.HeapAlloc)
	}
	sort.Slice(tries[:], func(i, j int) bool { return tries[i] < tries[j] })
	return tries[1]
}

// saves: what replacing what replica builds by what alt builds saves, in bytes.
func saves(replica, alt func() interface{}) int64 {
	return heapBytes(replica) - heapBytes(alt)
}

func main() {
	presizeMap = buildPresize()
	rebuildMap = buildRebuild()
	sliceMap = buildSlice()
	setMap = buildSet()
	smallMaps = buildSmall()
	noneMap = buildNone()
	reuseMap = buildReuse()

	savesRebuild := saves(replicaRebuild, altRebuild)
	savesSlice := saves(replicaSlice, altSlice)
	savesSet := saves(replicaSet, altSet)
	savesSmall := saves(replicaSmall, altSmall)
	runtime.GC()

	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	fmt.Fprintf(w, "map presize %p %d %d\n", presizeMap, len(presizeMap), 0)
	fmt.Fprintf(w, "map rebuild %p %d %d\n", rebuildMap, len(rebuildMap), savesRebuild)
	fmt.Fprintf(w, "map slice %p %d %d\n", sliceMap, len(sliceMap), savesSlice)
	fmt.Fprintf(w, "map set %p %d %d\n", setMap, len(setMap), savesSet)
	fmt.Fprintf(w, "map none %p %d %d\n", noneMap, len(noneMap), 0)
	fmt.Fprintf(w, "map reuse %p %d %d\n", reuseMap, len(reuseMap), 0)
	for _, m := range smallMaps {
		fmt.Fprintf(w, "map small %p %d %d\n", m, len(m), 0)
	}
	fmt.Fprintf(w, "site small %d %d\n", len(smallMaps), savesSmall)
	fmt.Fprintf(w, "ready\n")
	w.Flush()
	go use()
	go reuse()
	bufio.NewReader(os.Stdin).ReadString('\n')
}

//go:noinline
func buildReuse() map[int64]int64 {
	m := make(map[int64]int64, nReuse)
	fillReuse(m)
	return m
}

func fillReuse(m map[int64]int64) {
	for i := 0; i < nReuse; i++ {
		m[key(saltReuse, i)] = int64(i)
	}
}

// reuse empties reuseMap and fills it again, 150 ms each way, for ever (only this goroutine
// touches it).
//
//go:noinline
func reuse() {
	for {
		for k := range reuseMap {
			delete(reuseMap, k)
		}
		time.Sleep(150 * time.Millisecond)
		fillReuse(reuseMap)
		time.Sleep(150 * time.Millisecond)
	}
}

var sink int64

//go:noinline
func use() {
	for i := int64(0); ; i++ {
		v := presizeMap[i] + rebuildMap[i] + sliceMap[i%nSlice] + noneMap[i] +
			smallMaps[i%nSmall][i%3]
		if setMap[i] {
			v++
		}
		sink += v
		time.Sleep(time.Millisecond)
	}
}
