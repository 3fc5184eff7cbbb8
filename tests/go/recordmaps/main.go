// recordmaps writes its maps from known functions a known number of times and grows fresh
// maps through a known sequence of inserts, then prints what it did:
//
//	writes FUNC N     FUNC (a full Go function name) called runtime.mapassign* N times
//	growths FUNC N    maps written in FUNC grew N times (observed in the map's own header)
//
// The writers are never inlined, so each appears as its own frame. Modes:
//
//	recordmaps run    does the work at once, prints the lines and "done", exits
//	recordmaps hold   prints "ready", waits for a line "go" on standard input, does the work,
//	                  prints the lines and "done", then waits for a line "stop"
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

const (
	nInts    = 30000
	nStrings = 20000
	nPairs   = 10000
	nGrown   = 5   // fresh maps grown by growMaps
	nInserts = 800 // per grown map: below the first Swiss split (897), so one table each
)

type pair struct{ a, b int64 }

var (
	ints    = map[int64]int{}
	strs    = map[string]int{}
	pairs   = map[pair]int{}
	grown   []map[int64]int64
	keys    []string
	growths int
)

//go:noinline
func writeInts(n int) {
	for i := 0; i < n; i++ {
		ints[int64(i%1000)] = i
	}
}

//go:noinline
func writeStrings(n int) {
	for i := 0; i < n; i++ {
		strs[keys[i%len(keys)]]++
	}
}

//go:noinline
func writePairs(n int) {
	for i := 0; i < n; i++ {
		pairs[pair{int64(i % 500), -int64(i % 500)}] += i
	}
}

// growMaps fills fresh maps one insert at a time and counts the growths each map's header
// shows (layout.go / layout_swiss.go read it; a growth allocates, so the count is exact).
//
//go:noinline
func growMaps() {
	for j := 0; j < nGrown; j++ {
		m := make(map[int64]int64)
		grown = append(grown, m) // escapes: made by runtime.makemap, not on the stack
		var w watcher
		w.observe(m)
		for i := 0; i < nInserts; i++ {
			m[int64(i)*7919] = int64(i)
			if w.observe(m) {
				growths++
			}
		}
	}
}

func work() {
	writeInts(nInts)
	writeStrings(nStrings)
	writePairs(nPairs)
	growMaps()
	fmt.Printf("writes main.writeInts %d\n", nInts)
	fmt.Printf("writes main.writeStrings %d\n", nStrings)
	fmt.Printf("writes main.writePairs %d\n", nPairs)
	fmt.Printf("writes main.growMaps %d\n", nGrown*nInserts)
	fmt.Printf("growths main.growMaps %d\n", growths)
	fmt.Println("done")
}

func waitFor(in *bufio.Scanner, word string) {
	for in.Scan() {
		if strings.TrimSpace(in.Text()) == word {
			return
		}
	}
	os.Exit(0)
}

func main() {
	for i := 0; i < 300; i++ {
		keys = append(keys, "key:"+strconv.Itoa(i))
	}
	if len(os.Args) < 2 || (os.Args[1] != "run" && os.Args[1] != "hold") {
		fmt.Fprintln(os.Stderr, "usage: recordmaps run|hold")
		os.Exit(2)
	}
	if os.Args[1] == "run" {
		work()
		return
	}
	in := bufio.NewScanner(os.Stdin)
	fmt.Println("ready")
	waitFor(in, "go")
	work()
	waitFor(in, "stop")
}
