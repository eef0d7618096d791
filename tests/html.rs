//! HTML output: hostile file names never reach the page unescaped, the page loads nothing from
//! the network, and (when `../shared/tools/bom-kit/html-shot` is present) the demo and weights
//! reports and a 10,000-finding report render in headless Chromium without a console error, and
//! the findings table filters, sorts and pages there.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn html(dir: &Path) -> String {
    let d = dir.to_string_lossy().into_owned();
    let out = run(&["scan", "--format", "html", "--fail-on", "never", &d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON of the `<script type="application/json">` block.
fn data_block(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"mg-data\">";
    let start = page.find(open).expect("data block") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

const HOSTILE: &str = "<script>alert(1)</script>.py";

#[test]
fn hostile_names_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    // The `/` of `</script>` makes it a folder `<script>alert(1)<` and a file `script>.py`.
    let f = tmp.path().join(HOSTILE);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(
        f,
        "model = \"Qwen/Qwen2.5-7B-Instruct\"  # </script><img src=x onerror=alert(2)>\n",
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("\"><svg onload=alert(3)>")).unwrap();
    std::fs::write(
        tmp.path().join("\"><svg onload=alert(3)>/a'b.py"),
        "client = OpenAI(base_url=\"https://api.deepseek.com/v1\")\n",
    )
    .unwrap();
    let page = html(tmp.path());
    for bad in ["<script>alert(1)", "<svg onload", "<img src=x", "\"><svg"] {
        assert!(!page.contains(bad), "unescaped {bad:?} in the page");
    }
    // Exactly two script elements: the data block and the page's own script.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</script>").count(), 2);
    // The names are there, escaped: in the inventory (server-rendered) and in the data block.
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.py:1"));
    assert!(page.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;/a&#39;b.py:1"));
    let data = data_block(&page);
    let strings: Vec<&str> = data["s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(strings.contains(&HOSTILE), "{strings:?}");
    assert_eq!(data["f"].as_array().unwrap().len(), 2);
}

#[test]
fn page_is_self_contained() {
    let page = html(&root().join("fixtures/demo"));
    let lower = page.to_ascii_lowercase();
    for bad in [
        "<link",
        " src=",
        "@import",
        "url(",
        "<iframe",
        "<object",
        "<embed",
        "fetch(",
        "xmlhttprequest",
    ] {
        assert!(!lower.contains(bad), "{bad:?} in the page");
    }
    assert!(page.contains("<style>") && page.contains("<script>"));
    // What a reader looks for: counts, countries with listings and their sources, the table,
    // the inventory, the database version.
    let report = json(&root().join("fixtures/demo"), &[]);
    let errors = report["summary"]["error"].as_u64().unwrap();
    assert!(page.contains(&format!("<b>{errors}</b><span>errors</span>")));
    assert!(page.contains("China (CN)"));
    assert!(page.contains("US Entity List</b> since 2025-01-16"));
    assert!(page.contains("href=\"https://www.federalregister.gov/"));
    assert!(page.contains("MG101 restricted-entity"));
    assert!(page.contains(report["rules"]["as_of"].as_str().unwrap()));
    assert!(page.contains("Models and weight files (10)"));
    assert_eq!(
        data_block(&page)["f"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len()
    );
}

fn html_shot() -> Option<PathBuf> {
    let p = root().join("../shared/tools/bom-kit/html-shot");
    if p.is_file() {
        Some(p)
    } else {
        println!(
            "SKIPPED rendering: ../shared/tools/bom-kit/html-shot not found next to the repository"
        );
        None
    }
}

/// Renders `page` in headless Chromium; fails on any console error. Returns the console log.
fn render(shot: &Path, page: &str, dir: &Path, name: &str) -> String {
    let f = dir.join(format!("{name}.html"));
    std::fs::write(&f, page).unwrap();
    let png = dir.join(format!("{name}.png"));
    let out = std::process::Command::new(shot)
        .arg(&f)
        .arg(&png)
        .output()
        .unwrap();
    let log =
        std::fs::read_to_string(dir.join(format!("{name}.png.console.txt"))).unwrap_or_default();
    assert!(
        out.status.success(),
        "{name}: {}{}\n{log}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(log.contains("result: OK (0 error(s)"), "{log}");
    log
}

#[test]
fn demo_and_ten_thousand_findings_render_without_errors() {
    let Some(shot) = html_shot() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let demo = html(&root().join("fixtures/demo"));
    render(&shot, &demo, tmp.path(), "demo");
    let weights = html(&root().join("fixtures/weights"));
    render(&shot, &weights, tmp.path(), "weights");

    // 10,000 findings with distinct identifiers (no message repeats): 20 files of 500.
    let tree = tmp.path().join("big");
    std::fs::create_dir(&tree).unwrap();
    for f in 0..20 {
        let mut s = String::new();
        for i in 0..500 {
            s.push_str(&format!("m{i} = load(\"Qwen/finetune-{f}-{i}\")\n"));
        }
        std::fs::write(tree.join(format!("m{f:02}.py")), s).unwrap();
    }
    let big = html(&tree);
    assert_eq!(data_block(&big)["f"].as_array().unwrap().len(), 10_000);
    let log = render(&shot, &big, tmp.path(), "big");
    println!("10,000 findings: {} bytes; {log}", big.len());
}

#[test]
fn table_filters_sorts_and_pages_in_the_browser() {
    let Some(shot) = html_shot() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // A probe appended to the demo page: type a filter, sort by location twice (descending),
    // then clear the filter and go to the next page of a 250-finding tree.
    let probe = "<script>window.addEventListener('load',function(){\
        var q=document.getElementById('mg-q');q.value='DeepSeek';q.dispatchEvent(new Event('input'));\
        setTimeout(function(){\
          var rows=document.querySelectorAll('#mg-rows tr');\
          console.log('PROBE filter: '+document.getElementById('mg-info').textContent+' rows='+rows.length);\
          var h=document.querySelector('th[data-key=loc]');h.click();h.click();\
          console.log('PROBE sorted: first='+document.querySelectorAll('#mg-rows tr')[0].children[2].textContent);\
        },400);});</script>";
    let page = html(&root().join("fixtures/demo")).replace("</body>", &format!("{probe}</body>"));
    let log = render(&shot, &page, tmp.path(), "probe");
    assert!(
        log.contains("PROBE filter: Showing 1\u{2013}4 of 4 (filtered from 16) rows=4"),
        "{log}"
    );
    assert!(
        log.contains("PROBE sorted: first=docs/models.md:3"),
        "{log}"
    );

    let tree = tmp.path().join("pages");
    std::fs::create_dir(&tree).unwrap();
    let mut s = String::new();
    for i in 0..250 {
        s.push_str(&format!("m{i} = load(\"Qwen/finetune-{i}\")\n"));
    }
    std::fs::write(tree.join("m.py"), s).unwrap();
    let probe = "<script>window.addEventListener('load',function(){\
        document.getElementById('mg-next').click();document.getElementById('mg-next').click();\
        var rows=document.querySelectorAll('#mg-rows tr');\
        console.log('PROBE page: '+document.getElementById('mg-info').textContent+' rows='+rows.length+\
          ' next='+document.getElementById('mg-next').disabled+' first='+rows[0].children[3].textContent);});</script>";
    let page = html(&tree).replace("</body>", &format!("{probe}</body>"));
    let log = render(&shot, &page, tmp.path(), "pages");
    assert!(
        log.contains(
            "PROBE page: Showing 201\u{2013}250 of 250 rows=50 next=true first=Qwen/finetune-200"
        ),
        "{log}"
    );
}
