module mapscope.test/maskmaps

go 1.19
