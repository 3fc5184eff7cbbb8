//go:build mapscope_cgo

int burstmaps_add(int a, int b) { return a + b; }
