// exportmaps holds maps made at known creation sites and says how many entries each site's
// maps hold, for mapscope export's tests:
//
//	site FUNC TYPE MAPS ENTRIES   once, after every map is built (FUNC as Go names it, TYPE
//	                             as %T prints it)
//	ready                    after the site lines
//	leak LEN UNIXNANO        every 200 ms: main.leaky's map, which gains entries steadily
//
// Every map is read every 20 ms, so that a mapscope attached after the maps were made finds
// them in its discovery windows. It runs until a line (or EOF) on standard input, or until
// killed; with an argument S, for S seconds whatever standard input does.
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
	mu    sync.Mutex
	users []map[string]int
	ids   map[int64]int64
	pairs map[[2]int32]bool
	leak  map[int]int
)

//go:noinline
func makeUsers(n int) map[string]int {
	m := make(map[string]int)
	for i := 0; i < n; i++ {
		m["user:"+strconv.Itoa(i)] = i
	}
	return m
}

//go:noinline
func makeIDs(n int) map[int64]int64 {
	m := make(map[int64]int64)
	for i := 0; i < n; i++ {
		m[int64(i)*7] = int64(i)
	}
	return m
}

//go:noinline
func makePairs(n int) map[[2]int32]bool {
	m := make(map[[2]int32]bool, n)
	for i := 0; i < n; i++ {
		m[[2]int32{int32(i), int32(-i)}] = true
	}
	return m
}

//go:noinline
func leaky() {
	m := make(map[int]int)
	mu.Lock()
	leak = m
	mu.Unlock()
	for i := 0; ; i++ {
		mu.Lock()
		for k := 0; k < 100; k++ {
			m[i*100+k] = k
		}
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

func touch() {
	for {
		mu.Lock()
		for _, m := range users {
			_ = m["user:1"]
		}
		_ = ids[7]
		_ = pairs[[2]int32{1, -1}]
		if leak != nil {
			_ = leak[1]
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

func main() {
	users = []map[string]int{makeUsers(1000), makeUsers(2000), makeUsers(3000)}
	ids = makeIDs(50000)
	pairs = makePairs(777)
	fmt.Printf("site main.makeUsers %T %d %d\n", users[0], len(users), len(users[0])+len(users[1])+len(users[2]))
	fmt.Printf("site main.makeIDs %T 1 %d\n", ids, len(ids))
	fmt.Printf("site main.makePairs %T 1 %d\n", pairs, len(pairs))
	fmt.Println("ready")
	go touch()
	go leaky()
	go func() {
		for {
			mu.Lock()
			n := -1
			if leak != nil {
				n = len(leak)
			}
			mu.Unlock()
			if n >= 0 {
				fmt.Printf("leak %d %d\n", n, time.Now().UnixNano())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	stop := make(chan struct{})
	var after <-chan time.Time
	if len(os.Args) > 1 {
		s, _ := strconv.ParseFloat(os.Args[1], 64)
		after = time.After(time.Duration(s * float64(time.Second)))
	} else {
		go func() {
			bufio.NewReader(os.Stdin).ReadString('\n')
			close(stop)
		}()
	}
	select {
	case <-stop:
	case <-after:
	}
	fmt.Println("done")
}
