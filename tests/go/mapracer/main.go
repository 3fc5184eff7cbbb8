// mapracer: two goroutines write one map at once, in the functions main.writerA and
// main.writerB (main.writerABrief and main.writerBBrief in brief mode). It prints what mapscope must report:
//
//	map ADDR              the map's header address, as %p prints it
//	writer FUNC GOID      the goroutine id that runs each writer function (main.FUNC)
//
// Modes:
//
//	mapracer crash    both write a map[int64]int without pause until the runtime kills the
//	                  program with "fatal error: concurrent map writes" (it prints "survived"
//	                  and exits 0 if that has not happened within 60 s)
//	mapracer brief [ROUNDS [FRAC [gate]]]
//	                  rounds of one write each on a map[any]int: writerABrief overwrites a long
//	                  string key (the runtime holds the map's writing flag while it compares the
//	                  strings), and writerBBrief writes once as soon as it sees that flag set.
//	                  Under per-write probes, writerBBrief's write then starts inside
//	                  writerABrief's, but its own check of the flag comes about one probe later:
//	                  if writerABrief has finished by then, the runtime does not catch the race.
//	                  Where that gap lies is not known here, so the compared string grows from
//	                  1 KiB by steps of 1.4x (ROUNDS rounds each, default 5) up to the size whose
//	                  compare takes FRAC (default 0.2) of one write as measured first. Prints
//	                  "survived" at the end (not reached if the runtime caught it). With gate,
//	                  it starts (and prints) only at a line "go" on standard input, and after
//	                  "survived" waits for the end of standard input (for a live viewer).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

func goid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	id, _ := strconv.ParseInt(f[1], 10, 64)
	return id
}

var (
	m64   = map[int64]int{}
	start = make(chan struct{})
	ready sync.WaitGroup
)

//go:noinline
func writerA(i int) { m64[int64(i&1023)] = i }

//go:noinline
func writerB(i int) { m64[int64(i&1023)+1] = i }

func crash() {
	fmt.Printf("map %p\n", m64)
	ready.Add(2)
	for _, w := range []struct {
		name string
		fn   func(int)
	}{{"writerA", writerA}, {"writerB", writerB}} {
		go func(name string, fn func(int)) {
			fmt.Printf("writer %s %d\n", name, goid())
			ready.Done()
			<-start
			for i := 0; ; i++ {
				fn(i)
			}
		}(w.name, w.fn)
	}
	ready.Wait()
	close(start)
	time.Sleep(60 * time.Second)
	fmt.Println("survived")
}

var (
	many = map[any]int{}
)

//go:noinline
func writerABrief(k any, r int) { many[k] = r }

//go:noinline
func writerBBrief(r int) { many[-1] = r } // one key: no growth

// writingFlag: the byte the runtime sets while a write to the map runs (classic hmap.flags bit
// 4; Swiss maps.Map.writing, bit 0), read from this process's own map header.
func writingFlag(mp unsafe.Pointer) (*uint8, uint8) {
	v := runtime.Version()
	minor := 0
	if strings.HasPrefix(v, "go1.") {
		minor, _ = strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "go1."), ".", 2)[0])
	}
	if minor >= 24 {
		return (*uint8)(unsafe.Add(mp, 34)), 1
	}
	return (*uint8)(unsafe.Add(mp, 8)), 4
}

func perWrite() time.Duration {
	p := map[any]int{}
	const n = 20000
	t := time.Now()
	for i := 0; i < n; i++ {
		p[i&7] = i
	}
	return time.Since(t) / n
}

func perCompare(size int) time.Duration {
	a := any(strings.Repeat("k", size))
	b := any(string([]byte(strings.Repeat("k", size))))
	const n = 2000
	same := 0
	t := time.Now()
	for i := 0; i < n; i++ {
		if a == b {
			same++
		}
	}
	if same != n {
		panic("compare")
	}
	return time.Since(t) / n
}

// brief: the string compared while writerA holds the flag grows from 1 KiB by steps of 1.4x,
// rounds times each, up to the size whose compare takes frac of one write: where the window
// between writerB's probe and its own check lies is not known here, so the rounds sweep it.
func brief(rounds int, frac float64, gate bool) {
	// The calibration below measures the writes as probed: a tracer attaches before "go".
	in := bufio.NewScanner(os.Stdin)
	if gate {
		for in.Scan() && strings.TrimSpace(in.Text()) != "go" {
		}
	}
	w := perWrite()
	var sizes []int
	for size := 1024.0; size < 1<<24; size *= 1.4 {
		sizes = append(sizes, int(size))
		if float64(perCompare(int(size))) >= frac*float64(w) {
			break
		}
	}
	keys := make([]any, len(sizes))
	for i, size := range sizes {
		stored := strings.Repeat("k", size)
		many[stored] = 0
		keys[i] = string([]byte(stored)) // equal, another array: every byte is compared
	}
	hdr := *(*unsafe.Pointer)(unsafe.Pointer(&many))
	flag, bit := writingFlag(hdr)
	// The byte read atomically, as part of its aligned 32-bit word: writerA sets it meanwhile.
	word := (*uint32)(unsafe.Pointer(uintptr(unsafe.Pointer(flag)) &^ 3))
	shift := 8 * (uintptr(unsafe.Pointer(flag)) & 3)
	fmt.Printf("map %p\n", many)
	fmt.Printf("calibration write_ns %d key_bytes %d..%d\n", w.Nanoseconds(), sizes[0],
		sizes[len(sizes)-1])
	ids := make(chan string, 2)
	goA, goB := make(chan int), make(chan int)
	var wg sync.WaitGroup
	go func() {
		ids <- fmt.Sprintf("writer writerABrief %d", goid())
		for r := range goA {
			time.Sleep(100 * time.Microsecond) // writerB is watching the flag by now
			writerABrief(keys[(r-1)/rounds%len(keys)], r)
			wg.Done()
		}
	}()
	go func() {
		ids <- fmt.Sprintf("writer writerBBrief %d", goid())
		for r := range goB {
			deadline := time.Now().Add(20 * time.Millisecond)
			for i := 0; ; i++ {
				if atomic.LoadUint32(word)>>shift&uint32(bit) != 0 {
					writerBBrief(r)
					break
				}
				if i&1023 == 0 && time.Now().After(deadline) {
					break
				}
			}
			wg.Done()
		}
	}()
	fmt.Println(<-ids)
	fmt.Println(<-ids)
	for r := 1; r <= rounds*len(keys); r++ {
		wg.Add(2)
		goB <- r
		goA <- r
		wg.Wait()
	}
	fmt.Println("survived")
	if gate {
		for in.Scan() {
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mapracer crash | brief [ROUNDS [FRACTION [gate]]]")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(4)
	switch os.Args[1] {
	case "crash":
		crash()
	case "brief":
		rounds, frac := 5, 0.2
		if len(os.Args) > 2 {
			rounds, _ = strconv.Atoi(os.Args[2])
		}
		if len(os.Args) > 3 {
			frac, _ = strconv.ParseFloat(os.Args[3], 64)
		}
		brief(rounds, frac, len(os.Args) > 4 && os.Args[4] == "gate")
	default:
		fmt.Fprintln(os.Stderr, "usage: mapracer crash | brief [ROUNDS [FRACTION [gate]]]")
		os.Exit(2)
	}
}
