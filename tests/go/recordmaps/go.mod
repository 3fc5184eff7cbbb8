module recordmaps

go 1.19
