//! Labelled excerpts of real repositories (`fixtures/real/<name>`): every row of each
//! `EXPECTED.md` is turned into an assertion about the scan of that folder.
//!
//! The `expected` column is read as follows (case-insensitive):
//!
//! * `nothing…` — no finding at note or above on the token (a data set may remain as inventory);
//! * `nothing above note…`, `at most a note…`, `no warning or error…` — no warning or error;
//! * `at most: …` — no warning or error that reads the token as a hub repository;
//! * anything else names a reference: some finding on the token, and where the row names a
//!   hosting (`hosting ModelScope`, `hosting SiliconFlow`, …) the finding has that host, and
//!   `hosting local` forbids a hub; `never
//!   Hugging Face` / `not Hugging Face` / `never a hub repository` forbid those readings.
//!
//! Rows that the scanner does not get right yet are listed in [`KNOWN_OPEN`] with the reason; the
//! test checks that each of them still fails, so that a fix has to move its row out of the list.

mod common;

use common::*;
use serde_json::Value;

/// (repository, file, fixture line, token, what is still wrong). Each must still fail.
const KNOWN_OPEN: &[(&str, &str, u32, &str, &str)] = &[
    // Hosting: routing prefixes and org names.
    // Ollama: names in code that select nothing.
    (
        "ollama",
        "x/create/client/create.go",
        14,
        "glm-4.7",
        "parser name read as a model",
    ),
    // Local folders, parser names, API defaults.
    (
        "ChatGLM3",
        "basic_demo/web_demo_gradio.py",
        5,
        "chatglm3-6b",
        "bare local folder name missed",
    ),
    (
        "Langchain-Chatchat",
        "libs/chatchat-server/chatchat/settings.py",
        14,
        "quentinz/bge-large-zh-v1.5",
        "Ollama namespace of a re-upload not read",
    ),
    (
        "Qwen-Agent",
        "examples/function_calling.py",
        19,
        "Qwen/qwen2.5-7b-instruct",
        "Together.AI section not read",
    ),
    (
        "Qwen-Agent",
        "examples/function_calling.py",
        24,
        "Qwen/qwen2.5-7b-instruct",
        "local server section not read",
    ),
];

struct Row {
    file: String,
    line: u32,
    token: String,
    expected: String,
}

fn rows(name: &str) -> Vec<Row> {
    let text =
        std::fs::read_to_string(root().join(format!("fixtures/real/{name}/EXPECTED.md"))).unwrap();
    let mut out = Vec::new();
    for l in text.lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        // | file | line | source line | token | expected | main reports |
        if cells.len() < 7 || cells[1] == "file" || cells[1].starts_with("---") {
            continue;
        }
        let Ok(line) = cells[2].parse() else { continue };
        out.push(Row {
            file: cells[1].to_string(),
            line,
            token: cells[4].trim_matches('`').to_string(),
            expected: cells[5].to_ascii_lowercase(),
        });
    }
    out
}

fn severe(f: &Value) -> bool {
    matches!(f["level"].as_str(), Some("warning" | "error"))
}

fn on_token<'a>(findings: &'a [Value], row: &Row) -> Vec<&'a Value> {
    let tok = row.token.to_ascii_lowercase();
    findings
        .iter()
        .filter(|f| f["path"] == row.file.as_str() && f["line"] == row.line)
        .filter(|f| {
            let m = f["matched"].as_str().unwrap_or("").to_ascii_lowercase();
            tok == "(each entry)" || tok.contains(&m) || m.contains(&tok)
        })
        .collect()
}

const HOSTS: &[(&str, &str)] = &[
    ("hosting hugging face", "huggingface"),
    ("hosting modelscope", "modelscope"),
    ("hosting siliconflow", "siliconflow"),
    ("hosting openrouter", "openrouter"),
    ("hosting groq", "groq"),
    ("hosting cloudflare workers ai", "cloudflare-workers-ai"),
    ("hosting ollama cloud", "ollama-cloud"),
    ("hosting ollama (local", "ollama"),
    ("hosting ollama\u{0}", "ollama"),
];

/// What is wrong with the scan for one row, if anything.
fn problem(findings: &[Value], row: &Row) -> Option<String> {
    let hits = on_token(findings, row);
    let e = row.expected.as_str();
    let show = || {
        hits.iter()
            .map(|f| {
                format!(
                    "{} {} {} host={}",
                    f["level"], f["kind"], f["identifier"], f["hosting"]["id"]
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    if e.starts_with("nothing above note")
        || e.starts_with("at most a note")
        || e.starts_with("no warning or error")
    {
        return hits
            .iter()
            .any(|f| severe(f))
            .then(|| format!("want no warning or error, got {}", show()));
    }
    if e.starts_with("nothing") {
        return hits
            .iter()
            .any(|f| f["level"] != "none")
            .then(|| format!("want nothing, got {}", show()));
    }
    if e.starts_with("at most:") {
        return hits
            .iter()
            .any(|f| severe(f) && matches!(f["kind"].as_str(), Some("hub-repo" | "derivative")))
            .then(|| format!("want no hub repository, got {}", show()));
    }
    if hits.is_empty() {
        return Some("want a reference, got nothing".into());
    }
    if (e.contains("never hugging face") || e.contains("not hugging face"))
        && hits.iter().any(|f| f["hosting"]["id"] == "huggingface")
    {
        return Some(format!("want no Hugging Face hosting, got {}", show()));
    }
    if e.contains("never a hub repository")
        && hits
            .iter()
            .any(|f| matches!(f["kind"].as_str(), Some("hub-repo" | "derivative")))
    {
        return Some(format!("want no hub repository, got {}", show()));
    }
    if e.contains("hosting local")
        && hits
            .iter()
            .any(|f| matches!(f["hosting"]["kind"].as_str(), Some("hub" | "mirror")))
    {
        return Some(format!("want a local folder, got {}", show()));
    }
    let e0 = format!("{e}\u{0}");
    for (phrase, host) in HOSTS {
        if e0.contains(phrase) {
            // A host id or one of its regions (`siliconflow-cn`, `siliconflow-api-default`).
            let is = |f: &&Value| {
                f["hosting"]["id"]
                    .as_str()
                    .is_some_and(|i| i == *host || i.starts_with(&format!("{host}-")))
            };
            if !hits.iter().any(is) {
                return Some(format!("want hosting {host}, got {}", show()));
            }
            break;
        }
    }
    None
}

fn check(name: &str) {
    let v = json(&root().join(format!("fixtures/real/{name}")), &[]);
    let findings: Vec<Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] != "EXPECTED.md")
        .cloned()
        .collect();
    let mut failures = Vec::new();
    let rows = rows(name);
    assert!(!rows.is_empty() || name == "Python" || name == "parsnip");
    for row in &rows {
        let open = KNOWN_OPEN
            .iter()
            .find(|k| k.0 == name && k.1 == row.file && k.2 == row.line && k.3 == row.token);
        match (problem(&findings, row), open) {
            (Some(p), None) => failures.push(format!(
                "{name}/{}:{} `{}`: {p} (expected: {})",
                row.file, row.line, row.token, row.expected
            )),
            (None, Some(k)) => failures.push(format!(
                "{name}/{}:{} `{}` now passes ({}): remove it from KNOWN_OPEN",
                row.file, row.line, row.token, k.4
            )),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn llama_factory() {
    check("LLaMA-Factory");
}

#[test]
fn ms_swift() {
    check("ms-swift");
}

#[test]
fn one_api() {
    check("one-api");
}

#[test]
fn qwen_agent() {
    check("Qwen-Agent");
}

#[test]
fn lmdeploy() {
    check("lmdeploy");
}

#[test]
fn flag_embedding() {
    check("FlagEmbedding");
}

#[test]
fn chatglm3() {
    check("ChatGLM3");
}

#[test]
fn langchain_chatchat() {
    check("Langchain-Chatchat");
}

#[test]
fn ollama() {
    check("ollama");
}

/// The control excerpts (`glm()` engines, `def minimax(`, Spark) yield no finding at any level.
#[test]
fn controls_are_silent() {
    for name in ["parsnip", "Python"] {
        let v = json(&root().join(format!("fixtures/real/{name}")), &[]);
        let noisy: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] != "EXPECTED.md")
            .map(|f| finding_line(f, true))
            .collect();
        assert!(noisy.is_empty(), "{name}: {}", noisy.join(""));
    }
}
