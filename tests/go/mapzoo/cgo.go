//go:build mapscope_cgo

package main

// int mapzoo_add(int a, int b);
import "C"

// cgoCalls links C code into the binary, so that the external linker lays out .text with C
// functions before Go's runtime.text.
func cgoCalls() int { return int(C.mapzoo_add(1, 2)) }
