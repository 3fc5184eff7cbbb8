module mapscope.example/demo

go 1.19
