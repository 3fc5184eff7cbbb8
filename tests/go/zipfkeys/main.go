// zipfkeys writes keys with a Zipf distribution (fixed seed) into four maps, one per
// runtime.mapassign variant, and prints its exact per-key write counts:
//
//	truth NAME ADDR            ADDR is the map's header address, as %p prints it
//	count NAME KEY N           the TOP most written keys of each map, heaviest first
//
// KEY is printed as mapscope prints it: %v for integers and strings, hex bytes (in memory
// order) for the struct keys. The maps:
//
//	i32  map[int32]int   mapassign_fast32; each key is an int32 converted from a 64-bit value
//	                     whose upper half is random, so the register holding it has junk there
//	i64  map[int64]int   mapassign_fast64
//	str  map[string]int  mapassign_faststr ("user:N")
//	pair map[pair]int    mapassign (a 16-byte struct key)
//
// Modes:
//
//	zipfkeys n N       N writes per map, then the counts and "elapsed_ns NS", the time
//	                   the writes took
//	zipfkeys reads N   N writes per map, then N reads per map; the counts are of the reads
//	zipfkeys del N     N writes per map, then 100 deletes from each ("deletes 100")
//	zipfkeys dur S     writes for S seconds, then the counts
//	zipfkeys dur S wait  the same, then waits for the end of standard input before exiting
//	                   (its maps stay alive, untouched, for an exporter to report)
//	zipfkeys work S N [wait]  as dur, with N rounds of arithmetic after each step: a program
//	                   that does other work between its writes, as services do
//	zipfkeys hold      prints the truth lines first, writes until a line "stop" on standard
//	                   input, then prints the counts and "done"
//	zipfkeys hold gate the same, but starts writing only at a line "go", and after "done"
//	                   waits for the end of standard input (its maps stay alive for a viewer)
//	zipfkeys rate      writes until the end of standard input, printing every 100 ms
//	                   "rate UNIX_NS STEPS CPU_NS" (cumulative), for bench/hotkeys-budget
//
// ZIPF_KEYS=N in the environment draws the keys from N (default 10000) and writes each of them
// once in the first N steps, so that every map holds exactly N distinct keys after them.
//
// After the truth lines, "goid N": the goroutine that makes every write. Every mode ends with
// "writes N" (steps: one write to each map) and "cpu_ns NS", the CPU time
// the process used (the probes' time in the kernel included), for bench/hotkeys-budget.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const top = 30

var nkeys, allFirst = keysFromEnv()

// keysFromEnv reads ZIPF_KEYS from /proc/self/environ: os.Getenv would fill the syscall
// package's map[string]int of the environment, writes that export counts with this program's own
// map[string]int.
func keysFromEnv() (int, bool) {
	env, _ := os.ReadFile("/proc/self/environ")
	for _, kv := range strings.Split(string(env), "\x00") {
		if strings.HasPrefix(kv, "ZIPF_KEYS=") {
			if n, err := strconv.Atoi(kv[len("ZIPF_KEYS="):]); err == nil && n > 0 {
				return n, true
			}
		}
	}
	return 10000, false
}

type pair struct{ a, b int64 }

var (
	m32   = map[int32]int{}
	m64   = map[int64]int{}
	mstr  = map[string]int{}
	mpair = map[pair]int{}

	strs    = make([]string, nkeys)
	elapsed time.Duration // of the writes in mode n (bench/hotkeys-cost)
	counts  [4][]int64
	names   = [4]string{"i32", "i64", "str", "pair"}
)

func key32(z uint64) int32  { return int32(z) - 5 }
func key64(z uint64) int64  { return int64(z)*1000 - 3000 }
func keyPair(z uint64) pair { return pair{int64(z), -7 * int64(z)} }

func keyText(i int, z uint64) string {
	switch i {
	case 0:
		return strconv.Itoa(int(key32(z)))
	case 1:
		return strconv.FormatInt(key64(z), 10)
	case 2:
		return strs[z]
	}
	p := keyPair(z)
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(p.a))
	binary.LittleEndian.PutUint64(b[8:], uint64(p.b))
	return hex.EncodeToString(b[:])
}

//go:noinline
func write32(v uint64) { m32[int32(v)]++ }

type gen struct {
	z     [4]*rand.Zipf
	junk  *rand.Rand
	total int64
}

func newGen() *gen {
	g := &gen{junk: rand.New(rand.NewSource(99))}
	for i := range g.z {
		g.z[i] = rand.NewZipf(rand.New(rand.NewSource(int64(i+1))), 1.4, 1, uint64(nkeys-1))
	}
	return g
}

// next: the key index of map i's next write; every key once first under ZIPF_KEYS.
func (g *gen) next(i int) uint64 {
	if allFirst && g.total < int64(nkeys) {
		return uint64(g.total)
	}
	return g.z[i].Uint64()
}

func (g *gen) step() {
	z := g.next(0)
	// The low half is the key; the upper half is junk the fast32 path must ignore.
	write32(uint64(uint32(key32(z))) | g.junk.Uint64()<<32)
	counts[0][z]++
	z = g.next(1)
	m64[key64(z)]++
	counts[1][z]++
	z = g.next(2)
	mstr[strs[z]]++
	counts[2][z]++
	z = g.next(3)
	mpair[keyPair(z)]++
	counts[3][z]++
	g.total++
}

var sink int

// cpuNs: the CPU time the process has used, its probes' time in the kernel included.
func cpuNs() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// work does n rounds of a multiply-xorshift, kept live through sink.
func work(n int) {
	x := uint64(sink) | 1
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x *= 0x9e3779b97f4a7c15
	}
	sink += int(x & 1)
}

// read: one read of each map, counted like step's writes (mapaccess1_fast32, _fast64,
// _faststr and the generic mapaccess1).
func (g *gen) read() {
	z := g.z[0].Uint64()
	sink += read32(uint64(uint32(key32(z))) | g.junk.Uint64()<<32)
	counts[0][z]++
	z = g.z[1].Uint64()
	sink += m64[key64(z)]
	counts[1][z]++
	z = g.z[2].Uint64()
	sink += mstr[strs[z]]
	counts[2][z]++
	z = g.z[3].Uint64()
	sink += mpair[keyPair(z)]
	counts[3][z]++
}

//go:noinline
func read32(v uint64) int { return m32[int32(v)] }

func printTruth() {
	fmt.Printf("truth i32 %p\ntruth i64 %p\ntruth str %p\ntruth pair %p\n", m32, m64, mstr, mpair)
	buf := make([]byte, 64)
	fmt.Printf("goid %s\n", strings.Fields(string(buf[:runtime.Stack(buf, false)]))[1])
}

func printCounts() {
	for i := range counts {
		idx := make([]int, nkeys)
		for z := range idx {
			idx[z] = z
		}
		c := counts[i]
		sort.SliceStable(idx, func(a, b int) bool { return c[idx[a]] > c[idx[b]] })
		if len(idx) > top {
			idx = idx[:top]
		}
		for _, z := range idx {
			if c[z] > 0 {
				fmt.Printf("count %s %s %d\n", names[i], keyText(i, uint64(z)), c[z])
			}
		}
	}
}

func newCounts() {
	for i := range counts {
		counts[i] = make([]int64, nkeys)
	}
}

func main() {
	newCounts()
	for i := range strs {
		strs[i] = "user:" + strconv.Itoa(i)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: zipfkeys n N | reads N | del N | dur SECONDS | hold")
		os.Exit(2)
	}
	g := newGen()
	switch os.Args[1] {
	case "n":
		n, _ := strconv.Atoi(os.Args[2])
		t := time.Now()
		for i := 0; i < n; i++ {
			g.step()
		}
		elapsed = time.Since(t)
		printTruth()
	case "reads":
		// The maps filled by N steps of writes, then N Zipf reads of each map from other
		// generators; the counts printed are the reads'.
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			g.step()
		}
		newCounts()
		r := newGen()
		for i := range r.z {
			r.z[i] = rand.NewZipf(rand.New(rand.NewSource(int64(i+11))), 1.4, 1, uint64(nkeys-1))
		}
		for i := 0; i < n; i++ {
			r.read()
		}
		printTruth()
		fmt.Printf("sink %d\n", sink)
	case "del":
		// N steps of writes, then the keys of z = 0..99 deleted from every map (present or
		// not, each a runtime.mapdelete* call).
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			g.step()
		}
		for z := uint64(0); z < 100; z++ {
			delete(m32, key32(z))
			delete(m64, key64(z))
			delete(mstr, strs[z])
			delete(mpair, keyPair(z))
		}
		printTruth()
		fmt.Println("deletes 100")
	case "dur", "work":
		s, _ := strconv.ParseFloat(os.Args[2], 64)
		spin := 0
		if os.Args[1] == "work" {
			spin, _ = strconv.Atoi(os.Args[3])
		}
		end := time.Now().Add(time.Duration(s * float64(time.Second)))
		for time.Now().Before(end) {
			for i := 0; i < 256; i++ {
				g.step()
				work(spin)
			}
		}
		printTruth()
	case "rate":
		var stop int32
		go func() {
			io.Copy(io.Discard, os.Stdin)
			atomic.StoreInt32(&stop, 1)
		}()
		next := time.Now()
		for atomic.LoadInt32(&stop) == 0 {
			for i := 0; i < 256; i++ {
				g.step()
			}
			if now := time.Now(); now.After(next) {
				fmt.Printf("rate %d %d %d\n", now.UnixNano(), g.total, cpuNs())
				next = now.Add(100 * time.Millisecond)
			}
		}
		return
	case "hold":
		printTruth()
		var stop int32
		sc := bufio.NewScanner(os.Stdin)
		if len(os.Args) > 2 && os.Args[2] == "gate" {
			for sc.Scan() && strings.TrimSpace(sc.Text()) != "go" {
			}
		}
		go func() {
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == "stop" {
					atomic.StoreInt32(&stop, 1)
					return
				}
			}
		}()
		for atomic.LoadInt32(&stop) == 0 {
			for i := 0; i < 256; i++ {
				g.step()
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: zipfkeys n N | reads N | del N | dur SECONDS | hold")
		os.Exit(2)
	}
	fmt.Printf("writes %d\n", g.total)
	if ns := cpuNs(); ns > 0 {
		fmt.Printf("cpu_ns %d\n", ns)
	}
	if elapsed > 0 {
		fmt.Printf("elapsed_ns %d\n", elapsed.Nanoseconds())
	}
	printCounts()
	fmt.Println("done")
	if last := os.Args[len(os.Args)-1]; (os.Args[1] == "dur" || os.Args[1] == "work") &&
		last == "wait" || os.Args[1] == "hold" && last == "gate" {
		io.Copy(io.Discard, os.Stdin)
	}
}
