module mapscope.bench/simoccupancy

go 1.19
