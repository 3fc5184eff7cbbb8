//go:build go1.24

package main

import "unsafe"

// internal/runtime/maps.Map's first fields and table's (Go 1.24-1.27).
type swissMap struct {
	used   uint64
	seed   uintptr
	dirPtr unsafe.Pointer
	dirLen int
}

type table struct {
	used     uint16
	capacity uint16
}

type watcher struct {
	dirLen int
	cap    uint16
}

// observe reports whether the map grew since the last call: a small map turning into a table
// (growToTable) or its one table changing capacity (a rehash that grows). Fewer than 897
// entries never split, so there is one table.
func (w *watcher) observe(m map[int64]int64) bool {
	h := *(**swissMap)(unsafe.Pointer(&m))
	var c uint16
	if h.dirLen > 0 {
		c = (*table)(*(*unsafe.Pointer)(h.dirPtr)).capacity
	}
	grew := (w.dirLen == 0 && h.dirLen > 0) || (h.dirLen > 0 && c != w.cap)
	w.dirLen, w.cap = h.dirLen, c
	return grew
}
