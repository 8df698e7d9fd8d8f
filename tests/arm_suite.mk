# The Arm suite: the whole product (preload + dispatch module) cross-built
# for aarch64 and run inside the real aarch64 PyTorch 2.13 wheel under
# qemu-aarch64 (-cpu neoverse-n1 and -cpu max), against stock aarch64 PyTorch
# under the same emulator. Included by the top-level Makefile.
#   make aarch64-root   build/aarch64-root: Debian arm64 packages, PyPI's
#                       aarch64 wheels, CUDA stubs, N1 cpuinfo (downloads once)
#   make aarch64-libs   build/aarch64/libaio_preload.so, libaio_dispatch.so
#   make test-arm       the suite (tests/arm/run_suite.py)

.PHONY: aarch64-root aarch64-libs test-arm

AARCH64_CXX    ?= aarch64-linux-gnu-g++
AARCH64_ROOT   := $(BUILD)/aarch64-root
AARCH64_SYS    := $(AARCH64_ROOT)/sysroot
ARM_LIBDIRS    := $(AARCH64_SYS)/usr/lib/aarch64-linux-gnu $(AARCH64_SYS)/lib/aarch64-linux-gnu
comma          := ,
ARM_LDFLAGS    := $(addprefix -L,$(ARM_LIBDIRS)) $(addprefix -Wl$(comma)-rpath-link$(comma),$(ARM_LIBDIRS))

# The root is a download, not a build product of sources: make runs the
# script every time (it only checks its stamps when all is cached, ~1 s of
# CPU). The C objects need its headers: an order-only prerequisite, so one
# script run per make, before them, and no rebuild when it ran.
aarch64-root:
	bash scripts/aarch64-sysroot.sh $(AARCH64_ROOT)

# Same flags as the x86 build (Makefile), the aarch64 toolchain, the root's
# headers (libelf, libnuma) and link names; kernel objects are PIC here,
# unlike the plain-C checkers' objects in build/aarch64/obj. No -g: these
# are test builds, and debug info of the torch templates costs a third of
# the compile time on a 2-core machine.
ARM_CFLAGS     := $(filter-out -g,$(CFLAGS_COMMON)) -march=armv8-a -I$(AARCH64_SYS)/usr/include
ARM_CXXFLAGS   := $(filter-out -g,$(DISPATCH_CXXFLAGS)) -march=armv8-a
ARM_PRELOAD    := $(BUILD)/aarch64/libaio_preload.so
ARM_DISPATCH   := $(BUILD)/aarch64/libaio_dispatch.so
ARM_PRELOAD_OBJS  := $(PRELOAD_SRCS:%.c=$(BUILD)/aarch64/pic/%.o) $(ENV_SRCS:%.c=$(BUILD)/aarch64/pic/%.o)
ARM_KERNEL_OBJS   := $(KERNEL_SRCS:%.c=$(BUILD)/aarch64/pic/%.o)
ARM_DISPATCH_OBJS := $(DISPATCH_SRCS:%.cpp=$(BUILD)/aarch64/pic/%.o)

$(BUILD)/aarch64/pic/interpose/%.o $(BUILD)/aarch64/pic/env/%.o: ARM_VIS := -fvisibility=hidden
$(BUILD)/aarch64/pic/%.o: %.c | aarch64-root
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(ARM_CFLAGS) $(ARM_VIS) -MMD -MP -c $< -o $@
$(BUILD)/aarch64/pic/dispatch/%.o: dispatch/%.cpp | check-torch
	@mkdir -p $(dir $@)
	$(AARCH64_CXX) $(ARM_CXXFLAGS) -MMD -MP -c $< -o $@

$(ARM_PRELOAD): $(ARM_PRELOAD_OBJS) interpose/aio_preload.map
	$(AARCH64_CC) -shared -o $@ $(ARM_PRELOAD_OBJS) \
	    -Wl,--version-script=interpose/aio_preload.map -Wl,-z,defs \
	    $(ARM_LDFLAGS) -lelf -lnuma -ldl -lpthread
$(ARM_DISPATCH): $(ARM_DISPATCH_OBJS) $(ARM_KERNEL_OBJS)
	$(AARCH64_CXX) -shared -o $@ $(ARM_DISPATCH_OBJS) $(ARM_KERNEL_OBJS) -Wl,--exclude-libs,ALL

aarch64-libs: $(ARM_PRELOAD) $(ARM_DISPATCH)

# ARM_SUITE_ARGS="--cpus neoverse-n1 --only gemm" to run a part.
test-arm: aarch64-root aarch64-libs
	$(PYTHON) tests/arm/run_suite.py --root $(AARCH64_ROOT) --libs $(BUILD)/aarch64 $(ARM_SUITE_ARGS)

-include $(shell find $(BUILD)/aarch64/pic -name '*.d' 2>/dev/null)
# compile_backend.cpp embeds dispatch/aio_compile_backend.py (.incbin).
$(BUILD)/aarch64/pic/dispatch/compile_backend.o: dispatch/aio_compile_backend.py
