module mapracer

go 1.19
