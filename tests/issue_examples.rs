//! The examples that the real-code accuracy work was asked to get right, each scanned in a file
//! of its own (the file name and the lines around it are part of the example), with what a
//! correct scanner reports about the token.

mod common;

use common::*;
use serde_json::Value;

/// What is expected of the findings on the example's token.
enum Want {
    /// No finding at warning or error (a data set may stay as inventory, a mention as a note).
    NotSevere,
    /// No finding at all.
    Nothing,
    /// A finding of this kind (if given), developer (if given) and host (if given; `-` for none).
    Model {
        kind: Option<&'static str>,
        developer: Option<&'static str>,
        host: Option<&'static str>,
    },
}

use Want::*;

const fn model(
    kind: Option<&'static str>,
    developer: Option<&'static str>,
    host: Option<&'static str>,
) -> Want {
    Model {
        kind,
        developer,
        host,
    }
}

/// (file, text, token, what is expected)
const EXAMPLES: &[(&str, &str, &str, Want)] = &[
    // Data sets are inventory, never warnings or errors.
    (
        "data/dataset_info.json",
        "{\"agent\": {\"ms_hub_url\": \"ZhipuAI/AgentInstruct\"}}\n",
        "ZhipuAI/AgentInstruct",
        NotSevere,
    ),
    (
        "train.sh",
        "swift sft --model Qwen/Qwen2.5-7B \\\n    --dataset 'ZhipuAI/LongWriter-6k'\n",
        "ZhipuAI/LongWriter-6k",
        NotSevere,
    ),
    (
        "train.yaml",
        "dataset: BAAI/Infinity-Instruct\n",
        "BAAI/Infinity-Instruct",
        NotSevere,
    ),
    (
        "data.py",
        "URL = \"https://modelscope.cn/api/v1/datasets/we_dont_produce_water/x\"\n",
        "modelscope.cn/api/v1/datasets",
        NotSevere,
    ),
    // Output folders, data files, packages, comment pairs.
    (
        "sft.yaml",
        "output_dir: saves/Qwen3.5-35B/lora/sft\n",
        "Qwen3.5-35B",
        Nothing,
    ),
    (
        "quantize.sh",
        "python quantize.py --output_dir Qwen2.5-72B-Instruct-AWQ\n",
        "Qwen2.5-72B-Instruct-AWQ",
        Nothing,
    ),
    (
        "eval.py",
        "ANSWERS = \"model_answer/chatglm-6b.jsonl\"\n",
        "chatglm-6b",
        Nothing,
    ),
    (
        "setup.sh",
        "pip install qwen-vl-utils\n",
        "qwen-vl-utils",
        Nothing,
    ),
    (
        "video.py",
        "# For models like Qwen3-VL/GLM4.5V\n",
        "Qwen3-VL/GLM4.5V",
        NotSevere,
    ),
    // Glued tokens and paths: never a hub repository.
    (
        "serve.sh",
        "python llm_api.py --model-path-address THUDM/chatglm2-6b@localhost@7650\n",
        "THUDM/chatglm2-6b",
        model(Some("local-model"), Some("zhipu"), Some("-")),
    ),
    (
        "convert.py",
        "CKPT = \"/path/to/DeepSeek-V3.1-source\"\n",
        "DeepSeek-V3.1-source",
        model(Some("local-model"), Some("deepseek"), Some("-")),
    ),
    (
        "bench.yml",
        "model: /nvme/models/Qwen/Qwen3-30B-A3B\n",
        "Qwen3-30B-A3B",
        model(Some("local-model"), Some("alibaba"), Some("-")),
    ),
    // Hosting decided by the file.
    (
        "constants.py",
        "MODELS = {DownloadSource.MODELSCOPE: \"Qwen/Qwen2-1.5B\"}\n",
        "Qwen/Qwen2-1.5B",
        model(None, Some("alibaba"), Some("modelscope")),
    ),
    (
        "download.py",
        "from modelscope import snapshot_download\nsnapshot_download(\"Qwen/Qwen2-1.5B\")\n",
        "Qwen/Qwen2-1.5B",
        model(None, Some("alibaba"), Some("modelscope")),
    ),
    (
        "sft.py",
        "from swift.llm import sft_main, SftArguments\nsft_main(SftArguments(model=\"Qwen/Qwen2-7B-Instruct\", use_hf=False))\n",
        "Qwen/Qwen2-7B-Instruct",
        model(None, Some("alibaba"), Some("modelscope")),
    ),
    (
        "serve_ms.sh",
        "export VLLM_USE_MODELSCOPE=True\nvllm serve Qwen/Qwen2.5-7B-Instruct\n",
        "Qwen/Qwen2.5-7B-Instruct",
        model(None, Some("alibaba"), Some("modelscope")),
    ),
    (
        "relay/adaptor/siliconflow/constants.go",
        "var ModelList = []string{\n\t\"Pro/Qwen/Qwen1.5-7B-Chat\",\n}\n",
        "Pro/Qwen/Qwen1.5-7B-Chat",
        model(None, Some("alibaba"), Some("siliconflow-api-default")),
    ),
    (
        "router.py",
        "completion(model=\"openrouter/deepseek/deepseek-chat\")\n",
        "openrouter/deepseek/deepseek-chat",
        model(Some("router-model"), Some("deepseek"), Some("openrouter")),
    ),
    (
        "relay/billing/ratio/model.go",
        "var ModelRatio = map[string]float64{\n\t//https://openrouter.ai/models\n\t\"deepseek/deepseek-chat\": 0.445,\n}\n",
        "deepseek/deepseek-chat",
        model(None, Some("deepseek"), Some("openrouter")),
    ),
    (
        "registry.py",
        "Model(\"modelscope/Yi-1.5-9B-Chat-GPTQ\")\n",
        "modelscope/Yi-1.5-9B-Chat-GPTQ",
        model(None, Some("01ai"), None),
    ),
    (
        "registry2.py",
        "m = \"MiniMax/MiniMax-M2.5\"\n",
        "MiniMax/MiniMax-M2.5",
        model(Some("hub-repo"), Some("minimax"), None),
    ),
    (
        "links.py",
        "u = \"https://modelscope.cn/models/BAAI/Emu3-Gen\"\n",
        "BAAI/Emu3-Gen",
        model(Some("hub-repo"), Some("baai"), Some("modelscope")),
    ),
    (
        "links2.py",
        "v = \"https://modelscope.cn/models/deepseek-ai/DeepSeek-R1\"\n",
        "deepseek-ai/DeepSeek-R1",
        model(Some("hub-repo"), Some("deepseek"), Some("modelscope")),
    ),
    (
        "reupload.py",
        "a = \"AI-ModelScope/gemma-2b\"\n",
        "AI-ModelScope/gemma-2b",
        model(Some("hub-repo"), None, Some("modelscope")),
    ),
    (
        "reupload2.py",
        "b = \"LLM-Research/Meta-Llama-3-8B\"\n",
        "LLM-Research/Meta-Llama-3-8B",
        model(Some("hub-repo"), None, Some("modelscope")),
    ),
    // Misses: names in model-valued positions, URI schemes, derivatives, variables, selectors.
    (
        "config.json",
        "{\"model\": \"deepseek-r1\"}\n",
        "deepseek-r1",
        model(None, Some("deepseek"), None),
    ),
    (
        "local.py",
        "llm = Chat(model_name=\"glm4-9b-chat\")\n",
        "glm4-9b-chat",
        model(None, Some("zhipu"), None),
    ),
    (
        "serve.yaml",
        "storageUri: hf://Qwen/Qwen2.5-7B-Instruct\n",
        "Qwen/Qwen2.5-7B-Instruct",
        model(Some("hub-repo"), Some("alibaba"), Some("huggingface")),
    ),
    (
        "run.sh",
        "ramalama run ollama://qwen2.5:7b\n",
        "qwen2.5:7b",
        model(Some("ollama-tag"), Some("alibaba"), Some("ollama")),
    ),
    (
        "tiny.py",
        "m = \"org/tiny-random-qwen3\"\n",
        "org/tiny-random-qwen3",
        model(Some("derivative"), Some("alibaba"), None),
    ),
    (
        "buddy.py",
        "m = \"OpenBuddy/openbuddy-deepseek-67b\"\n",
        "OpenBuddy/openbuddy-deepseek-67b",
        model(Some("derivative"), Some("deepseek"), None),
    ),
    (
        "llava.py",
        "m = \"lmms-lab/llava-onevision-qwen2-72b-ov\"\n",
        "lmms-lab/llava-onevision-qwen2-72b-ov",
        model(Some("derivative"), Some("alibaba"), None),
    ),
    (
        "chat.py",
        "from langchain_deepseek import ChatDeepSeek\n",
        "ChatDeepSeek",
        model(Some("sdk-class"), Some("deepseek"), None),
    ),
    (
        "agent.py",
        "llm_cfg = {'model': 'qwen-max', 'model_server': 'dashscope'}\n",
        "dashscope",
        model(Some("sdk-class"), Some("alibaba"), None),
    ),
    (
        "env.sh",
        "export CHATGLM_API_KEY=x\n",
        "CHATGLM_API_KEY",
        model(Some("env-var"), Some("zhipu"), None),
    ),
    (
        "env2.sh",
        "export IFLYTEK_API_KEY=x\n",
        "IFLYTEK_API_KEY",
        model(Some("env-var"), Some("iflytek"), None),
    ),
    (
        "env3.sh",
        "export BYTEDANCE_API_KEY=x\n",
        "BYTEDANCE_API_KEY",
        model(Some("env-var"), Some("bytedance"), None),
    ),
    (
        "env4.sh",
        "export ALIBABA_API_KEY=x\n",
        "ALIBABA_API_KEY",
        model(Some("env-var"), Some("alibaba"), None),
    ),
    (
        "env5.sh",
        "export BAIDU_API_KEY=x\n",
        "BAIDU_API_KEY",
        model(Some("env-var"), Some("baidu"), None),
    ),
];

fn on_token<'a>(v: &'a Value, token: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["matched"].as_str().unwrap_or("").contains(token)
                || f["identifier"].as_str().unwrap_or("").contains(token)
        })
        .collect()
}

#[test]
fn every_example_gets_what_a_correct_scanner_reports() {
    let mut failures = Vec::new();
    for (file, text, token, want) in EXAMPLES {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        let v = json(t.path(), &[]);
        let found = on_token(&v, token);
        let severe = |f: &&&Value| matches!(f["level"].as_str(), Some("error" | "warning"));
        let ok = match want {
            Nothing => found.is_empty(),
            NotSevere => !found.iter().any(|f| severe(&f)),
            Model {
                kind,
                developer,
                host,
            } => found.iter().any(|f| {
                kind.is_none_or(|k| f["kind"] == k)
                    && developer.is_none_or(|d| f["developer"]["id"] == d)
                    && host.is_none_or(|h| {
                        if h == "-" {
                            f["hosting"].is_null()
                        } else {
                            f["hosting"]["id"] == h
                        }
                    })
            }),
        };
        if !ok {
            let got: Vec<String> = found
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {} developer={} host={}",
                        f["level"],
                        f["kind"],
                        f["matched"],
                        f["developer"]["id"],
                        f["hosting"]["id"]
                    )
                })
                .collect();
            failures.push(format!("{file}: `{token}`: got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
