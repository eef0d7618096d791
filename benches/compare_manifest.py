#!/usr/bin/env python3
"""Compare a modelgate JSON report with a make-corpus manifest (Python 3 standard library only).

usage: compare_manifest.py --report SCAN.json --manifest CORPUS.manifest.tsv --corpus CORPUS
                           [--catalogue REFS.tsv] [--examples 20] [--summary-json OUT.json]

Every finding of the report counts, whatever its level (error, warning, note and "none" inventory
findings alike); a finding is identified by its (path, line), the path being relative to the
scanned root. Each distinct (path, line) that modelgate reports is classified against the
manifest (columns path, line, kind, text):

  ref          expected: the line must be reported                 -> "found"
  ref-ignored  the line is under a gitignored folder               -> "ignored hit" (must be 0)
  ref-binary   the reference is inside a binary file (line = 0);
               any finding in such a file counts as a "binary hit" (allowed, not required)
  decoy        the line must not be reported                        -> "decoy hit" (must be 0)
  (none)       a line the manifest does not mention                 -> "unexpected"

Manifest `ref` lines without a finding are "missing"; they are broken down by their text (the
reference string) and grouped by catalogue kind (hf, host, name, ollama, from
`make-corpus --list-refs`) and organisation, so the gaps of the rules database are visible.
"""
import argparse
import collections
import json
import os
import re
import sys


def read_manifest(path):
    rows = {}  # (path, line) -> (kind, text); kinds of one line never collide in make-corpus output
    kinds = collections.Counter()
    binary_files = collections.defaultdict(list)
    overlap = 0
    with open(path, encoding="utf-8") as f:
        header = next(f)
        if not header.startswith("path\tline\tkind"):
            sys.exit(f"{path}: not a make-corpus manifest (header {header!r})")
        for row in f:
            p, ln, kind, text = row.rstrip("\n").split("\t", 3)
            kinds[kind] += 1
            if kind == "ref-binary":
                binary_files[p].append(text)
                continue
            key = (p, int(ln))
            if key in rows:
                overlap += 1
            rows[key] = (kind, text)
    return rows, kinds, binary_files, overlap


def read_catalogue(path):
    cat = {}
    if path:
        with open(path, encoding="utf-8") as f:
            for row in f:
                row = row.rstrip("\n")
                if row:
                    ref, kind = row.split("\t", 1)
                    cat[ref] = kind
    return cat


def guess_kind(ref):
    if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", ref) and not re.search(r"\d\.\d", ref):
        return "host"
    if "/" in ref:
        return "hf"
    if ":" in ref:
        return "ollama"
    return "name"


def group_of(ref, kind):
    """Organisation-ish key: the Hub namespace, the registrable domain, or the name's stem."""
    if kind == "hf":
        return ref.split("/", 1)[0]
    if kind == "host":
        labels = ref.split(".")
        n = 3 if labels[-1] == "cn" and labels[-2] in ("com", "net", "org") else 2
        return ".".join(labels[-n:])
    m = re.match(r"[0-9]*[A-Za-z]+", ref)
    return (m.group(0) if m else ref).lower()


def line_text(corpus, path, line, cache={}):
    """The text of `line` (1-based) in corpus/path, for examples."""
    if path not in cache:
        try:
            with open(os.path.join(corpus, path), "rb") as f:
                cache[path] = f.read().split(b"\n")
        except OSError as e:
            cache[path] = e
    lines = cache[path]
    if isinstance(lines, OSError):
        return f"<cannot read: {lines}>"
    if not 1 <= line <= len(lines):
        return "<no such line>"
    t = lines[line - 1].decode("utf-8", "replace").strip()
    return t if len(t) <= 160 else t[:157] + "..."


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", required=True, help="modelgate scan --format json output")
    ap.add_argument("--manifest", required=True, help="CORPUS.manifest.tsv written by make-corpus")
    ap.add_argument("--corpus", required=True, help="the scanned folder (to quote file lines)")
    ap.add_argument("--catalogue", help="output of `make-corpus --list-refs` (ref<TAB>kind)")
    ap.add_argument("--examples", type=int, default=20, help="examples listed per problem class")
    ap.add_argument("--summary-json", help="also write the figures as JSON here")
    a = ap.parse_args()

    with open(a.report, encoding="utf-8") as f:
        report = json.load(f)
    if report.get("format") != "modelgate-report":
        sys.exit(f"{a.report}: not a modelgate JSON report")
    if len(report.get("roots", [])) != 1:
        sys.exit(f"{a.report}: expected exactly one scanned root, got {report.get('roots')}")
    manifest, kinds, binary_files, overlap = read_manifest(a.manifest)
    catalogue = read_catalogue(a.catalogue)

    findings = report["findings"]
    by_line = collections.defaultdict(list)
    levels = collections.Counter()
    for fd in findings:
        by_line[(fd["path"], int(fd["line"]))].append(fd)
        levels[fd["level"]] += 1

    expected = {k: v[1] for k, v in manifest.items() if v[0] == "ref"}
    found, decoy, ignored, binary, unexpected = [], [], [], [], []
    for key in sorted(by_line):
        kind = manifest.get(key, (None,))[0]
        if kind == "ref":
            found.append(key)
        elif kind == "decoy":
            decoy.append(key)
        elif kind == "ref-ignored":
            ignored.append(key)
        elif key[0] in binary_files:
            binary.append(key)
        else:
            unexpected.append(key)
    missing = sorted(set(expected) - set(found))

    # A found line whose findings do not contain the injected reference (e.g. only part of it).
    partial = []
    for key in found:
        ref = expected[key].lower()
        if not any(ref in (fd.get("matched") or "").lower() or ref in (fd.get("identifier") or "").lower()
                   for fd in by_line[key]):
            partial.append(key)

    # Per reference text: how many injected lines, how many found.
    per_ref = collections.defaultdict(lambda: [0, 0])
    for key, ref in expected.items():
        per_ref[ref][0] += 1
    for key in found:
        per_ref[expected[key]][1] += 1

    def kind_of(ref):
        return catalogue.get(ref) or guess_kind(ref)

    n_exp = len(expected)
    stats = report.get("summary", {})
    print(f"findings: {len(findings)} on {len(by_line)} distinct lines "
          f"(levels: {', '.join(f'{k} {v}' for k, v in sorted(levels.items())) or 'none'}); "
          f"files scanned {stats.get('files_scanned')}, bytes scanned {stats.get('bytes_scanned')}, "
          f"binary files {stats.get('binary_files')}, skipped {stats.get('skipped')}")
    print(f"manifest: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}"
          + (f" ({overlap} lines listed twice)" if overlap else ""))
    pct = 100.0 * len(found) / n_exp if n_exp else 0.0
    print(f"expected ref lines found: {len(found)}/{n_exp} ({pct:.1f}%), missing {len(missing)}")
    print(f"  found, but no finding contains the full reference: {len(partial)}")
    print(f"decoy lines hit:          {len(decoy)}")
    print(f"ref-ignored lines hit:    {len(ignored)}")
    print(f"lines in ref-binary files: {len(binary)} (allowed, not required)")
    print(f"other unexpected lines:   {len(unexpected)}")

    def show(title, keys, with_ref=False):
        if not keys:
            return
        print(f"\n{title} ({len(keys)}; first {min(len(keys), a.examples)}):")
        for key in keys[: a.examples]:
            fds = by_line.get(key, [])
            what = "; ".join(sorted({f"{fd['level']} {fd['code']} {fd.get('kind')} `{fd.get('matched')}`"
                                     for fd in fds}))
            extra = f" [ref {expected[key]}]" if with_ref else ""
            print(f"  {key[0]}:{key[1]}{extra}: {what}")
            print(f"      | {line_text(a.corpus, key[0], key[1])}")

    show("DECOY lines reported", decoy)
    show("REF-IGNORED lines reported (should have been excluded by .gitignore)", ignored)
    show("UNEXPECTED lines reported (not in the manifest)", unexpected)
    show("found lines where no finding contains the full reference", partial, with_ref=True)

    # Missing references, by text, grouped by kind and organisation.
    groups = collections.defaultdict(list)
    for ref, (n, ok) in per_ref.items():
        if ok < n:
            groups[(kind_of(ref), group_of(ref, kind_of(ref)))].append((ref, n - ok, n))
    if groups:
        n_refs = sum(len(v) for v in groups.values())
        never = sum(1 for v in groups.values() for r in v if r[1] == r[2])
        print(f"\nmissing references by text: {n_refs} distinct references "
              f"({never} never found, {n_refs - never} found only in some places) "
              f"out of {len(per_ref)} injected; missing lines/injected lines per reference")
        for (kind, group) in sorted(groups, key=lambda g: (g[0], -sum(r[1] for r in groups[g]), g[1])):
            refs = sorted(groups[(kind, group)], key=lambda r: (-r[1], r[0]))
            total = sum(r[1] for r in refs)
            print(f"  {kind:6} {group} ({total} lines): "
                  + ", ".join(f"{r[0]} {r[1]}/{r[2]}" for r in refs))
    covered = sorted(ref for ref, (n, ok) in per_ref.items() if ok == n)
    print(f"\nreferences found everywhere: {len(covered)} of {len(per_ref)} distinct references")

    if a.summary_json:
        out = {
            "findings": len(findings),
            "finding_lines": len(by_line),
            "levels": dict(levels),
            "expected": n_exp,
            "found": len(found),
            "missing": len(missing),
            "partial": len(partial),
            "decoy_hit": len(decoy),
            "ignored_hit": len(ignored),
            "binary_hit": len(binary),
            "unexpected": len(unexpected),
            "distinct_refs": len(per_ref),
            "distinct_refs_complete": len(covered),
            "missing_by_group": {f"{k} {g}": sorted(r[0] for r in v) for (k, g), v in sorted(groups.items())},
        }
        with open(a.summary_json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
