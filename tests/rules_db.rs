//! The rules database: the embedded copy is exactly `rules/`, it validates, and a broken copy is
//! refused with the file it came from.

use std::path::PathBuf;

use modelgate::rules::{Database, embedded};

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules")
}

#[test]
fn embedded_list_names_every_rules_file() {
    let mut on_disk = Vec::new();
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(
                    p.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    walk(&rules_dir(), &rules_dir(), &mut on_disk);
    on_disk.sort();
    let mut listed: Vec<String> = embedded::FILES.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    if std::env::var_os("MODELGATE_BLESS").is_some() && listed != on_disk {
        let mut out = String::from(
            "//! The database compiled into the binary. `tests/rules_db.rs` checks that this list names\n//! every `*.toml` file under `rules/` (regenerate with `MODELGATE_BLESS=1 cargo test --test rules_db`).\n\npub const FILES: &[(&str, &str)] = &[\n",
        );
        for f in &on_disk {
            out.push_str(&format!(
                "    (\"{f}\", include_str!(\"../../rules/{f}\")),\n"
            ));
        }
        out.push_str("];\n");
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/rules/embedded.rs");
        std::fs::write(path, out).unwrap();
        return;
    }
    assert_eq!(
        listed, on_disk,
        "update src/rules/embedded.rs: MODELGATE_BLESS=1 cargo test --test rules_db"
    );
}

#[test]
fn embedded_equals_rules_folder() {
    let a = Database::embedded().unwrap();
    let b = Database::from_dir(&rules_dir()).unwrap();
    assert_eq!(a.content_hash, b.content_hash);
    assert!(modelgate::rules::validate(&a).is_empty());
}

#[test]
fn every_example_is_checked_by_the_detector() {
    // The folder on disk, so that a new rules file is checked before it is embedded.
    let db = std::sync::Arc::new(Database::from_dir(&rules_dir()).unwrap());
    let d = modelgate::detect::text::TextDetector::for_database(db).unwrap();
    assert!(d.check_examples().is_empty(), "{:#?}", d.check_examples());
}

#[test]
fn seed_organisations_and_listings_are_present() {
    let db = Database::embedded().unwrap();
    for org in [
        "alibaba",
        "deepseek",
        "moonshot",
        "minimax",
        "zhipu",
        "baai",
        "meta",
        "mistral",
        "google",
        "microsoft",
        "openai",
    ] {
        assert!(db.org(org).is_some(), "{org}");
    }
    let z: Vec<_> = db.listings_of("zhipu").collect();
    assert_eq!(z[0].effective, "2025-01-16");
    assert!(z[0].citation.contains("90 FR 4617"));
    let b: Vec<_> = db.listings_of("baai").collect();
    assert_eq!(b[0].effective, "2025-03-25");
    // DeepSeek is on no trade, investment or designation list: only informational
    // government-device bans and the FY2026 NDAA procurement prohibition (off by default).
    use modelgate::rules::ListKind;
    for l in db.listings_of("deepseek") {
        let kind = db.list(&l.list).unwrap().kind;
        assert!(
            matches!(
                kind,
                ListKind::Informational | ListKind::ProcurementProhibition
            ),
            "{}",
            l.id
        );
    }
    assert!(db.listings_of("deepseek").count() >= 4);
    let ndaa = db
        .listings
        .iter()
        .find(|l| l.id == "ndaa-fy26-1532-deepseek")
        .unwrap();
    assert_eq!(ndaa.effective, "2025-12-18");
    assert!(!ndaa.applies_to.is_empty() && !ndaa.waiver.is_empty());
    // Qihoo 360 is on the Entity List (85 FR 34495), not only on the DoD 1260H list.
    let q: Vec<_> = db
        .listings_of("qihoo360")
        .filter(|l| l.list == "us-entity-list")
        .collect();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].effective, "2020-06-05");
    assert!(q[0].citation.contains("85 FR 34495"));
    // Withdrawn listings stay, with the date they stopped applying.
    for l in db.listings.iter().filter(|l| l.withdrawn) {
        assert!(l.withdrawn_on.is_some(), "{}", l.id);
    }
    // Every source can be opened and says whether it is primary.
    for s in db.sources.values() {
        assert!(
            s.url.as_deref().is_some_and(|u| u.starts_with("http")),
            "{}",
            s.id
        );
        assert!(s.kind.is_some(), "{}", s.id);
        assert!(
            modelgate::rules::is_search_trace(&s.citation).is_none(),
            "{}",
            s.id
        );
    }
}

#[test]
fn broken_databases_are_refused_with_the_file() {
    let t = tempfile::tempdir().unwrap();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                std::fs::create_dir_all(to.join(p.file_name().unwrap())).unwrap();
            }
        }
    };
    copy(&rules_dir(), t.path());
    for (name, text) in embedded::FILES {
        std::fs::write(t.path().join(name), text).unwrap();
    }
    assert!(Database::from_dir(t.path()).is_ok());
    // A dangling family reference.
    let f = t.path().join("orgs/deepseek.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replacen("family = \"deepseek\"", "family = \"nosuch\"", 1),
    )
    .unwrap();
    let e = Database::from_dir(t.path()).unwrap_err().to_string();
    assert!(
        e.contains("orgs/deepseek.toml") && e.contains("nosuch"),
        "{e}"
    );
    // Invalid TOML points at a line.
    std::fs::write(&f, "[org]\nid = \n").unwrap();
    let e = Database::from_dir(t.path()).unwrap_err().to_string();
    assert!(e.starts_with("orgs/deepseek.toml:2"), "{e}");
}

#[test]
fn every_organisation_with_identifiers_is_detected_from_one_of_its_examples() {
    let db = std::sync::Arc::new(Database::from_dir(&rules_dir()).unwrap());
    let d = modelgate::detect::text::TextDetector::for_database(db.clone()).unwrap();
    let mut covered = 0;
    for o in &db.orgs {
        let mut examples: Vec<&str> = Vec::new();
        for n in db.namespaces.iter().filter(|n| n.org == o.id) {
            examples.extend(n.examples.must_match.iter().map(String::as_str));
        }
        for p in db.patterns.iter().filter(|p| p.org == o.id) {
            examples.extend(p.examples.must_match.iter().map(String::as_str));
        }
        for h in db
            .hosts
            .iter()
            .filter(|h| h.operator.as_deref() == Some(&o.id))
        {
            examples.extend(h.examples.must_match.iter().map(String::as_str));
        }
        if examples.is_empty() {
            // Organisations the research gives no identifier for (e.g. a chip maker on a list).
            continue;
        }
        let resolves = examples.iter().any(|e| {
            let mut refs = Vec::new();
            d.scan(e.as_bytes(), "t", false, &mut refs);
            refs.iter().any(|r| {
                let res = modelgate::resolve::resolve(&db, r);
                res.developer.as_ref().is_some_and(|x| x.id == o.id)
                    || res.publisher.as_ref().is_some_and(|x| x.id == o.id)
                    || res
                        .hosting
                        .as_ref()
                        .and_then(|h| h.operator.as_ref())
                        .is_some_and(|x| x.id == o.id)
            })
        });
        assert!(resolves, "no example of {} resolves to it", o.id);
        covered += 1;
    }
    assert!(
        covered >= 50,
        "only {covered} organisations have identifiers"
    );
}

#[test]
fn every_chinese_model_developer_resolves_from_a_hub_id() {
    let db = std::sync::Arc::new(Database::from_dir(&rules_dir()).unwrap());
    let d = modelgate::detect::text::TextDetector::for_database(db.clone()).unwrap();
    let mut n = 0;
    for o in db.orgs.iter().filter(|o| o.country == "CN") {
        let hub_examples: Vec<&str> = db
            .namespaces
            .iter()
            .filter(|ns| ns.org == o.id && ns.host == "huggingface")
            .flat_map(|ns| ns.examples.must_match.iter().map(String::as_str))
            .collect();
        if hub_examples.is_empty() {
            continue;
        }
        let ok = hub_examples.iter().any(|e| {
            let mut refs = Vec::new();
            d.scan(e.as_bytes(), "t", false, &mut refs);
            refs.iter().any(|r| r.hit.org.as_deref() == Some(&o.id))
        });
        assert!(ok, "{}: no Hugging Face id resolves to it", o.id);
        n += 1;
    }
    assert!(
        n >= 30,
        "only {n} Chinese organisations have Hugging Face namespaces"
    );
}

/// Every identifier in `lines` (each line written as a source file would) yields a reference
/// whose identifier is `want` and whose developer is `org`.
fn resolves(org: &str, cases: &[(&str, &str)]) {
    let db = std::sync::Arc::new(Database::embedded().unwrap());
    let d = modelgate::detect::text::TextDetector::for_database(db).unwrap();
    for (line, want) in cases {
        let mut out = Vec::new();
        d.scan(format!("{line}\n").as_bytes(), "app.py", false, &mut out);
        assert!(
            out.iter()
                .any(|r| r.hit.identifier == *want && r.hit.org.as_deref() == Some(org)),
            "{org}: `{line}` gives {:?}",
            out.iter()
                .map(|r| (&r.hit.identifier, &r.hit.org))
                .collect::<Vec<_>>()
        );
    }
}

/// Nothing in `lines` is a reference: short generic names outside their provider's context.
fn no_reference(lines: &[&str]) {
    let db = std::sync::Arc::new(Database::embedded().unwrap());
    let d = modelgate::detect::text::TextDetector::for_database(db).unwrap();
    for line in lines {
        let mut out = Vec::new();
        d.scan(format!("{line}\n").as_bytes(), "app.py", false, &mut out);
        assert!(
            out.is_empty(),
            "`{line}` gives {:?}",
            out.iter().map(|r| &r.hit.identifier).collect::<Vec<_>>()
        );
    }
}

#[test]
fn zhipu_api_names_resolve() {
    resolves(
        "zhipu",
        &[
            ("m = \"chatglm_std\"", "chatglm_std"),
            ("m = \"chatglm_turbo\"", "chatglm_turbo"),
            ("m = \"glm-4-plus\"", "glm-4-plus"),
            ("m = \"glm-4v-flash\"", "glm-4v-flash"),
            ("m = \"glm-zero-preview\"", "glm-zero-preview"),
            ("m = \"cogview-3-plus\"", "cogview-3-plus"),
            ("m = \"cogvideox-2\"", "cogvideox-2"),
            ("m = \"charglm-3\"", "charglm-3"),
            ("m = \"codegeex-4\"", "codegeex-4"),
            (
                "e = ZhipuAIEmbeddings(model=\"embedding-3\")",
                "embedding-3",
            ),
            ("llm = ChatOllama(model=\"glm4\")", "glm4"),
            ("key = os.environ[\"CHATGLM_API_KEY\"]", "CHATGLM_API_KEY"),
        ],
    );
    no_reference(&["model = \"embedding-2\"", "name = \"glm4\""]);
}

#[test]
fn iflytek_spark_names_resolve() {
    resolves(
        "iflytek",
        &[
            ("m = \"generalv3.5\"", "generalv3.5"),
            ("m = \"Spark-Lite\"", "Spark-Lite"),
            ("m = \"Spark-4.0-Ultra\"", "Spark-4.0-Ultra"),
            ("m = \"SparkDesk-v3.5\"", "SparkDesk-v3.5"),
            ("IFLYTEK_SPARK_LLM_DOMAIN=4.0Ultra", "4.0Ultra"),
            // `4.0Ultra`, in exactly this case, names nothing else: found anywhere.
            ("model: 4.0Ultra", "4.0Ultra"),
            ("| `4.0Ultra` | 128k | hosted |", "4.0Ultra"),
            ("spark_llm_domain=\"max-32k\"", "max-32k"),
            ("SPARK_DOMAIN: pro-128k", "pro-128k"),
            ("spark_llm_domain = 'lite'", "lite"),
            ("IFLYTEK_API_KEY=x", "IFLYTEK_API_KEY"),
        ],
    );
    no_reference(&[
        "tier = \"lite\"",
        "model: max-32k",
        "context = \"pro-128k\"",
        "version = \"4.0 ultra\"",
        "spark-submit --master local",
    ]);
}

#[test]
fn zero_one_ai_api_names_resolve() {
    resolves(
        "01ai",
        &[
            ("m = \"yi-large\"", "yi-large"),
            ("m = \"yi-large-turbo\"", "yi-large-turbo"),
            ("m = \"yi-medium\"", "yi-medium"),
            ("m = \"yi-medium-200k\"", "yi-medium-200k"),
            ("m = \"yi-vision\"", "yi-vision"),
            ("m = \"yi-spark\"", "yi-spark"),
            ("m = \"yi-vl-plus\"", "yi-vl-plus"),
            ("m = \"yi-lightning\"", "yi-lightning"),
            ("ZEROONE_API_KEY=x", "ZEROONE_API_KEY"),
        ],
    );
}

#[test]
fn baai_aquila_names_resolve() {
    resolves(
        "baai",
        &[
            ("m = \"AquilaChat2-7B\"", "AquilaChat2-7B"),
            ("m = \"AquilaChat2-34B-16K\"", "AquilaChat2-34B-16K"),
            ("m = \"BAAI/AquilaChat2-7B\"", "BAAI/AquilaChat2-7B"),
        ],
    );
}

#[test]
fn ollama_library_names_resolve_in_an_ollama_context() {
    resolves(
        "deepseek",
        &[
            ("ollama.chat(model=\"deepseek-r1\")", "deepseek-r1"),
            ("ollama pull deepseek-r1", "deepseek-r1"),
            ("m = \"deepseek-r1:14b\"", "deepseek-r1:14b"),
        ],
    );
    resolves(
        "alibaba",
        &[
            ("ollama.chat(model=\"qwen2.5\")", "qwen2.5"),
            ("m = \"qwen2.5:7b\"", "qwen2.5:7b"),
        ],
    );
    resolves(
        "zhipu",
        &[("ollama run glm4", "glm4"), ("m = \"glm4:9b\"", "glm4:9b")],
    );
    // Tags of library names (the library lists `yi`, `internlm2`, `minicpm-v`).
    resolves("01ai", &[("model: \"yi:34b\"", "yi:34b")]);
    resolves(
        "shlab",
        &[("\"base_model\": \"internlm2:7b\"", "internlm2:7b")],
    );
    resolves("modelbest", &[("ollama run minicpm-v:8b", "minicpm-v:8b")]);
    // A bare name with a family's shape as the value of a model key is a model of the family.
    resolves(
        "deepseek",
        &[
            ("{\"model\": \"deepseek-r1\"}", "deepseek-r1"),
            ("model: deepseek-coder-v2", "deepseek-coder-v2"),
        ],
    );
    resolves(
        "zhipu",
        &[
            ("llm = Chat(model_name=\"glm4-9b-chat\")", "glm4-9b-chat"),
            ("python serve.py --model chatglm3-6b", "chatglm3-6b"),
            ("# 模型：model: chatglm3-6b", "chatglm3-6b"),
        ],
    );
    no_reference(&[
        "name = \"deepseek-r1\"",
        "model = \"qwen2.5\"",
        "model_type: qwen2",
        "self.model = Glm4Model(config)",
        "model = GLM52_MODEL_ID",
        "你是书生·万象 deepseek-r1",
        "taiyi:7b",
        "yi:abc",
    ]);
}

#[test]
fn new_namespaces_resolve_to_their_developers() {
    for (org, id) in [
        ("bilibili", "IndexTeam/Index-1.9B-Chat"),
        ("duxiaoman", "Duxiaoman-DI/XuanYuan-70B"),
        ("vivo", "vivo-ai/BlueLM-7B-Chat"),
        ("alibaba", "AIDC-AI/Ovis2-8B"),
        ("xiaomi", "mispeech/midashenglm-7b"),
        ("bytedance", "BytedanceDouyinContent/SAIL-VL-2B"),
        ("bytedance", "bytedance-research/UI-TARS-7B-DPO"),
        ("tencent", "tencent/Hunyuan-7B-Instruct"),
    ] {
        resolves(org, &[(&format!("m = \"{id}\""), id)]);
    }
}

#[test]
fn qihoo_360_and_app_variables_resolve() {
    resolves(
        "qihoo360",
        &[
            ("m = \"360GPT_S2_V9\"", "360GPT_S2_V9"),
            ("AI360_API_KEY=x", "AI360_API_KEY"),
        ],
    );
    resolves("bytedance", &[("BYTEDANCE_API_KEY=x", "BYTEDANCE_API_KEY")]);
    resolves("alibaba", &[("QWEN_API_KEY=x", "QWEN_API_KEY")]);
    resolves("meituan", &[("LONGCAT_API_KEY=x", "LONGCAT_API_KEY")]);
    resolves("baidu", &[("BAIDU_SECRET_KEY=x", "BAIDU_SECRET_KEY")]);
    resolves("tencent", &[("TENCENT_SECRET_ID=x", "TENCENT_SECRET_ID")]);
    resolves(
        "moonshot",
        &[("MOONSHOT_PROXY_URL=x", "MOONSHOT_PROXY_URL")],
    );
    resolves("deepseek", &[("DEEPSEEK_URL=x", "DEEPSEEK_URL")]);
    resolves(
        "siliconflow",
        &[("SILICONCLOUD_API_KEY=x", "SILICONCLOUD_API_KEY")],
    );
}

#[test]
fn provider_api_names_of_every_chinese_api_resolve() {
    let m = |n: &str| format!("m = {{\"model\": \"{n}\"}}");
    for (org, names) in [
        (
            "baidu",
            &[
                "ernie-4.0-8k",
                "ernie-3.5-8k",
                "ERNIE-Bot-4",
                "ernie-speed-128k",
            ][..],
        ),
        (
            "tencent",
            &[
                "hunyuan-large",
                "hunyuan-turbo",
                "hunyuan-embedding",
                "hunyuan-large-longcontext",
                "hunyuan-t1-latest",
            ][..],
        ),
        ("stepfun", &["step-1-8k", "step-1v-8k", "step-2-16k"][..]),
        (
            "bytedance",
            &[
                "doubao-pro-32k",
                "doubao-1-5-pro-32k-250115",
                "doubao-seed-1-6-250615",
            ][..],
        ),
        ("deepseek", &["deepseek-chat", "deepseek-reasoner"][..]),
        ("qihoo360", &["360gpt-pro"][..]),
        ("baichuan", &["Baichuan4-Turbo"][..]),
        ("minimax", &["abab6.5s-chat", "MiniMax-M1"][..]),
        (
            "moonshot",
            &["moonshot-v1-128k", "kimi-k2-0711-preview"][..],
        ),
    ] {
        let lines: Vec<String> = names.iter().map(|n| m(n)).collect();
        let cases: Vec<(&str, &str)> = lines
            .iter()
            .zip(names)
            .map(|(l, n)| (l.as_str(), *n))
            .collect();
        resolves(org, &cases);
    }
}
