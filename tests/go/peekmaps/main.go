// peekmaps builds maps whose entries satisfy a known relation between key and value, for
// mapscope peek to sample, and prints for each
//
//	map NAME ADDR LEN GROWING
//
// ADDR is the map's header address (what %p prints), GROWING is 1 when a classic map is caught
// in the middle of a growth (h.oldbuckets != nil, read through unsafe), else 0. The relations:
//
//	ints     map[int64]int64        k in [0, 5000):  v = k*k + 7
//	strings  map[string]int         "key:N", N in [0, 3000): v = N
//	structs  map[int64]point        k in [0, 2000):  v = point{X: k, Y: 2k+1} (16 bytes)
//	growing  map[int64]int64        k in [0, len):   v = 3k + 1; classic: stopped just after a
//	                                growth started, so most old buckets are not evacuated
//	small    map[int64]int64        k in [0, 5):     v = 100 + k (Swiss: a small map, one group)
//	bigelem  map[int64][136]byte    k in [0, 500):   v[0:8] = k little-endian (elem indirect)
//	bigkey   map[[136]byte]int64    k[0:8] = i, i in [0, 500): v = i (key indirect)
//
// Then it prints "ready" and keeps reading every map (so that a tracer sees them in use) until
// a line "stop" on standard input; it prints "done" and exits. Nothing writes a map after "ready".
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type point struct{ X, Y int64 }

func swiss() bool {
	v := runtime.Version()
	minor, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "go1."), ".", 2)[0])
	return minor >= 24 && !strings.Contains(v, "noswissmap")
}

// header is the map's header address: a map value is a pointer to it.
func header(m unsafe.Pointer) uintptr { return *(*uintptr)(m) }

// growing reads hmap.oldbuckets (GO-MAP-INTERNALS.md §1.2).
func growing(h uintptr) bool {
	if swiss() {
		return false
	}
	return *(*uintptr)(unsafe.Pointer(h + 24)) != 0
}

func show(name string, h uintptr, n int) {
	g := 0
	if growing(h) {
		g = 1
	}
	fmt.Printf("map %s 0x%x %d %d\n", name, h, n, g)
}

var sink int64

func main() {
	ints := make(map[int64]int64)
	for k := int64(0); k < 5000; k++ {
		ints[k] = k*k + 7
	}
	strs := make(map[string]int)
	for n := 0; n < 3000; n++ {
		strs["key:"+strconv.Itoa(n)] = n
	}
	structs := make(map[int64]point)
	for k := int64(0); k < 2000; k++ {
		structs[k] = point{k, 2*k + 1}
	}
	// Fill past 3000 entries, then stop at the first insert that starts a growth: that
	// insert and growWork evacuated at most two old buckets, the rest hold their entries.
	grow := make(map[int64]int64)
	gh := func() uintptr { return header(unsafe.Pointer(&grow)) }
	for k := int64(0); ; k++ {
		grow[k] = 3*k + 1
		if swiss() && k >= 3999 {
			break
		}
		if !swiss() && k >= 3000 && growing(gh()) {
			break
		}
	}
	small := make(map[int64]int64)
	for k := int64(0); k < 5; k++ {
		small[k] = 100 + k
	}
	bigelem := make(map[int64][136]byte)
	bigkey := make(map[[136]byte]int64)
	for i := int64(0); i < 500; i++ {
		var b [136]byte
		binary.LittleEndian.PutUint64(b[:8], uint64(i))
		bigelem[i] = b
		bigkey[b] = i
	}
	show("ints", header(unsafe.Pointer(&ints)), len(ints))
	show("strings", header(unsafe.Pointer(&strs)), len(strs))
	show("structs", header(unsafe.Pointer(&structs)), len(structs))
	show("growing", gh(), len(grow))
	show("small", header(unsafe.Pointer(&small)), len(small))
	show("bigelem", header(unsafe.Pointer(&bigelem)), len(bigelem))
	show("bigkey", header(unsafe.Pointer(&bigkey)), len(bigkey))
	if fmt.Sprintf("%p", ints) != fmt.Sprintf("0x%x", header(unsafe.Pointer(&ints))) {
		panic("header address differs from %p")
	}
	fmt.Println("ready")

	stopped := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "stop" {
				close(stopped)
				return
			}
		}
	}()
	var kb [136]byte
	for i := int64(0); ; i++ {
		select {
		case <-stopped:
			fmt.Println("done")
			return
		default:
		}
		// Reads only: a read never evacuates, so the growing map stays mid-growth.
		sink += ints[i%5000] + int64(strs["key:1"]) + structs[i%2000].Y + grow[i%1000] +
			small[i%5] + int64(bigelem[i%500][0]) + bigkey[kb]
		time.Sleep(2 * time.Millisecond)
	}
}
