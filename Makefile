# mapscope build. Targets:
#   make            build/mapscope (BPF objects → skeletons → C objects)
#   make test       install what is missing, build, run every test (ends "N passed, N failed")
#   make demo       install what is missing, build, run mapscope on the demo program
#   make san        build/san/mapscope and the unit tests with ASan + UBSan
#   make fmt        clang-format the sources
#   make fuzz       libFuzzer targets (tests/fuzz/), each run for FUZZ_SECONDS (default 60)
#   make valgrind   the unit tests without sanitizers, for valgrind (build/valgrind/tests/)
# V=1 shows the full commands.

CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
BUILD     := build
Q         := $(if $(V),,@)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
CPPFLAGS  := -D_GNU_SOURCE -Isrc -I$(BUILD)/bpf -I$(BUILD)/proto
CFLAGS    := -std=c11 -O2 -g $(WARN) -fno-omit-frame-pointer
SANFLAGS  := -std=c11 -O1 -g $(WARN) -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=all
LIBS      := -lcapstone -lbpf -lelf -lz -lm -lncursesw -lmicrohttpd -lprotobuf-c
LIBS_NOBPF:= -lcapstone -lz -lm -lncursesw -lprotobuf-c

# Everything but the collector and the CLI builds without libbpf (DESIGN.md: dependencies point one way).
CORE_SRCS := $(wildcard src/core/*.c src/inspect/*.c src/model/*.c src/output/*.c src/sim/*.c)
COLL_SRCS := $(wildcard src/collect/*.c)
CLI_SRCS  := $(wildcard src/cli/*.c)
BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
SKELS     := $(patsubst src/bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))
# Kept after the build: make would delete them as intermediates of the pattern chain, and the
# static checks (tests/integration/test_static.py) read the skeletons.
.SECONDARY: $(SKELS) $(SKELS:.skel.h=.bpf.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRCS))
# pprof's profile.proto → C (protoc-c) at build time; the output writers link it.
PROTO_C   := $(BUILD)/proto/profile.pb-c.c
PROTO_H   := $(PROTO_C:.c=.h)

OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS) $(COLL_SRCS) $(CLI_SRCS)) \
             $(BUILD)/obj/proto/profile.pb-c.o
SAN_CORE  := $(patsubst src/%.c,$(BUILD)/san/obj/%.o,$(CORE_SRCS)) \
             $(BUILD)/san/obj/proto/profile.pb-c.o
SAN_OBJS  := $(SAN_CORE) $(patsubst src/%.c,$(BUILD)/san/obj/%.o,$(COLL_SRCS) $(CLI_SRCS))

.PHONY: all san unit test demo deps fmt clean go-targets fuzz fuzz-build valgrind
all: $(BUILD)/mapscope

$(BUILD)/mapscope: $(OBJS)
	@echo "  LINK   $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: src/%.c | $(SKELS) $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC     $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/obj/%.o: src/%.c | $(SKELS) $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC-SAN $<"
	$(Q)$(CC) $(CPPFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

$(PROTO_H): $(PROTO_C)
$(PROTO_C): src/output/profile.proto
	@mkdir -p $(@D)
	@echo "  PROTOC $<"
	$(Q)protoc-c --c_out=$(@D) --proto_path=$(<D) $<

$(BUILD)/obj/proto/%.o: $(BUILD)/proto/%.c
	@mkdir -p $(@D)
	@echo "  CC     $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/obj/proto/%.o: $(BUILD)/proto/%.c
	@mkdir -p $(@D)
	@echo "  CC-SAN $<"
	$(Q)$(CC) $(CPPFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

# BPF: vmlinux.h from the running kernel's BTF, then object, then skeleton.
$(BUILD)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	@echo "  GEN    $@"
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/bpf/vmlinux.h $(wildcard src/bpf/*.h src/shared/*.h)
	@echo "  BPF    $<"
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Isrc -I$(BUILD)/bpf -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@echo "  SKEL   $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

san: $(BUILD)/san/mapscope $(UNIT_BINS)

$(BUILD)/san/mapscope: $(SAN_OBJS)
	@echo "  LINK   $@"
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/san/tests/%: tests/unit/%.c $(SAN_CORE) tests/unit/t.h
	@mkdir -p $(@D)
	@echo "  TEST   $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(SANFLAGS) -o $@ $< $(SAN_CORE) $(LIBS_NOBPF)

# Fuzzing (clang's libFuzzer with ASan + UBSan): the parsers of binaries and of target memory.
# tests/fuzz/fake_remote.c stands in for src/model/remote.c (fake "remote memory"); fuzz_gotype
# brings its own copy of pclntab.c (it sets the module data directly).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := elf buildinfo pclntab prologue gotype mapread mapwalk
FUZZ_FLAGS := -std=c11 -O1 -g $(WARN) -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=all
FUZZ_SRCS  := src/core/err.c src/core/utf8.c $(wildcard src/inspect/*.c) src/model/gotype.c \
              src/model/mapread.c src/model/mapwalk.c tests/fuzz/fake_remote.c
FUZZ_OBJS  := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_SRCS))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

fuzz-build: $(FUZZ_BINS)
.PRECIOUS: $(BUILD)/fuzz/obj/%.o

fuzz: fuzz-build
	$(Q)python3 tests/fuzz/run.py --seconds $(FUZZ_SECONDS)

$(BUILD)/fuzz/obj/%.o: %.c $(wildcard tests/fuzz/*.h)
	@mkdir -p $(@D)
	@echo "  CC-FUZ $<"
	$(Q)$(CLANG) $(CPPFLAGS) -Itests/fuzz $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	@echo "  LINK   $@"
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< \
		$(filter-out $(if $(filter gotype,$*),%/pclntab.o),$(FUZZ_OBJS)) -lcapstone -lm

# The unit tests built without sanitizers, for valgrind (tests/integration/test_valgrind.py).
VG_FLAGS  := -std=c11 -O1 -g $(WARN) -fno-omit-frame-pointer
VG_CORE   := $(patsubst src/%.c,$(BUILD)/valgrind/obj/%.o,$(CORE_SRCS)) \
             $(BUILD)/valgrind/obj/proto/profile.pb-c.o
VG_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/valgrind/tests/%,$(UNIT_SRCS))

valgrind: $(VG_BINS)

$(BUILD)/valgrind/obj/%.o: src/%.c | $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC-VG  $<"
	$(Q)$(CC) $(CPPFLAGS) $(VG_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/valgrind/obj/proto/%.o: $(BUILD)/proto/%.c
	@mkdir -p $(@D)
	@echo "  CC-VG  $<"
	$(Q)$(CC) $(CPPFLAGS) $(VG_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/valgrind/tests/%: tests/unit/%.c $(VG_CORE) tests/unit/t.h
	@mkdir -p $(@D)
	@echo "  TEST   $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(VG_FLAGS) -o $@ $< $(VG_CORE) $(LIBS_NOBPF)

deps:
	$(Q)scripts/install-deps

go-targets:
	$(Q)scripts/go-targets

test: deps
	$(Q)$(MAKE) --no-print-directory all san
	$(Q)scripts/go-targets
	$(Q)python3 tests/run.py

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo

fmt:
	clang-format -i $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/san $(BUILD)/bpf $(BUILD)/proto $(BUILD)/mapscope \
		$(BUILD)/fuzz/obj $(BUILD)/fuzz/fuzz_* $(BUILD)/valgrind

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(VG_CORE:.o=.d) $(wildcard $(BUILD)/fuzz/obj/*/*/*.d)
