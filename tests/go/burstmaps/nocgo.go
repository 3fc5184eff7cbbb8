//go:build !mapscope_cgo

package main

func cgoCalls() int { return 0 }
