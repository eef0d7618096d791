//! Go: `go.mod`. `require` lines (single or in a block) are the module's dependencies; a
//! `// indirect` comment marks one that only other modules need (go.mod does not record which).

use super::locate::Loc;
use super::{Dep, Ecosystem, ManifestFile};
use crate::types::Notification;

fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && p.contains('.')
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
}

/// The module a specification names: `module/path v1.2.3` or `module/path`.
pub fn spec_name(spec: &str) -> Option<String> {
    let p = spec.split_whitespace().next()?.trim_matches('"');
    valid_path(p).then(|| p.to_string())
}

/// The requirements of one `go.mod`.
pub fn go_mod(m: &ManifestFile, notes: &mut Vec<Notification>) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, raw) in m.text.lines().enumerate() {
        let (code, comment) = match raw.split_once("//") {
            Some((c, k)) => (c, Some(k.trim())),
            None => (raw, None),
        };
        let t = code.trim();
        let entry = if in_block {
            if t == ")" {
                in_block = false;
                continue;
            }
            t
        } else if let Some(rest) = t.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        if entry.is_empty() {
            continue;
        }
        let mut parts = entry.split_whitespace();
        let (Some(path), Some(version)) = (parts.next(), parts.next()) else {
            notes.push(super::malformed(
                &m.rel,
                Some(i + 1),
                "go.mod",
                &format!("`{entry}` is not `module/path version`"),
            ));
            continue;
        };
        let path = path.trim_matches('"');
        if !valid_path(path) {
            notes.push(super::malformed(
                &m.rel,
                Some(i + 1),
                "go.mod",
                &format!("`{path}` is not a module path"),
            ));
            continue;
        }
        let indirect = comment.is_some_and(|c| c.split([';', ' ']).any(|w| w == "indirect"));
        let start = raw.find(path).unwrap_or(0);
        let col = raw[..start].chars().count() as u32 + 1;
        out.push(Dep {
            ecosystem: Ecosystem::Go,
            name: path.to_string(),
            version: Some(version.to_string()),
            direct: !indirect,
            chain: Vec::new(),
            loc: Loc {
                path: m.rel.clone(),
                line: i as u32 + 1,
                column: col,
                end_column: col + path.chars().count() as u32,
                text: path.to_string(),
            },
            marker: None,
            installed: None,
        });
    }
    out
}

pub fn analyze(files: &[&ManifestFile], out: &mut Vec<Dep>, notes: &mut Vec<Notification>) {
    for m in files {
        out.extend(go_mod(m, notes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::ManifestKind;

    #[test]
    fn requires() {
        let t = "module example.com/app\n\ngo 1.22\n\nrequire github.com/volcengine/volcengine-go-sdk v1.1.0\n\nrequire (\n\tgolang.org/x/net v0.30.0 // indirect\n\tbroken\n)\n";
        let m = ManifestFile {
            rel: "go.mod".into(),
            kind: ManifestKind::GoMod,
            text: t.into(),
        };
        let mut n = Vec::new();
        let d = go_mod(&m, &mut n);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].loc.line, d[0].loc.column, d[0].direct), (5, 9, true));
        assert!(!d[1].direct);
        assert_eq!(
            (n[0].path.as_deref(), n[0].line),
            (Some("go.mod"), Some(9)),
            "{n:?}"
        );
    }
}
