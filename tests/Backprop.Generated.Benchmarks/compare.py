#!/usr/bin/env python3
"""Benchmarks of an earlier commit and of the working tree, side by side on one machine in one run.

    python3 tests/Backprop.Generated.Benchmarks/compare.py <git-ref> '<filter>' [--rounds N] [-- <BenchmarkDotNet args>]

Builds tests/Backprop.Generated.Benchmarks at <git-ref> (in a temporary git worktree) and in the working tree, then runs
the two builds' benchmarks matching <filter> alternately, N rounds (default 3), each side in a process of its own, and
prints, per benchmark, the median over the rounds of BenchmarkDotNet's median, and the ratio new / old. Alternating the
sides spreads a noisy neighbour over both; report the medians, on a quiet machine (nothing else building).

Example: the optimizers before and after a change, one epoch each:
    python3 tests/Backprop.Generated.Benchmarks/compare.py a7ff184 '*OptimizerBenchmarks*'
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PROJECT = os.path.join("tests", "Backprop.Generated.Benchmarks", "Backprop.Generated.Benchmarks.csproj")


def run(command, cwd):
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL if "build" in command else None)


def build(tree):
    # Each build stays in its own tree: the benchmarks find the data set by walking up to Backprop.Generated.sln.
    run(["dotnet", "build", PROJECT, "-c", "Release", "--nologo", "-v", "q"], tree)
    return os.path.join(tree, "tests", "Backprop.Generated.Benchmarks", "bin", "Release", "net10.0", "Backprop.Generated.Benchmarks.dll")


def measure(dll, pattern, artifacts, extra):
    run(["dotnet", dll, "--filter", pattern, "--exporters", "json", "--artifacts", artifacts, *extra], os.path.dirname(dll))
    medians = {}
    for report in glob.glob(os.path.join(artifacts, "results", "*-report*.json")):
        with open(report, encoding="utf-8") as file:
            for benchmark in json.load(file)["Benchmarks"]:
                statistics_ = benchmark.get("Statistics")
                if statistics_:
                    medians[benchmark["Method"] + benchmark.get("Parameters", "")] = statistics_["Median"]
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ref", help="the earlier commit, tag or branch")
    parser.add_argument("filter", help="BenchmarkDotNet's --filter, e.g. '*OptimizerBenchmarks*'")
    parser.add_argument("--rounds", type=int, default=3)
    # What follows "--" goes to BenchmarkDotNet as it is (argparse would read its options as this script's).
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.extra = argv[split + 1:]

    scratch = tempfile.mkdtemp(prefix="backprop-compare-")
    worktree = os.path.join(scratch, "old")
    try:
        run(["git", "worktree", "add", "--detach", worktree, args.ref], ROOT)
        builds = {"old": build(worktree), "new": build(ROOT)}
        results = {"old": [], "new": []}
        for round_ in range(1, args.rounds + 1):
            order = ["old", "new"] if round_ % 2 else ["new", "old"]
            for side in order:
                artifacts = os.path.join(scratch, f"{side}-{round_}")
                results[side].append(measure(builds[side], args.filter, artifacts, args.extra))

        names = sorted(set().union(*results["old"], *results["new"]))
        print()
        print(f"{args.ref} (old) against the working tree (new), {args.rounds} rounds alternating; median of BenchmarkDotNet's medians")
        print("| benchmark | old | new | new / old |")
        print("|---|---:|---:|---:|")
        for name in names:
            old = [r[name] for r in results["old"] if name in r]
            new = [r[name] for r in results["new"] if name in r]
            if not old or not new:
                print(f"| {name} | {fmt(old)} | {fmt(new)} | |")
                continue
            ratio = statistics.median(new) / statistics.median(old)
            print(f"| {name} | {fmt(old)} | {fmt(new)} | {ratio:.3f} |")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", worktree], cwd=ROOT, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def fmt(values):
    if not values:
        return "—"
    median = statistics.median(values)
    return f"{median:,.1f} ns" if median < 10_000 else f"{median / 1000:,.1f} µs"


if __name__ == "__main__":
    main()
