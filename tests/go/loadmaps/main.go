// loadmaps is the load for bench/load and for tests/e2e/test_dropped.py: many live maps and a steady
// stream of map calls, or one burst of map creations.
//
//	loadmaps steady MAPS RATE CHURN   MAPS live maps (int64, string and struct keys, a few
//	                                  entries each), about RATE map calls a second on them, and
//	                                  CHURN of them replaced a second (creations; the old ones
//	                                  become garbage), until stdin reaches end of file; prints
//	                                  "ready PID" at start and "calls N created N live N" every
//	                                  10 s and at the end
//	loadmaps burst N                  prints "ready PID", waits for a line on stdin, creates N
//	                                  maps as fast as it can (all kept live), prints
//	                                  "created N", then waits for end of file on stdin
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

type key struct{ a, b int32 }

var (
	ints  []map[int64]int64
	strs  []map[string]int32
	pairs []map[key]bool
	kept  []map[int64]int64
	rng   uint64 = 0x9e3779b97f4a7c15
	sink  int64
)

func next() uint64 {
	rng ^= rng << 13
	rng ^= rng >> 7
	rng ^= rng << 17
	return rng
}

func fill(i int) {
	ints[i] = make(map[int64]int64)
	for j := int64(0); j < 4; j++ {
		ints[i][j] = j
	}
}

func arg(i int) int {
	v, err := strconv.Atoi(os.Args[i])
	if err != nil || v < 0 {
		fmt.Fprintln(os.Stderr, "loadmaps: bad number", os.Args[i])
		os.Exit(2)
	}
	return v
}

func steady(n, rate, churn int) {
	ints = make([]map[int64]int64, n/2)
	strs = make([]map[string]int32, n/4)
	pairs = make([]map[key]bool, n-n/2-n/4)
	for i := range ints {
		fill(i)
	}
	for i := range strs {
		strs[i] = map[string]int32{"a": 1, "b": 2}
	}
	for i := range pairs {
		pairs[i] = map[key]bool{{1, 2}: true}
	}
	var eof atomic.Bool
	go func() {
		in := bufio.NewReader(os.Stdin)
		for {
			if _, err := in.ReadByte(); err != nil {
				eof.Store(true)
				return
			}
		}
	}()
	fmt.Printf("ready %d\n", os.Getpid())
	var calls, created int64
	start := time.Now()
	last := start
	const tick = 10 * time.Millisecond
	for t := start; !eof.Load(); t = t.Add(tick) {
		for c := 0; c < rate/100; c++ {
			r := next()
			switch r % 8 {
			case 0, 1, 2:
				m := ints[(r>>8)%uint64(len(ints))]
				m[int64(r>>40)%8]++
			case 3, 4:
				sink += ints[(r>>8)%uint64(len(ints))][int64(r>>40)%8]
			case 5:
				delete(ints[(r>>8)%uint64(len(ints))], int64(r>>40)%8)
			case 6:
				sink += int64(strs[(r>>8)%uint64(len(strs))]["a"])
			case 7:
				if pairs[(r>>8)%uint64(len(pairs))][key{1, 2}] {
					sink++
				}
			}
		}
		calls += int64(rate / 100)
		for c := 0; c < churn/100; c++ {
			fill(int((next() >> 8) % uint64(len(ints))))
			created++
		}
		if now := time.Now(); now.Sub(last) >= 10*time.Second {
			fmt.Printf("calls %d created %d live %d\n", calls, created,
				len(ints)+len(strs)+len(pairs))
			last = now
		}
		if d := time.Until(t.Add(tick)); d > 0 {
			time.Sleep(d)
		}
	}
	fmt.Printf("calls %d created %d live %d\n", calls, created, len(ints)+len(strs)+len(pairs))
}

//go:noinline
func burst(n int) {
	kept = make([]map[int64]int64, n)
	for i := range kept {
		kept[i] = make(map[int64]int64)
	}
}

func main() {
	if len(os.Args) == 5 && os.Args[1] == "steady" {
		steady(arg(2), arg(3), arg(4))
		return
	}
	if len(os.Args) != 3 || os.Args[1] != "burst" {
		fmt.Fprintln(os.Stderr, "usage: loadmaps steady MAPS RATE CHURN | loadmaps burst N")
		os.Exit(2)
	}
	n := arg(2)
	fmt.Printf("ready %d\n", os.Getpid())
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n')
	burst(n)
	fmt.Printf("created %d\n", n)
	for {
		if _, err := in.ReadByte(); err != nil {
			return
		}
	}
}
