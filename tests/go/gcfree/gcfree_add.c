//go:build mapscope_cgo

int gcfree_add(int a, int b) { return a + b; }
