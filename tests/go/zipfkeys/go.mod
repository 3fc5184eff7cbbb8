module mapscope.test/zipfkeys

go 1.19
