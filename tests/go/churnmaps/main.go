// churnmaps creates and drops thousands of short-lived maps a second while the garbage collector
// runs, and fills the freed memory with other objects of a map header's size, so that a header
// address is soon a new map's, or no map's. It prints its own truth, one line per event:
//
//	new ADDR LEN TYPE NS     a map, once filled (it is never written again); NS is when the
//	                         make began
//	drop ADDR NS             the program has dropped its only reference to the map at ADDR
//	gc NS                    runtime.GC has returned: every map dropped before it is freed
//	ready                    once, after the first maps
//	done                     at the end
//
// ADDR is fmt's %p of the map, LEN its len, TYPE fmt's %T without spaces, NS the wall clock
// (time.Now().UnixNano()): when the line was made, or for "new" when the make began. Each 10 ms
// tick makes TICK maps (of three types, each made in a function of its own, lens 1 to 400),
// keeps the newest LIVE of them, drops the rest, and makes JUNK 48-byte objects with pointers
// (some kept for a while); a forced GC every 200 ms. Lines are written once a tick, in one write. It runs for SECONDS (argument 1).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	tick = 20  // maps made a tick
	live = 300 // maps kept
	junk = 400 // 48-byte objects made a tick
)

type item struct {
	name string
	n    int
}

// junkObj is 48 bytes with pointers, a map header's size class: freed headers' slots go to it.
type junkObj struct {
	p    *int64
	n    int64
	q    *item
	m, k int64
	r    *int64
}

var (
	keep    []interface{}
	junkPin [1024]*junkObj
	sink    int64
	out     *bufio.Writer
	seq     int
)

func now() int64 { return time.Now().UnixNano() }

func typeName(m interface{}) string { return strings.ReplaceAll(fmt.Sprintf("%T", m), " ", "") }

func report(m interface{}, addr string, n int, made int64) {
	fmt.Fprintf(out, "new %s %d %s %d\n", addr, n, typeName(m), made)
}

func makeInts(n int) interface{} {
	made := now()
	m := make(map[int64]int64)
	for i := 0; i < n; i++ {
		m[int64(i*7+seq)] = int64(i)
	}
	report(m, fmt.Sprintf("%p", m), len(m), made)
	return m
}

func makeStrings(n int) interface{} {
	made := now()
	m := map[string]int{}
	for i := 0; i < n; i++ {
		m["k"+strconv.Itoa(i+seq)] = i
	}
	report(m, fmt.Sprintf("%p", m), len(m), made)
	return m
}

func makeItems(n int) interface{} {
	made := now()
	m := make(map[int32]*item, n/2)
	for i := 0; i < n; i++ {
		m[int32(i-seq)] = &item{"x", i}
	}
	report(m, fmt.Sprintf("%p", m), len(m), made)
	return m
}

func addr(m interface{}) string { return fmt.Sprintf("%p", m) }

func main() {
	seconds := 30.0
	if len(os.Args) > 1 {
		seconds, _ = strconv.ParseFloat(os.Args[1], 64)
	}
	out = bufio.NewWriterSize(os.Stdout, 1<<20)
	makers := []func(int) interface{}{makeInts, makeStrings, makeItems}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	lastGC := time.Now()
	for t := 0; time.Now().Before(end); t++ {
		for i := 0; i < tick; i++ {
			seq++
			n := 1 + (seq*37)%400
			keep = append(keep, makers[seq%3](n))
		}
		for len(keep) > live {
			fmt.Fprintf(out, "drop %s %d\n", addr(keep[0]), now())
			keep[0] = nil
			keep = keep[1:]
		}
		for i := 0; i < junk; i++ {
			v := int64(i)
			o := &junkObj{p: &v, n: int64(i % 9), q: &item{"j", i}, m: 3, k: int64(t), r: &v}
			if i%8 == 0 {
				junkPin[(t*junk/8+i/8)%len(junkPin)] = o
			}
			sink += o.n
		}
		if time.Since(lastGC) >= 200*time.Millisecond {
			runtime.GC()
			lastGC = time.Now()
			fmt.Fprintf(out, "gc %d\n", now())
		}
		if t == 10 {
			fmt.Fprintln(out, "ready")
		}
		out.Flush()
		time.Sleep(10 * time.Millisecond)
	}
	if sink < 0 {
		fmt.Fprintln(out, "unreachable")
	}
	fmt.Fprintln(out, "done")
	out.Flush()
}
