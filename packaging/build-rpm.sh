#!/usr/bin/env bash
# build-rpm.sh: the .rpm from one build directory, with Debian's rpmbuild
# (its own _topdir, --nodeps: the Requires name Fedora/RHEL packages that
# Debian does not have). Set by packaging/packaging.mk: SRC, BUILD, STAGE,
# OUT, RPM_ARCH, STRIP, REQUIRE, VERSION. Preload in /usr/lib64/aio/.
set -euo pipefail
: "${SRC:?}" "${BUILD:?}" "${STAGE:?}" "${OUT:?}" "${RPM_ARCH:?}" "${VERSION:?}"
libdir=/usr/lib64/aio
rm -rf "$STAGE"
top=$STAGE/top root=$STAGE/root
mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT} "$root" "$(dirname "$OUT")"
SRC=$SRC BUILD=$BUILD DESTDIR=$root BINDIR=/usr/bin AIO_LIBDIR=$libdir \
    MANDIR=/usr/share/man DOCDIR=/usr/share/doc/aio "$SRC/packaging/install.sh"
# The torch versions this package serves, from the modules it holds.
served=$(ls "$root$libdir" | sed -n 's/^libaio_dispatch-torch\(.*\)\.so$/\1/p' | sort -V | sed '$!s/$/,/' | tr '\n' ' ' | sed 's/ $//')
files=$( (cd "$root" && find . -type f -printf '/%P\n' | sort) )
spec=$top/SPECS/aio.spec
cat > "$spec" <<SPEC
# Binary-only: the files are built and staged by make; rpmbuild packs them.
%global debug_package %{nil}
%global __os_install_post %{nil}
%define _build_id_links none
Name:           aio
Version:        $VERSION
Release:        1
Summary:        PyTorch CPU inference acceleration with no code change
License:        LicenseRef-not-yet-chosen
URL:            https://example.org/aio
Requires:       numactl-libs
Requires:       elfutils-libelf
%description
aio makes an unmodified PyTorch program faster on CPU servers (Arm
NEON/SVE and x86 AVX2/AVX-512): started with aio-run, or with its library
in LD_PRELOAD, it registers its own C kernels at PyTorch's CPU dispatcher.
Anything it does not cover runs on PyTorch's own kernel, unchanged.
PyTorch itself is not a dependency (install it with pip); aio serves
torch $served and runs any other version on stock kernels.

%install
mkdir -p %{buildroot}
cp -a $root/. %{buildroot}/

%files
%dir $libdir
%dir /usr/share/doc/aio
%dir /usr/share/doc/aio/docs
$files
SPEC
rpmbuild -bb --quiet --nodeps --target "$RPM_ARCH-linux" \
    --define "_topdir $top" --define "_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" "$spec" >/dev/null
mv "$top/RPMS/aio-$VERSION-1.$RPM_ARCH.rpm" "$OUT"
echo "rpm: $OUT" >&2
