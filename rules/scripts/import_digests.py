#!/usr/bin/env python3
"""Write rules/digests/<org>.toml from the project's weight-digest catalogue (weight-digests.tsv).

Usage: rules/scripts/import_digests.py WEIGHT_DIGESTS_TSV [RULES_DIR]

Every row keeps where it was copied from (`origin`: repository, path and line at a commit, and a
source id from rules/sources.toml). Nix SRI digests (`sha256-<base64>`) are converted to hex.
md5 rows are kept, labelled `md5`, only for files that no sha256 row covers. Rows whose developer
attribution the fact sheet lists as unverified (FireRedASR) are left out.
"""
import base64
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

AS_OF = "2026-11-28"
# catalogue family -> (org id, family id or None)
FAMILY = {
    "BAAI": ("baai", None), "DeepSeek": ("deepseek", "deepseek"), "ERNIE": ("baidu", "ernie"),
    "GLM": ("zhipu", "glm"), "Gemma": ("google", None), "Hunyuan": ("tencent", "hunyuan"),
    "InternLM": ("shlab", "internlm"), "KAT-Coder": ("kuaishou", "kat"), "Kimi": ("moonshot", "kimi"),
    "Ling": ("antgroup", "ling"), "Llama": ("meta", "llama"), "MOSS": ("fudan_openmoss", "moss"),
    "MiMo": ("xiaomi", "mimo"), "MiniCPM": ("modelbest", "minicpm"), "MiniMax": ("minimax", "minimax"),
    "Mistral": ("mistral", None), "Phi": ("microsoft", None), "Qihoo360-TinyR1": ("qihoo360", None),
    "Qwen": ("alibaba", "qwen"), "Skywork": ("kunlun", "skywork"), "Step": ("stepfun", "step"),
    "Tongyi-DeepResearch": ("alibaba", None), "Wan": ("alibaba", None), "Yi": ("01ai", "yi"),
    "Z-Image": ("alibaba", None),
}
SOURCE = {
    "mudler/LocalAI": "DIGESTS_LOCALAI", "nomic-ai/gpt4all": "DIGESTS_GPT4ALL",
    "lmstudio-ai/model-catalog": "DIGESTS_LMSTUDIO", "a-ghorbani/pocketpal-ai": "DIGESTS_POCKETPAL",
    "jklincn/llama.moe": "DIGESTS_LLAMA_MOE", "cameronfyfe/nix-run-ai": "DIGESTS_NIX_RUN_AI",
    "SpadaSchiavonesca/offline-ai-security-workstation": "DIGESTS_OFFLINE_WS",
    "zjchin/smart_pharma": "DIGESTS_SMART_PHARMA",
}


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    rows = list(csv.DictReader(open(sys.argv[1], newline=""), delimiter="\t"))
    rules = Path(sys.argv[2] if len(sys.argv) > 2 else "rules")
    sha_files = {r["filename"].rsplit("/", 1)[-1].lower() for r in rows if r["digest_algo"] != "md5"}
    out = defaultdict(list)
    for r in rows:
        fam = r["family"]
        if fam not in FAMILY:
            print(f"skip {fam}: {r['filename']}", file=sys.stderr)
            continue
        org, family = FAMILY[fam]
        if fam == "InternLM" and "internvl" in (r["filename"] + r["source_uri"]).lower():
            family = "internvl"
        algo, digest = r["digest_algo"], r["digest"].strip()
        if algo.startswith("sha256 (Nix SRI"):
            digest = base64.b64decode(digest.removeprefix("sha256-")).hex()
            algo = "sha256"
        elif algo.startswith("sha256"):
            algo, digest = "sha256", digest.lower()
        elif algo == "md5":
            if r["filename"].rsplit("/", 1)[-1].lower() in sha_files:
                continue
            digest = digest.lower()
        else:
            raise SystemExit(f"unknown algo {algo}")
        assert re.fullmatch(r"[0-9a-f]{64}" if algo == "sha256" else r"[0-9a-f]{32}", digest), r
        repo = r["source_repo_path"].split(":", 1)[0]
        fields = [f"{algo} = {q(digest)}"]
        if r["size_bytes_if_known"].strip():
            fields.append(f"size = {int(r['size_bytes_if_known'])}")
        fields.append(f"org = {q(org)}")
        if family:
            fields.append(f"family = {q(family)}")
        fields += [f"model = {q(r['model_name'])}", f"file = {q(r['filename'].rsplit('/', 1)[-1])}",
                   f"url = {q(r['source_uri'])}",
                   f"origin = {q(r['source_repo_path'] + '@' + r['source_commit'])}",
                   f"sources = [{q(SOURCE[repo])}]", f"as_of = {q(AS_OF)}"]
        out[org].append("  { " + ", ".join(fields) + " },")
    d = rules / "digests"
    d.mkdir(exist_ok=True)
    for org, lines in sorted(out.items()):
        (d / f"{org}.toml").write_text(
            "# Known weight-file digests (imported by rules/scripts/import_digests.py from the project's\n"
            "# weight-digest catalogue; each row names the catalogue line it was copied from).\n"
            "digest = [\n" + "\n".join(lines) + "\n]\n")
        print(org, len(lines))


if __name__ == "__main__":
    main()
