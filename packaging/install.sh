#!/usr/bin/env bash
# Installs a built aio into DESTDIR (make install, and the staging root of
# the .deb and .rpm). Everything comes from one build directory, so the same
# script installs the x86_64 build and an aarch64 cross build.
#
# Environment (all set by packaging/packaging.mk):
#   SRC        repository root           BUILD     build dir with the binaries
#   PRINT_CONFIG  this machine's aio-print-config (writes the man pages)
#   DESTDIR    staging root ("" = /)     BINDIR, AIO_LIBDIR, MANDIR, DOCDIR
#   STRIP      strip tool for BUILD's architecture ("" = do not strip)
#   REQUIRE    torch minor versions that must have a module ("2.11 2.12 2.13")
#   DEBIAN_DOCS  1: Debian's doc layout (changelog.gz, copyright)
set -euo pipefail
: "${SRC:?}" "${BUILD:?}" "${PRINT_CONFIG:?}" "${BINDIR:?}" "${AIO_LIBDIR:?}" "${MANDIR:?}" "${DOCDIR:?}"
DESTDIR=${DESTDIR:-}
die() { echo "install: $*" >&2; exit 1; }

# The torch version a module was built for, from its ELF section (the name
# it gets is derived from this, so a name cannot lie about its contents).
built_for() {
    readelf -p .aio_torch_version "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9a-f]*\] *\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1
}

mods=()
declare -A have=()
for m in "$BUILD"/libaio_dispatch.so "$BUILD"/libaio_dispatch-torch*.so; do
    [ -f "$m" ] || continue
    v=$(built_for "$m")
    [ -n "$v" ] || die "$m has no .aio_torch_version section"
    [ -z "${have[$v]:-}" ] || continue # libaio_dispatch.so first: the tree's own torch
    have[$v]=$m
    mods+=("$v")
done
for v in ${REQUIRE:-}; do
    [ -n "${have[$v]:-}" ] || die "no dispatch module for torch $v in $BUILD (make modules)"
done
[ ${#mods[@]} -gt 0 ] || die "no dispatch module in $BUILD"
for f in libaio_preload.so aio-print-config; do [ -f "$BUILD/$f" ] || die "missing $BUILD/$f (make)"; done

lib="$DESTDIR$AIO_LIBDIR"
install -d "$lib" "$DESTDIR$BINDIR" "$DESTDIR$MANDIR/man1" "$DESTDIR$MANDIR/man7" "$DESTDIR$DOCDIR"
# Shared objects are not executable (Debian policy); the helper is.
install -m 0644 "$BUILD/libaio_preload.so" "$lib/libaio_preload.so"
for v in "${mods[@]}"; do install -m 0644 "${have[$v]}" "$lib/libaio_dispatch-torch$v.so"; done
install -m 0755 "$BUILD/aio-print-config" "$lib/aio-print-config"
if [ -n "${STRIP:-}" ]; then
    # --strip-unneeded keeps the dynamic symbols and the version section.
    "$STRIP" --strip-unneeded --remove-section=.comment --remove-section=.note "$lib"/*.so "$lib/aio-print-config"
fi

rel=$(realpath -m --relative-to="$BINDIR" "$AIO_LIBDIR")
sed -e "s/@AIO_VERSION@/$(cat "$SRC/VERSION")/" -e "s|@AIO_LIBDIR_REL@|$rel|" "$SRC/packaging/aio-run.sh" > "$DESTDIR$BINDIR/aio-run"
chmod 0755 "$DESTDIR$BINDIR/aio-run"

man=$(mktemp -d)
trap 'rm -rf "$man"' EXIT
PRINT_CONFIG=$PRINT_CONFIG "$SRC/packaging/man.sh" "$man" "$AIO_LIBDIR" "$BINDIR" "$(printf '%s\n' "${mods[@]}" | sort -V | tr '\n' ' ')"
gzip -9n -c "$man/aio-run.1" > "$DESTDIR$MANDIR/man1/aio-run.1.gz"
gzip -9n -c "$man/aio-pytorch.7" > "$DESTDIR$MANDIR/man7/aio-pytorch.7.gz"
chmod 0644 "$DESTDIR$MANDIR"/man?/*.gz

install -m 0644 "$SRC/README.md" "$DESTDIR$DOCDIR/README.md"
install -d "$DESTDIR$DOCDIR/docs"
install -m 0644 "$SRC"/docs/*.md "$DESTDIR$DOCDIR/docs/"
if [ "${DEBIAN_DOCS:-0}" = 1 ]; then
    gzip -9n -c "$SRC/packaging/changelog" > "$DESTDIR$DOCDIR/changelog.gz"
    install -m 0644 "$SRC/packaging/copyright" "$DESTDIR$DOCDIR/copyright"
else
    install -m 0644 "$SRC/packaging/changelog" "$DESTDIR$DOCDIR/changelog"
    install -m 0644 "$SRC/packaging/copyright" "$DESTDIR$DOCDIR/copyright"
fi
echo "install: aio $(cat "$SRC/VERSION") into ${DESTDIR:-/} (torch $(printf "%s\n" "${mods[@]}" | sort -V | tr "\n" " " | sed "s/ $//"); preload in $AIO_LIBDIR)" >&2
