// inventory builds the maps mapscope top must report and prints its own truth about each:
//
//	truth NAME ADDR LEN CAPACITY
//
// ADDR is the map's header address (what %p prints for a map), LEN is len(m), CAPACITY is read
// through unsafe: 8<<B for a classic map; for a Swiss map the sum of its tables' capacities, or
// 8 for a small map. It also prints, for the maps it filled from empty,
//
//	changes NAME N
//
// the number of times their capacity changed while it filled them. After printing it keeps every
// map alive and unchanged for HOLD seconds (argument 1, default 3), reading from each every few
// milliseconds (so that a tracer attached now sees them in use), then prints "done" and exits.
// A line "stop" on standard input ends the hold early (end of input does not).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type pair struct{ a, b int64 }

type Session struct {
	User string
	Data [48]byte
}

func header(m unsafe.Pointer) uintptr { return uintptr(m) }

// capacity reads the runtime's own structures (GO-MAP-INTERNALS.md §1.2, §1.3).
func capacity(h uintptr) uint64 {
	if !swiss() {
		b := *(*uint8)(unsafe.Pointer(h + 9))
		return 8 << b
	}
	dirLen := *(*int)(unsafe.Pointer(h + 24))
	if dirLen == 0 {
		return 8
	}
	dir := *(*unsafe.Pointer)(unsafe.Pointer(h + 16))
	var sum uint64
	var last uintptr
	for i := 0; i < dirLen; i++ {
		t := *(*uintptr)(unsafe.Pointer(uintptr(dir) + uintptr(i)*8))
		if t == last {
			continue
		}
		last = t
		sum += uint64(*(*uint16)(unsafe.Pointer(t + 2)))
	}
	return sum
}

func swiss() bool {
	v := runtime.Version()
	minor, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "go1."), ".", 2)[0])
	return minor >= 24 && !strings.Contains(v, "noswissmap")
}

func truth(name string, h uintptr, n int) {
	fmt.Printf("truth %s 0x%x %d %d\n", name, h, n, capacity(h))
}

var keep []interface{}

var sink int

// fill inserts keys 0..n-1 through set and counts the capacity changes it caused.
func fill(h func() uintptr, n int, set func(i int)) int {
	changes := 0
	last := capacity(h())
	for i := 0; i < n; i++ {
		set(i)
		if c := capacity(h()); c != last {
			changes++
			last = c
		}
	}
	return changes
}

// stopped is closed when standard input says "stop".
var stopped = make(chan struct{})

func watchStdin() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "stop" {
			close(stopped)
			return
		}
	}
}

func holding(end time.Time) bool {
	select {
	case <-stopped:
		return false
	default:
		return time.Now().Before(end)
	}
}

//go:noinline
func inlineMap(hold time.Duration, read func()) {
	// Non-escaping: the compiler builds it on the stack without makemap; it grows past the
	// inline bucket/group, so the runtime allocates for it.
	local := map[int64]int64{}
	for i := int64(0); i < 300; i++ {
		local[i] = i
	}
	h := *(*uintptr)(unsafe.Pointer(&local))
	fmt.Printf("truth inline 0x%x %d %d\n", h, len(local), capacity(h))
	for end := time.Now().Add(hold); holding(end); time.Sleep(5 * time.Millisecond) {
		sink += int(local[7])
		read()
	}
	runtime.KeepAlive(local)
}

func main() {
	hold := 3 * time.Second
	if len(os.Args) > 1 {
		if s, err := strconv.ParseFloat(os.Args[1], 64); err == nil {
			hold = time.Duration(s * float64(time.Second))
		}
	}
	go watchStdin()
	grow := make(map[int64]int)
	strs := make(map[string]*Session)
	structs := make(map[pair]int)
	ptr := func(m unsafe.Pointer) func() uintptr { return func() uintptr { return *(*uintptr)(m) } }
	changes := []int{
		fill(ptr(unsafe.Pointer(&grow)), 50000, func(i int) { grow[int64(i)] = i }),
		fill(ptr(unsafe.Pointer(&strs)), 20000, func(i int) { strs["user:"+strconv.Itoa(i)] = &Session{User: "u"} }),
		fill(ptr(unsafe.Pointer(&structs)), 5000, func(i int) { structs[pair{int64(i), int64(-i)}] = 1 }),
	}
	bloated := make(map[int64][64]byte)
	for i := int64(0); i < 100000; i++ {
		bloated[i] = [64]byte{}
	}
	for i := int64(100); i < 100000; i++ {
		delete(bloated, i)
	}
	churn := make(map[int64]int)
	for i := int64(0); i < 200000; i++ {
		churn[i] = 1
		if i >= 1000 {
			delete(churn, i-1000)
		}
	}
	// Emptied by deleting every key (which re-seeds it: GO-MAP-INTERNALS.md §5), then refilled:
	// still the same map, its growths before the re-seed included.
	reseeded := make(map[int64]int)
	rs := ptr(unsafe.Pointer(&reseeded))
	reseededChanges := fill(rs, 3000, func(i int) { reseeded[int64(i)] = i })
	for i := int64(0); i < 3000; i++ {
		delete(reseeded, i)
	}
	reseededChanges += fill(rs, 5000, func(i int) { reseeded[int64(i)+1e6] = i })
	small := make(map[int64]int)
	small[1], small[2], small[3] = 1, 2, 3
	keep = append(keep, grow, strs, structs, bloated, churn, small, reseeded)

	truth("grow", header(*(*unsafe.Pointer)(unsafe.Pointer(&grow))), len(grow))
	truth("strings", header(*(*unsafe.Pointer)(unsafe.Pointer(&strs))), len(strs))
	truth("structs", header(*(*unsafe.Pointer)(unsafe.Pointer(&structs))), len(structs))
	truth("bloated", header(*(*unsafe.Pointer)(unsafe.Pointer(&bloated))), len(bloated))
	truth("churn", header(*(*unsafe.Pointer)(unsafe.Pointer(&churn))), len(churn))
	truth("small", header(*(*unsafe.Pointer)(unsafe.Pointer(&small))), len(small))
	truth("reseeded", rs(), len(reseeded))
	if fmt.Sprintf("%p", grow) != fmt.Sprintf("0x%x", header(*(*unsafe.Pointer)(unsafe.Pointer(&grow)))) {
		panic("header address differs from %p")
	}
	for i, name := range []string{"grow", "strings", "structs"} {
		fmt.Printf("changes %s %d\n", name, changes[i])
	}
	fmt.Printf("changes reseeded %d\n", reseededChanges)
	inlineMap(hold, func() {
		sink += grow[1] + structs[pair{1, -1}] + churn[199999] + small[1] + int(bloated[5][0]) +
			reseeded[1e6]
		if s, ok := strs["user:1"]; ok {
			sink += len(s.User)
		}
	})
	fmt.Println("done")
}
