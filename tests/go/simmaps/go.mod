module mapscope.test/simmaps

go 1.19
