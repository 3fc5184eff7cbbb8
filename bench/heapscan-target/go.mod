module heapscantarget

go 1.19
