module mapscope.test/inventory

go 1.19
