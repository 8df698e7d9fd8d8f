# One dispatch module per supported torch minor version (`make modules`).
#
# The installed torch's minor version is served by $(DISPATCH) itself (built
# by `make all` against the installed wheel). Every other version V gets
# $(BUILD)/libaio_dispatch-torchV.so, compiled from the same sources against
# the headers of torch V's wheel, fetched once into $(BUILD)/torch-headers/V
# by scripts/torch-headers.sh (headers only, ~60 MB each). Never linked to
# libtorch. The preload picks libaio_dispatch-torch<loaded major.minor>.so
# beside itself, else libaio_dispatch.so (interpose/module_select.c).
#
# Wheels since 2.x are built with the new libstdc++ ABI, so downloaded
# headers compile with _GLIBCXX_USE_CXX11_ABI=1; a wrong guess could not
# go unnoticed: every std::string symbol would fail the preload's check.

AIO_TORCH_MINORS ?= 2.11 2.12 2.13
TORCH_MINOR      := $(word 1,$(subst ., ,$(TORCH_VER))).$(word 2,$(subst ., ,$(TORCH_VER)))
OTHER_MINORS     := $(filter-out $(TORCH_MINOR),$(AIO_TORCH_MINORS))
TORCH_HEADERS    := $(BUILD)/torch-headers

# The full version string of fetched headers ("2.12.1"), for the module's
# .aio_torch_version section.
headers_version = $(shell sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" $(TORCH_HEADERS)/$(1)/torch/version.py 2>/dev/null)

VERSIONED_DISPATCH := $(OTHER_MINORS:%=$(BUILD)/libaio_dispatch-torch%.so)

.PHONY: modules torch-headers
modules: $(DISPATCH) $(VERSIONED_DISPATCH)
torch-headers: $(OTHER_MINORS:%=$(TORCH_HEADERS)/%/torch/version.py)

$(TORCH_HEADERS)/%/torch/version.py:
	PYTHON=$(PYTHON) scripts/torch-headers.sh $* $(TORCH_HEADERS)/$*

# Per-version flags: same as $(DISPATCH_CXXFLAGS) with that version's
# headers, ABI and version string.
dispatch_flags_for = $(filter-out -D_GLIBCXX_USE_CXX11_ABI=% -DAIO_TORCH_VERSION=% -isystem $(TORCH_DIR)/include \
    $(TORCH_DIR)/include/torch/csrc/api/include,$(DISPATCH_CXXFLAGS)) \
    -D_GLIBCXX_USE_CXX11_ABI=1 -DAIO_TORCH_VERSION='"$(call headers_version,$(1))"' \
    -isystem $(TORCH_HEADERS)/$(1)/torch/include -isystem $(TORCH_HEADERS)/$(1)/torch/include/torch/csrc/api/include

# versioned_dispatch(V, OUTDIR, CXX, KERNEL_OBJS, EXTRA_FLAGS): the rules for
# OUTDIR/libaio_dispatch-torchV.so. The common torch headers are
# precompiled once per version and directory (torch_pch.h). A cross build
# instantiates it with its own compiler and kernel objects, e.g.
#   $(foreach v,$(OTHER_MINORS),$(eval $(call versioned_dispatch,$(v),$(BUILD)/aarch64,\
#       $(AARCH64_CXX),$(ARM_KERNEL_OBJS),-march=armv8-a)))
define versioned_dispatch
$(2)/pch/torch$(1)/torch_pch.h.gch: dispatch/torch_pch.h $(TORCH_HEADERS)/$(1)/torch/version.py
	@mkdir -p $$(dir $$@)
	cp dispatch/torch_pch.h $(2)/pch/torch$(1)/torch_pch.h
	$(3) $$(call dispatch_flags_for,$(1)) $(5) -x c++-header -c $(2)/pch/torch$(1)/torch_pch.h -o $$@
$(2)/obj/dispatch-torch$(1)/%.o: dispatch/%.cpp $(2)/pch/torch$(1)/torch_pch.h.gch
	@mkdir -p $$(dir $$@)
	$(3) $$(call dispatch_flags_for,$(1)) $(5) -include $(2)/pch/torch$(1)/torch_pch.h -Winvalid-pch \
	    -MMD -MP -c $$< -o $$@
$(2)/libaio_dispatch-torch$(1).so: $(DISPATCH_SRCS:dispatch/%.cpp=$(2)/obj/dispatch-torch$(1)/%.o) $(4)
	$(3) -shared -o $$@ $$^ -Wl,--exclude-libs,ALL
endef
$(foreach v,$(OTHER_MINORS),$(eval $(call versioned_dispatch,$(v),$(BUILD),$$(CXX),$$(KERNEL_OBJS),)))
# compile_backend.cpp embeds dispatch/aio_compile_backend.py (.incbin).
$(foreach v,$(OTHER_MINORS),$(BUILD)/obj/dispatch-torch$(v)/compile_backend.o): dispatch/aio_compile_backend.py
