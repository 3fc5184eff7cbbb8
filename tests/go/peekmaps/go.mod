module mapscope.test/peekmaps

go 1.19
