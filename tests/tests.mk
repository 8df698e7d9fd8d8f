# Every tests/unit/test_*.c is a Criterion suite linked against the env and
# kernel objects. `make test-c` builds and runs them all.
TEST_C_SRCS := $(wildcard tests/unit/test_*.c)
TEST_C_BINS := $(TEST_C_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(ENV_OBJS) $(KERNEL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(ENV_OBJS) $(KERNEL_OBJS) -lcriterion -lnuma -lm -lpthread

test-c: $(TEST_C_BINS)
	@set -e; for t in $(TEST_C_BINS); do echo "== $$t"; $$t --jobs 2; done

# Python suite: real subprocesses under the preload with the real torch.
test-python: all
	$(PYTHON) -m pytest -q tests/python
