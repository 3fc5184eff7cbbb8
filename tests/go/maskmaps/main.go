// maskmaps holds maps whose types a heap scan cannot tell apart by the size of their bucket
// arrays, only by where the buckets hold pointers: map[string]int32 and map[int32]string have
// 176-byte buckets; map[int]string, map[pair]*Item and map[*Item]pair 208-byte ones;
// map[int64]*Item and map[*Item]int64 144-byte ones. (Not map[string]int: the Go 1.19 build
// also links a map[string]uint64, whose buckets have the same size and pointer mask: nothing in
// the heap tells those two apart.) Each is built small (one bucket) and large (2^B buckets, the
// overflow buckets makeBucketArray adds and the size class's rounding), held by a
// package-level variable and never touched again, so only the heap scan finds them, and on Go
// 1.19-1.21 only the GC's pointer bitmap of the bucket array types them.
//
// map[uint64][]*Item, map[uint64][]byte and map[uint64][]strs have the same 272-byte buckets
// and the same bucket pointer mask (a slice's data word): only the objects their values point
// at tell them apart, by their spans' noscan bit and, on 1.19-1.21, their pointer bits.
//
// It prints its own truth, then sleeps until killed or for SECONDS (argument 1):
//
//	truth NAME ADDR LEN CAPACITY TYPE    every map once built
//	ready                                after the last truth line
//
// ADDR is the header address as fmt's %p prints a map, CAPACITY 8<<B read through unsafe,
// TYPE fmt's %T of the map, spaces removed.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type pair struct{ a, b int64 }

type strs struct{ a, b string }

type Item struct {
	Name string
	N    int
}

const small, large = 5, 1000

var (
	strI32S, strI32L   map[string]int32
	i32StrS, i32StrL   map[int32]string
	intStrS, intStrL   map[int]string
	pairPtrS, pairPtrL map[pair]*Item
	ptrPairS, ptrPairL map[*Item]pair
	i64PtrS, i64PtrL   map[int64]*Item
	ptrI64S, ptrI64L   map[*Item]int64
	ptrsS, ptrsL       map[uint64][]*Item
	bytesS, bytesL     map[uint64][]byte
	strsS, strsL       map[uint64][]strs
	items              []*Item
)

func build(n int) (map[string]int32, map[int32]string, map[int]string, map[pair]*Item,
	map[*Item]pair, map[int64]*Item, map[*Item]int64) {
	s, t := make(map[string]int32), make(map[int32]string)
	b := make(map[int]string)
	c, d := make(map[pair]*Item), make(map[*Item]pair)
	e, f := make(map[int64]*Item), make(map[*Item]int64)
	for i := 0; i < n; i++ {
		it := items[i]
		s["k"+strconv.Itoa(i)] = int32(i)
		t[int32(i)] = "v" + strconv.Itoa(i)
		b[i] = "v" + strconv.Itoa(i)
		c[pair{int64(i), 1}] = it
		d[it] = pair{int64(i), 2}
		e[int64(i)] = it
		f[it] = int64(i)
	}
	return s, t, b, c, d, e, f
}

// buildSlices makes the maps whose values are slices, of 1-3 elements.
func buildSlices(n int) (map[uint64][]*Item, map[uint64][]byte, map[uint64][]strs) {
	p, b, s := make(map[uint64][]*Item), make(map[uint64][]byte), make(map[uint64][]strs)
	for i := 0; i < n; i++ {
		k, v := uint64(i)*7919, "v"+strconv.Itoa(i)
		for j := 0; j <= i%3; j++ {
			p[k] = append(p[k], items[i])
			b[k] = append(b[k], v...)
			s[k] = append(s[k], strs{v, v + "b"})
		}
	}
	return p, b, s
}

// truth appends one truth line: m is the map, hp the address of the variable holding it.
func truth(sb *strings.Builder, name string, m interface{}, hp unsafe.Pointer, n int) {
	h := *(*uintptr)(hp)
	addr := fmt.Sprintf("%p", m)
	if addr != fmt.Sprintf("0x%x", h) {
		panic(fmt.Sprintf("%s: header address 0x%x differs from %%p %s", name, h, addr))
	}
	b := *(*uint8)(unsafe.Pointer(h + 9))
	typ := strings.ReplaceAll(fmt.Sprintf("%T", m), " ", "")
	fmt.Fprintf(sb, "truth %s %s %d %d %s\n", name, addr, n, 8<<b, typ)
}

func main() {
	seconds := 60
	if len(os.Args) > 1 {
		seconds, _ = strconv.Atoi(os.Args[1])
	}
	for i := 0; i < large; i++ {
		items = append(items, &Item{Name: "item" + strconv.Itoa(i), N: i})
	}
	strI32S, i32StrS, intStrS, pairPtrS, ptrPairS, i64PtrS, ptrI64S = build(small)
	strI32L, i32StrL, intStrL, pairPtrL, ptrPairL, i64PtrL, ptrI64L = build(large)
	ptrsS, bytesS, strsS = buildSlices(small)
	ptrsL, bytesL, strsL = buildSlices(large)
	var sb strings.Builder
	truth(&sb, "strI32S", strI32S, unsafe.Pointer(&strI32S), small)
	truth(&sb, "strI32L", strI32L, unsafe.Pointer(&strI32L), large)
	truth(&sb, "i32StrS", i32StrS, unsafe.Pointer(&i32StrS), small)
	truth(&sb, "i32StrL", i32StrL, unsafe.Pointer(&i32StrL), large)
	truth(&sb, "intStrS", intStrS, unsafe.Pointer(&intStrS), small)
	truth(&sb, "intStrL", intStrL, unsafe.Pointer(&intStrL), large)
	truth(&sb, "pairPtrS", pairPtrS, unsafe.Pointer(&pairPtrS), small)
	truth(&sb, "pairPtrL", pairPtrL, unsafe.Pointer(&pairPtrL), large)
	truth(&sb, "ptrPairS", ptrPairS, unsafe.Pointer(&ptrPairS), small)
	truth(&sb, "ptrPairL", ptrPairL, unsafe.Pointer(&ptrPairL), large)
	truth(&sb, "i64PtrS", i64PtrS, unsafe.Pointer(&i64PtrS), small)
	truth(&sb, "i64PtrL", i64PtrL, unsafe.Pointer(&i64PtrL), large)
	truth(&sb, "ptrI64S", ptrI64S, unsafe.Pointer(&ptrI64S), small)
	truth(&sb, "ptrI64L", ptrI64L, unsafe.Pointer(&ptrI64L), large)
	truth(&sb, "ptrsS", ptrsS, unsafe.Pointer(&ptrsS), small)
	truth(&sb, "ptrsL", ptrsL, unsafe.Pointer(&ptrsL), large)
	truth(&sb, "bytesS", bytesS, unsafe.Pointer(&bytesS), small)
	truth(&sb, "bytesL", bytesL, unsafe.Pointer(&bytesL), large)
	truth(&sb, "strsS", strsS, unsafe.Pointer(&strsS), small)
	truth(&sb, "strsL", strsL, unsafe.Pointer(&strsL), large)
	sb.WriteString("ready\n")
	os.Stdout.WriteString(sb.String())
	time.Sleep(time.Duration(seconds) * time.Second)
}
