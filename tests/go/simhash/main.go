// simhash prints the key material of its own process (useAeshash, aeskeysched, hashkey) and the
// hashes its runtime computes for a fixed set of keys and seeds, calling the very hasher a map of
// each key type uses (read from the map type). mapscope's simulator must reproduce every line.
//
// Output lines:
//
//	useaes 0|1
//	aeskeysched <256 hex digits>
//	hashkey <hex> <hex> <hex> <hex>
//	<kind> <seed hex> <key bytes hex, "-" if empty> <hash hex>
//
// kind is int32, int64, str or struct16. Run with GODEBUG=cpu.aes=off for the fallback hash.
package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"math/rand"
	"os"
	"unsafe"
)

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

type hasher func(unsafe.Pointer, uintptr) uintptr

// hasherOf returns the hash function of m's map type: the Hasher field at offset 72 of
// runtime.maptype (1.19), abi.MapType (1.21+) and abi.SwissMapType (1.24).
func hasherOf(m any) hasher {
	t := (*eface)(unsafe.Pointer(&m)).typ
	return *(*hasher)(unsafe.Add(t, 72))
}

// symbol reads size bytes at the address of the first of names found in our own symbol table
// (the test binaries are built without -s and without PIE, so addresses are absolute).
func symbol(f *elf.File, size int, names ...string) []byte {
	syms, err := f.Symbols()
	if err != nil {
		fmt.Fprintln(os.Stderr, "simhash:", err)
		os.Exit(1)
	}
	for _, n := range names {
		for _, s := range syms {
			if s.Name == n {
				p := unsafe.Pointer(uintptr(s.Value))
				return append([]byte(nil), unsafe.Slice((*byte)(p), size)...)
			}
		}
	}
	fmt.Fprintln(os.Stderr, "simhash: no symbol", names)
	os.Exit(1)
	return nil
}

func hexb(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return fmt.Sprintf("%x", b)
}

func main() {
	exe, err := os.Executable()
	if err == nil {
		var f *elf.File
		if f, err = elf.Open(exe); err == nil {
			w := bufio.NewWriter(os.Stdout)
			defer w.Flush()
			run(w, f)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "simhash:", err)
	os.Exit(1)
}

func run(w *bufio.Writer, f *elf.File) {
	useaes := symbol(f, 1, "runtime.useAeshash", "internal/runtime/maps.UseAeshash")
	ks := symbol(f, 128, "runtime.aeskeysched", "internal/runtime/maps.aeskeysched")
	hk := symbol(f, 32, "runtime.hashkey", "internal/runtime/maps.hashkey")
	fmt.Fprintf(w, "useaes %d\naeskeysched %x\nhashkey", useaes[0], ks)
	for i := 0; i < 4; i++ {
		fmt.Fprintf(w, " %x", *(*uint64)(unsafe.Pointer(&hk[8*i])))
	}
	fmt.Fprintln(w)

	h32 := hasherOf(map[int32]int{})
	h64 := hasherOf(map[int64]int{})
	hstr := hasherOf(map[string]int{})
	h128 := hasherOf(map[[2]uint64]int{})
	r := rand.New(rand.NewSource(1))
	seed := func(i int) uintptr {
		if i%2 == 0 {
			return uintptr(r.Uint32()) // classic maps: hash0 is 32 bits
		}
		return uintptr(r.Uint64())
	}
	out := func(kind string, s uintptr, key []byte, h uintptr) {
		fmt.Fprintf(w, "%s %x %s %x\n", kind, s, hexb(key), h)
	}
	for i := 0; i < 24; i++ {
		k := int32(r.Uint32())
		if i < 3 {
			k = int32(i - 1)
		}
		s := seed(i)
		out("int32", s, unsafe.Slice((*byte)(unsafe.Pointer(&k)), 4), h32(unsafe.Pointer(&k), s))
	}
	for i := 0; i < 24; i++ {
		k := int64(r.Uint64())
		if i < 3 {
			k = int64(i - 1)
		}
		s := seed(i)
		out("int64", s, unsafe.Slice((*byte)(unsafe.Pointer(&k)), 8), h64(unsafe.Pointer(&k), s))
	}
	lens := []int{}
	for n := 0; n <= 140; n++ {
		lens = append(lens, n)
	}
	lens = append(lens, 200, 255, 256, 257, 300, 384, 385, 600, 1000)
	for i, n := range lens {
		b := make([]byte, n)
		r.Read(b)
		if i%5 == 0 {
			b = []byte(fmt.Sprintf("user:%d", i*7919))
		}
		str := string(b)
		s := seed(i)
		out("str", s, b, hstr(unsafe.Pointer(&str), s))
	}
	for i := 0; i < 24; i++ {
		k := [2]uint64{r.Uint64(), r.Uint64()}
		s := seed(i)
		out("struct16", s, unsafe.Slice((*byte)(unsafe.Pointer(&k)), 16), h128(unsafe.Pointer(&k), s))
	}
}
