//go:build mapscope_cgo

int mapzoo_add(int a, int b) { return a + b; }
