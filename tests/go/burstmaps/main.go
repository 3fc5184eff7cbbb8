// burstmaps models a bursty service: it builds six maps, each held by a package-level variable
// (so that only a heap scan, not a call seen in a discovery window, can find the idle ones),
// then does one short burst of map work a second on three of them and sleeps in between.
// It prints its own truth:
//
//	truth NAME ADDR LEN CAPACITY TYPE    every map once built, and again after each burst
//	ready                                once, after the first six truth lines
//	burst N                              after the six truth lines that follow burst N (from 1)
//	checksum X                           at the end (what the bursts read and wrote), then
//	done
//
// ADDR is the map's header address as fmt's %p prints a map, LEN is len(m), CAPACITY is read
// through unsafe as tests/go/inventory does: 8<<B for a classic map; for a Swiss map the sum of
// its tables' capacities, or 8 for a small map. TYPE is fmt's %T of the map, spaces removed.
//
// The maps (their names in the truth lines are the variables'):
//
//	idle     map[int64]int64, 5000 entries, never touched after the build
//	readm    map[string]int, 3000 entries ("k0".."k2999"), 100,000 reads a burst
//	writem   map[int64]int64, 4000 entries, 500,000 writes a burst to keys it holds (len stays)
//	churn    map[int32]string, 2000 entries, 100,000 deletes of its oldest key each followed by
//	         an insert of a new one a burst (len stays; a Swiss map's capacity may change)
//	small    map[string]int, 5 entries, never touched again
//	structs  map[pair]*Item, 1500 entries, never touched again
//
// It runs until killed, or for SECONDS (argument 1) and then prints "checksum" and "done" and
// exits 0. Every line is written unbuffered, each block of truth lines in one write.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type pair struct{ a, b int64 }

type Item struct {
	Name string
	N    int
}

// Package-level, so every map escapes to the heap and stays reachable for the whole run.
var (
	idle    map[int64]int64
	readm   map[string]int
	writem  map[int64]int64
	churn   map[int32]string
	small   map[string]int
	structs map[pair]*Item

	readKeys  []string
	churnVals [16]string
	churnOld  int32 // the oldest key in churn
	churnNext int32 // the next key to insert into churn
	checksum  uint64
)

const (
	readsPerBurst  = 100000
	writesPerBurst = 500000
	churnPerBurst  = 100000
)

// capacity reads the runtime's own structures (GO-MAP-INTERNALS.md §1.2, §1.3), as
// tests/go/inventory does.
func capacity(h uintptr) uint64 {
	if !swiss() {
		b := *(*uint8)(unsafe.Pointer(h + 9))
		return 8 << b
	}
	dirLen := *(*int)(unsafe.Pointer(h + 24))
	if dirLen == 0 {
		return 8
	}
	dir := *(*unsafe.Pointer)(unsafe.Pointer(h + 16))
	var sum uint64
	var last uintptr
	for i := 0; i < dirLen; i++ {
		t := *(*uintptr)(unsafe.Pointer(uintptr(dir) + uintptr(i)*8))
		if t == last {
			continue
		}
		last = t
		sum += uint64(*(*uint16)(unsafe.Pointer(t + 2)))
	}
	return sum
}

func swiss() bool {
	v := runtime.Version()
	minor, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "go1."), ".", 2)[0])
	return minor >= 24 && !strings.Contains(v, "noswissmap")
}

// truth appends one truth line: m is the map, hp the address of the variable that holds it.
func truth(b *strings.Builder, name string, m interface{}, hp unsafe.Pointer, n int) {
	h := *(*uintptr)(hp)
	addr := fmt.Sprintf("%p", m)
	if addr != fmt.Sprintf("0x%x", h) {
		panic(fmt.Sprintf("%s: header address 0x%x differs from %%p %s", name, h, addr))
	}
	typ := strings.ReplaceAll(fmt.Sprintf("%T", m), " ", "")
	fmt.Fprintf(b, "truth %s %s %d %d %s\n", name, addr, n, capacity(h), typ)
}

// truths writes the six truth lines and then extra (if any) in one write.
//
//go:noinline
func truths(extra string) {
	var b strings.Builder
	truth(&b, "idle", idle, unsafe.Pointer(&idle), len(idle))
	truth(&b, "readm", readm, unsafe.Pointer(&readm), len(readm))
	truth(&b, "writem", writem, unsafe.Pointer(&writem), len(writem))
	truth(&b, "churn", churn, unsafe.Pointer(&churn), len(churn))
	truth(&b, "small", small, unsafe.Pointer(&small), len(small))
	truth(&b, "structs", structs, unsafe.Pointer(&structs), len(structs))
	b.WriteString(extra)
	say(b.String())
}

// say writes s to standard output at once (os.Stdout is unbuffered).
func say(s string) {
	if _, err := os.Stdout.WriteString(s); err != nil {
		os.Exit(1)
	}
}

//go:noinline
func build() {
	idle = make(map[int64]int64)
	for i := int64(0); i < 5000; i++ {
		idle[i] = i * 3
	}
	readm = make(map[string]int)
	readKeys = make([]string, 3000)
	for i := 0; i < 3000; i++ {
		readKeys[i] = "k" + strconv.Itoa(i)
		readm[readKeys[i]] = i
	}
	writem = make(map[int64]int64)
	for i := int64(0); i < 4000; i++ {
		writem[i] = i
	}
	for i := range churnVals {
		churnVals[i] = "v" + strconv.Itoa(i)
	}
	churn = make(map[int32]string)
	for churnNext = 0; churnNext < 2000; churnNext++ {
		churn[churnNext] = churnVals[churnNext&15]
	}
	small = make(map[string]int)
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		small[k] = i
	}
	structs = make(map[pair]*Item)
	for i := int64(0); i < 1500; i++ {
		structs[pair{i, -i}] = &Item{Name: "item" + strconv.FormatInt(i, 10), N: int(i)}
	}
}

// burst is one burst of map work on readm, writem and churn; its results go into checksum.
//
//go:noinline
func burst(n int) {
	var sum uint64
	for i := 0; i < readsPerBurst; i++ {
		sum += uint64(readm[readKeys[(i*7+n)%len(readKeys)]])
	}
	for i := 0; i < writesPerBurst; i++ {
		writem[int64(i%4000)] = int64(i) ^ int64(n)
	}
	for i := 0; i < churnPerBurst; i++ {
		delete(churn, churnOld)
		churnOld++
		churn[churnNext] = churnVals[churnNext&15]
		churnNext++
	}
	sum += uint64(writem[int64(n%4000)]) + uint64(len(churn[churnNext-1]))
	checksum = checksum*31 + sum
}

func main() {
	var end time.Time
	if len(os.Args) > 1 {
		s, err := strconv.ParseFloat(os.Args[1], 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "burstmaps: bad SECONDS %q\n", os.Args[1])
			os.Exit(2)
		}
		end = time.Now().Add(time.Duration(s * float64(time.Second)))
	}
	build()
	checksum = uint64(cgoCalls())
	truths("ready\n")
	start := time.Now()
	for n := 1; ; n++ {
		next := start.Add(time.Duration(n) * time.Second)
		if !end.IsZero() && next.After(end) {
			time.Sleep(time.Until(end))
			break
		}
		time.Sleep(time.Until(next))
		burst(n)
		truths("burst " + strconv.Itoa(n) + "\n")
	}
	say(fmt.Sprintf("checksum %d\ndone\n", checksum))
}
