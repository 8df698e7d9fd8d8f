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
# It keeps about one core busy (mostly interpreter and torch start-ups), so
# `make test-python` runs it as two halves side by side (alternate files),
# each in its own temp root; a half's log is printed when it ends.
# `make test-python-serial` is the plain single run.
PY_TEST_FILES := $(sort $(wildcard tests/python/test_*.py))
PY_SHARD_1 := $(foreach i,$(shell seq 1 2 $(words $(PY_TEST_FILES))),$(word $(i),$(PY_TEST_FILES)))
PY_SHARD_2 := $(filter-out $(PY_SHARD_1),$(PY_TEST_FILES))

.PHONY: test-python test-python-serial test-python-shard-1 test-python-shard-2
test-python: all
	@$(MAKE) --no-print-directory -j2 test-python-shard-1 test-python-shard-2

# $(call run_pytest_half,N)
define run_pytest_half
	@mkdir -p $(BUILD)/pytest
	@echo "== pytest half $(1) of 2 started: $(notdir $(PY_SHARD_$(1)))"
	@$(PYTHON) -m pytest -q -p no:cacheprovider --basetemp=$(BUILD)/pytest/half-$(1) $(PY_SHARD_$(1)) \
	    > $(BUILD)/pytest/half-$(1).log 2>&1; rc=$$?; \
	  echo "== pytest half $(1) of 2 (exit $$rc):"; cat $(BUILD)/pytest/half-$(1).log; exit $$rc
endef
test-python-shard-1: all
	$(call run_pytest_half,1)
test-python-shard-2: all
	$(call run_pytest_half,2)

test-python-serial: all
	$(PYTHON) -m pytest -q tests/python
