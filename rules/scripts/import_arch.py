#!/usr/bin/env python3
"""Append `[[arch]]` entries to rules/orgs/<org>.toml from the project's fact sheet (facts.toml).

Usage: rules/scripts/import_arch.py FACTS_TOML [RULES_DIR]

Only sourced values are imported: an entry whose source, note or value says "unverified" is left
out, placeholder values in parentheses ("(remote code)", "(GteModel)") are dropped, and a value
that the fact sheet records under more than one organisation (or that its §7 caveat names as
shared) is marked `shared = true`, so that it never attributes a developer by itself.
"""
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

AS_OF = "2026-11-28"
# Named as shared across origins by the fact sheet's §7 table and caveat.
SHARED = {
    "gguf": {"bert", "llama", "qwen2", "qwen3", "qwen35", "deepseek2", "glm4moe", "bailingmoe2"},
    "model_type": {"bert", "xlm-roberta", "llama"},
    "class": {"LlamaForCausalLM", "BertModel", "XLMRobertaModel",
              "XLMRobertaForSequenceClassification", "DeepseekV3ForCausalLM"},
}


def clean_class(c):
    c = re.sub(r"\s*\((?:TF|TF mapping|remote|remote code)\)$", "", c.strip())
    return None if (c.startswith("(") or " " in c or not c) else c


def main():
    facts = tomllib.load(open(sys.argv[1], "rb"))
    rules = Path(sys.argv[2] if len(sys.argv) > 2 else "rules")
    entries = defaultdict(list)  # org -> [dict]
    owners = defaultdict(set)  # (kind, value) -> orgs
    for o in facts["org"]:
        org = o["id"]
        for x in o.get("model_type", []):
            text = f'{x["model_type"]} {x.get("note", "")} {x["source"]}'
            if "unverified" in text:
                continue
            mts = []
            if not x["model_type"].startswith("("):
                mts = [m.strip() for m in x["model_type"].split("/")]
            classes = [c for c in map(clean_class, x["architectures"]) if c]
            if not mts and not classes:
                continue
            e = {"model_types": mts, "classes": classes, "sources": x["source"].split(";"),
                 "note": x.get("note", "")}
            entries[org].append(e)
            for m in mts:
                owners[("model_type", m)].add(org)
            for c in classes:
                owners[("class", c)].add(org)
        for x in o.get("gguf_arch", []):
            text = f'{x["arch"]} {x.get("note", "")} {x["source"]}'
            if "unverified" in text or x["arch"].startswith("("):
                continue
            entries[org].append({"gguf": x["arch"], "sources": x["source"].split(";"),
                                 "note": x.get("note", "")})
            owners[("gguf", x["arch"])].add(org)

    def shared(kind, v):
        return len(owners[(kind, v)]) > 1 or v in SHARED[kind]

    for org, es in entries.items():
        path = rules / "orgs" / f"{org}.toml"
        if not path.exists():
            print(f"skip {org}: no rules file", file=sys.stderr)
            continue
        text = path.read_text()
        fams = tomllib.loads(text).get("family", [])

        def family_of(values):
            for f in fams:
                if any(k.lower() in v.lower() for v in values for k in f["keywords"]):
                    return f["id"]
            return None

        out = ["", "# Architectures: transformers model_type / architectures classes and GGUF",
               "# general.architecture values (imported by rules/scripts/import_arch.py from the fact sheet)."]
        seen = set()
        expanded = []
        for e in es:
            if "gguf" in e:
                expanded.append(e)
                continue
            # Split shared values (e.g. DeepseekV3ForCausalLM, also used by Kimi K2) from the
            # developer's own, so that the shared ones do not hide the others.
            sh_m = [m for m in e["model_types"] if shared("model_type", m)]
            sh_c = [c for c in e["classes"] if shared("class", c)]
            own = dict(e, model_types=[m for m in e["model_types"] if m not in sh_m],
                       classes=[c for c in e["classes"] if c not in sh_c], shared=False)
            if own["model_types"] or own["classes"]:
                expanded.append(own)
            if sh_m or sh_c:
                expanded.append(dict(e, model_types=sh_m, classes=sh_c, shared=True))
        for e in expanded:
            if "gguf" in e:
                v = e["gguf"]
                ident = f"{org}-gguf-{v}"
                values = [v]
                sh = shared("gguf", v)
            else:
                ident = f"{org}-hf-" + (e["model_types"][0] if e["model_types"] else e["classes"][0])
                values = e["model_types"] + e["classes"]
                sh = e["shared"]
            ident = re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-")
            if ident in seen:
                continue
            seen.add(ident)
            out.append("")
            out.append("[[arch]]")
            out.append(f'id = "{ident}"')
            if "gguf" in e:
                out.append(f'gguf = "{e["gguf"]}"')
            else:
                if e["model_types"]:
                    out.append("model_types = [" + ", ".join(f'"{m}"' for m in e["model_types"]) + "]")
                if e["classes"]:
                    out.append("classes = [" + ", ".join(f'"{c}"' for c in e["classes"]) + "]")
            fam = family_of(values)
            if fam:
                out.append(f'family = "{fam}"')
            if sh:
                out.append("shared = true")
            if e["note"]:
                out.append('note = "' + e["note"].replace('"', "'") + '"')
            out.append("sources = [" + ", ".join(f'"{s.strip()}"' for s in e["sources"]) + "]")
            out.append(f'as_of = "{AS_OF}"')
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(out) + "\n")


if __name__ == "__main__":
    main()
