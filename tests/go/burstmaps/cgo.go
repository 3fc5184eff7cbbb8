//go:build mapscope_cgo

package main

// int burstmaps_add(int a, int b);
import "C"

// cgoCalls links C code into the binary (the cgo variant's external link).
func cgoCalls() int { return int(C.burstmaps_add(1, 2)) }
