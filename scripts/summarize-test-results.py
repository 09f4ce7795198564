#!/usr/bin/env python3
"""Counts test results from the TRX files (and extra-results.txt) in a folder.

Prints the failed tests with the start of their message, then a last line "N passed, N failed, N skipped"; exits 1 when any failed or
nothing ran. dotnet test's own console summary is not read.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(folder):
    passed = failed = skipped = 0
    failures = []
    for trx in sorted(glob.glob(os.path.join(folder, "**", "*.trx"), recursive=True)):
        root = ET.parse(trx).getroot()
        for result in root.iterfind(".//t:UnitTestResult", NS):
            outcome = result.get("outcome")
            name = result.get("testName")
            if outcome == "Passed":
                passed += 1
            elif outcome in ("NotExecuted", "Inconclusive", "Skipped"):
                skipped += 1
            else:
                failed += 1
                message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
                why = " ".join((message.text or "").split())[:600] if message is not None else ""
                failures.append(f"{os.path.basename(trx)}: {name} ({outcome})" + (f"\n       {why}" if why else ""))
    extra = os.path.join(folder, "extra-results.txt")
    if os.path.exists(extra):
        for line in open(extra):
            parts = line.split(maxsplit=1)
            if not parts:
                continue
            if parts[0] == "passed":
                passed += 1
            elif parts[0] == "skipped":
                skipped += 1
            else:
                failed += 1
                failures.append(line.strip())
    for f in failures:
        print(f"FAILED {f}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test-results"))
