#!/usr/bin/env bash
# Times a build of the Embedded sample from launch to its first prediction.
# Usage: samples/Embedded/measure.sh BINARY [RUNS]   (BINARY: the NativeAOT executable, or "dotnet path/Embedded.dll")
# Prints the median and the range over RUNS runs (default 21), in milliseconds. The launch time is taken
# just before bash starts the program, so the figure includes fork and exec: an upper bound.
set -euo pipefail
binary=$1
runs=${2:-21}
cd "$(dirname "$0")/../.."
for _ in $(seq "$runs"); do
    launched=$(date +%s%N)
    # shellcheck disable=SC2086 # BINARY may be "dotnet x.dll"
    first=$($binary --timing 2>&1 >/dev/null | sed -n 's/^first prediction at unix time \([0-9]*\) µs$/\1/p')
    echo $((first - launched / 1000))
done | sort -n | awk '{ v[NR] = $1 } END { printf "launch to first prediction: median %.2f ms (min %.2f, max %.2f, %d runs)\n", v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000, NR }'
