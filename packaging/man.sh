#!/usr/bin/env bash
# man.sh OUTDIR LIBDIR BINDIR "2.11 2.12 2.13": aio-pytorch.7 and aio-run.1 for an
# install whose preload lives in LIBDIR. The ENVIRONMENT sections are the
# option table itself (aio-print-config --man, $PRINT_CONFIG), so the pages
# cannot disagree with the README table or the parser.
set -euo pipefail
out=${1:?} libdir=${2:?} bindir=${3:?} minors=${4:?}
here=$(cd "$(dirname "$0")" && pwd)
: "${PRINT_CONFIG:?}"
mkdir -p "$out"
env_frag=$(mktemp)
trap 'rm -f "$env_frag"' EXIT
"$PRINT_CONFIG" --man > "$env_frag"
# The date of the newest changelog entry: pages do not change between builds.
date=$(sed -n 's/^ -- .*>  [A-Za-z]*, \([0-9]*\) \([A-Za-z]*\) \([0-9]*\) .*/\1 \2 \3/p' "$here/changelog" | head -n1)
date=$(date -u -d "$date" +%Y-%m-%d)
modules=""
for v in $minors; do modules+="${modules:+, }libaio_dispatch\\\\-torch$v.so"; done
rel=$(realpath -m --relative-to="$bindir" "$libdir")
esc() { printf '%s' "$1" | sed -e 's/-/\\\\-/g' -e 's/[|&]/\\&/g'; }
for page in aio-pytorch.7 aio-run.1; do
    sed -e "s|@AIO_DATE@|$date|g" -e "s|@AIO_VERSION@|$(cat "$here/../VERSION")|g" \
        -e "s|@AIO_LIBDIR@|$(esc "$libdir")|g" -e "s|@AIO_LIBDIR_REL@|$(esc "$rel")|g" \
        -e "s|@AIO_MODULES@|$modules|g" \
        -e "/@AIO_ENVIRONMENT@/{r $env_frag" -e 'd}' "$here/$page.in" > "$out/$page"
done
