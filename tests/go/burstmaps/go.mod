module mapscope.test/burstmaps

go 1.19
