// safetymaps does deterministic work over many maps (inserts, deletes, growth, clears,
// replacements; int, string and struct keys) and prints what it computed, so that a run under a
// tracer can be compared line by line with an untraced run of the same work:
//
//	ready PID              once started (a tracer may attach from here on)
//	round N SUM LEN        after every 1000th round: a checksum of everything read so far and
//	                       the total len of the live maps
//	done ROUNDS SUM LEN    at the end
//
// Usage: safetymaps [ROUNDS [END]]
//
// ROUNDS > 0 runs exactly that many rounds. ROUNDS = 0 (the default) runs rounds until standard
// input reaches end of file (checked between rounds, with a millisecond's sleep after each so
// that the program stays busy without taking a whole CPU), so a test can keep it busy for as long as
// its tracing takes and then replay the same number of rounds untraced. END says what happens
// after the last round: "exit" (the default: prints done, exits 0), "exec" (prints done, then
// syscall.Exec's /bin/sh to print "execd" and sleep a second), "panic" (prints done, panics:
// exit status 2) or "segv" (prints done, writes through a nil pointer with the traceback set to
// "crash": the runtime aborts and the process dies by SIGABRT).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

type point struct{ x, y int32 }

const nmaps = 64

// The maps live in package variables so that they escape and stay reachable.
var (
	ints   [nmaps]map[int64]int64
	strs   [nmaps]map[string]int
	points [nmaps]map[point]uint32
	rng    uint64 = 0x9e3779b97f4a7c15
	sum    uint64
	nilp   *int
)

func next() uint64 {
	rng ^= rng << 13
	rng ^= rng >> 7
	rng ^= rng << 17
	return rng
}

func mix(v uint64) { sum = (sum ^ v) * 0x100000001b3 }

// round does one unit of work: some inserts, reads and deletes in a few maps, and now and then a
// clear, a fresh make (a creation), or a growth to a few thousand entries.
func round() {
	for op := 0; op < 100; op++ {
		r := next()
		i := int(r % nmaps)
		k := int64(r>>8) % 4096
		switch (r >> 40) % 16 {
		case 0, 1, 2, 3:
			ints[i][k] += int64(r >> 50)
		case 4, 5:
			mix(uint64(ints[i][k]))
		case 6:
			delete(ints[i], k)
		case 7, 8:
			strs[i]["k"+strconv.FormatInt(k%512, 10)]++
		case 9:
			v, ok := strs[i]["k"+strconv.FormatInt(k%512, 10)]
			if ok {
				mix(uint64(v))
			}
		case 10:
			delete(strs[i], "k"+strconv.FormatInt(k%512, 10))
		case 11:
			points[i][point{int32(k), int32(-k)}] = uint32(r)
		case 12:
			mix(uint64(points[i][point{int32(k), int32(-k)}]))
		case 13:
			if r>>52%64 == 0 {
				clear(ints[i])
				clear(strs[i])
			}
		case 14:
			if r>>52%64 == 0 {
				ints[i] = make(map[int64]int64)
				points[i] = make(map[point]uint32, int(r>>56)%32)
			}
		case 15:
			if r>>52%256 == 0 {
				for j := int64(0); j < 3000; j++ {
					ints[i][j] = j
				}
			}
		}
	}
}

func totalLen() int {
	n := 0
	for i := range ints {
		n += len(ints[i]) + len(strs[i]) + len(points[i])
	}
	return n
}

func main() {
	rounds, end := 0, "exit"
	if len(os.Args) > 1 {
		var err error
		if rounds, err = strconv.Atoi(os.Args[1]); err != nil || rounds < 0 {
			fmt.Fprintln(os.Stderr, "usage: safetymaps [ROUNDS [exit|exec|panic|segv]]")
			os.Exit(2)
		}
	}
	if len(os.Args) > 2 {
		end = os.Args[2]
	}
	for i := range ints {
		ints[i] = make(map[int64]int64)
		strs[i] = make(map[string]int)
		points[i] = make(map[point]uint32)
	}
	var eof atomic.Bool
	if rounds == 0 {
		go func() {
			in := bufio.NewReader(os.Stdin)
			for {
				if _, err := in.ReadByte(); err != nil {
					eof.Store(true)
					return
				}
			}
		}()
	}
	fmt.Printf("ready %d\n", os.Getpid())
	n := 0
	for ; rounds == 0 && !eof.Load() || n < rounds; n++ {
		round()
		if rounds == 0 {
			time.Sleep(time.Millisecond)
		}
		if n%1000 == 999 {
			fmt.Printf("round %d %016x %d\n", n+1, sum, totalLen())
		}
	}
	fmt.Printf("done %d %016x %d\n", n, sum, totalLen())
	switch end {
	case "exec":
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", "echo execd; sleep 1"}, os.Environ())
		fmt.Println("exec failed:", err)
		os.Exit(1)
	case "panic":
		panic("safetymaps: the planned panic")
	case "segv":
		// No core file is left behind wherever the tests run.
		syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
		debug.SetTraceback("crash")
		*nilp = 1
	}
}
