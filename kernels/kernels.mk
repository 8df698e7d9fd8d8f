# Kernel-area targets, included by the top-level Makefile.
#   make bench-kernels   single-threaded GFLOP/s of every kernel variant
#                        (BENCH_ARGS="--shape 1,4096,4096" to pick shapes)
#   make bench-wgemm     single-threaded GB/s and GFLOP/s of every
#                        weight-compressed GEMM variant (BENCH_ARGS as above)
#   make test-aarch64    cross-build the kernels and plain-C checkers for
#                        aarch64 and run them under qemu on two CPU models

.PHONY: bench-kernels bench-wgemm

BENCH_KERNEL := $(BUILD)/bench/bench_f32_gemm_kernel
$(BENCH_KERNEL): bench/bench_f32_gemm_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

bench-kernels: $(BENCH_KERNEL)
	$(BENCH_KERNEL) $(BENCH_ARGS)

BENCH_WGEMM := $(BUILD)/bench/bench_wgemm_kernel
$(BENCH_WGEMM): bench/bench_wgemm_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

bench-wgemm: $(BENCH_WGEMM)
	$(BENCH_WGEMM) $(BENCH_ARGS)

# make bench-qd8: the int8 x int8 GEMM (aio_qd8_gemm.h) next to the
# weight-only int8 and fp32 kernels (BENCH_ARGS as above).
BENCH_QD8 := $(BUILD)/bench/bench_qd8_gemm_kernel
$(BENCH_QD8): bench/bench_qd8_gemm_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

.PHONY: bench-qd8
bench-qd8: $(BENCH_QD8)
	$(BENCH_QD8) $(BENCH_ARGS)

# aarch64: Criterion is not available for arm64 here, so the same tester
# (tests/unit/f32_gemm_tester.h) runs from a plain-C main.
AARCH64_CC      ?= aarch64-linux-gnu-gcc
QEMU_AARCH64    ?= qemu-aarch64
AARCH64_SYSROOT ?= /usr/aarch64-linux-gnu
AARCH64_CFLAGS  := -O2 -march=armv8-a -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
                   -D_GNU_SOURCE -Ienv -Ikernels -Itests/unit
AARCH64_OBJS    := $(KERNEL_SRCS:%.c=$(BUILD)/aarch64/obj/%.o)
AARCH64_CHECK   := $(BUILD)/aarch64/f32_gemm_check

$(BUILD)/aarch64/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -c $< -o $@

$(AARCH64_CHECK): tests/kernels/f32_gemm_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

AARCH64_WCHECK  := $(BUILD)/aarch64/wgemm_check
$(AARCH64_WCHECK): tests/kernels/wgemm_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

# Vector math, activations and softmax: one plain-C checker over the shared
# testers (tests/unit/vmath_tester.h, act_tester.h).
AARCH64_ACHECK  := $(BUILD)/aarch64/act_check
$(AARCH64_ACHECK): tests/kernels/act_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

# int8 x int8 GEMM (qd8-gemm/): dotprod on neoverse-n1, i8mm on max, the
# reference on cortex-a53 (neither).
AARCH64_QCHECK  := $(BUILD)/aarch64/qd8_gemm_check
$(AARCH64_QCHECK): tests/kernels/qd8_gemm_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

# neoverse-n1: NEON + dotprod + fp16, no SVE: the full sweep. max: every
# feature qemu has (SVE, i8mm, bf16): detection and slot choice must follow,
# while the kernels run the same NEON code, so the quicker sweep suffices.
# The weight-compressed GEMM checker follows the same split.
# One target per checker run, so `make -j2 test-aarch64` (as `make test`
# runs it) keeps two qemu processes busy.
AARCH64_RUNS := f32-n1 f32-max wgemm-n1 wgemm-max act-n1 qd8-n1 qd8-max qd8-a53
.PHONY: $(AARCH64_RUNS:%=test-aarch64-%)
test-aarch64: $(AARCH64_RUNS:%=test-aarch64-%)
test-aarch64-f32-n1: $(AARCH64_CHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_CHECK) --expect-isa "neon dotprod fp16"
test-aarch64-f32-max: $(AARCH64_CHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu max $(AARCH64_CHECK) --quick --expect-isa "neon dotprod fp16 i8mm bf16 sve"
test-aarch64-wgemm-n1: $(AARCH64_WCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_WCHECK)
test-aarch64-wgemm-max: $(AARCH64_WCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu max $(AARCH64_WCHECK) --quick
test-aarch64-act-n1: $(AARCH64_ACHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_ACHECK)
test-aarch64-qd8-n1: $(AARCH64_QCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_QCHECK) --expect aio_qd8_f32_qc8w_gemm__neondot
test-aarch64-qd8-max: $(AARCH64_QCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu max $(AARCH64_QCHECK) --quick --expect aio_qd8_f32_qc8w_gemm__neoni8mm
test-aarch64-qd8-a53: $(AARCH64_QCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu cortex-a53 $(AARCH64_QCHECK) --quick --expect aio_qd8_f32_qc8w_gemm__ref

-include $(shell find $(BUILD)/aarch64 -name '*.d' 2>/dev/null)

# RMSNorm / LayerNorm / RoPE kernels (norm/, rope/): the plain-C checker
# over every variant and dtype, under the NEON CPU model.
AARCH64_NRCHECK := $(BUILD)/aarch64/norm_rope_check
$(AARCH64_NRCHECK): tests/kernels/norm_rope_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-norm-rope
test-aarch64: test-aarch64-norm-rope
test-aarch64-norm-rope: $(AARCH64_NRCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_NRCHECK)
# bf16-dot GEMM on aarch64: the BFDOT kernel runs where qemu's CPU model has
# bf16 (max); neoverse-n1 has none and must keep the reference in the slot.
AARCH64_BCHECK  := $(BUILD)/aarch64/bf16_gemm_check
$(AARCH64_BCHECK): tests/kernels/bf16_gemm_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-bf16
test-aarch64: test-aarch64-bf16
test-aarch64-bf16: $(AARCH64_BCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu max $(AARCH64_BCHECK) --expect-native 1
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_BCHECK) --quick --expect-native 0

# make bench-peak: the measured single-core FMA / dot-product peak of every
# x86 ISA slot this CPU has (bench/bench_peak.c); PEAK_JSON names the JSON
# file the kernel benches read to report % of peak.
PEAK_JSON   ?= $(BUILD)/bench/peak.json
BENCH_PEAK  := $(BUILD)/bench/bench_peak
$(BENCH_PEAK): bench/bench_peak.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

.PHONY: bench-peak
bench-peak: $(BENCH_PEAK)
	$(BENCH_PEAK) --json $(PEAK_JSON) $(BENCH_ARGS)
# Attention kernels (attention/): the plain-C checker over every variant
# (tests/unit/sdpa_tester.h); the NEON flash kernel must hold the slot.
AARCH64_SCHECK  := $(BUILD)/aarch64/sdpa_check
$(AARCH64_SCHECK): tests/kernels/sdpa_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-sdpa
test-aarch64: test-aarch64-sdpa
test-aarch64-sdpa: $(AARCH64_SCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_SCHECK) --quick --expect aio_f32_sdpa_flash_8x8__neon

# make bench-sdpa: single-threaded GFLOP/s of every attention kernel
# variant at encoder/prefill shapes (BENCH_ARGS="--peak FILE" for % of peak).
BENCH_SDPA := $(BUILD)/bench/bench_sdpa_kernel
$(BENCH_SDPA): bench/bench_sdpa_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibench -o $@ $^ -lm

.PHONY: bench-sdpa
bench-sdpa: $(BENCH_SDPA)
	$(BENCH_SDPA) $(BENCH_ARGS)

# EmbeddingBag gather-reduce kernels (embedding/): the plain-C checker over
# every variant and table format, under the NEON CPU model.
AARCH64_ECHECK  := $(BUILD)/aarch64/embedding_check
$(AARCH64_ECHECK): tests/kernels/embedding_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-embedding
test-aarch64: test-aarch64-embedding
test-aarch64-embedding: $(AARCH64_ECHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_ECHECK)

# Arg-extreme kernels (argext/, max/min with index): the plain-C checker
# over every variant (tests/unit/argext_tester.h) under the NEON CPU model.
AARCH64_AECHECK := $(BUILD)/aarch64/argext_check
$(AARCH64_AECHECK): tests/kernels/argext_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-argext
test-aarch64: test-aarch64-argext
test-aarch64-argext: $(AARCH64_AECHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_AECHECK) --quick

# int8 x int4 GEMM (qc4w-gemm/): dotprod on neoverse-n1, i8mm on max, the
# reference on cortex-a53; the weight-only fallback on each.
AARCH64_Q4CHECK := $(BUILD)/aarch64/qc4w_gemm_check
$(AARCH64_Q4CHECK): tests/kernels/qc4w_gemm_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-qc4w-n1 test-aarch64-qc4w-max test-aarch64-qc4w-a53
test-aarch64: test-aarch64-qc4w-n1 test-aarch64-qc4w-max test-aarch64-qc4w-a53
test-aarch64-qc4w-n1: $(AARCH64_Q4CHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_Q4CHECK) --expect aio_qd8_f32_qc4w_gemm__neondot
test-aarch64-qc4w-max: $(AARCH64_Q4CHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu max $(AARCH64_Q4CHECK) --quick --expect aio_qd8_f32_qc4w_gemm__neoni8mm
test-aarch64-qc4w-a53: $(AARCH64_Q4CHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu cortex-a53 $(AARCH64_Q4CHECK) --quick --expect aio_qd8_f32_qc4w_gemm__ref

# make bench-qc4w: the int8 x int4 GEMM at decode shapes, one thread, CPU
# time, quantization / kernel / whole call apart (BENCH_ARGS="--group 32").
BENCH_QC4W := $(BUILD)/bench/bench_qc4w_gemm_kernel
$(BENCH_QC4W): bench/bench_qc4w_gemm_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

.PHONY: bench-qc4w
bench-qc4w: $(BENCH_QC4W)
	$(BENCH_QC4W) $(BENCH_ARGS)
