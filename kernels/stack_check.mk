# make check-stack: no loads/stores addressing the stack inside the innermost
# loops of the aarch64 kernels as the cross build compiles them (issue 9,
# item 3). scripts/check_stack_traffic.py says how it finds loops and which
# functions are exempt (its ALLOW list, each with a reason).
#   make check-stack STACK_ARGS=--loops     also list each dirty loop's range
#   make check-stack STACK_ARGS=--any-loop  count outer loops too (informative)
AARCH64_OBJDUMP ?= aarch64-linux-gnu-objdump

.PHONY: check-stack
check-stack: $(AARCH64_OBJS)
	$(PYTHON) scripts/check_stack_traffic.py --objdir $(BUILD)/aarch64/obj \
	    --objdump $(AARCH64_OBJDUMP) --quiet $(STACK_ARGS)

test-aarch64: check-stack
