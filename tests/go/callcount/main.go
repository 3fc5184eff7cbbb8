// callcount N performs exactly N calls of each of seven map operations and prints N and how
// many of those calls ran on a freshly grown goroutine stack. Half of the calls are made at
// varying recursion depths in new goroutines, so that some land on a stack boundary and the map
// function's prologue goes through morestack (and re-enters from its start).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

type pair struct{ a, b int64 }

var (
	m32  = map[int32]int{}
	m64  = map[int64]int{}
	ms   = map[string]int{}
	mp   = map[pair]int{}
	keys []string
	sink int
)

//go:noinline
func ops(i int) {
	m32[int32(i)] = i        // mapassign_fast32
	m64[int64(i)] = i        // mapassign_fast64
	ms[keys[i%len(keys)]] = i // mapassign_faststr
	mp[pair{int64(i), 1}] = i // mapassign
	sink += m64[int64(i)]     // mapaccess1_fast64
	if _, ok := ms[keys[i%len(keys)]]; ok { // mapaccess2_faststr
		sink++
	}
	delete(m64, int64(i)) // mapdelete_fast64
}

//go:noinline
func deep(depth, i int) int {
	var pad [48]byte
	if depth == 0 {
		ops(i)
		return int(pad[0])
	}
	return deep(depth-1, i) + int(pad[depth%48])
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	for i := 0; i < 64; i++ {
		keys = append(keys, "key"+strconv.Itoa(i))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			mu.Lock()
			ops(i)
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mu.Lock()
			deep(i%400, i)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	fmt.Println("calls", n, sink)
	os.Stdout.Sync()
}
