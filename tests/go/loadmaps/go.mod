module mapscope.test/loadmaps

go 1.21
