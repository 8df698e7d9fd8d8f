# make bench-lowp: bf16-dot and int8 x int8 GEMM kernels as % of the
# measured dot-product peak, 1 and 2 threads, M = 128 (bench/
# bench_lowp_gemm_kernel.c). PEAK_JSON (make bench-peak's output) is used
# when it exists, else the bench measures the peak itself.
BENCH_LOWP := $(BUILD)/bench/bench_lowp_gemm_kernel
$(BENCH_LOWP): bench/bench_lowp_gemm_kernel.c $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lm -lpthread

.PHONY: bench-lowp
bench-lowp: $(BENCH_LOWP)
	$(BENCH_LOWP) $(if $(wildcard $(BUILD)/bench/peak.json),--peak $(BUILD)/bench/peak.json) $(BENCH_ARGS)
