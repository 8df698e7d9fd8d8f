# make mca: llvm-mca cycle model of every marked micro-kernel loop
# (AIO_MCA_BEGIN/AIO_MCA_END, kernels/aio_mca.h), aarch64 regions on
# neoverse-n1 and ampere1, x86 regions on znver4. The asm is compiled
# with the flags of the real builds (AARCH64_CFLAGS of kernels/kernels.mk,
# CFLAGS_COMMON of the Makefile) plus -DAIO_MCA. See docs/arm.md.
#   MCA_ARGS="--filter 8x12"          only some regions
#   MCA_ARGS="--x86-cpus znver4,znver3"  more x86 cores
#   MCA_ARGS="--show-asm 8x12"        print the modelled loop text
#   MCA_ARGS="--probe-pipes"          FMA/dot pipes per core, from the model
LLVM_MCA ?= llvm-mca-19
MCA_ARGS ?=

.PHONY: mca
mca:
	@command -v $(LLVM_MCA) >/dev/null || { echo "make mca: $(LLVM_MCA) not found; run scripts/setup.sh (Debian llvm-19)" >&2; exit 1; }
	$(PYTHON) scripts/mca_report.py --mca $(LLVM_MCA) --build $(BUILD)/mca \
	    --aarch64-cc "$(AARCH64_CC)" --aarch64-flags "$(AARCH64_CFLAGS)" \
	    --x86-cc "$(CC)" --x86-flags "$(CFLAGS_COMMON)" $(MCA_ARGS)

# make mca-calibrate: measured cycles per iteration of the AVX2 loops that
# make mca models (best of many short runs; see bench/bench_mca_calibrate.c
# and docs/arm.md for the comparison).
MCA_CALIBRATE := $(BUILD)/bench/bench_mca_calibrate
$(MCA_CALIBRATE): bench/bench_mca_calibrate.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm

.PHONY: mca-calibrate
mca-calibrate: $(MCA_CALIBRATE)
	$(MCA_CALIBRATE) $(MCA_CALIBRATE_ARGS)
