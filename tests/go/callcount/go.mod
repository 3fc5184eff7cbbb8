module mapscope.test/callcount

go 1.19
