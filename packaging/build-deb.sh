#!/usr/bin/env bash
# build-deb.sh: the .deb from one build directory (packaging/packaging.mk
# sets SRC, BUILD, STAGE, OUT, DEB_ARCH, TRIPLET, STRIP, REQUIRE, VERSION).
# Layout as libfaketime/libeatmydata: the preload and its dispatch modules
# in /usr/lib/<triplet>/aio/, the launcher in /usr/bin.
set -euo pipefail
: "${SRC:?}" "${BUILD:?}" "${STAGE:?}" "${OUT:?}" "${DEB_ARCH:?}" "${TRIPLET:?}" "${VERSION:?}"
libdir=/usr/lib/$TRIPLET/aio
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$(dirname "$OUT")"
SRC=$SRC BUILD=$BUILD DESTDIR=$STAGE BINDIR=/usr/bin AIO_LIBDIR=$libdir \
    MANDIR=/usr/share/man DOCDIR=/usr/share/doc/aio DEBIAN_DOCS=1 "$SRC/packaging/install.sh"
# The torch versions this package serves, from the modules it holds.
served=$(ls "$STAGE$libdir" | sed -n 's/^libaio_dispatch-torch\(.*\)\.so$/\1/p' | sort -V | sed '$!s/$/,/' | tr '\n' ' ' | sed 's/ $//')
# Debian 12 sonames and the oldest versions with the symbols the binaries
# use (libc 2.34: pthread and dl in libc proper). Torch is not a dependency:
# it comes from pip, and the preload checks the one it finds.
depends="libc6 (>= 2.34), libelf1 (>= 0.142), libgcc-s1 (>= 3.3.1), libnuma1 (>= 2.0.11), libstdc++6 (>= 12)"
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: aio
Version: $VERSION
Architecture: $DEB_ARCH
Maintainer: aio developers <aio-dev@lists.example.org>
Installed-Size: $size
Depends: $depends
Section: science
Priority: optional
Description: PyTorch CPU inference acceleration with no code change
 aio makes an unmodified PyTorch program faster on CPU servers (Arm
 NEON/SVE and x86 AVX2/AVX-512): started with aio-run, or with its library
 in LD_PRELOAD, it registers its own C kernels at PyTorch's CPU dispatcher
 in eager mode, TorchScript and torch.compile alike. Anything it does not
 cover runs on PyTorch's own kernel, unchanged.
 .
 PyTorch itself is not part of this package (install it with pip); aio
 serves torch $served and runs any other version on stock kernels
 after one warning line.
CONTROL
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"
dpkg-deb --build --root-owner-group -Zxz "$STAGE" "$OUT" >/dev/null
echo "deb: $OUT" >&2
