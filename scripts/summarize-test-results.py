#!/usr/bin/env python3
"""Counts test results from the TRX files (and extra-results.txt) in a folder.

Prints the failed tests with the start of their message, then a last line "N passed, N failed, N skipped"; exits 1 when any failed or
nothing ran. dotnet test's own console summary is not read. A run whose summary is not "Completed" while none of its
tests failed (a test host that crashed or was aborted loses the test it ran and every one after it) counts as one
failure, named after its file.
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
        try:
            root = ET.parse(trx).getroot()
        except ET.ParseError as error:
            failed += 1
            failures.append(f"{os.path.basename(trx)}: unreadable results ({error})")
            continue
        failed_here = 0
        for result in root.iterfind(".//t:UnitTestResult", NS):
            outcome = result.get("outcome")
            name = result.get("testName")
            if outcome == "Passed":
                passed += 1
            elif outcome in ("NotExecuted", "Inconclusive", "Skipped"):
                skipped += 1
            else:
                failed += 1
                failed_here += 1
                message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
                why = " ".join((message.text or "").split())[:600] if message is not None else ""
                failures.append(f"{os.path.basename(trx)}: {name} ({outcome})" + (f"\n       {why}" if why else ""))
        summary = root.find("t:ResultSummary", NS)
        outcome = summary.get("outcome") if summary is not None else "missing"
        if outcome != "Completed" and failed_here == 0:
            failed += 1
            errors = [" ".join((info.findtext("t:Text", default="", namespaces=NS)).split())[:300]
                      for info in root.iterfind(".//t:RunInfo", NS) if info.get("outcome") == "Error"]
            failures.append(f"{os.path.basename(trx)}: the run ended {outcome} with no failed test"
                            + (f"\n       {errors[0]}" if errors else ""))
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
