module mapscope.test/safetymaps

go 1.21
