#!/bin/sh
# aio-run: run any command with aio preloaded.
# Prepends libaio_preload.so to LD_PRELOAD (keeping the user's entries) and
# execs the command, so the exit status is the command's own.
AIO_VERSION="@AIO_VERSION@"
here=$(dirname "$(readlink -f "$0")")
lib=""
for candidate in "$here/libaio_preload.so" "$here/../lib/aio/libaio_preload.so"; do
    [ -f "$candidate" ] && { lib=$(readlink -f "$candidate"); break; }
done
print_config="$(dirname "$lib")/aio-print-config"
[ -x "$print_config" ] || print_config="$here/aio-print-config"

usage() {
    cat <<USAGE
usage: aio-run [options] [--] command [args...]

Runs command with the aio PyTorch accelerator preloaded.

options:
  --disable        run with aio loaded but off (AIO_PROCESS_MODE=0)
  --print-config   print every AIO_* setting as aio would read it, then exit
  --version        print the aio version, then exit
  -h, --help       this text
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --version) echo "aio-run $AIO_VERSION"; exit 0 ;;
        --print-config) exec "$print_config" ;;
        --disable) AIO_PROCESS_MODE=0; export AIO_PROCESS_MODE; shift ;;
        --) shift; break ;;
        -*) echo "aio-run: unknown option '$1' (see aio-run --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done

if [ $# -eq 0 ]; then
    echo "aio-run: no command given (see aio-run --help)" >&2
    exit 2
fi
if [ -z "$lib" ]; then
    echo "aio-run: cannot find libaio_preload.so next to $0" >&2
    exit 1
fi
if ! command -v "$1" >/dev/null 2>&1; then
    echo "aio-run: $1: command not found" >&2
    exit 127
fi
LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$@"
