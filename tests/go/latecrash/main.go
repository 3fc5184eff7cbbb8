// latecrash: a service that dies of "concurrent map writes" at a chosen moment long after it
// started, as production programs do. Until then it works in bursts on several goroutines:
// workers update a locked map of sessions and read a cache, with formatting and allocation
// between map calls. At the moment, two goroutines, main.ingestOrders and main.refreshPrices,
// start writing the map prices without a lock; the runtime kills the program within
// milliseconds.
//
// Usage: latecrash DELAY_MS
//
// Prints what mapscope must report, before the writers start:
//
//	map ADDR TYPE         the prices map, as %p and %T print it
//	writer FUNC GOID      the goroutine id that runs each writer function (main.FUNC)
//
// and "survived" if the runtime has not killed it 30 s after the moment.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

func goid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	id, _ := strconv.ParseInt(f[1], 10, 64)
	return id
}

var (
	prices   = map[string]int64{}
	sessMu   sync.Mutex
	sessions = map[int64]string{}
	cache    = map[string]int{}
	start    = make(chan struct{})
	sink     int
)

// worker: 2 ms of locked session writes and cache reads every 20 ms.
func worker(id int64) {
	for n := int64(0); ; n++ {
		end := time.Now().Add(2 * time.Millisecond)
		for time.Now().Before(end) {
			k := id<<32 | n&0xffff
			s := strconv.FormatInt(k, 16)
			sessMu.Lock()
			sessions[k] = s
			sessMu.Unlock()
			sink += cache[s[:2]]
			n++
		}
		time.Sleep(20 * time.Millisecond)
	}
}

//go:noinline
func ingestOrders(ready *sync.WaitGroup) {
	fmt.Printf("writer ingestOrders %d\n", goid())
	ready.Done()
	<-start
	for i := 0; ; i++ {
		sym := "SYM" + strconv.Itoa(i%512)
		prices[sym] = int64(i)
	}
}

//go:noinline
func refreshPrices(ready *sync.WaitGroup) {
	fmt.Printf("writer refreshPrices %d\n", goid())
	ready.Done()
	<-start
	for i := 0; ; i++ {
		prices["SYM"+strconv.Itoa((i*7)%512)] = int64(i) * 3
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: latecrash DELAY_MS")
		os.Exit(2)
	}
	ms, err := strconv.Atoi(os.Args[1])
	if err != nil || ms < 0 {
		fmt.Fprintln(os.Stderr, "latecrash: bad DELAY_MS")
		os.Exit(2)
	}
	for i := 0; i < 64; i++ {
		cache[strconv.FormatInt(int64(i), 16)] = i
	}
	for i := int64(1); i <= 3; i++ {
		go worker(i)
	}
	fmt.Printf("map %p %T\n", prices, prices)
	time.Sleep(time.Duration(ms) * time.Millisecond)
	var ready sync.WaitGroup
	ready.Add(2)
	go ingestOrders(&ready)
	go refreshPrices(&ready)
	ready.Wait()
	close(start)
	time.Sleep(30 * time.Second)
	fmt.Println("survived")
}
