//! Classification: decide from a file's name and first bytes what kind of thing it is, before any
//! detector looks at it.

use serde::Serialize;

use std::path::Path;

/// How much of a file's start is examined for NUL bytes (as git and ripgrep do).
pub const SNIFF_LEN: usize = 8192;

pub use crate::types::Class;

/// What kind of manifest a file is, from its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ManifestKind {
    CargoToml,
    CargoLock,
    Requirements,
    Pyproject,
    PoetryLock,
    UvLock,
    Pipfile,
    PipfileLock,
    SetupCfg,
    PackageJson,
    PackageLock,
    PnpmLock,
    YarnLock,
    GoMod,
}

/// The manifest kind of a repository-relative path, by its file name; `None` for any other file.
pub fn manifest_kind(rel: &str) -> Option<ManifestKind> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    use ManifestKind::*;
    Some(match name {
        "Cargo.toml" => CargoToml,
        "Cargo.lock" => CargoLock,
        "pyproject.toml" => Pyproject,
        "poetry.lock" => PoetryLock,
        "uv.lock" => UvLock,
        "Pipfile" => Pipfile,
        "Pipfile.lock" => PipfileLock,
        "setup.cfg" => SetupCfg,
        "package.json" => PackageJson,
        "package-lock.json" | "npm-shrinkwrap.json" => PackageLock,
        "pnpm-lock.yaml" => PnpmLock,
        "yarn.lock" => YarnLock,
        "go.mod" => GoMod,
        n if n.starts_with("requirements") && n.ends_with(".txt") => Requirements,
        _ => return None,
    })
}

pub const GGUF_MAGIC: &[u8; 4] = b"GGUF";

/// The format's limit on the header size (the reference library refuses larger headers).
pub const SAFETENSORS_MAX_HEADER: u64 = 100_000_000;

/// True when the first bytes look like a safetensors header.
pub fn sniff_safetensors(head: &[u8], file_len: u64) -> bool {
    if head.len() < 10 {
        return false;
    }
    let n = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
    (2..=SAFETENSORS_MAX_HEADER).contains(&n) && n.saturating_add(8) <= file_len && head[8] == b'{'
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Gguf,
    Safetensors,
    /// A PyTorch zip checkpoint (`.pt`, `.pth`, `.bin`, `.ckpt`): identified by digest only.
    TorchZip,
    /// A raw pickle: identified by digest only, never unpickled.
    Pickle,
    Onnx,
    /// Any other file with a weights extension.
    Other,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Gguf => "GGUF",
            Format::Safetensors => "safetensors",
            Format::TorchZip => "PyTorch zip checkpoint",
            Format::Pickle => "pickle",
            Format::Onnx => "ONNX",
            Format::Other => "weight",
        }
    }
}

/// Identifies a weight format from a file's first bytes (and, for formats without a magic
/// number, its extension).
pub fn sniff_format(head: &[u8], len: u64, ext: &str) -> Option<Format> {
    if head.starts_with(GGUF_MAGIC) {
        return Some(Format::Gguf);
    }
    if sniff_safetensors(head, len) {
        return Some(Format::Safetensors);
    }
    let torch_ext = matches!(ext, "pt" | "pth" | "bin" | "ckpt" | "pkl" | "pickle");
    if head.starts_with(b"PK\x03\x04") && torch_ext {
        return Some(Format::TorchZip);
    }
    if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) && torch_ext {
        return Some(Format::Pickle);
    }
    if ext == "onnx" {
        return Some(Format::Onnx);
    }
    None
}

const WEIGHT_EXTENSIONS: &[&str] = &[
    "gguf",
    "ggml",
    "safetensors",
    "bin",
    "pt",
    "pth",
    "ckpt",
    "onnx",
    "h5",
    "pb",
    "tflite",
    "mlmodel",
    "npz",
    "pkl",
    "pickle",
];

/// Extensions used only for model files: binary content with one of them is weights.
const MODEL_EXTENSIONS: &[&str] = &["gguf", "ggml", "safetensors", "onnx", "tflite", "mlmodel"];

const PROSE_EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "rst", "adoc", "asciidoc"];

/// Extensions of source, configuration and data text. A file with one of them is scanned as text
/// even when it holds a NUL byte: the tools that read it (pip, Python, Node, cargo...) do not
/// care, so a NUL in a comment must not hide the rest of the file from the scan.
const TEXT_EXTENSIONS: &[&str] = &[
    // manifests and configuration
    "txt",
    "in",
    "toml",
    "lock",
    "json",
    "jsonc",
    "json5",
    "yaml",
    "yml",
    "cfg",
    "ini",
    "conf",
    "env",
    "properties",
    "xml",
    "gradle",
    "mod",
    "sum",
    // sources
    "py",
    "pyi",
    "ipynb",
    "js",
    "mjs",
    "cjs",
    "jsx",
    "ts",
    "mts",
    "cts",
    "tsx",
    "rs",
    "go",
    "java",
    "kt",
    "kts",
    "scala",
    "swift",
    "c",
    "h",
    "cc",
    "cpp",
    "cxx",
    "hpp",
    "hh",
    "cs",
    "rb",
    "php",
    "lua",
    "r",
    "jl",
    "dart",
    "ex",
    "exs",
    "erl",
    "hs",
    "ml",
    "clj",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "bat",
    "cmd",
    "sql",
    "vue",
    "svelte",
    "html",
    "htm",
    "css",
    "scss",
    "sass",
    "less",
    "tf",
    "hcl",
    "nix",
    "dockerfile",
    "mk",
    "cmake",
    // documentation
    "md",
    "markdown",
    "mdx",
    "rst",
    "adoc",
    "asciidoc",
];

/// Whether a file is text by its name alone: a known manifest or lock file (see
/// [`manifest_kind`]), a `Dockerfile`/`Makefile`, or a known text extension.
pub fn text_by_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if manifest_kind(&name).is_some()
        || matches!(
            name.as_ref(),
            "Dockerfile" | "Makefile" | "Containerfile" | "Pipfile"
        )
    {
        return true;
    }
    TEXT_EXTENSIONS.contains(&extension(path).as_str())
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether content is model weights whatever the file's name (GGUF, safetensors, a PyTorch zip,
/// a pickle).
fn looks_like_weights(head: &[u8], ext: &str) -> bool {
    sniff_format(head, u64::MAX, ext).is_some()
}

/// Classifies a file from its path and the first bytes of its content. A NUL byte makes a file
/// binary, except in a file that is text by its name ([`text_by_name`]) and whose content is not
/// a weights format.
pub fn classify(path: &Path, head: &[u8]) -> Class {
    let ext = extension(path);
    let sniff = &head[..head.len().min(SNIFF_LEN)];
    // A manifest or lock file is always text (pip, npm and cargo read it whatever it holds); a
    // file with a source or text extension is text unless its content is a weights format.
    let name_says_text = text_by_name(path);
    let manifest = path
        .file_name()
        .is_some_and(|n| manifest_kind(&n.to_string_lossy()).is_some());
    if memchr::memchr(0, sniff).is_some()
        && !manifest
        && (!name_says_text || looks_like_weights(head, &ext))
    {
        // By content first: GGUF and safetensors files are weights whatever their name (Ollama
        // and Hugging Face cache blobs have none).
        // Generic extensions (`.bin`, `.pt`, ...) hold all sorts of binaries: they count as
        // weights only when the content is a PyTorch zip or a pickle.
        if sniff_format(head, u64::MAX, &ext).is_some() || MODEL_EXTENSIONS.contains(&ext.as_str())
        {
            return Class::Weights;
        }
        return Class::OtherBinary;
    }
    if WEIGHT_EXTENSIONS.contains(&ext.as_str()) && !head.is_empty() && ext != "bin" {
        // A weights extension with text content (an LFS pointer, a stub): still text.
        return Class::Text { prose: false };
    }
    Class::Text {
        prose: PROSE_EXTENSIONS.contains(&ext.as_str()) || legal_text(path, &ext),
    }
}

/// A licence or notice (`LICENSE`, `MODEL_LICENSE`, `COPYING.txt`, `NOTICE`): prose, whose links
/// and model names are mentions.
fn legal_text(path: &Path, ext: &str) -> bool {
    if !matches!(ext, "" | "txt" | "md") {
        return false;
    }
    let Some(stem) = path.file_stem() else {
        return false;
    };
    let stem = stem.to_string_lossy().to_ascii_uppercase();
    let word = stem.rsplit(['_', '-', '.']).next().unwrap_or(&stem);
    matches!(word, "LICENSE" | "LICENCE" | "COPYING" | "NOTICE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(
            classify(Path::new("a.py"), b"import os\n"),
            Class::Text { prose: false }
        );
        assert_eq!(
            classify(Path::new("README.md"), b"# x"),
            Class::Text { prose: true }
        );
        for name in [
            "LICENSE",
            "MODEL_LICENSE",
            "COPYING.txt",
            "NOTICE",
            "Model-License.md",
        ] {
            assert_eq!(
                classify(Path::new(name), b"see https://open.bigmodel.cn/mla/form"),
                Class::Text { prose: true },
                "{name}"
            );
        }
        assert_eq!(
            classify(Path::new("license.py"), b"x = 1"),
            Class::Text { prose: false }
        );
        assert_eq!(
            classify(Path::new("m.gguf"), b"GGUF\x03\0\0\0"),
            Class::Weights
        );
        assert_eq!(
            classify(Path::new("logo.png"), b"\x89PNG\r\n\x1a\n\0\0"),
            Class::OtherBinary
        );
        assert_eq!(
            classify(Path::new("blobs/sha256-0a1b"), b"GGUF\x03\0\0\0"),
            Class::Weights
        );
        assert_eq!(
            classify(Path::new("blob"), b"\x10\0\0\0\0\0\0\0{\"a\":{}}"),
            Class::Weights
        );
        assert_eq!(
            classify(Path::new("buffer.bin"), b"\x13\x07\0\x01random"),
            Class::OtherBinary,
            "a .bin that is neither a zip nor a pickle is not weights"
        );
        assert_eq!(
            classify(Path::new("model.pt"), b"PK\x03\x04\0\0archive/data.pkl"),
            Class::Weights
        );
        assert_eq!(
            classify(Path::new("requirements.txt"), b"torch\n"),
            Class::Text { prose: false }
        );
    }

    #[test]
    fn nul_bytes_do_not_hide_manifests_or_sources() {
        for name in [
            "requirements.txt",
            "requirements-dev.txt",
            "sub/package.json",
            "Cargo.toml",
            "yarn.lock",
            "app.py",
            "main.rs",
            "Pipfile",
        ] {
            assert_eq!(
                classify(Path::new(name), b"# \0 comment\nzhipuai\n"),
                Class::Text { prose: false },
                "{name}"
            );
        }
        assert_eq!(
            classify(Path::new("notes.md"), b"a\0b"),
            Class::Text { prose: true }
        );
        // Weights content stays weights whatever the name, except a manifest's.
        assert_eq!(
            classify(Path::new("x.json"), b"GGUF\x03\0\0\0"),
            Class::Weights
        );
        assert_eq!(
            classify(
                Path::new("requirements.txt"),
                b"\x10\0\0\0\0\0\0\0{\"a\":{}}\nzhipuai\n"
            ),
            Class::Text { prose: false }
        );
        assert_eq!(classify(Path::new("blob.dat"), b"a\0b"), Class::OtherBinary);
    }
}
