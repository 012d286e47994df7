//! One editorial day in the editors' web application, in real headless Chromium (driven over
//! the DevTools protocol by tests/js/webapp.js, no npm packages) against `caibian serve` on
//! loopback: log in, adopt three items, compose and publish a magazine issue (the confirm
//! dialog accepted), search, read the ranking and download its Excel report, build and
//! preview the site; then a unit's reporter submits a piece. No page may log a console error,
//! throw, or fail a request. Screenshots go to target/screenshots/webapp/ for review.

mod common;
use common::web::*;
use common::*;

use std::path::Path;
use std::process::Command;

#[test]
fn an_editorial_day_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).is_file(),
        "headless Chromium is needed at {chromium} (apt-get install chromium)"
    );
    let dir = web_project();
    let p = dir.path();
    let server = Server::start(p);
    let shots = repo().join("target/screenshots/webapp");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let downloads = p.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let spec = serde_json::json!({
        "base": format!("http://127.0.0.1:{}", server.port),
        "screenshots": shots,
        "downloads": downloads,
        "editor": {"name": "bianji", "password": "editorpass1"},
        "reporter": {"name": "jia", "password": "unitpass12"},
        "publication": "人大建设",
        "query": "代表",
        "submission": {
            "title": "西湖县人大常委会视察城乡供水一体化工作",
            "body": "11月25日，西湖县人大常委会组织部分代表视察城乡供水一体化工作，实地察看了3座水厂和2个管网改造项目。\n\n代表们建议加快老旧管网改造，保障群众饮水安全。"
        }
    });
    let spec_path = p.join("webapp-spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = Command::new("node")
        .arg(repo().join("tests/js/webapp.js"))
        .arg(&spec_path)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node is needed to drive Chromium");
    assert!(
        out.status.success(),
        "webapp.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "login",
            "item",
            "adopt",
            "issue-new",
            "issue-compose",
            "issue-publish",
            "search",
            "rank",
            "jobs",
            "site",
            "users",
            "logout",
            "reporter-login",
            "reporter-submit",
            "reporter-forbidden",
            "mobile"
        ]
    );
    for s in steps {
        let name = s["name"].as_str().unwrap();
        assert_eq!(s["ok"], true, "step {name} failed: {s:#}");
        for k in ["console_errors", "exceptions", "failed_requests"] {
            assert_eq!(
                s[k].as_array().map(Vec::len),
                Some(0),
                "step {name}: {k}: {s:#}"
            );
        }
        // The only resource errors allowed are the refusals the steps ask for.
        let expected_refusal = matches!(name, "users" | "reporter-forbidden");
        for e in s["log_errors"].as_array().unwrap() {
            assert!(
                expected_refusal && e["text"].as_str().unwrap_or("").contains("403"),
                "step {name}: {e}"
            );
        }
    }

    // What the browser did is in the store.
    let db = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let adopted: Vec<String> = steps[2]["detail"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(adopted.len(), 3);
    for id in &adopted {
        let (status, by): (String, String) = db
            .query_row(
                "SELECT i.status, a.actor FROM items i JOIN adoptions a ON a.item_id = i.id
                 WHERE i.id = ?1 ORDER BY a.id LIMIT 1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), by.as_str()), ("adopted", "bianji"));
    }
    let (status, entries): (String, i64) = db
        .query_row(
            "SELECT s.status, (SELECT count(*) FROM issue_entries e WHERE e.issue_id = s.id)
             FROM issues s WHERE s.publication = '人大建设' ORDER BY s.id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "published");
    assert!(entries >= 3, "{entries} entries");
    let pdfs = files_under(&p.join("data/issues"));
    assert!(pdfs.iter().any(|f| f.ends_with(".pdf")), "{pdfs:?}");
    let submitted = steps[13]["detail"]["item"].as_str().unwrap();
    let unit: String = db
        .query_row(
            "SELECT u.name FROM items i JOIN units u ON u.id = i.unit_id WHERE i.id = ?1",
            [submitted],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unit, "西湖县人大常委会");

    // The Excel report came down whole.
    let d = &v["download"];
    assert_eq!(d["magic"], "PK");
    assert!(d["suggested_name"].as_str().unwrap().ends_with(".xlsx"));
    let bytes = std::fs::read(d["path"].as_str().unwrap()).unwrap();
    assert_eq!(bytes.len() as u64, d["size"].as_u64().unwrap());
    assert!(bytes.len() > 2000);

    for shot in [
        "inbox",
        "item",
        "issue",
        "search",
        "rank",
        "jobs",
        "site",
        "my",
        "mobile-my",
    ] {
        let f = shots.join(format!("{shot}.png"));
        assert!(
            std::fs::metadata(&f)
                .map(|m| m.len() > 5000)
                .unwrap_or(false),
            "{} missing or empty",
            f.display()
        );
    }
}
