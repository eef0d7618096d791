//! Hostile repository content against detection: a minified bundle that is one long line full of
//! anchors, a file with hundreds of thousands of references, a safetensors header with very many
//! tensors, GGUF counts and lengths over the limits, configs, model cards and `trust_remote_code`
//! shaped to grow memory. Inputs are generated in temporary folders; the tests check output,
//! notifications and limits, not timings.

mod common;

use std::fs;
use std::sync::Arc;

use common::*;
use modelgate::detect::text::TextDetector;
use modelgate::detect::{MAX_VALUE_CHARS, gguf, modelmeta, safetensors};
use modelgate::rules::Database;
use modelgate::scan::MAX_REFS_PER_FILE;
use modelgate::types::MAX_ALSO_COLUMNS;

fn detector() -> TextDetector {
    TextDetector::for_database(Arc::new(Database::embedded().unwrap())).unwrap()
}

fn scan_json(dir: &std::path::Path) -> serde_json::Value {
    json(dir, &["--no-cache"])
}

fn notes_for<'a>(v: &'a serde_json::Value, path: &str) -> Vec<&'a str> {
    v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["path"] == path)
        .map(|n| n["message"].as_str().unwrap())
        .collect()
}

/// A minified line: every hit's column counts code points, with multibyte text before the hits.
#[test]
fn columns_on_one_long_minified_line() {
    let det = detector();
    let unit = "x=\"deepseek-chat\";";
    let n = 20_000;
    let text = format!("/*中文é*/{}", unit.repeat(n));
    let mut refs = Vec::new();
    det.scan(text.as_bytes(), "bundle.min.js", false, &mut refs);
    assert_eq!(refs.len(), n);
    // `/*中文é*/` is 7 code points (11 bytes); `x="` is 3 more.
    let first_col = 7 + 3 + 1;
    for (i, r) in refs.iter().enumerate().step_by(997) {
        assert_eq!(r.line, 1);
        assert_eq!(r.column as usize, first_col + i * unit.len(), "hit {i}");
        assert_eq!(r.end_column, r.column + "deepseek-chat".len() as u32);
        assert_eq!(r.text, "deepseek-chat");
    }
    // The same on a later line, after a line full of multibyte text.
    let text = format!(
        "{}\n{}é deepseek-reasoner",
        "中".repeat(50_000),
        "文".repeat(3)
    );
    let mut refs = Vec::new();
    det.scan(text.as_bytes(), "x.js", false, &mut refs);
    assert_eq!(refs.len(), 1);
    assert_eq!((refs[0].line, refs[0].column), (2, 6));
}

/// Runs of token characters far longer than a token (base64, minified identifiers full of
/// anchors) are skipped whole, and a hit right after one is still found.
#[test]
fn overlong_token_runs_are_skipped_not_rewidened() {
    let det = detector();
    let text = format!("{} deepseek-chat", "deepseek".repeat(200_000));
    let mut refs = Vec::new();
    det.scan(text.as_bytes(), "b64.txt", false, &mut refs);
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].column as usize, 8 * 200_000 + 2);
    // A context rule (`ollama pull <tag>`) sees the start of the line only when it is near.
    let mut refs = Vec::new();
    det.scan(b"ollama pull qwen3", "Dockerfile", false, &mut refs);
    assert_eq!(refs.len(), 1, "{refs:?}");
    let mut refs = Vec::new();
    let after_long_line = format!("{}\n  FROM qwen3", "a".repeat(400));
    det.scan(after_long_line.as_bytes(), "Modelfile", false, &mut refs);
    assert_eq!(refs.len(), 1, "{refs:?}");
    let long = format!("x{} FROM qwen3", " ".repeat(400));
    let mut refs = Vec::new();
    det.scan(long.as_bytes(), "Modelfile", false, &mut refs);
    assert!(
        refs.is_empty(),
        "`^\\s*FROM` must not match inside a cut line"
    );
}

/// A minified bundle end to end: every reference of a 1 MB single line is found, at the right
/// column; the repeats of the identifier on the line are one finding that lists the first
/// columns and counts the rest, and the file's warning says how many were folded and how many
/// have no column listed.
#[test]
fn minified_bundle_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let unit = "x=\"deepseek-chat\";";
    let count = 1_000_000 / unit.len();
    let text = format!("é{}", unit.repeat(count));
    fs::write(d.path().join("bundle.min.js"), &text).unwrap();
    let v = scan_json(d.path());
    let fs_ = v["findings"].as_array().unwrap();
    assert_eq!(fs_.len(), 1);
    assert_eq!(fs_[0]["column"], 5);
    let also: Vec<u64> = fs_[0]["also_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(also.len(), MAX_ALSO_COLUMNS);
    for (i, c) in also.iter().enumerate() {
        assert_eq!(*c as usize, 5 + (i + 1) * unit.len());
    }
    let unlisted = count - 1 - MAX_ALSO_COLUMNS;
    assert_eq!(fs_[0]["more_on_line"], unlisted);
    let notes = notes_for(&v, "bundle.min.js");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!("{count} model references"))
            && notes[0].contains(&format!(
                "{} repeat an identifier on its line and are reported in the finding of its \
                 first occurrence there, {unlisted} of them without their columns",
                count - 1
            )),
        "{}",
        notes[0]
    );
}

/// A minified line of many different identifiers, each twice: one finding per distinct
/// identifier; past the per-file limit the rest are dropped, and the warning counts the dropped
/// occurrences (first ones and repeats) and the folded repeats, which add up to all of them.
#[test]
fn minified_line_of_distinct_identifiers() {
    let d = tempfile::tempdir().unwrap();
    let distinct = MAX_REFS_PER_FILE + 500;
    let ids: String = (0..distinct)
        .map(|i| format!("m{i}=\"deepseek-ai/model-{i}\";"))
        .collect();
    fs::write(d.path().join("ids.min.js"), ids.repeat(2)).unwrap();
    let v = scan_json(d.path());
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), MAX_REFS_PER_FILE);
    let mut seen = std::collections::HashSet::new();
    for x in f {
        assert!(seen.insert(x["identifier"].as_str().unwrap()), "{x}");
        assert_eq!(x["also_columns"].as_array().map(Vec::len), Some(1), "{x}");
    }
    // The earliest are kept.
    assert_eq!(f[0]["identifier"], "deepseek-ai/model-0");
    let notes = notes_for(&v, "ids.min.js");
    assert_eq!(notes.len(), 1, "{notes:?}");
    let dropped = 2 * (distinct - MAX_REFS_PER_FILE);
    assert!(
        notes[0].contains(&format!("{} model references", 2 * distinct))
            && notes[0].contains(&format!("{dropped} are dropped"))
            && notes[0].contains(&format!(
                "; {MAX_REFS_PER_FILE} repeat an identifier on its line"
            )),
        "{}",
        notes[0]
    );
    // Kept, folded and dropped add up to every occurrence.
    assert_eq!(MAX_REFS_PER_FILE * 2 + dropped, 2 * distinct);
}

/// Hundreds of thousands of warnings and one error at the end: the error is kept (the gate still
/// fails), the warning says what was dropped, and memory does not hold them all.
#[test]
fn per_file_cap_keeps_the_error_and_warns() {
    let d = tempfile::tempdir().unwrap();
    let mut text = "m = \"deepseek-chat\"\n".repeat(50_000);
    text.push_str("n = \"Qwen/Qwen2.5-7B\"\n");
    text.push_str("e = \"THUDM/chatglm3-6b\"\n");
    fs::write(d.path().join("many.py"), &text).unwrap();
    let v = scan_json(d.path());
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), MAX_REFS_PER_FILE);
    let err = f
        .iter()
        .find(|x| x["level"] == "error")
        .expect("the error is kept");
    assert_eq!(err["identifier"], "THUDM/chatglm3-6b");
    assert_eq!(err["line"], 50_002);
    // The first occurrence of another identifier is kept before repeats.
    assert!(f.iter().any(|x| x["identifier"] == "Qwen/Qwen2.5-7B"));
    // Repeats are the earliest ones.
    assert_eq!(f[0]["line"], 1);
    let notes = notes_for(&v, "many.py");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("50002 model references")
            && notes[0].contains(&format!(
                "{0} are dropped ({0} warning)",
                50_002 - MAX_REFS_PER_FILE
            )),
        "{}",
        notes[0]
    );
    let p = d.path().to_string_lossy().into_owned();
    let out = run(&["scan", "--no-cache", "--fail-on", "error", &p]);
    assert!(!out.status.success(), "the error must still fail the gate");
}

/// Inline directives in a capped file are read once per line and keep their own line numbers.
#[test]
fn inline_directives_keep_their_lines() {
    let d = tempfile::tempdir().unwrap();
    let text = "a = 1\nb = 2\nm = \"deepseek-chat\" # modelgate: allow MG103\n\
                # modelgate: allow MG103 vendor approved\nn = \"deepseek-chat\"\n";
    fs::write(d.path().join("x.py"), text).unwrap();
    let v = scan_json(d.path());
    let lines: Vec<u64> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["path"] == "x.py" && n["message"].as_str().unwrap().contains("no reason"))
        .filter_map(|n| n["line"].as_u64())
        .collect();
    assert_eq!(lines, [3], "{:?}", v["notifications"]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert!(f[0]["suppression"].is_null());
    assert_eq!(f[1]["suppression"]["kind"], "inline");
    assert_eq!(f[1]["suppression"]["source"], "x.py:4");
}

fn safetensors_file(header: &str, data: usize) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.resize(b.len() + data, 0);
    b
}

fn many_tensors(n: usize, metadata: &str) -> String {
    let mut h = String::with_capacity(n * 64);
    h.push('{');
    h.push_str(metadata);
    for i in 0..n {
        if i > 0 || !metadata.is_empty() {
            h.push(',');
        }
        let dt = if i % 2 == 0 { "F16" } else { "BF16" };
        h.push_str(&format!(
            "\"t{i}\":{{\"dtype\":\"{dt}\",\"shape\":[1],\"data_offsets\":[{},{}]}}",
            2 * i,
            2 * i + 2
        ));
    }
    h.push('}');
    h
}

/// A header with very many tensors is streamed: counted, not materialised.
#[test]
fn safetensors_many_tensors_streamed() {
    let n = 200_000;
    let h = many_tensors(n, r#""__metadata__":{"format":"pt"}"#);
    let b = safetensors_file(&h, 2 * n);
    let i = safetensors::parse(&b.as_slice()).unwrap();
    assert_eq!(i.tensors, n as u64);
    assert_eq!(i.dtypes, vec!["BF16", "F16"]);
    assert_eq!(i.header_len, h.len() as u64);
    assert_eq!(i.metadata.get("format").map(String::as_str), Some("pt"));
    // End to end, through the file reader.
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("model.safetensors"), &b).unwrap();
    let v = scan_json(d.path());
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "model.safetensors")
        .unwrap();
    assert!(
        f["weight"]["header"]
            .as_str()
            .unwrap()
            .contains(&format!("{n} tensors")),
        "{f}"
    );
}

/// `__metadata__` is capped in entries and value length; bad dtypes and entries are malformed.
#[test]
fn safetensors_metadata_and_entries_bounded() {
    let mut meta = String::from("\"__metadata__\":{");
    for i in 0..400 {
        meta.push_str(&format!("\"k{i:03}\":\"v\","));
    }
    meta.push_str(&format!("\"long\":\"{}\",", "é".repeat(100_000)));
    meta.push_str(&format!("\"{}\":\"x\",", "k".repeat(10_000)));
    meta.push_str("\"nested\":{\"a\":[1,2,{\"b\":3}]}}");
    let h = many_tensors(3, &meta);
    let i = safetensors::parse(&safetensors_file(&h, 6).as_slice()).unwrap();
    assert_eq!(i.metadata.len(), safetensors::MAX_METADATA);
    assert!(i.metadata.keys().all(|k| k.len() <= 256));
    // The long value came after the 256th entry: dropped; when it comes first it is cut.
    let h = many_tensors(
        1,
        &format!("\"__metadata__\":{{\"long\":\"{}\"}}", "é".repeat(100_000)),
    );
    let i = safetensors::parse(&safetensors_file(&h, 2).as_slice()).unwrap();
    let v = &i.metadata["long"];
    assert_eq!(v.chars().count(), MAX_VALUE_CHARS + 1);
    assert!(v.ends_with('…'));

    let bad_dtype = format!(
        "{{\"w\":{{\"dtype\":\"{}\",\"shape\":[1],\"data_offsets\":[0,2]}}}}",
        "F".repeat(100_000)
    );
    let e = safetensors::parse(&safetensors_file(&bad_dtype, 2).as_slice()).unwrap_err();
    assert!(e.contains("invalid dtype") && e.len() < 300, "{e}");
    let not_object = r#"{"w":[1,2,3]}"#;
    assert!(safetensors::parse(&safetensors_file(not_object, 2).as_slice()).is_err());
    let deep = format!(
        "{{\"w\":{{\"shape\":{}{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    // Skipped without recursion (no stack overflow), whatever the depth.
    let _ = safetensors::parse(&safetensors_file(&deep, 2).as_slice());
    let trailing = r#"{"w":{"dtype":"F16"}} x"#;
    assert!(safetensors::parse(&safetensors_file(trailing, 2).as_slice()).is_err());
    // Trailing spaces (the format pads headers) are fine.
    let padded = r#"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}    "#;
    assert_eq!(
        safetensors::parse(&safetensors_file(padded, 2).as_slice())
            .unwrap()
            .tensors,
        1
    );
}

fn gguf_header(kv_count: u64) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(gguf::MAGIC);
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&kv_count.to_le_bytes());
    b
}

fn gguf_str(b: &mut Vec<u8>, s: &[u8]) {
    b.extend_from_slice(&(s.len() as u64).to_le_bytes());
    b.extend_from_slice(s);
}

/// GGUF counts and lengths over the limits are malformed; long values are cut.
#[test]
fn gguf_limits() {
    // More keys than accepted, even when the file could hold them.
    let mut b = gguf_header(gguf::MAX_KEYS + 1);
    b.resize(b.len() + 14 * (gguf::MAX_KEYS as usize + 1), 0);
    let e = gguf::parse(&b.as_slice()).unwrap_err();
    assert!(e.contains("accepted"), "{e}");

    // An array longer than accepted (of u8, which would fit in the file).
    let mut b = gguf_header(1);
    gguf_str(&mut b, b"tokenizer.ggml.scores");
    b.extend_from_slice(&9u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(gguf::MAX_ARRAY + 1).to_le_bytes());
    b.resize(b.len() + gguf::MAX_ARRAY as usize + 1, 0);
    let e = gguf::parse(&b.as_slice()).unwrap_err();
    assert!(e.contains("array") && e.contains("accepted"), "{e}");

    // A string longer than accepted.
    let mut b = gguf_header(1);
    gguf_str(&mut b, b"tokenizer.chat_template");
    b.extend_from_slice(&8u32.to_le_bytes());
    gguf_str(&mut b, &vec![b'a'; gguf::MAX_STRING as usize + 1]);
    let e = gguf::parse(&b.as_slice()).unwrap_err();
    assert!(e.contains("string") && e.contains("accepted"), "{e}");

    // A 1 MB general.name is cut; an overlong general.* key is not kept.
    let mut b = gguf_header(3);
    gguf_str(&mut b, b"general.name");
    b.extend_from_slice(&8u32.to_le_bytes());
    gguf_str(&mut b, "名".repeat(350_000).as_bytes());
    let long_key = format!("general.{}", "k".repeat(60_000));
    gguf_str(&mut b, long_key.as_bytes());
    b.extend_from_slice(&8u32.to_le_bytes());
    gguf_str(&mut b, b"x");
    gguf_str(&mut b, b"general.architecture");
    b.extend_from_slice(&8u32.to_le_bytes());
    gguf_str(&mut b, b"llama");
    let i = gguf::parse(&b.as_slice()).unwrap();
    let name = i.get("general.name").unwrap();
    assert_eq!(name.chars().count(), MAX_VALUE_CHARS + 1);
    assert!(name.ends_with('…'));
    assert_eq!(i.get("general.architecture"), Some("llama"));
    assert_eq!(i.meta.len(), 2);
}

/// Configs: huge arrays, long values and deep nesting stay bounded.
#[test]
fn config_json_bounded() {
    let archs = vec!["\"Qwen2ForCausalLM\""; 100_000].join(",");
    let long = "a".repeat(100_000);
    let cfg = format!(
        "{{\"padding\":[{}],\"architectures\":[{archs}],\"model_type\":\"{long}\",\
         \"auto_map\":{{\"AutoModel\":\"{long}/x--m.C\",\"AutoTokenizer\":[\"THUDM/chatglm3-6b--t.T\",null]}}}}",
        vec!["[[[1]]]"; 10_000].join(",")
    );
    let c = modelmeta::config(cfg.as_bytes()).unwrap();
    assert_eq!(c.architectures.len(), 16);
    assert_eq!(
        c.model_type.as_deref().unwrap().chars().count(),
        MAX_VALUE_CHARS + 1
    );
    assert!(c.has_auto_map);
    // The 100 KB value is cut before its `--`: it names no repository.
    assert_eq!(c.auto_map, vec!["THUDM/chatglm3-6b"]);
    // Nesting far deeper than serde_json's limit in a skipped value: skipped without recursion
    // (serde_json ignores values iteratively), no stack overflow.
    let deep = format!(
        "{{\"model_type\":\"qwen2\",\"x\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let c = modelmeta::config(deep.as_bytes()).unwrap();
    assert_eq!(c.model_type.as_deref(), Some("qwen2"));
    // Inside a value that is read, the nested items are skipped the same way.
    let deep = format!(
        "{{\"model_type\":\"qwen2\",\"architectures\":[{}{},\"Qwen2ForCausalLM\"]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let c = modelmeta::config(deep.as_bytes()).unwrap();
    assert_eq!(c.architectures, vec!["Qwen2ForCausalLM"]);
    // Not an object, or trailing garbage: not a config.
    assert!(modelmeta::config(b"[1]").is_none());
    assert!(modelmeta::config(br#"{"model_type":"qwen2"} x"#).is_none());
}

/// Model cards and `trust_remote_code`: bounded lists, linear line numbers.
#[test]
fn cards_and_remote_code_bounded() {
    let mut card = String::from("---\n");
    for i in 0..5_000 {
        card.push_str(&format!("base_model: org/m{i}\n"));
    }
    card.push_str(&format!("license: {}\n---\n", "l".repeat(10_000)));
    let k = modelmeta::card(card.as_bytes()).unwrap();
    assert_eq!(k.base_models.len(), 32);
    assert_eq!(
        k.license.as_deref().unwrap().chars().count(),
        MAX_VALUE_CHARS + 1
    );

    let one_line = "f(trust_remote_code=True);".repeat(100_000);
    assert_eq!(
        modelmeta::trust_remote_code_lines(one_line.as_bytes()),
        vec![(Some(1), 1)]
    );
    let many = "f(trust_remote_code=True)\n".repeat(5_000);
    let lines = modelmeta::trust_remote_code_lines(many.as_bytes());
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[999], (Some(1000), 1000));
}

/// A directive at the start of a minified line: its reason is the rest of the line; it is read
/// once for the line and cut before the finding of the line carries it (the line's 20,000
/// occurrences are one suppressed finding).
#[test]
fn directive_on_a_minified_line_is_read_once_and_cut() {
    let d = tempfile::tempdir().unwrap();
    let unit = "x=\"deepseek-chat\";";
    let text = format!("/* modelgate: allow MG103 */{}", unit.repeat(20_000));
    fs::write(d.path().join("bundle.js"), &text).unwrap();
    let v = scan_json(d.path());
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["more_on_line"], 20_000 - 1 - MAX_ALSO_COLUMNS);
    for x in f {
        assert_eq!(x["suppression"]["kind"], "inline");
        let reason = x["suppression"]["reason"].as_str().unwrap();
        assert!(
            reason.chars().count() <= MAX_VALUE_CHARS + 1,
            "{}",
            reason.len()
        );
    }
    let notes = notes_for(&v, "bundle.js");
    assert!(
        notes[0].contains("19999 repeat an identifier on its line"),
        "{notes:?}"
    );
}

/// Ollama manifests are streamed: the first 64 layers are looked at, junk is skipped.
#[test]
fn ollama_manifest_bounded() {
    let digest = "ab".repeat(32);
    let model_layer = format!(
        "{{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:{digest}\",\"size\":7}}"
    );
    let mut layers = vec![
        "5".to_string(),
        "{\"size\":[[[1]]]}".to_string(),
        model_layer.clone(),
    ];
    layers.extend(std::iter::repeat_n("{}".to_string(), 20_000));
    layers.push(model_layer);
    let m = format!(
        "{{\"junk\":{}{},\"layers\":[{}]}}",
        "[".repeat(50_000),
        "]".repeat(50_000),
        layers.join(",")
    );
    let got = modelmeta::ollama_manifest(
        "x/manifests/registry.ollama.ai/library/qwen2.5/7b",
        m.as_bytes(),
    )
    .unwrap();
    assert_eq!(got.model, "qwen2.5:7b");
    assert_eq!(got.model_layers, vec![(digest, 7)]);
}
