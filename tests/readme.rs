//! The README stays true: its demo excerpt is what `modelgate scan fixtures/demo` prints, and its
//! two set-up commands are the ones CI runs.

mod common;

use common::*;

#[test]
fn the_demo_excerpt_matches_the_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```\n$ modelgate scan fixtures/demo\n")
        .expect("the README shows the demo scan");
    let block = &readme[start + 4..];
    let block = &block[..block.find("```").unwrap()];
    let o = run(&["scan", "--color", "never", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(1));
    let real = String::from_utf8_lossy(&o.stdout).into_owned();
    let real_lines: Vec<&str> = real.lines().collect();
    let mut shown = 0;
    for line in block.lines().skip(1) {
        if line == "..." || line.is_empty() {
            continue;
        }
        assert!(
            real_lines.contains(&line),
            "README line not in the real output: {line}\n--- real output:\n{real}"
        );
        shown += 1;
    }
    assert!(shown >= 5, "{block}");
}

#[test]
fn the_set_up_commands_are_there() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- scan fixtures/demo"));
    assert!(readme.contains("\ncargo test "));
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.contains("cargo test --locked"));
}
