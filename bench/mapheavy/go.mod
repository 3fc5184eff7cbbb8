module mapheavy

go 1.19
