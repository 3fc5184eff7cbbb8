module mapscope.test/simhash

go 1.19
