//! Classification: decide from a file's name and first bytes what kind of thing it is, before any
//! detector looks at it.

use std::path::Path;

/// How much of a file's start is examined for NUL bytes (as git and ripgrep do).
pub const SNIFF_LEN: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Source, configuration or data text. `prose` marks documentation (Markdown and similar),
    /// where a model name is a mention rather than usage.
    Text { prose: bool },
    /// Model weights by extension (GGUF, safetensors, pickle checkpoints, ONNX).
    Weights,
    /// Any other binary content.
    OtherBinary,
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

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Classifies a file from its path and the first bytes of its content.
pub fn classify(path: &Path, head: &[u8]) -> Class {
    let ext = extension(path);
    let sniff = &head[..head.len().min(SNIFF_LEN)];
    if memchr::memchr(0, sniff).is_some() {
        // By content first: GGUF and safetensors files are weights whatever their name (Ollama
        // and Hugging Face cache blobs have none).
        // Generic extensions (`.bin`, `.pt`, ...) hold all sorts of binaries: they count as
        // weights only when the content is a PyTorch zip or a pickle.
        if crate::detect::weights::sniff_format(head, u64::MAX, &ext).is_some()
            || MODEL_EXTENSIONS.contains(&ext.as_str())
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
        prose: PROSE_EXTENSIONS.contains(&ext.as_str()),
    }
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
}
