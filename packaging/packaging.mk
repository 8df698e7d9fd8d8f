# make install / uninstall, make deb, make rpm, make lintian.
#
#   make install PREFIX=/usr/local DESTDIR=      # preload in $(PREFIX)/lib/aio
#   make deb rpm                                 # this machine's architecture
#   make deb rpm PKG_ARCH=arm64 PKG_BUILD=build/aarch64   # a cross build's outputs
#
# Everything is installed from one build directory (PKG_BUILD: the preload,
# libaio_dispatch.so and libaio_dispatch-torch*.so, aio-print-config), so a
# cross build packages the same way; the man pages come from this machine's
# aio-print-config (the option table is the same on every architecture).
# Packages go to $(BUILD)/pkg/.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
AIO_LIBDIR ?= $(PREFIX)/lib/aio
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/aio

AIO_VERSION := $(shell cat VERSION)
PKG_ARCH    ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
PKG_BUILD   ?= $(BUILD)
PKG_DIR     := $(abspath $(BUILD))/pkg
PKG_TRIPLET := $(if $(filter arm64,$(PKG_ARCH)),aarch64-linux-gnu,x86_64-linux-gnu)
PKG_RPMARCH := $(if $(filter arm64,$(PKG_ARCH)),aarch64,x86_64)
PKG_STRIP   ?= $(if $(filter arm64,$(PKG_ARCH)),aarch64-linux-gnu-strip,strip)
# A native package needs every supported torch; a cross build packages the
# modules it has (the aarch64 build rules live in the cross-build suite).
PKG_REQUIRE ?= $(if $(filter $(BUILD),$(PKG_BUILD)),$(AIO_TORCH_MINORS),)
PKG_DEPS    := $(if $(filter $(BUILD),$(PKG_BUILD)),all modules,$(PRINT_CONFIG) $(PKG_BUILD)/aio-print-config)
DEB_FILE    := $(PKG_DIR)/aio_$(AIO_VERSION)_$(PKG_ARCH).deb
RPM_FILE    := $(PKG_DIR)/aio-$(AIO_VERSION)-1.$(PKG_RPMARCH).rpm

PKG_ENV = SRC=$(CURDIR) BUILD=$(abspath $(PKG_BUILD)) VERSION=$(AIO_VERSION) STRIP=$(PKG_STRIP) \
    REQUIRE="$(PKG_REQUIRE)" PRINT_CONFIG=$(abspath $(PRINT_CONFIG))

.PHONY: install uninstall deb rpm packages lintian
install: all modules
	SRC=$(CURDIR) BUILD=$(abspath $(BUILD)) PRINT_CONFIG=$(abspath $(PRINT_CONFIG)) DESTDIR="$(DESTDIR)" BINDIR="$(BINDIR)" AIO_LIBDIR="$(AIO_LIBDIR)" \
	    MANDIR="$(MANDIR)" DOCDIR="$(DOCDIR)" REQUIRE="$(AIO_TORCH_MINORS)" packaging/install.sh

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/aio-run" "$(DESTDIR)$(MANDIR)/man1/aio-run.1.gz" "$(DESTDIR)$(MANDIR)/man7/aio-pytorch.7.gz"
	rm -rf "$(DESTDIR)$(AIO_LIBDIR)" "$(DESTDIR)$(DOCDIR)"

deb: $(PKG_DEPS)
	$(PKG_ENV) STAGE=$(PKG_DIR)/deb-$(PKG_ARCH) OUT=$(DEB_FILE) DEB_ARCH=$(PKG_ARCH) TRIPLET=$(PKG_TRIPLET) \
	    packaging/build-deb.sh

rpm: $(PKG_DEPS)
	$(PKG_ENV) STAGE=$(PKG_DIR)/rpm-$(PKG_RPMARCH) OUT=$(RPM_FILE) RPM_ARCH=$(PKG_RPMARCH) packaging/build-rpm.sh

packages: deb rpm

# Tags that remain (and any suppressed) are explained in packaging/lintian.md.
lintian: deb
	lintian --info --display-info --suppress-tags-from-file packaging/lintian-suppressed $(DEB_FILE)

# A cross build directory gets its own aio-print-config (plain C, env/ only),
# so the package's helper runs on the package's architecture.
PKG_CC ?= $(if $(filter arm64,$(PKG_ARCH)),aarch64-linux-gnu-gcc,$(CC))
ifneq ($(abspath $(PKG_BUILD)),$(abspath $(BUILD)))
$(PKG_BUILD)/aio-print-config: env/print_config_main.c $(ENV_SRCS)
	@mkdir -p $(dir $@)
	$(PKG_CC) $(CFLAGS_COMMON) -o $@ $^
endif
