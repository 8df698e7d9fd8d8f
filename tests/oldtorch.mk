# `make test-oldtorch`: per-op suites under the older supported torch (2.12,
# a venv made by scripts/setup.sh), through build/libaio_dispatch-torch2.12.so
# which the preload picks for it. A representative subset: the GEMM family
# (Linear, mm, addmm, out=, fallbacks), activations + softmax, norms + RoPE +
# the custom ops; the rest of the suite runs on 2.13 (test_torch_versions.py
# there also runs a model on this 2.12).
AIO_OLD_TORCH_PYTHON ?= /opt/aio/venv-torch2.12/bin/python
OLD_TORCH_TESTS ?= tests/python/test_gemm_ops.py tests/python/test_activation_ops.py \
                   tests/python/test_norm_rope_ops.py

.PHONY: test-oldtorch
test-oldtorch: all modules
	@test -x $(AIO_OLD_TORCH_PYTHON) || { echo "make: no torch 2.12 venv at $(AIO_OLD_TORCH_PYTHON); run scripts/setup.sh" >&2; exit 1; }
	@echo "== per-op tests on torch $$($(AIO_OLD_TORCH_PYTHON) -c 'import importlib.metadata as m; print(m.version("torch"))') ($(AIO_OLD_TORCH_PYTHON))"
	@for py in $(PYTHON) $(AIO_OLD_TORCH_PYTHON); do AIO_PROFILER=1 $(AIO_RUN) $$py tests/python/workloads/ffn_model.py 2>&1 | \
	    grep -E "^torch |^aio: summary"; done
	AIO_OLD_TORCH_PYTHON=$(AIO_OLD_TORCH_PYTHON) $(AIO_OLD_TORCH_PYTHON) -m pytest -q $(OLD_TORCH_TESTS)
