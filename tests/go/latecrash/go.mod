module latecrash

go 1.19
