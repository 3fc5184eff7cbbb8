//go:build !go1.24

package main

import "unsafe"

// hmap's first fields, Go 1.19-1.23 (runtime/map.go).
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
}

type watcher struct {
	B   uint8
	old unsafe.Pointer
}

// observe reports whether the map grew since the last call: every hashGrow either doubles
// (B changes) or, for a same-size growth, installs a new oldbuckets array. One insert starts at
// most one growth, and a growth that also finished within that insert still changed B.
func (w *watcher) observe(m map[int64]int64) bool {
	h := *(**hmap)(unsafe.Pointer(&m))
	grew := h.B != w.B || (h.oldbuckets != nil && h.oldbuckets != w.old)
	w.B, w.old = h.B, h.oldbuckets
	return grew
}
