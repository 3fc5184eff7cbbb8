// mapheavy is the workload of bench/inventory-overhead: a map-heavy loop that creates, fills,
// grows and drops maps (the always-on probes' events: creation and growth) between many
// ordinary map operations on long-lived maps (not probed in inventory mode). It prints
//
//	ns/op X ops N maps M
//
// where an op is one map call (assign, access or delete), timed by the program itself.
// Usage: mapheavy [OPS [EVERY]]   (default 20,000,000 ops; a new growing map every EVERY
// iterations of 100,000 calls, default 1: growth-heavy; 100: steady)
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

var sink int64

func main() {
	ops := 20_000_000
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 0 {
			ops = v
		}
	}
	every := 1
	if len(os.Args) > 2 {
		if v, err := strconv.Atoi(os.Args[2]); err == nil && v > 0 {
			every = v
		}
	}
	counts := make(map[int64]int64, 1<<16)
	names := make(map[string]int, 1<<12)
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	start := time.Now()
	done, maps := 0, 0
	m := make(map[int64]int64)
	for iter := 0; done < ops; iter++ {
		// A request-scoped map that grows from empty: creation plus a few growths.
		if iter%every == 0 {
			m = make(map[int64]int64)
			for i := int64(0); i < 2000; i++ {
				m[i] = i
			}
			done += 2000
			maps++
		}
		for i := 0; i < 20000; i++ {
			k := int64(i*7919) & 0xffff
			counts[k]++
			sink += counts[k^1]
			names[keys[i&4095]]++
			delete(counts, k^3)
		}
		done += 20000 * 5
		sink += m[int64(maps)]
	}
	el := time.Since(start)
	fmt.Printf("ns/op %.3f ops %d maps %d\n", float64(el.Nanoseconds())/float64(done), done, maps)
}
