module mapscope.test/gcfree

go 1.19
