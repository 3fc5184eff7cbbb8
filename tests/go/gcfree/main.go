// gcfree creates heap maps, lets the garbage collector free some of them and keeps the others,
// printing its own truth:
//
//	truth NAME ADDR LEN    every map, once filled (ADDR is fmt.Sprintf("%p", m))
//	freed NAME             the program has dropped its only reference to NAME
//	collected              runtime.GC has run (and swept) after the drops
//	done                   at exit
//
// It reads every map for a while (so a tracer sees them alive), drops the references to the
// "free*" maps, runs runtime.GC a few times and allocates a little (in another size class than
// map headers, so the freed headers' slots are not handed out again), then keeps reading the
// "keep*" maps for HOLD seconds (argument 1, default 2) before printing "done".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

type pair struct{ a, b int32 }

// Package-level, so every map escapes to the heap and stays reachable until dropped.
var (
	keepInt   map[int64]int
	keepStr   map[string]int
	keepSmall map[int32]bool
	freeInt   map[int64]int
	freeStr   map[string]string
	freeSmall map[uint16]int
	freePair  map[pair]int
	sink      int
	ballast   [][]byte
)

//go:noinline
func build() {
	keepInt = make(map[int64]int)
	for i := int64(0); i < 300; i++ {
		keepInt[i] = int(i)
	}
	keepStr = make(map[string]int)
	for i := 0; i < 40; i++ {
		keepStr["k"+strconv.Itoa(i)] = i
	}
	keepSmall = make(map[int32]bool)
	keepSmall[1], keepSmall[2], keepSmall[3] = true, false, true
	freeInt = make(map[int64]int, 100)
	for i := int64(0); i < 200; i++ {
		freeInt[i] = int(i)
	}
	freeStr = make(map[string]string)
	for i := 0; i < 20; i++ {
		freeStr["s"+strconv.Itoa(i)] = "v"
	}
	freeSmall = make(map[uint16]int)
	for i := uint16(0); i < 5; i++ {
		freeSmall[i] = int(i)
	}
	freePair = make(map[pair]int)
	for i := int32(0); i < 12; i++ {
		freePair[pair{i, -i}] = 1
	}
}

//go:noinline
func truths() {
	fmt.Printf("truth keepInt %p %d\n", keepInt, len(keepInt))
	fmt.Printf("truth keepStr %p %d\n", keepStr, len(keepStr))
	fmt.Printf("truth keepSmall %p %d\n", keepSmall, len(keepSmall))
	fmt.Printf("truth freeInt %p %d\n", freeInt, len(freeInt))
	fmt.Printf("truth freeStr %p %d\n", freeStr, len(freeStr))
	fmt.Printf("truth freeSmall %p %d\n", freeSmall, len(freeSmall))
	fmt.Printf("truth freePair %p %d\n", freePair, len(freePair))
}

//go:noinline
func readKept() {
	sink += keepInt[7] + keepStr["k3"] + cgoCalls()
	if keepSmall[1] {
		sink++
	}
}

//go:noinline
func readAll() {
	readKept()
	sink += freeInt[5] + len(freeStr["s1"]) + freeSmall[2] + freePair[pair{3, -3}]
}

//go:noinline
func drop() {
	for _, name := range []string{"freeInt", "freeStr", "freeSmall", "freePair"} {
		fmt.Printf("freed %s\n", name)
	}
	freeInt, freeStr, freeSmall, freePair = nil, nil, nil, nil
}

func main() {
	hold := 2 * time.Second
	if len(os.Args) > 1 {
		if s, err := strconv.ParseFloat(os.Args[1], 64); err == nil {
			hold = time.Duration(s * float64(time.Second))
		}
	}
	build()
	truths()
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		readAll()
	}
	drop()
	for i := 0; i < 3; i++ {
		runtime.GC()
		// 4 KiB objects: a size class of their own, far from map headers'.
		for j := 0; j < 64; j++ {
			ballast = append(ballast, make([]byte, 4096))
		}
	}
	ballast = nil
	runtime.GC()
	fmt.Println("collected")
	for end := time.Now().Add(hold); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		readKept()
		keepInt[7] = 7 // a write that keeps len: the map stays in use
	}
	fmt.Println("done")
}
