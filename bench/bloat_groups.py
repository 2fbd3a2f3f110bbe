"""Group the functions of a binary's .text section by where their code comes from.

Reads the JSON that `cargo bloat -n 0 --message-format json` prints on standard input and
prints one line per group: KiB and share of .text. cargo-bloat guesses each function's
crate, and version 0.12.1 lists most functions of the YAML parser (granit_parser) under
serde_saphyr. Grouping by the function's own path puts them together, and separates the
backtrace printer that std links in for the default panic hook.

Usage: cargo bloat ... -n 0 --message-format json | python3 bench/bloat_groups.py
"""

import collections
import json
import re
import sys

# First match wins; the patterns look at the demangled function path.
GROUPS = [
    ("std: backtrace printing (gimli, addr2line, miniz_oxide, rustc_demangle)",
     re.compile(r"gimli|addr2line|miniz_oxide|backtrace|rustc_demangle|symbolize")),
    ("YAML: granit_parser (scanner and parser)", re.compile(r"granit_parser")),
    ("YAML: serde_saphyr", re.compile(r"serde_saphyr")),
    ("std: core::fmt", re.compile(r"core::fmt")),
]


def main():
    report = json.load(sys.stdin)
    text_size = report["text-section-size"]
    sizes = collections.Counter()
    for function in report["functions"]:
        name = function["name"]
        # A trailing "?" marks a crate that cargo-bloat was unsure of.
        crate = (function.get("crate") or "(unknown crate)").rstrip("?")
        group = next(
            (label for label, pattern in GROUPS if pattern.search(name) or pattern.fullmatch(crate)),
            crate,
        )
        sizes[group] += function["size"]

    print(f"{text_size / 1024:8.1f} KiB  100.0%  .text section")
    for group, size in sizes.most_common():
        print(f"{size / 1024:8.1f} KiB  {100 * size / text_size:5.1f}%  {group}")


if __name__ == "__main__":
    main()
