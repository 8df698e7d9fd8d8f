# aio build. `make` builds the preload, the dispatch module, aio-run and the
# config tool; `make test` runs the C unit tests and the Python suite.
# Kernel and env sources are picked up by wildcard; per-area rules live in
# kernels/kernels.mk and env/env.mk.

PYTHON      ?= python3
CC          ?= gcc
CXX         ?= g++
BUILD       := build
OPT         ?= -O2
CFLAGS_COMMON := $(OPT) -g -fPIC -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation \
                 -Ienv -Ikernels -Iinterpose -D_GNU_SOURCE
CFLAGS      += $(CFLAGS_COMMON)

# Torch facts come from the installed wheel, asked once per make run.
TORCH_FACTS := $(shell $(PYTHON) -c 'import torch, os; \
    print(os.path.dirname(torch.__file__)); \
    print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); \
    print(torch.__version__.split("+")[0])' 2>/dev/null)
TORCH_DIR   := $(word 1,$(TORCH_FACTS))
TORCH_ABI   := $(word 2,$(TORCH_FACTS))
TORCH_VER   := $(word 3,$(TORCH_FACTS))

ENV_SRCS    := $(filter-out env/%_main.c,$(wildcard env/*.c))
KERNEL_SRCS := $(wildcard kernels/*.c kernels/*/*.c)
PRELOAD_SRCS := $(wildcard interpose/*.c)
DISPATCH_SRCS := $(wildcard dispatch/*.cpp)

ENV_OBJS    := $(ENV_SRCS:%.c=$(BUILD)/obj/%.o)
KERNEL_OBJS := $(KERNEL_SRCS:%.c=$(BUILD)/obj/%.o)
PRELOAD_OBJS := $(PRELOAD_SRCS:%.c=$(BUILD)/obj/%.o)
DISPATCH_OBJS := $(DISPATCH_SRCS:%.cpp=$(BUILD)/obj/%.o)

PRELOAD     := $(BUILD)/libaio_preload.so
DISPATCH    := $(BUILD)/libaio_dispatch.so
AIO_RUN     := $(BUILD)/aio-run
PRINT_CONFIG := $(BUILD)/aio-print-config

.PHONY: all test test-c test-python test-aarch64 bench bench-llm demo clean check-torch
.PHONY: bench-models modules
all: $(PRELOAD) $(DISPATCH) $(AIO_RUN) $(PRINT_CONFIG)

check-torch:
	@test -n "$(TORCH_DIR)" || { echo "make: torch is not importable by $(PYTHON); run scripts/setup.sh" >&2; exit 1; }

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The preload: C only, hidden visibility, exports nothing but its hooks.
$(BUILD)/obj/interpose/%.o: CFLAGS += -fvisibility=hidden
$(BUILD)/obj/env/%.o: CFLAGS += -fvisibility=hidden
$(PRELOAD): $(PRELOAD_OBJS) $(ENV_OBJS) interpose/aio_preload.map
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $(PRELOAD_OBJS) $(ENV_OBJS) \
	    -Wl,--version-script=interpose/aio_preload.map -Wl,-z,defs \
	    -lelf -lnuma -ldl -lpthread

# The dispatch module: thin C++ against the wheel's headers, never linked to
# libtorch (its symbols resolve against the torch the process loaded).
# -fopenmp compiles at::parallel_for; GOMP_* resolve to torch's own libgomp.
DISPATCH_CXXFLAGS := $(OPT) -g -fPIC -std=c++17 -fvisibility=hidden -fopenmp \
    -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) -DAIO_TORCH_VERSION='"$(TORCH_VER)"' \
    -isystem $(TORCH_DIR)/include -isystem $(TORCH_DIR)/include/torch/csrc/api/include \
    -Ienv -Ikernels -Iinterpose -Wall -Wno-unused-parameter
# The torch headers are most of each file's compile time: precompile them
# once (dispatch/torch_pch.h, as the versioned modules do).
DISPATCH_PCH := $(BUILD)/pch/main/torch_pch.h
$(DISPATCH_PCH).gch: dispatch/torch_pch.h | check-torch
	@mkdir -p $(dir $@)
	cp dispatch/torch_pch.h $(DISPATCH_PCH)
	$(CXX) $(DISPATCH_CXXFLAGS) -x c++-header -c $(DISPATCH_PCH) -o $@
$(BUILD)/obj/dispatch/%.o: dispatch/%.cpp $(DISPATCH_PCH).gch | check-torch
	@mkdir -p $(dir $@)
	$(CXX) $(DISPATCH_CXXFLAGS) -include $(DISPATCH_PCH) -Winvalid-pch -MMD -MP -c $< -o $@
$(DISPATCH): $(DISPATCH_OBJS) $(KERNEL_OBJS)
	$(CXX) -shared -o $@ $(DISPATCH_OBJS) $(KERNEL_OBJS) -Wl,--exclude-libs,ALL

$(AIO_RUN): packaging/aio-run.sh VERSION
	@mkdir -p $(dir $@)
	sed -e 's/@AIO_VERSION@/$(shell cat VERSION)/' -e 's|@AIO_LIBDIR_REL@|../lib/aio|' $< > $@ && chmod +x $@

$(PRINT_CONFIG): env/print_config_main.c $(ENV_OBJS)
	$(CC) $(CFLAGS) -o $@ $^

-include kernels/kernels.mk
-include kernels/stack_check.mk
-include kernels/qd8_quantize.mk
-include kernels/mca.mk
-include env/env.mk
-include tests/tests.mk
-include tests/arm_suite.mk
-include dispatch/modules.mk
-include packaging/packaging.mk
-include tests/oldtorch.mk
-include bench/lowp.mk
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The README's test command: C unit tests (fast), the aarch64 kernels under
# qemu, the Python suite, then the Arm suite (the product in aarch64 torch
# under qemu, tests/arm_suite.mk).
test:
	$(MAKE) -j2 all
	$(MAKE) test-c
	$(MAKE) -j2 test-aarch64
	$(MAKE) -j2 modules
	$(MAKE) test-python
	$(MAKE) test-arm
	$(MAKE) test-oldtorch

bench: all
	$(PYTHON) bench/bench_preload_cost.py
	$(PYTHON) bench/bench_linear.py --modes fp32,fp16,bf16,int8

bench-llm: all
	$(PYTHON) bench/bench_llm_decode.py --size 1b

# BERT-base and Llama prefill latency vs stock, and stock's time per op.
bench-models: all
	$(PYTHON) bench/bench_transformers.py

demo: all
	$(PYTHON) examples/demo.py

clean:
	rm -rf $(BUILD)

# compile_backend.cpp embeds the backend's Python source with .incbin.
$(BUILD)/obj/dispatch/compile_backend.o: dispatch/aio_compile_backend.py
