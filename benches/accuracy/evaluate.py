#!/usr/bin/env python3
"""Accuracy of modelgate on real repositories (issue 13, part 5).

Scans each snapshot listed in repos.toml with `modelgate scan --format json --fail-on never`,
joins the findings with the hand labels in labels/<name>.tsv and prints, per repository and
overall:

  * precision of warning/error findings on the labelled findings sample, with the false
    alarms broken down by class (dataset, path, package, comment-mention, glued, not-a-model);
  * hosting accuracy on labelled model findings (right / wrong host / host left undetermined)
    and developer accuracy;
  * recall of labelled real reference lines (recall sample);
  * warning + error counts of the control repositories (must be 0);
  * wall time per repository;
  * an unlabelled census of all warning/error findings by suspicious shape (indicative only).

Python 3 standard library only.

Usage:
  evaluate.py SNAPSHOTS_DIR [--binary PATH] [--json OUT] [--only NAME ...]
  evaluate.py --fetch-list          # print the shell commands that fetch the pinned snapshots

The binary defaults to $MODELGATE, else `modelgate` on PATH.
Label format (tab separated, '#' starts a comment line):
  path  line  token  truth  developer  hosting  sample  note
truth:   model | dataset | path | package | comment-mention | glued | not-a-model | unsure
hosting: huggingface | modelscope | api | openrouter | siliconflow | ollama | ollama-cloud | local | hf-mirror |
         cloudflare-workers-ai | replicate | groq | openmind | codewithgpu | ... ; several
         acceptable answers are joined with '|'; '-' = not assessed
sample:  findings (drawn from modelgate's warning/error output) | recall (drawn from grep)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
FALSE_CLASSES = ["dataset", "path", "package", "comment-mention", "glued", "not-a-model"]
SEVERE = ("warning", "error")
NO_HOSTING_KINDS = {"remote-code", "env-var", "package", "sdk-class", "weight-file", "model-config"}


# ---------------------------------------------------------------- repos.toml (tiny subset)
def load_repos(path):
    try:
        import tomllib  # Python 3.11+

        with open(path, "rb") as f:
            return tomllib.load(f)["repo"]
    except ImportError:
        pass
    repos, cur = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line == "[[repo]]":
                cur = {}
                repos.append(cur)
                continue
            m = re.match(r'(\w+)\s*=\s*"(.*)"\s*$', line)
            if m and cur is not None:
                cur[m.group(1)] = m.group(2)
    return repos


def load_labels(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for raw in f:
            if raw.startswith("#") or not raw.strip():
                continue
            p = raw.rstrip("\n").split("\t")
            p += [""] * (8 - len(p))
            rows.append(
                dict(path=p[0], line=int(p[1]), token=p[2], truth=p[3], developer=p[4],
                     hosting=p[5], sample=p[6], note=p[7])
            )
    return rows


# ---------------------------------------------------------------- helpers
def host_category(f):
    h = f.get("hosting")
    if not h:
        # A local folder or a model behind a local worker is on the machine by definition.
        return "local" if f.get("kind") == "local-model" else "none"
    if h.get("kind") == "api":
        return "api"
    hid = h.get("id", "")
    for prefix in ("siliconflow", "openrouter", "groq", "modelscope", "huggingface"):
        if hid.startswith(prefix):
            return prefix
    if h.get("kind") == "local":
        return "ollama" if hid == "ollama" else "local"
    return hid


def overlaps(token, matched):
    a, b = token.lower(), matched.lower()
    return a in b or b in a


def scan(binary, root, out_json):
    t0 = time.monotonic()
    proc = subprocess.run(
        [binary, "scan", "--format", "json", "--fail-on", "never", "-o", out_json, "."],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    dt = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"modelgate failed on {root} (exit {proc.returncode}): {proc.stderr.strip()}")
    with open(out_json, encoding="utf-8") as f:
        return json.load(f), dt


def pct(a, b):
    return "  n/a" if b == 0 else f"{100.0 * a / b:5.1f}%"


# ---------------------------------------------------------------- census (unlabelled)
CENSUS_RULES = [
    ("dataset file or key",
     lambda f, text: f["path"].endswith("dataset_info.json")
     or re.search(r"(ms_dataset_id|hf_dataset_id|ms_hub_url|hf_hub_url|om_hub_url|--dataset|dataset[s]?\s*[=:(\[])", text)
     or "/datasets/" in f["matched"]),
    ("output or cache folder",
     lambda f, text: re.search(r"(output_dir|save_dir|save_path|--output|saves/|megatron_output|checkpoint)", text)
     and f["kind"] in ("derivative", "hub-repo") and not f["matched"].startswith("http")),
    ("URL or name of a file",
     lambda f, text: re.search(r"\.(jsonl?|csv|txt|parquet|log|py|sh|ya?ml|png|jpe?g)$", f["matched"], re.I)),
    ("absolute or placeholder path",
     lambda f, text: f["kind"] in ("derivative", "hub-repo")
     and re.search(r"(^|[\"'\s=(])(/|~/|[A-Za-z]:\\)[^\s\"']*" + re.escape(f["matched"].split("/")[0]), text) is not None),
    ("glued token (@, #, ___)",
     lambda f, text: re.search(r"[@#]|___", f["matched"]) is not None and f["kind"] in ("derivative", "hub-repo")),
    ("two family names joined by '/'",
     lambda f, text: f["kind"] == "derivative" and not f["matched"].startswith("http") and re.match(
         r"(?i)^(qwen|glm|chatglm|deepseek|internvl|internlm|kimi|minimax|yi|baichuan|ernie|hunyuan)[\w.\-]*/(qwen|glm|chatglm|deepseek|internvl|internlm|kimi|minimax|yi|baichuan|ernie|hunyuan)",
         f["identifier"]) is not None),
    ("comment or docstring line",
     lambda f, text: re.match(r"\s*(#|//|/\*|\*|--|\"\"\"|''')", text) is not None),
]


def census(findings, root):
    cache = {}

    def text_of(path, line):
        if path not in cache:
            try:
                with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
                    cache[path] = fh.read().split("\n")
            except OSError:
                cache[path] = []
        lines = cache[path]
        return lines[line - 1] if 0 < line <= len(lines) else ""

    counts, examples = Counter(), defaultdict(list)
    for f in findings:
        if f["level"] not in SEVERE or f["kind"] == "remote-code":
            continue
        text = text_of(f["path"], f["line"])
        for name, rule in CENSUS_RULES:
            if rule(f, text):
                counts[name] += 1
                if len(examples[name]) < 2:
                    examples[name].append(f"{f['path']}:{f['line']} `{f['matched']}`")
                break
    return counts, examples


# ---------------------------------------------------------------- evaluation of one repo
def evaluate_repo(repo, report, labels):
    findings = report["findings"]
    by_line = defaultdict(list)
    for f in findings:
        by_line[(f["path"], f["line"])].append(f)

    r = dict(tp=0, fp=Counter(), unsure=0, gone_fp=Counter(), gone_model=0,
             host_right=0, host_wrong=0, host_none=0, host_errors=[],
             dev_right=0, dev_wrong=0, dev_errors=[],
             rec_total=0, rec_found=0, rec_found_severe=0, rec_missed=[],
             men_total=0, men_found=0, fp_examples=defaultdict(list),
             tgt_fp=Counter(), tgt_total=Counter(), tgt_host_total=0, tgt_host_right=0, labelled=0)
    r["labelled"] = sum(1 for lab in labels if lab["sample"] == "findings" and lab["truth"] != "unsure")
    for lab in labels:
        on_line = by_line.get((lab["path"], lab["line"]), [])
        if lab["sample"] == "targeted":
            hits = [f for f in on_line if f["matched"] == lab["token"] and f["level"] in SEVERE]
            if lab["truth"] not in ("model", "unsure"):
                r["tgt_total"][lab["truth"]] += 1
                if hits:
                    r["tgt_fp"][lab["truth"]] += 1
            elif lab["truth"] == "model" and lab["hosting"] not in ("", "-"):
                hosted = [f for f in hits if f["kind"] not in NO_HOSTING_KINDS]
                if hosted:
                    r["tgt_host_total"] += 1
                    r["tgt_host_right"] += bool({host_category(f) for f in hosted} & set(lab["hosting"].split("|")))
            continue
        if lab["sample"] == "recall":
            hits = [f for f in on_line if not lab["token"] or overlaps(lab["token"], f["matched"])]
            if lab["truth"] == "model":
                r["rec_total"] += 1
                if hits:
                    r["rec_found"] += 1
                    if any(f["level"] in SEVERE for f in hits):
                        r["rec_found_severe"] += 1
                else:
                    r["rec_missed"].append(f"{lab['path']}:{lab['line']} `{lab['token']}` {lab['note']}".rstrip())
            elif lab["truth"] == "comment-mention":
                r["men_total"] += 1
                r["men_found"] += bool(hits)
            continue
        # findings sample: the labelled finding(s) as modelgate reports them now
        hits = [f for f in on_line if f["matched"] == lab["token"]]
        if not hits:
            # A cut token (`THUDM/chatglm2-6b@localhost@7650` reported as `THUDM/chatglm2-6b`), or
            # an identifier reported once per line: match by what the token holds.
            hits = [f for f in on_line if f["matched"] in lab["token"] and f["identifier"] in lab["token"]]
        severe = [f for f in hits if f["level"] in SEVERE]
        truth = lab["truth"]
        if truth == "unsure":
            r["unsure"] += 1
            continue
        if not severe:
            if truth == "model":
                r["gone_model"] += 1
                r.setdefault("gone_model_ex", []).append(
                    f"{lab['path']}:{lab['line']} `{lab['token']}` now "
                    f"{','.join(sorted({f['level'] for f in hits})) or 'not reported'} {lab['note']}".rstrip())
            else:
                r["gone_fp"][truth] += 1
            if not hits:
                continue
        if truth == "model":
            if severe:
                r["tp"] += 1
            # hosting: judged on findings that carry a hosting decision
            hosted = [f for f in hits if f["kind"] not in NO_HOSTING_KINDS]
            if lab["hosting"] not in ("", "-") and hosted:
                want = set(lab["hosting"].split("|"))
                got = {host_category(f) for f in hosted}
                where = f"{lab['path']}:{lab['line']} `{lab['token']}`"
                if got & want:
                    r["host_right"] += 1
                elif got == {"none"}:
                    r["host_none"] += 1
                    r["host_errors"].append(("undetermined", where, "none", lab["hosting"], lab["note"]))
                else:
                    r["host_wrong"] += 1
                    r["host_errors"].append(("wrong", where, "/".join(sorted(got)), lab["hosting"], lab["note"]))
            devs = {(f.get("developer") or {}).get("id") for f in hits} - {None}
            if lab["developer"] not in ("", "-") and devs:
                if lab["developer"] in devs:
                    r["dev_right"] += 1
                else:
                    r["dev_wrong"] += 1
                    r["dev_errors"].append(f"{lab['path']}:{lab['line']} `{lab['token']}` got {'/'.join(sorted(devs))}, want {lab['developer']}")
        elif severe:
            r["fp"][truth] += 1
            if len(r["fp_examples"][truth]) < 3:
                r["fp_examples"][truth].append(f"{lab['path']}:{lab['line']} `{lab['token']}` {lab['note']}".rstrip())
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshots", nargs="?", help="folder holding one sub-folder per repository (SNAPSHOTS_DIR)")
    ap.add_argument("--binary", default=os.environ.get("MODELGATE") or shutil.which("modelgate"))
    ap.add_argument("--repos", default=os.path.join(HERE, "repos.toml"))
    ap.add_argument("--labels", default=os.path.join(HERE, "labels"))
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    ap.add_argument("--only", nargs="*", help="evaluate only these repository names")
    ap.add_argument("--fetch-list", action="store_true", help="print the commands that fetch the snapshots")
    ap.add_argument("--details", action="store_true", help="list every false alarm, hosting error and miss")
    a = ap.parse_args()

    repos = load_repos(a.repos)
    if a.fetch_list:
        print("# run in SNAPSHOTS_DIR")
        for rp in repos:
            print(f"git init -q {rp['name']} && git -C {rp['name']} fetch -q --depth 1 {rp['url']} {rp['commit']} "
                  f"&& git -C {rp['name']} checkout -q FETCH_HEAD")
        return
    if not a.snapshots or not a.binary:
        ap.error("need SNAPSHOTS_DIR and a modelgate binary (--binary or $MODELGATE)")
    if a.only:
        repos = [rp for rp in repos if rp["name"] in a.only]

    tot = dict(tp=0, fp=Counter(), host_right=0, host_wrong=0, host_none=0, dev_right=0, dev_wrong=0,
               rec_total=0, rec_found=0, rec_found_severe=0, men_total=0, men_found=0, unsure=0,
               gone_fp=Counter(), gone_model=0, tgt_fp=Counter(), tgt_total=Counter(),
               tgt_host_total=0, tgt_host_right=0)
    est = Counter()
    all_fp_examples, all_host_errors, all_misses, all_dev_errors = defaultdict(list), [], [], []
    all_gone = []
    census_tot, census_ex = Counter(), defaultdict(list)
    out = {"binary": a.binary, "repos": {}}
    tmp = tempfile.mkdtemp(prefix="mg-acc-")
    print(f"{'repository':20} {'role':8} {'time':>6} {'w+e':>6} {'prec':>6} {'FP':>4} {'host':>6} {'dev':>6} {'recall':>7}  false alarms by class")
    for rp in repos:
        root = os.path.join(a.snapshots, rp["name"])
        if not os.path.isdir(root):
            print(f"{rp['name']:20} missing snapshot {root}", file=sys.stderr)
            continue
        report, dt = scan(a.binary, root, os.path.join(tmp, rp["name"] + ".json"))
        severe = sum(1 for f in report["findings"] if f["level"] in SEVERE)
        entry = {"role": rp["role"], "seconds": round(dt, 2), "warning_error": severe,
                 "files": report["summary"].get("files_scanned")}
        if rp["role"] == "control":
            print(f"{rp['name']:20} {'control':8} {dt:5.1f}s {severe:6d}  {'silent' if severe == 0 else 'NOT SILENT'}")
            if severe:
                for f in [f for f in report["findings"] if f["level"] in SEVERE][:5]:
                    print(f"    {f['path']}:{f['line']} {f['level']} `{f['matched']}`")
            out["repos"][rp["name"]] = entry
            continue
        labels = load_labels(os.path.join(a.labels, rp["name"] + ".tsv"))
        r = evaluate_repo(rp, report, labels)
        c, ex = census(report["findings"], root)
        census_tot.update(c)
        for k, v in ex.items():
            census_ex[k] += [f"{rp['name']}:{e}" for e in v]
        nfp = sum(r["fp"].values())
        hosted = r["host_right"] + r["host_wrong"] + r["host_none"]
        devn = r["dev_right"] + r["dev_wrong"]
        fpc = ", ".join(f"{k} {v}" for k, v in r["fp"].most_common()) or "-"
        print(f"{rp['name']:20} {'subject':8} {dt:5.1f}s {severe:6d} {pct(r['tp'], r['tp'] + nfp)} {nfp:4d} "
              f"{pct(r['host_right'], hosted)} {pct(r['dev_right'], devn)} {pct(r['rec_found'], r['rec_total'])}  {fpc}")
        for k in ("tp", "host_right", "host_wrong", "host_none", "dev_right", "dev_wrong", "rec_total", "rec_found",
                  "rec_found_severe", "men_total", "men_found", "unsure", "gone_model", "tgt_host_total",
                  "tgt_host_right"):
            tot[k] += r[k]
        tot["fp"].update(r["fp"])
        tot["gone_fp"].update(r["gone_fp"])
        tot["tgt_fp"].update(r["tgt_fp"])
        tot["tgt_total"].update(r["tgt_total"])
        sev_nonrc = sum(1 for f in report["findings"] if f["level"] in SEVERE and not f["identifier"].startswith("trust_remote_code"))
        for k, v in r["fp"].items():
            est[k] += v / max(r["labelled"], 1) * sev_nonrc
        for k, v in r["fp_examples"].items():
            all_fp_examples[k] += [f"{rp['name']}:{e}" for e in v]
        all_host_errors += [(kind, f"{rp['name']}:{w}", got, want, note) for kind, w, got, want, note in r["host_errors"]]
        all_misses += [f"{rp['name']}:{m}" for m in r["rec_missed"]]
        all_gone += [f"{rp['name']}:{m}" for m in r.get("gone_model_ex", [])]
        all_dev_errors += [f"{rp['name']}:{m}" for m in r["dev_errors"]]
        entry.update({k: (dict(v) if isinstance(v, Counter) else v) for k, v in r.items()
                      if k not in ("fp_examples", "host_errors", "rec_missed", "dev_errors")})
        out["repos"][rp["name"]] = entry

    nfp = sum(tot["fp"].values())
    hosted = tot["host_right"] + tot["host_wrong"] + tot["host_none"]
    devn = tot["dev_right"] + tot["dev_wrong"]
    print()
    print("overall (subject repositories, labelled samples)")
    print(f"  precision of warning/error findings: {pct(tot['tp'], tot['tp'] + nfp).strip()} "
          f"({tot['tp']} real references, {nfp} false alarms; {tot['unsure']} unsure labels excluded)")
    for k in FALSE_CLASSES:
        if tot["fp"][k]:
            print(f"    false alarms, {k:16} {tot['fp'][k]:4d}   (about {est[k]:.0f} in the full output)   e.g. {'; '.join(all_fp_examples[k][:2])}")
    print(f"  targeted sample, still at warning/error / labelled: "
          + ", ".join(f"{k} {tot['tgt_fp'][k]}/{tot['tgt_total'][k]}" for k in FALSE_CLASSES if tot["tgt_total"][k]))
    print(f"  targeted sample, hosting right on local/placeholder-path models: {tot['tgt_host_right']}/{tot['tgt_host_total']}")
    if sum(tot["gone_fp"].values()) or tot["gone_model"]:
        print(f"  labelled false alarms no longer at warning/error: {dict(tot['gone_fp'])}; "
              f"labelled real references no longer at warning/error: {tot['gone_model']}")
    print(f"  hosting right on labelled model findings: {pct(tot['host_right'], hosted).strip()} "
          f"({tot['host_right']}/{hosted}; wrong host {tot['host_wrong']}, left undetermined {tot['host_none']}; "
          f"right where a host was named: {pct(tot['host_right'], tot['host_right'] + tot['host_wrong']).strip()})")
    print(f"  developer right: {pct(tot['dev_right'], devn).strip()} ({tot['dev_right']}/{devn})")
    print(f"  recall of real reference lines: {pct(tot['rec_found'], tot['rec_total']).strip()} "
          f"({tot['rec_found']}/{tot['rec_total']}; at warning/error {tot['rec_found_severe']})")
    print(f"  prose/comment mentions reported at any level: {tot['men_found']}/{tot['men_total']}")
    print()
    print("census of all warning/error findings of the subject repositories by suspicious shape (unlabelled, indicative)")
    for k, v in census_tot.most_common():
        print(f"  {k:32} {v:6d}   e.g. {'; '.join(census_ex[k][:2])}")
    if a.details:
        print("\nhosting errors (kind, where, got, want, note)")
        for e in all_host_errors:
            print("  " + " | ".join(e))
        print("\ndeveloper errors")
        for e in all_dev_errors:
            print("  " + e)
        print("\nlabelled real references no longer at warning/error")
        for m in all_gone:
            print("  " + m)
        print("\nmissed reference lines")
        for m in all_misses:
            print("  " + m)
        print("\nfalse alarms")
        for k in FALSE_CLASSES:
            for e in all_fp_examples[k]:
                print(f"  {k}: {e}")
    out["overall"] = {k: (dict(v) if isinstance(v, Counter) else v) for k, v in tot.items()}
    out["estimated_false_alarms"] = {k: round(v) for k, v in est.items()}
    out["census"] = dict(census_tot)
    out["host_errors"] = all_host_errors
    out["missed"] = all_misses
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
