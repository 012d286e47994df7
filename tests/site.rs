//! The static site through the real binary: releasing items, building, the search index read
//! by the real JS client in Node, internal items kept off every output, incremental builds
//! equal to full ones, atomic publishing with rollback, link checking, and the preview server.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Every file under `root` (following the published link) with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let root = root.canonicalize().unwrap();
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(&root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn search(public: &Path, q: &str) -> Vec<String> {
    let o = std::process::Command::new("node")
        .arg(repo().join("tests/js/search-cli.js"))
        .arg(public)
        .arg(q)
        .output()
        .expect("node is needed for the search client test");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut urls: Vec<String> = v["urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    urls.sort();
    urls
}

/// A project with five items from two units in two sections; returns (dir, ids by title).
fn project() -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = inbox_project(
        r#"[project]
name = "江北市人大常委会办公室"

[site]
base_url = "https://rd.example.cn"
per_page = 2

[[units]]
name = "甲县人大常委会"
type = "县区人大"

[[units]]
name = "乙县人大常委会"
type = "县区人大"

[[sections]]
name = "立法动态"
slug = "lifa"

[[sections]]
name = "代表风采"
slug = "daibiao"
"#,
    );
    let p = dir.path();
    let items = [
        (
            "a",
            "甲县",
            "立法动态",
            "2026-10-02",
            "桥岭街道立法联系点成立",
            "桥岭街道设立基层立法联系点，人大代表参与征集意见。表格如下：\n\n| 项目 | 数量 |\n|---|---|\n| 意见 | 12 |\n",
        ),
        (
            "b",
            "甲县",
            "立法动态",
            "2026-10-20",
            "东岭街道开展执法检查",
            "东岭街道人大工委开展大气污染防治法执法检查，桥岭村代表列席。",
        ),
        (
            "d",
            "乙县",
            "代表风采",
            "2026-11-12",
            "代表建议办理情况通报",
            "代表建议办理满意率提升，群众反映的问题得到解决。",
        ),
        (
            "e",
            "乙县",
            "代表风采",
            "2026-11-20",
            "内部情况通报（不公开）",
            "这是一份内部稿件，绝密词语雪松湖水库不得出现在网站上。",
        ),
    ];
    for (f, unit, section, date, title, body) in items {
        std::fs::write(
            p.join("inbox").join(format!("{f}.md")),
            format!(
                "+++\ntitle = \"{title}\"\nunit = \"{unit}人大常委会\"\nsection = \"{section}\"\ndate = {date}\ntags = [\"{unit}\"]\nauthors = \"王五\"\n+++\n\n{body}\n"
            ),
        )
        .unwrap();
    }
    let ids = |p: &Path| -> BTreeMap<String, String> {
        ok(p, &["run", "-q"]);
        json(p, &["items", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["title"].as_str().unwrap().to_string(),
                    i["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // c links to a by id, so it is written once a's id is known.
    let a = ids(p)["桥岭街道立法联系点成立"].clone();
    std::fs::write(
        p.join("inbox/c.md"),
        format!(
            "+++\ntitle = \"人大代表走访企业\"\nunit = \"乙县人大常委会\"\nsection = \"代表风采\"\ndate = 2026-11-05\ntags = [\"乙县\"]\n+++\n\n乙县人大代表深入企业调研营商环境，见[上文的做法](item:{a})。\n"
        ),
    )
    .unwrap();
    let all = ids(p);
    (dir, all)
}

#[test]
fn build_search_internal_incremental_atomic_rollback_preview() {
    let (dir, ids) = project();
    let p = dir.path();
    let id = |t: &str| ids[t].clone();
    let (a, b, c, d, e) = (
        id("桥岭街道立法联系点成立"),
        id("东岭街道开展执法检查"),
        id("人大代表走访企业"),
        id("代表建议办理情况通报"),
        id("内部情况通报（不公开）"),
    );
    ok(p, &["release", &e, "--internal"]);
    let o = caibian(p, &["release", &e]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("标为内部"), "{}", stderr(&o));
    let out = ok(p, &["release", &a, &b, &d]);
    assert!(out.contains(&format!("/2026/10/{a}/")), "{out}");
    ok(p, &["release", &c, "--featured"]);

    let r = json(p, &["build", "--json"]);
    assert_eq!(r["articles"], 4, "{r}");
    let public = p.join("public");
    assert!(
        std::fs::symlink_metadata(&public)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let site = tree(&public);
    let page = |path: &str| String::from_utf8(site[Path::new(path)].clone()).unwrap();
    // Article page: title, unit, table, the item: link resolved, canonical URL.
    let art = page(&format!("2026/10/{a}/index.html"));
    assert!(
        art.contains("桥岭街道立法联系点成立") && art.contains("<table>"),
        "{art}"
    );
    assert!(art.contains("https://rd.example.cn/2026/10/"), "{art}");
    let linking = page(&format!("2026/11/{c}/index.html"));
    assert!(
        linking.contains(&format!("href=\"/2026/10/{a}/\"")),
        "{linking}"
    );
    // Listings: columns paginated by 2, tags, units, months, feeds, sitemap, robots, 404.
    for f in [
        "index.html",
        "lanmu/lifa/index.html",
        "lanmu/daibiao/index.html",
        "tags/甲县/index.html",
        "units/乙县人大常委会/index.html",
        "2026/11/index.html",
        "archive/index.html",
        "search/index.html",
        "404.html",
        "atom.xml",
        "lanmu/lifa/atom.xml",
        "sitemap.xml",
        "robots.txt",
        "style.css",
        "search.js",
        "search/meta.json",
    ] {
        assert!(site.contains_key(Path::new(f)), "{f} missing");
    }
    let home = page("index.html");
    assert!(home.contains("人大代表走访企业"), "{home}");
    assert!(page("sitemap.xml").contains(&format!("https://rd.example.cn/2026/10/{a}/")));

    // The internal item is on no page, feed, sitemap or search file.
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("内部情况通报") && !text.contains("雪松湖") && !text.contains(&e),
            "internal item leaked into {}",
            path.display()
        );
    }
    assert!(search(&public, "雪松湖水库").is_empty());

    // Search finds every article containing the phrase and no other.
    let url = |id: &str, m: &str| format!("/2026/{m}/{id}/");
    assert_eq!(search(&public, "桥岭街道"), vec![url(&a, "10")]);
    // 代表 inside 人大代表 and 代表建议 — in a, b (代表列席), c and d.
    assert_eq!(search(&public, "代表"), {
        let mut v = vec![url(&a, "10"), url(&b, "10"), url(&c, "11"), url(&d, "11")];
        v.sort();
        v
    });
    assert_eq!(search(&public, "岭街道 执法"), vec![url(&b, "10")]);

    // Incremental: featuring another item changes the home page only among pages.
    let before = tree(&public);
    ok(p, &["release", &d, "--featured"]);
    let r2 = json(p, &["build", "--json"]);
    assert!(
        r2["written"].as_u64().unwrap() < r2["outputs"].as_u64().unwrap() / 2,
        "{r2}"
    );
    let after = tree(&public);
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed, vec![&PathBuf::from("index.html")], "{changed:?}");
    // … and equals a full rebuild byte for byte.
    let r3 = json(p, &["build", "--force", "--json"]);
    assert_eq!(r3["written"], r3["outputs"], "{r3}");
    assert_eq!(tree(&public), after);

    // A broken link fails the build, naming page and link; the published site stays.
    let published = std::fs::read_link(&public).unwrap();
    std::fs::create_dir_all(p.join("site/templates")).unwrap();
    let base = std::fs::read_to_string(repo().join("site/templates/404.html")).unwrap();
    std::fs::write(
        p.join("site/templates/404.html"),
        base.replace(
            "{% block content %}",
            "{% block content %}<a href=\"/nowhere/\">x</a>",
        ),
    )
    .unwrap();
    let o = caibian(p, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("/404.html → /nowhere/"), "{err}");
    assert_eq!(std::fs::read_link(&public).unwrap(), published);
    // A template error too.
    std::fs::write(
        p.join("site/templates/404.html"),
        "{% block content %}{{ x(",
    )
    .unwrap();
    let o = caibian(p, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("404.html"), "{}", stderr(&o));
    assert_eq!(std::fs::read_link(&public).unwrap(), published);
    std::fs::remove_dir_all(p.join("site")).unwrap();

    // A build killed half way (aborted right after its 5th page, as by kill -9) leaves the
    // published site exactly as it was.
    let snapshot = tree(&public);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_caibian"))
        .args(["build", "--force"])
        .env("CAIBIAN_FAILPOINT", "abort-site-after-pages=5")
        .current_dir(p)
        .output()
        .unwrap();
    assert!(!o.status.success(), "the failpoint did not stop the build");
    assert_eq!(std::fs::read_link(&public).unwrap(), published);
    assert_eq!(tree(&public), snapshot);

    // A project's theme file overrides the default; rollback returns to the previous build.
    std::fs::create_dir_all(p.join("site/static")).unwrap();
    std::fs::write(p.join("site/static/style.css"), "body{color:#000}").unwrap();
    ok(p, &["build"]);
    assert_eq!(
        std::fs::read(public.join("style.css")).unwrap(),
        b"body{color:#000}"
    );
    let out = ok(p, &["publish", "--rollback"]);
    assert!(out.contains("已回退"), "{out}");
    assert_ne!(
        std::fs::read(public.join("style.css")).unwrap(),
        b"body{color:#000}"
    );
    assert!(ok(p, &["publish"]).contains("当前发布"));

    // Building again with nothing changed publishes the same site (a new build that links
    // into the last one).
    ok(p, &["build"]);
    let same = tree(&public);
    ok(p, &["build"]);
    assert_eq!(tree(&public), same);
    // The build it links into deleted by hand: the next build falls back to a full one.
    let builds = p.join("data/site/builds");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&builds)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    all.sort();
    for b in &all[..all.len() - 1] {
        std::fs::remove_dir_all(b).unwrap();
    }
    ok(p, &["release", &b, "--featured"]);
    let r4 = json(p, &["build", "--json"]);
    assert_eq!(r4["written"], r4["outputs"], "{r4}");
    let after = tree(&public);
    assert_eq!(after.len(), same.len());
    assert!(
        String::from_utf8_lossy(&after[Path::new("index.html")]).contains("东岭街道开展执法检查")
    );

    // Withdrawn and released again: the same URL.
    ok(p, &["release", &a, "--withdraw"]);
    let again = ok(p, &["release", &a]);
    assert!(again.contains(&format!("/2026/10/{a}/")), "{again}");

    // Preview serves pages and a 404.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_caibian"))
        .args(["preview", "--port", "0"])
        .current_dir(p)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    {
        use std::io::BufRead;
        let mut r = std::io::BufReader::new(child.stdout.take().unwrap());
        r.read_line(&mut line).unwrap();
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let get = |path: &str| -> String {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        buf
    };
    let home = get("/");
    assert!(
        home.starts_with("HTTP/1.1 200") && home.contains("人大代表走访企业"),
        "{home}"
    );
    let tag = get("/tags/%E7%94%B2%E5%8E%BF/");
    assert!(tag.starts_with("HTTP/1.1 200"), "{tag}");
    assert!(get("/nope/").starts_with("HTTP/1.1 404"));
    assert!(get("/../caibian.toml").starts_with("HTTP/1.1 4"));
    let _ = child.kill();
    let _ = child.wait();
}
