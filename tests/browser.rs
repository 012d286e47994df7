//! The built site in real headless Chromium (driven over the DevTools protocol by
//! tests/js/browser.js, no npm packages): the home page, an article, a column page, a
//! magazine issue page and the search page render without console errors or failed
//! requests, and searching 代表 in the browser finds the one article that has it only inside
//! 人大代表. Screenshots go to target/screenshots/site/ for review.

mod common;
use common::*;

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

/// `n` pseudo-random common Han characters that never form 代表.
fn filler(seed: u64, n: usize) -> String {
    const POOL: &str = "一二三四五六七八九十年月日工作会议推进落实开展调研检查建设发展服务群众社会经济法治民生城市乡村教育卫生交通环境安全文化企业项目资金制度管理改革创新";
    let chars: Vec<char> = POOL.chars().collect();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = String::new();
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push(chars[((x >> 33) as usize) % chars.len()]);
        if i % 40 == 39 {
            out.push('。');
        }
    }
    out.replace("代表", "")
}

#[test]
fn site_pages_and_search_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).is_file(),
        "headless Chromium is needed at {chromium} (apt-get install chromium)"
    );
    let dir = inbox_project(
        r#"[project]
name = "江北市人大常委会办公室"

[[units]]
name = "东城区人大常委会"
type = "县区人大"

[[units]]
name = "西湖县人大常委会"
type = "县区人大"

[[sections]]
name = "代表风采"
slug = "daibiao"

[[sections]]
name = "基层人大"
slug = "jiceng"

[[publications]]
name = "人大建设"
kind = "magazine"
issues_per_year = 6

[site]
title = "江北人大网"
output = "public"
"#,
    );
    let p = dir.path();
    let md = |name: &str, title: &str, unit: &str, section: &str, body: String| {
        std::fs::write(
            p.join("inbox").join(name),
            format!(
                "+++\ntitle = \"{title}\"\nunit = \"{unit}\"\nsection = \"{section}\"\ndate = \"2026-11-20\"\n+++\n\n{body}\n"
            ),
        )
        .unwrap();
    };
    // Only this article has 代表, and only inside 人大代表.
    md(
        "a.md",
        "东城区组织人大走访企业",
        "东城区人大常委会",
        "代表风采",
        format!(
            "{}，区人大代表深入企业听取意见。\n\n{}",
            filler(1, 200),
            filler(2, 300)
        ),
    );
    md(
        "b.md",
        "西湖县推进乡村建设",
        "西湖县人大常委会",
        "基层人大",
        filler(3, 400),
    );
    md(
        "c.md",
        "东城区开展执法检查",
        "东城区人大常委会",
        "基层人大",
        filler(4, 350),
    );
    ok(p, &["run", "-q"]);
    let items = json(p, &["items", "--json"]);
    let id = |title: &str| -> String {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == title)
            .unwrap_or_else(|| panic!("{title} not stored: {items}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (a, b, c) = (
        id("东城区组织人大走访企业"),
        id("西湖县推进乡村建设"),
        id("东城区开展执法检查"),
    );
    ok(p, &["issue", "new", "人大建设", "--date", "2026-11-28"]);
    ok(p, &["issue", "add", "人大建设", &a, &b, &c]);
    ok(p, &["issue", "publish", "人大建设"]);
    ok(p, &["build"]);

    let mut server = Command::new(BIN)
        .args(["preview", "--port", "0"])
        .current_dir(p)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .map(|s| format!("http://{s}"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    let shots = repo().join("target/screenshots/site");
    std::fs::create_dir_all(&shots).unwrap();
    let article_url = format!("/2026/11/{a}/");
    let spec = serde_json::json!({
        "base": base,
        "screenshots": shots,
        "pages": [
            {"name": "home", "path": "/"},
            {"name": "article", "path": article_url},
            {"name": "article-phone", "path": article_url, "mobile": true},
            {"name": "column", "path": "/lanmu/jiceng/"},
            {"name": "issues", "path": "/issues/"},
            {"name": "issue", "path": "/issues/%E4%BA%BA%E5%A4%A7%E5%BB%BA%E8%AE%BE/2026-1/"},
            {"name": "search-page", "path": "/search/"},
        ],
        "search": {"path": "/search/", "query": "代表", "wait_ms": 8000},
    });
    let spec_path = p.join("browser-spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = Command::new("node")
        .arg(repo().join("tests/js/browser.js"))
        .arg(&spec_path)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node is needed");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "browser.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for page in report["pages"].as_array().unwrap() {
        let name = &page["name"];
        assert_eq!(page["status"], 200, "{name}: {page}");
        assert!(
            page.get("error").is_none_or(|e| e.is_null()),
            "{name}: {page}"
        );
        for key in [
            "console_errors",
            "exceptions",
            "log_errors",
            "failed_requests",
        ] {
            assert_eq!(
                page[key].as_array().map(|v| v.len()),
                Some(0),
                "{name} has {key}: {page}"
            );
        }
    }
    let titles: Vec<&str> = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap_or(""))
        .collect();
    assert!(titles[1].contains("东城区组织人大走访企业"), "{titles:?}");
    assert!(titles[5].contains("《人大建设》2026年第1期"), "{titles:?}");

    let search = &report["search"];
    for key in ["console_errors", "exceptions"] {
        assert_eq!(search[key].as_array().map(|v| v.len()), Some(0), "{search}");
    }
    let hrefs: Vec<&str> = search["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["href"].as_str().unwrap())
        .collect();
    assert_eq!(hrefs, vec![article_url.as_str()], "{search}");
    for name in ["home", "article", "issue", "search"] {
        assert!(
            shots.join(format!("{name}.png")).is_file(),
            "no screenshot {name}"
        );
    }
}
