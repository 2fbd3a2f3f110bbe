"""Convert a folder of Sigma rules with pySigma's Kusto backend and microsoft_xdr pipeline.

This is the Python side of bench/compare.sh. Everything runs in this one process: the
files are read, parsed into one SigmaCollection each, and every rule is converted with
KustoBackend.convert_rule. The queries go to OUTPUT, one per line, so that the work of
rendering them cannot be skipped. The last line printed to standard output is a JSON
object with the counts and times, which compare.sh reads.

Usage: python pysigma_convert.py RULES_FOLDER OUTPUT
"""

import json
import sys
import time
from pathlib import Path

IMPORT_START = time.perf_counter()

from sigma.backends.kusto import KustoBackend  # noqa: E402
from sigma.collection import SigmaCollection  # noqa: E402
from sigma.correlations import SigmaCorrelationRule  # noqa: E402
from sigma.exceptions import SigmaError, SigmaRuleLocation  # noqa: E402
from sigma.pipelines.microsoftxdr import microsoft_xdr_pipeline  # noqa: E402
from sigma.rule import SigmaRule  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - IMPORT_START


def convert_folder(folder, output):
    """Convert every .yml file under folder and return the counts by outcome."""
    counts = {
        "files": 0,
        "rules": 0,
        "converted": 0,
        "parse_failed": 0,
        "conversion_failed": 0,
        "backend_exception": 0,
        "queries": 0,
    }
    backend = KustoBackend(processing_pipeline=microsoft_xdr_pipeline())

    for path in sorted(folder.rglob("*.yml")):
        counts["files"] += 1
        text = path.read_text(encoding="utf-8")
        try:
            collection = SigmaCollection.from_yaml(
                text, collect_errors=True, source=SigmaRuleLocation(path)
            )
        except SigmaError:
            counts["parse_failed"] += 1
            continue

        for rule in collection.rules:
            counts["rules"] += 1
            if rule.errors:
                counts["parse_failed"] += 1
                continue
            try:
                if isinstance(rule, SigmaRule):
                    queries = backend.convert_rule(rule, "default")
                elif isinstance(rule, SigmaCorrelationRule):
                    queries = backend.convert_correlation_rule(rule, "default")
                else:
                    queries = []
            except SigmaError:
                counts["conversion_failed"] += 1
                continue
            # The backend raises plain exceptions for some inputs it does not expect. They
            # are counted apart so that the comparison shows them, and the run goes on.
            except Exception:  # noqa: BLE001
                counts["backend_exception"] += 1
                continue
            if queries:
                counts["converted"] += 1
                counts["queries"] += len(queries)
                for query in queries:
                    output.write(str(query).replace("\n", " "))
                    output.write("\n")
            else:
                counts["conversion_failed"] += 1
    return counts


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pysigma_convert.py RULES_FOLDER OUTPUT")
    folder = Path(sys.argv[1])
    if not folder.is_dir():
        sys.exit(f"rules folder not found: {folder}")

    start = time.perf_counter()
    with open(sys.argv[2], "w", encoding="utf-8") as output:
        counts = convert_folder(folder, output)
    counts["convert_seconds"] = time.perf_counter() - start
    counts["import_seconds"] = IMPORT_SECONDS
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
