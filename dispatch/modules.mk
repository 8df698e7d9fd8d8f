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

# The common torch headers are precompiled once per version (torch_pch.h).
define versioned_dispatch
$(BUILD)/pch/torch$(1)/torch_pch.h.gch: dispatch/torch_pch.h $(TORCH_HEADERS)/$(1)/torch/version.py
	@mkdir -p $$(dir $$@)
	cp dispatch/torch_pch.h $(BUILD)/pch/torch$(1)/torch_pch.h
	$$(CXX) $$(call dispatch_flags_for,$(1)) -x c++-header -c $(BUILD)/pch/torch$(1)/torch_pch.h -o $$@
$(BUILD)/obj/dispatch-torch$(1)/%.o: dispatch/%.cpp $(BUILD)/pch/torch$(1)/torch_pch.h.gch
	@mkdir -p $$(dir $$@)
	$$(CXX) $$(call dispatch_flags_for,$(1)) -include $(BUILD)/pch/torch$(1)/torch_pch.h -Winvalid-pch \
	    -MMD -MP -c $$< -o $$@
$(BUILD)/libaio_dispatch-torch$(1).so: $(DISPATCH_SRCS:dispatch/%.cpp=$(BUILD)/obj/dispatch-torch$(1)/%.o) $(KERNEL_OBJS)
	$$(CXX) -shared -o $$@ $$^ -Wl,--exclude-libs,ALL
endef
$(foreach v,$(OTHER_MINORS),$(eval $(call versioned_dispatch,$(v))))
