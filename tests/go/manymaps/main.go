// manymaps: a server's worth of maps, for mapscope's scale tests. It makes N maps (default
// 100,000) in batches of 1,000 from a few goroutines, as a server fills its caches: most small
// (0-8 entries), some of hundreds, a few large, and keeps them all. Then 100 of them grow for
// a while. Then it prints, for every map, what mapscope must report:
//
//	map ADDR LEN          one line per map (ADDR as %p prints it)
//	done N ENTRIES        the number of maps and their entries in all
//
// and holds them until a line (or EOF) on standard input. With "churn" it meanwhile replaces
// 1,000 maps a second with new ones of the same size (the old ones become garbage), as a
// server's caches turn over: bench/scale-cost's steady state.
//
// Usage: manymaps [N [churn]]
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

var (
	mu   sync.Mutex
	all  []map[int64]int64
	strs []map[string]int
)

// size: the entries of map i: most 0-8, every 50th a few hundred, every 5,000th 20,000.
func size(i int) int {
	switch {
	case i%5000 == 0:
		return 20000
	case i%50 == 0:
		return 100 + i%400
	default:
		return i % 9
	}
}

//go:noinline
func makeInts(i int) map[int64]int64 {
	m := make(map[int64]int64)
	for k := 0; k < size(i); k++ {
		m[int64(k)] = int64(i)
	}
	return m
}

//go:noinline
func makeStrs(i int) map[string]int {
	m := make(map[string]int)
	for k := 0; k < size(i); k++ {
		m["k"+strconv.Itoa(k)] = i
	}
	return m
}

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	var wg sync.WaitGroup
	const workers = 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := w * 1000; b < n; b += workers * 1000 {
				var ints []map[int64]int64
				var ss []map[string]int
				for i := b; i < b+1000 && i < n; i++ {
					if i%4 == 3 {
						ss = append(ss, makeStrs(i))
					} else {
						ints = append(ints, makeInts(i))
					}
				}
				mu.Lock()
				all = append(all, ints...)
				strs = append(strs, ss...)
				mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		}(w)
	}
	wg.Wait()
	// The growing ones: 100 small maps gain entries for a while.
	for round := 0; round < 20; round++ {
		for j := 0; j < 100; j++ {
			m := all[j*7]
			for k := 0; k < 500; k++ {
				m[int64(100000+round*500+k)] = 1
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	entries := 0
	for _, m := range all {
		fmt.Fprintf(w, "map %p %d\n", m, len(m))
		entries += len(m)
	}
	for _, m := range strs {
		fmt.Fprintf(w, "map %p %d\n", m, len(m))
		entries += len(m)
	}
	fmt.Fprintf(w, "done %d %d\n", len(all)+len(strs), entries)
	w.Flush()
	if len(os.Args) > 2 && os.Args[2] == "churn" {
		go churn()
	}
	bufio.NewReader(os.Stdin).ReadString('\n')
}

func churn() {
	for i := 0; ; i++ {
		mu.Lock()
		j := (i * 7919) % len(all)
		all[j] = makeInts(j)
		mu.Unlock()
		if i%100 == 99 {
			time.Sleep(100 * time.Millisecond)
		}
	}
}
