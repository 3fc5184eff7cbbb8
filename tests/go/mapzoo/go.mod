module mapscope.test/mapzoo

go 1.19
