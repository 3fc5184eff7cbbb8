// mapzoo [hold] [N] uses every kind of map operation the Go runtime has an entry point for, so that each
// toolchain's build of it contains every map function mapscope looks for. It prints a checksum of
// what it computed; with "hold" it then waits until stdin closes (for attach tests).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

type pair struct{ a, b int64 }

type big struct{ buf [200]byte }

type node struct{ id int }

//go:noinline
func use(ms ...interface{}) int { return len(ms) }

func main() {
	n := 2000
	hold := len(os.Args) > 1 && os.Args[1] == "hold"
	if hold {
		os.Args = os.Args[1:]
	}
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	m32 := make(map[int32]int)
	m64 := make(map[int64]int, 100)
	ms := map[string]int{}
	mp := make(map[*node]int)
	mpair := make(map[pair]int)
	mbig := make(map[int64]big)
	mkbig := make(map[big]int)
	mfat := make(map[int]([2048]byte))
	var iface = make(map[interface{}]int)
	nodes := make([]*node, 0, n)
	sum := 0
	for i := 0; i < n; i++ {
		m32[int32(i)]++
		m64[int64(i)] += i
		ms["k"+strconv.Itoa(i)] = i
		nd := &node{i}
		nodes = append(nodes, nd)
		mp[nd] = i
		mpair[pair{int64(i), int64(-i)}] = i
		mbig[int64(i)] = big{}
		var kb big
		kb.buf[0] = byte(i)
		mkbig[kb]++
		iface[i] = i
		if i%16 == 0 {
			mfat[i] = [2048]byte{}
		}
	}
	for i := 0; i < n; i += 3 {
		sum += m32[int32(i)] + m64[int64(i)] + ms["k"+strconv.Itoa(i)] + mpair[pair{int64(i), int64(-i)}]
		if v, ok := m64[int64(i)]; ok {
			sum += v
		}
		if v, ok := ms["x"]; ok {
			sum += v
		}
		sum += len(mbig[int64(i)].buf) + int(mfat[i][0])
		if _, ok := mfat[i]; ok {
			sum++
		}
		if _, ok := m32[int32(i)]; ok {
			sum++
		}
		sum += mp[nodes[i]]
		delete(m32, int32(i))
		delete(m64, int64(i))
		delete(ms, "k"+strconv.Itoa(i))
		delete(mp, nodes[i])
		delete(mpair, pair{int64(i), int64(-i)})
	}
	for k, v := range ms {
		sum += len(k) + v
	}
	for k := range iface {
		delete(iface, k)
	}
	sum += use(m32, m64, ms, mp, mpair, mbig, mkbig, mfat, iface) + cgoCalls()
	fmt.Println("checksum", sum, len(m32), len(m64), len(ms), len(mp), len(mpair))
	if hold {
		// Stay alive (for attach tests) until stdin closes.
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
}
