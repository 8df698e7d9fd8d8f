# aarch64: the NEON fp32 attention kernel (attention/f32_sdpa_neon.c)
# through the shared sweep of tests/unit/sdpa_tester.h under qemu.
AARCH64_SDPACHECK := $(BUILD)/aarch64/f32_sdpa_check
$(AARCH64_SDPACHECK): tests/kernels/f32_sdpa_check_main.c $(AARCH64_OBJS)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -o $@ $< $(AARCH64_OBJS) -lm

.PHONY: test-aarch64-sdpa
test-aarch64: test-aarch64-sdpa
test-aarch64-sdpa: $(AARCH64_SDPACHECK)
	$(QEMU_AARCH64) -L $(AARCH64_SYSROOT) -cpu neoverse-n1 $(AARCH64_SDPACHECK)
