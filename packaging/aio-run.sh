#!/bin/bash
# aio-run: run any command with aio preloaded; optionally on chosen cores, or
# as several copies on disjoint cores (throughput mode).
# Prepends libaio_preload.so to LD_PRELOAD (keeping the user's entries). A
# single command is exec'd, so its exit status is the command's own.
AIO_VERSION="@AIO_VERSION@"
here=$(dirname "$(readlink -f "$0")")
lib=""
# Beside this script in a build tree; installed, where `make install` put it
# relative to the bin directory (e.g. ../lib/x86_64-linux-gnu/aio).
for candidate in "$here/libaio_preload.so" "$here/@AIO_LIBDIR_REL@/libaio_preload.so" "$here/../lib/aio/libaio_preload.so"; do
    [ -f "$candidate" ] && { lib=$(readlink -f "$candidate"); break; }
done
print_config="$(dirname "$lib")/aio-print-config"
[ -x "$print_config" ] || print_config="$here/aio-print-config"
set -f  # CPU lists are split on blanks: no globbing
sysfs_cpu="${AIO_INTERNAL_SYSFS_CPU:-/sys/devices/system/cpu}"

usage() {
    cat <<USAGE
usage: aio-run [options] [--] command [args...]

Runs command with the aio PyTorch accelerator preloaded.

options:
  --threads N               intra-op threads (sets AIO_NUM_THREADS)
  --cores LIST              run on these CPUs only, e.g. "0-3,8" or "0 1 2"
                            (taskset, and AIO_NUMA_CPUS for thread pinning)
  --ninstances N            throughput mode: run N copies of command, each on
                            its own cores, in parallel; exit status 0 only if
                            every copy succeeded
  --ncores-per-instance K   cores per copy (default: the allowed physical
                            cores divided evenly among the copies)
  --log-dir DIR             throughput mode: where aio-run.instance-<i>.log
                            files go (default: the current directory)
  --disable                 run with aio loaded but off (AIO_PROCESS_MODE=0)
  --print-config            print every AIO_* setting as aio would read it,
                            then exit
  --version                 print the aio version, then exit
  -h, --help                this text

Cores default to one CPU per physical core of the allowed cpuset. Under
torchrun (LOCAL_RANK, LOCAL_WORLD_SIZE set) each local rank takes its own
equal slice of those cores.
USAGE
}

die() { echo "aio-run: $*" >&2; exit 2; }

# A CPU list ("0-3,8", "0 1 2") as one id per line, in the given order.
expand_list() {
    local item lo hi c
    for item in ${1//,/ }; do
        if [[ $item =~ ^([0-9]+)-([0-9]+)$ ]]; then
            lo=$((10#${BASH_REMATCH[1]})); hi=$((10#${BASH_REMATCH[2]}))
            ((lo <= hi)) || return 1
            for ((c = lo; c <= hi; c++)); do echo "$c"; done
        elif [[ $item =~ ^[0-9]+$ ]]; then
            echo $((10#$item))
        else
            return 1
        fi
    done
}

# The CPUs this process may run on (Cpus_allowed_list), ascending.
allowed_cpus() {
    local list
    list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    expand_list "$list"
}

# One CPU per SMT sibling group: the lowest allowed CPU of each group.
physical_cores() {
    local -A ok=()
    local c s f first
    for c in "$@"; do ok[$c]=1; done
    for c in "$@"; do
        first=$c
        for f in thread_siblings_list core_cpus_list; do # the newer kernels' name second
            [ -r "$sysfs_cpu/cpu$c/topology/$f" ] || continue
            for s in $(expand_list "$(cat "$sysfs_cpu/cpu$c/topology/$f")"); do
                [ -n "${ok[$s]}" ] && ((s < first)) && first=$s
            done
            break
        done
        ((first == c)) && echo "$c"
    done
}

join() { local IFS=,; echo "$*"; }
is_count() { [[ $1 =~ ^[0-9]+$ ]] && (($1 > 0)); }

threads="" cores="" cores_set="" ninstances="" per_instance="" log_dir="." do_print=0
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --version) echo "aio-run $AIO_VERSION"; exit 0 ;;
        --print-config) do_print=1; shift ;;
        --disable) AIO_PROCESS_MODE=0; export AIO_PROCESS_MODE; shift ;;
        --threads|--cores|--ninstances|--ncores-per-instance|--log-dir)
            [ $# -ge 2 ] || die "$1 needs a value (see aio-run --help)"
            case "$1" in
                --threads) is_count "$2" || die "--threads '$2' is not a positive integer"; threads=$((10#$2)) ;;
                --cores) cores=$2 cores_set=1 ;;
                --ninstances) is_count "$2" || die "--ninstances '$2' is not a positive integer"; ninstances=$((10#$2)) ;;
                --ncores-per-instance) is_count "$2" || die "--ncores-per-instance '$2' is not a positive integer"
                                       per_instance=$((10#$2)) ;;
                --log-dir) log_dir=$2 ;;
            esac
            shift 2 ;;
        --threads=*|--cores=*|--ninstances=*|--ncores-per-instance=*|--log-dir=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        --) shift; break ;;
        -*) die "unknown option '$1' (see aio-run --help)" ;;
        *) break ;;
    esac
done

[ -n "$lib" ] || { echo "aio-run: cannot find libaio_preload.so next to $0" >&2; exit 1; }

# ---- the cores to use --------------------------------------------------------
mapfile -t allowed < <(allowed_cpus)
declare -A is_allowed=()
for c in "${allowed[@]}"; do is_allowed[$c]=1; done
if [ -n "$cores_set" ]; then
    mapfile -t pool < <(expand_list "$cores") || true
    expand_list "$cores" >/dev/null && [ ${#pool[@]} -gt 0 ] || die "--cores '$cores' is not a CPU list (e.g. 0-3,8 or \"0 1 2\")"
    declare -A seen=()
    for c in "${pool[@]}"; do
        [ -n "${is_allowed[$c]}" ] || die "--cores: CPU $c is not in the allowed set $(join "${allowed[@]}")"
        [ -z "${seen[$c]}" ] || die "--cores: CPU $c is listed twice"
        seen[$c]=1
    done
else
    mapfile -t pool < <(physical_cores "${allowed[@]}")
fi

if [ -n "$ninstances" ] || [ -n "$per_instance" ]; then
    if [ -z "$ninstances" ]; then ninstances=$((${#pool[@]} / per_instance)); ((ninstances > 0)) || ninstances=1; fi
    if [ -z "$per_instance" ]; then per_instance=$((${#pool[@]} / ninstances)); fi
    ((per_instance > 0)) || per_instance=1 # for the message below: at least one core each
    ((ninstances > 0 && per_instance > 0 && ninstances * per_instance <= ${#pool[@]})) ||
        die "${ninstances} instance(s) of ${per_instance} core(s) need $((ninstances * per_instance)) cores; only ${#pool[@]} are available ($(join "${pool[@]}"))"
    [ -z "$threads" ] || ((threads <= per_instance)) ||
        die "--threads $threads is more than the $per_instance core(s) of each instance"
elif [ -n "$threads" ] && ((threads > ${#pool[@]})); then
    die "--threads $threads is more than the ${#pool[@]} core(s) available ($(join "${pool[@]}"))"
fi

[ -z "$threads" ] || { AIO_NUM_THREADS=$threads; export AIO_NUM_THREADS; }
if [ "$do_print" = 1 ]; then
    [ -z "$cores_set" ] || { AIO_NUMA_CPUS=$(join "${pool[@]}"); export AIO_NUMA_CPUS; }
    exec "$print_config"
fi

if [ $# -eq 0 ]; then
    echo "aio-run: no command given (see aio-run --help)" >&2
    exit 2
fi
if ! command -v "$1" >/dev/null 2>&1; then
    echo "aio-run: $1: command not found" >&2
    exit 127
fi
LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD

# Thread count for a set of cores: the user's, else one per core unless the
# user already chose one through the OpenMP or MKL variables.
threads_for() {
    if [ -n "$threads" ]; then echo "$threads"
    elif [ -n "$AIO_NUM_THREADS" ] || [ -n "$OMP_NUM_THREADS" ] || [ -n "$MKL_NUM_THREADS" ]; then echo ""
    else echo "$1"
    fi
}

if [ -z "$ninstances" ]; then
    if [ -n "$cores_set" ]; then
        list=$(join "${pool[@]}")
        n=$(threads_for ${#pool[@]})
        [ -z "$n" ] || { AIO_NUM_THREADS=$n; export AIO_NUM_THREADS; }
        AIO_NUMA_CPUS=$list
        export AIO_NUMA_CPUS
        exec taskset -c "$list" "$@"
    fi
    exec "$@"
fi

# ---- throughput mode: N copies on disjoint cores -----------------------------
mkdir -p "$log_dir" || die "cannot create log directory $log_dir"
pids=() logs=() lists=()
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
for ((i = 0; i < ninstances; i++)); do
    list=$(join "${pool[@]:i*per_instance:per_instance}")
    log="$log_dir/aio-run.instance-$i.log"
    n=$(threads_for "$per_instance")
    (
        export AIO_NUMA_CPUS=$list AIO_RUN_INSTANCE=$i
        [ -z "$n" ] || export AIO_NUM_THREADS=$n
        unset LOCAL_RANK LOCAL_WORLD_SIZE
        exec taskset -c "$list" "$@"
    ) >"$log" 2>&1 &
    pids+=($!) logs+=("$log") lists+=("$list")
    echo "aio-run: instance $i on cores $list, log $log" >&2
done
status=0
for ((i = 0; i < ninstances; i++)); do
    wait "${pids[i]}"
    rc=$?
    if ((rc != 0)); then
        echo "aio-run: instance $i (cores ${lists[i]}) exited with status $rc; see ${logs[i]}" >&2
        ((status == 0)) && status=$rc
    fi
done
exit $status
