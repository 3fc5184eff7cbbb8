module mapscope.test/churnmaps

go 1.19
