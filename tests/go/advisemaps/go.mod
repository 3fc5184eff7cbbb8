module advisemaps

go 1.19
