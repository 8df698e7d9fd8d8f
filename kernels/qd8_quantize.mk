# aarch64: the NEON activation quantizer (qd8-gemm/qd8_quantize_neon.c)
# against the portable one, byte for byte, under qemu (dotprod on
# neoverse-n1, so the slot must pick it).
AARCH64_QQCHECK := $(BUILD)/aarch64/qd8_quantize_check
$(AARCH64_QQCHECK): tests/kernels/qd8_quantize_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-qd8-quantize
test-aarch64: test-aarch64-qd8-quantize
test-aarch64-qd8-quantize: $(AARCH64_QQCHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_QQCHECK) --expect-neon
