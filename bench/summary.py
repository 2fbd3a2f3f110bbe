"""Print the figures of BENCHMARKS.md from the results criterion saved.

Reads CRITERION_DIR, which `cargo bench --bench corpus` and `cargo bench --bench lookup`
fill. The default is the `criterion` folder of the target directory that `cargo metadata`
names. The output is Markdown tables: corpus throughput with the ratio of each stage to
the YAML floor, and nanoseconds per mapping lookup for phf and HashMap.

Each figure is criterion's point estimate of the time per iteration: the slope of the
linear fit where criterion computed one, otherwise the mean, as `cargo bench` prints it.

Usage: python3 bench/summary.py [CRITERION_DIR]
"""

import json
import subprocess
import sys
from pathlib import Path

CORPUS_STAGES = [
    ("yaml_events", "YAML parser events only"),
    ("yaml_tree", "YAML trees with positions (`sigma::yaml::parse_documents`)"),
    ("front_end", "typed rules and IR conditions (`sigma::parse_bytes`)"),
    ("convert", "parse, convert and render KQL (`convert_file`)"),
]
LOOKUP_KINDS = ["logsource", "event", "field"]
TOTAL_GOAL = 1.5


def criterion_dir():
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(metadata.stdout)["target_directory"]) / "criterion"


def load(root, group, function):
    """Return (nanoseconds per iteration, throughput) of one benchmark, or None if absent."""
    folder = root / group / function / "new"
    if not folder.is_dir():
        return None
    estimates = json.loads((folder / "estimates.json").read_text())
    benchmark = json.loads((folder / "benchmark.json").read_text())
    estimate = estimates.get("slope") or estimates["mean"]
    return estimate["point_estimate"], benchmark["throughput"]


def print_corpus(root):
    results = {name: load(root, "corpus", name) for name, _ in CORPUS_STAGES}
    if any(result is None for result in results.values()):
        print("corpus results missing: run `cargo bench --bench corpus` first\n")
        return
    counts = results["convert"][1]["ElementsAndBytes"]
    rules, size = counts["elements"], counts["bytes"]
    tree_ns = results["yaml_tree"][0]
    events_ns = results["yaml_events"][0]

    print(f"Corpus: {rules} rules, {size} bytes.\n")
    print("| stage | time per corpus | rules/s | MB/s | × YAML trees | × YAML events |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label in CORPUS_STAGES:
        ns = results[name][0]
        seconds = ns / 1e9
        print(
            f"| `{name}`: {label} | {seconds * 1e3:.1f} ms | {rules / seconds:,.0f} "
            f"| {size / seconds / 1e6:.1f} | {ns / tree_ns:.2f} | {ns / events_ns:.2f} |"
        )
    total = results["convert"][0] / tree_ns
    verdict = "met" if total <= TOTAL_GOAL else "not met"
    print(f"\nWhole conversion ÷ YAML trees: {total:.2f}× (goal: at most {TOTAL_GOAL}×, {verdict})\n")


def print_lookups(root):
    print("| lookup | keys | phf ns/lookup | HashMap ns/lookup | phf ÷ HashMap |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in LOOKUP_KINDS:
        for case in ["hit", "miss"]:
            group = f"{kind}_{case}"
            phf = load(root, group, "phf")
            table = load(root, group, "hashmap")
            if phf is None or table is None:
                print(f"| {group} | results missing: run `cargo bench --bench lookup` | | | |")
                continue
            keys = phf[1]["Elements"]
            phf_ns, table_ns = phf[0] / keys, table[0] / keys
            print(f"| {kind}, {case} | {keys} | {phf_ns:.1f} | {table_ns:.1f} | {phf_ns / table_ns:.2f} |")
    build = load(root, "hashmap_build", "all")
    if build is not None:
        entries = build[1]["Elements"]
        print(
            f"\nBuilding the HashMaps from the {entries} mapping entries: "
            f"{build[0] / 1e3:.1f} µs per process (the phf tables are statics and cost nothing)."
        )
    print()


def main():
    root = criterion_dir()
    print_corpus(root)
    print_lookups(root)


if __name__ == "__main__":
    main()
