//! Where a reference is served and who made it, decided from the database and from the file it
//! stands in: ModelScope re-upload namespaces, fine-tunes published by someone else than the base
//! model's developer, hub switches, the provider API of bare API names and the provider adaptor
//! folders of API gateways, and routing prefixes only in their own spelling.

use std::sync::Arc;

use modelgate::detect::text::TextDetector;
use modelgate::resolve::resolve;
use modelgate::rules::Database;
use modelgate::types::{RefKind, Reference};

fn detector() -> (Arc<Database>, TextDetector) {
    let db = Arc::new(Database::embedded().unwrap());
    let d = TextDetector::for_database(db.clone()).unwrap();
    (db, d)
}

fn scan(d: &TextDetector, path: &str, text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    d.scan(text.as_bytes(), path, false, &mut out);
    out
}

fn one<'a>(refs: &'a [Reference], ident: &str) -> &'a Reference {
    refs.iter()
        .find(|r| r.hit.identifier == ident)
        .unwrap_or_else(|| {
            panic!(
                "no reference `{ident}` in {:?}",
                refs.iter().map(|r| &r.hit.identifier).collect::<Vec<_>>()
            )
        })
}

#[test]
fn modelscope_reupload_namespaces_keep_the_developer_and_are_hosted_on_modelscope() {
    let (db, d) = detector();
    let refs = scan(
        &d,
        "constants.py",
        "a = \"LLM-Research/Qwen2.5-7B-Instruct\"\n\
         b = \"AI-ModelScope/chatglm-6b\"\n\
         c = \"AI-ModelScope/gemma-2b-it\"\n\
         e = \"https://modelscope.cn/models/LLM-Research/Meta-Llama-3-8B-Instruct\"\n",
    );
    for (ident, org) in [
        ("LLM-Research/Qwen2.5-7B-Instruct", Some("alibaba")),
        ("AI-ModelScope/chatglm-6b", Some("zhipu")),
        ("AI-ModelScope/gemma-2b-it", None),
        // The database records no name shape for Meta's Llama: hosted, not attributed.
        ("LLM-Research/Meta-Llama-3-8B-Instruct", None),
    ] {
        let r = one(&refs, ident);
        assert_eq!(r.hit.org.as_deref(), org, "{ident}");
        assert_eq!(r.hit.host.as_deref(), Some("modelscope"), "{ident}");
        assert_eq!(r.hit.kind, RefKind::HubRepo, "{ident}");
        // The namespace is ModelScope's, not the developer's: no publisher is named.
        assert!(resolve(&db, r).publisher.is_none(), "{ident}");
    }
    // An unknown model in a re-upload namespace is still a download from China.
    let res = resolve(&db, one(&refs, "AI-ModelScope/gemma-2b-it"));
    assert_eq!(res.hosting.unwrap().jurisdiction, "CN");
}

#[test]
fn a_fine_tune_published_outside_china_names_the_base_developer_and_the_publisher() {
    let (db, d) = detector();
    let refs = scan(
        &d,
        "app.py",
        "m = AutoModel.from_pretrained(\"agentica-org/DeepScaleR-1.5B-Preview\")\n\
         n = \"FlagAlpha/Llama2-Chinese-7b-Chat\"\n\
         ollama.chat(model=\"deepscaler\")\n",
    );
    let r = one(&refs, "agentica-org/DeepScaleR-1.5B-Preview");
    assert_eq!(r.hit.org.as_deref(), Some("deepseek"));
    let res = resolve(&db, r);
    let p = res.publisher.as_ref().expect("publisher");
    assert_eq!((p.id.as_str(), p.country.as_str()), ("agentica", "US"));
    assert_eq!(res.developer.as_ref().unwrap().country, "CN");
    let f = modelgate::policy::evaluate(&modelgate::policy::Policy::default(), r, res).unwrap();
    assert!(
        f.message.contains(
            "is a fine-tune of DeepSeek, developed by DeepSeek (CN); published by Agentica"
        ),
        "{}",
        f.message
    );

    let r = one(&refs, "FlagAlpha/Llama2-Chinese-7b-Chat");
    assert_eq!(r.hit.org.as_deref(), Some("meta"));
    assert_eq!(resolve(&db, r).publisher.unwrap().id, "flagalpha");

    let r = one(&refs, "deepscaler");
    assert_eq!(r.hit.org.as_deref(), Some("deepseek"));
    assert_eq!(resolve(&db, r).publisher.unwrap().id, "agentica");
}

#[test]
fn hub_switches_count_only_where_they_are_set_and_move_bare_ids_to_modelscope() {
    let (_, d) = detector();
    let set = scan(
        &d,
        "serve.sh",
        "export VLLM_USE_MODELSCOPE=True\nvllm serve Qwen/Qwen2.5-7B-Instruct\n",
    );
    let sw = one(&set, "VLLM_USE_MODELSCOPE");
    assert_eq!(sw.hit.kind, RefKind::Hub);
    assert_eq!(sw.hit.host.as_deref(), Some("modelscope"));
    assert_eq!(sw.hit.org, None);
    let id = one(&set, "Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(id.hit.host.as_deref(), Some("modelscope"));
    assert!(
        id.hit
            .via
            .as_deref()
            .unwrap()
            .contains("modelscope-hub-switches")
    );

    for text in [
        "if os.environ.get(\"VLLM_USE_MODELSCOPE\"):\n    m = \"Qwen/Qwen2.5-7B-Instruct\"\n",
        "VLLM_USE_MODELSCOPE=False vllm serve Qwen/Qwen2.5-7B-Instruct\n",
        "# Set LMDEPLOY_USE_MODELSCOPE to download from ModelScope.\nm = \"Qwen/Qwen2.5-7B-Instruct\"\n",
    ] {
        let refs = scan(&d, "serve.py", text);
        assert!(refs.iter().all(|r| r.hit.kind != RefKind::Hub), "{text}");
        assert_eq!(
            one(&refs, "Qwen/Qwen2.5-7B-Instruct").hit.host.as_deref(),
            Some("huggingface"),
            "{text}"
        );
    }
    // Python, YAML and Dockerfile spellings.
    for text in [
        "os.environ[\"USE_MODELSCOPE_HUB\"] = \"1\"\n",
        "env:\n  FASTCHAT_USE_MODELSCOPE: \"true\"\n",
        "ENV LMDEPLOY_USE_MODELSCOPE=1\n",
    ] {
        let refs = scan(&d, "x", text);
        assert!(refs.iter().any(|r| r.hit.kind == RefKind::Hub), "{text}");
    }
}

#[test]
fn api_names_are_served_by_the_endpoint_named_in_the_file_else_by_the_provider_api() {
    let (db, d) = detector();
    let bare = scan(&d, "bot.py", "llm_cfg = {'model': 'qwen-max'}\n");
    let r = one(&bare, "qwen-max");
    assert_eq!(r.hit.host.as_deref(), Some("alibaba-api-default"));
    let h = resolve(&db, r).hosting.unwrap();
    assert_eq!(
        h.jurisdiction, "",
        "the region is left to the client's endpoint"
    );

    let intl = scan(
        &d,
        "bot.py",
        "BASE = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1'\nllm_cfg = {'model': 'qwen-max'}\n",
    );
    let r = one(&intl, "qwen-max");
    assert_eq!(r.hit.host.as_deref(), Some("dashscope-intl"));
    assert_eq!(
        r.hit.via.as_deref(),
        Some("endpoint `dashscope-intl.aliyuncs.com` named in the same file")
    );

    // Endpoints of two regions: the file does not decide.
    let both = scan(
        &d,
        "bot.py",
        "A = 'https://api.moonshot.cn/v1'\nB = 'https://api.moonshot.ai/v1'\nm = 'moonshot-v1-8k'\n",
    );
    assert_eq!(
        one(&both, "moonshot-v1-8k").hit.host.as_deref(),
        Some("moonshot-api-default")
    );
    let cn = scan(
        &d,
        "bot.py",
        "A = 'https://api.moonshot.cn/v1'\nm = 'moonshot-v1-8k'\n",
    );
    assert_eq!(
        one(&cn, "moonshot-v1-8k").hit.host.as_deref(),
        Some("moonshot-cn")
    );
}

#[test]
fn model_lists_in_a_provider_adaptor_folder_are_served_by_that_provider() {
    let (_, d) = detector();
    let text = "var ModelList = []string{\n\t\"THUDM/glm-4-9b-chat\",\n\t\"deepseek-ai/DeepSeek-V2.5\",\n}\n";
    let refs = scan(&d, "relay/adaptor/siliconflow/constants.go", text);
    for r in &refs {
        assert_eq!(
            r.hit.host.as_deref(),
            Some("siliconflow-api-default"),
            "{}",
            r.hit.identifier
        );
    }
    assert_eq!(refs.len(), 2);
    // The same list elsewhere is on the default hub.
    let refs = scan(&d, "relay/adaptor/other/constants.go", text);
    assert!(
        refs.iter()
            .all(|r| r.hit.host.as_deref() == Some("huggingface"))
    );
    // A router folder also serves the names routed there.
    let refs = scan(
        &d,
        "relay/adaptor/openrouter/constants.go",
        "\t\"minimax/minimax-01\",\n\t\"deepseek/deepseek-chat\",\n",
    );
    assert!(
        refs.iter()
            .all(|r| r.hit.host.as_deref() == Some("openrouter")),
        "{:?}",
        refs.iter()
            .map(|r| (&r.hit.identifier, &r.hit.host))
            .collect::<Vec<_>>()
    );
}

#[test]
fn routing_prefixes_apply_only_in_their_own_spelling_and_shape() {
    let (_, d) = detector();
    let refs = scan(
        &d,
        "test_llm.py",
        "a = 'MiniMax/MiniMax-M1-40k'\nb = 'minimax/MiniMax-M2'\nc = 'modelscope/Yi-1.5-34B-Chat-GPTQ'\nd = 'modelscope/Qwen/Qwen2.5-7B-Instruct'\n",
    );
    assert_eq!(
        one(&refs, "MiniMax/MiniMax-M1-40k").hit.kind,
        RefKind::HubRepo
    );
    assert_eq!(
        one(&refs, "minimax/MiniMax-M2").hit.kind,
        RefKind::RouterModel
    );
    assert_ne!(
        one(&refs, "modelscope/Yi-1.5-34B-Chat-GPTQ").hit.kind,
        RefKind::RouterModel
    );
    let routed = one(&refs, "modelscope/Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(routed.hit.kind, RefKind::RouterModel);
    assert_eq!(routed.hit.host.as_deref(), Some("modelscope-inference"));
}
