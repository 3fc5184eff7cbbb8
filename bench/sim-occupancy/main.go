// The runtime side of bench/sim-occupancy.sh: how fast Go itself fills a map.
//
// Usage: simoccupancy N
//
// Inserts N int64 keys (0..N-1) into a map[int64]int64 made without a size hint, the way a
// program builds a big map, once, and prints "keys_per_second <rate> seconds <s>".
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

var sink map[int64]int64

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: simoccupancy N")
		os.Exit(2)
	}
	t0 := time.Now()
	m := make(map[int64]int64)
	for i := 0; i < n; i++ {
		m[int64(i)] = int64(i)
	}
	s := time.Since(t0).Seconds()
	sink = m
	fmt.Printf("keys_per_second %.0f seconds %.3f\n", float64(n)/s, s)
}
