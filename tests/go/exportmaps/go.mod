module mapscope.test/exportmaps

go 1.19
