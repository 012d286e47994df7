//! Collecting news over real HTTP from a fixture server on 127.0.0.1 serving the bundled
//! offline sites (samples/news/) and misbehaving routes.

mod common;
#[path = "common/fixture.rs"]
mod fixture;

use std::path::Path;
use std::sync::Arc;

use common::{caibian, json, ok, repo, stderr, stdout};

/// A project with the sample config and one pipeline file.
fn project(pipeline: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("caibian.toml"), dir.path().join("caibian.toml")).unwrap();
    std::fs::create_dir(dir.path().join("pipelines")).unwrap();
    std::fs::write(dir.path().join("pipelines/news.toml"), pipeline).unwrap();
    dir
}

fn site() -> fixture::Fixture {
    fixture::builder()
        .root(repo().join("samples/news"))
        .placeholder("http://jiangbei-rd.example")
        .start()
}

const FAST: &str = r#"
[fetch]
delay_seconds = 0
per_host_concurrency = 4
retries = 1
retry_backoff_seconds = 0.05
timeout_seconds = 2
"#;

fn rd_source(url: &str) -> String {
    format!(
        r#"
[[sources]]
type = "web"
name = "rd"
start = ["{url}"]
links = "ul.news-list a"
next = "div.page a.next"
max_pages = 5
exclude = ["工会"]
[sources.rules]
title = "h1.title"
date = "div.info"
body = "div.content"
"#
    )
}

fn items(dir: &Path) -> Vec<serde_json::Value> {
    json(dir, &["items", "--json", "-n", "500"])
        .as_array()
        .unwrap()
        .clone()
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("data/caibian.sqlite")).unwrap()
}

#[test]
fn site_is_collected_politely_then_only_revalidated() {
    let srv = site();
    let media = format!(
        r#"
[[sources]]
type = "web"
name = "daily"
start = ["{}"]
links = "div.list a"
include = ["人大", "代表"]
"#,
        srv.url("/media/index.html")
    );
    let dir = project(&format!(
        "{FAST}{}{media}",
        rd_source(&srv.url("/rd/index.html"))
    ));
    let out = ok(dir.path(), &["run", "news"]);
    // 18 rd articles − 2 union notices (exclude) = 16; the daily: 1 new, 1 reprint.
    let conn = db(dir.path());
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM items WHERE kind = 'news'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, 17, "{out}");

    // robots.txt was read, and the page it disallows was never requested.
    let log = srv.log();
    // Once, although both sources and many requests start together.
    assert_eq!(log.iter().filter(|l| l.path == "/robots.txt").count(), 1);
    assert!(
        !log.iter().any(|l| l.path.contains("/rd/private/")),
        "disallowed page fetched"
    );
    assert!(log.iter().all(|l| l.user_agent.starts_with("caibian/")));

    // The GBK page served as "charset=utf-8" decoded cleanly.
    let body: String = conn
        .query_row(
            "SELECT body FROM items WHERE url LIKE '%t20261106_1010.html'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!body.contains('\u{FFFD}'));
    assert!(body.contains("基层立法联系点"), "{body}");

    // Fields came through: publish time in +08:00, outlet, author.
    let (published, outlet, title): (String, String, String) = conn
        .query_row(
            "SELECT published_at, outlet, title FROM items WHERE url LIKE '%t20261120_1015.html'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(published.starts_with("2026-11-20T"), "{published}");
    assert!(published.ends_with("+08:00"), "{published}");
    assert_eq!(outlet, "江北市人大常委会办公室");
    assert!(title.contains("食品安全法"), "{title}");

    // The daily's reprint (edited title, light rewording) is linked, not stored twice.
    let (m, of, sim): (String, String, f64) = conn
        .query_row(
            "SELECT p.match, i.url, p.similarity FROM pages p JOIN items i ON i.id = p.item_id
             WHERE p.source = 'daily' AND p.outcome = 'duplicate'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(m, "near");
    assert!(of.ends_with("t20261120_1015.html"), "{of}");
    assert!(sim > 0.8, "{sim}");

    // Second run over the unchanged site: only conditional requests, nothing stored.
    srv.clear_log();
    let out2 = ok(dir.path(), &["run", "news"]);
    let log = srv.log();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|l| l.conditional),
        "unconditional requests on the second run: {:?}\n{out2}",
        log.iter()
            .filter(|l| !l.conditional)
            .map(|l| &l.path)
            .collect::<Vec<_>>()
    );
    let runs = json(dir.path(), &["runs", "--json"]);
    assert_eq!(runs[0]["counts"]["new"], 0, "{runs}");
    assert_eq!(runs[0]["status"], "ok", "{runs}");
    let stored2: i64 = conn
        .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored2, 17);

    // Health: both sources fine.
    let health = json(dir.path(), &["sources", "--json"]);
    for s in health.as_array().unwrap() {
        assert!(s["broken"].is_null(), "{s}");
        assert!(s["health"]["last_success"].is_string(), "{s}");
    }
    // The search index has the news, named by outlet.
    let hits = json(dir.path(), &["search", "基层立法联系点", "--json"]);
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");
    let hits = json(
        dir.path(),
        &[
            "search",
            "食品安全法",
            "单位:江北市人大常委会办公室",
            "--json",
        ],
    );
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");
    assert_eq!(hits["hits"][0]["unit"], "江北市人大常委会办公室", "{hits}");
}

#[test]
fn feed_entries_with_only_summaries_get_their_pages() {
    let srv = site();
    let p = format!(
        "{FAST}\n[[sources]]\ntype = \"feed\"\nname = \"rss\"\nurl = \"{}\"\n",
        srv.url("/rd/rss.xml")
    );
    let dir = project(&p);
    ok(dir.path(), &["run", "news"]);
    let all = items(dir.path());
    assert_eq!(all.len(), 5, "{all:?}");
    let conn = db(dir.path());
    // Bodies are the full pages, not the one-sentence summaries.
    let min_len: i64 = conn
        .query_row("SELECT MIN(length(body)) FROM items", [], |r| r.get(0))
        .unwrap();
    assert!(min_len > 200, "{min_len}");
    srv.clear_log();
    ok(dir.path(), &["run", "news"]);
    let log = srv.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].conditional && log[0].path == "/rd/rss.xml");
}

#[test]
fn failures_are_recorded_with_their_urls_and_never_crash() {
    let bad_feed: fixture::Handler = Arc::new(|_| {
        (
            200,
            vec![("Content-Type".into(), "application/rss+xml".into())],
            b"<rss version=\"2.0\"><channel><title>x</title><item><title>broken".to_vec(),
        )
    });
    let list: fixture::Handler = Arc::new(|_| {
        let links = [
            "/__500",
            "/__loop",
            "/__big",
            "/__binary.png",
            "/__slow",
            "/__404?x=1",
            "/busy.html",
            "file:///etc/hostname",
        ]
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">人大常委会新闻标题{l}</a></li>"))
        .collect::<String>();
        (
            200,
            vec![],
            format!("<html><body><ul class=\"l\">{links}</ul></body></html>").into_bytes(),
        )
    });
    // An anti-bot or "system busy" page served with 200: no article in it.
    let busy: fixture::Handler = Arc::new(|_| {
        (
            200,
            vec![],
            "<html><body><p>系统繁忙，请稍后再试</p></body></html>"
                .as_bytes()
                .to_vec(),
        )
    });
    let srv = fixture::builder()
        .route("/list.html", list)
        .route("/bad.xml", bad_feed)
        .route("/busy.html", busy)
        .start();
    let p = format!(
        r#"{FAST}max_bytes = 1000000

[[sources]]
type = "web"
name = "broken"
start = ["{}"]
links = "ul.l a"

[[sources]]
type = "feed"
name = "badfeed"
url = "{}"

[[sources]]
type = "web"
name = "gone"
start = ["{}"]
"#,
        srv.url("/list.html"),
        srv.url("/bad.xml"),
        srv.url("/__404")
    );
    let dir = project(&p);
    let o = caibian(dir.path(), &["run", "news"]);
    let out = stdout(&o) + &stderr(&o);
    assert!(!out.contains("panicked"), "{out}");
    let runs = json(dir.path(), &["runs", "--json"]);
    let run = &runs[0];
    assert_eq!(run["status"], "partial", "{run}");
    let errors: Vec<String> = run["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    let has = |needle: &str, what: &str| {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(needle) && e.contains(what)),
            "no error with {needle} / {what}: {errors:#?}"
        )
    };
    has("/__500", "HTTP 500");
    has("/__loop", "重定向");
    has("/__big", "上限");
    has("/__binary.png", "image/png");
    has("/__slow", "超时");
    has("/__404?x=1", "HTTP 404");
    has("/__404", "HTTP 404");
    has("/busy.html", "未能抽取到");
    has("/bad.xml", "订阅源无法解析");
    // A website cannot make us read local files.
    assert!(
        !errors.iter().any(|e| e.contains("hostname")),
        "{errors:#?}"
    );
    assert!(items(dir.path()).is_empty());
    // The 500 was retried (bounded), the others were not.
    let log = srv.log();
    assert_eq!(log.iter().filter(|l| l.path == "/__500").count(), 2);
    assert_eq!(log.iter().filter(|l| l.path == "/__404?x=1").count(), 1);
    // A source whose list page is gone is flagged by `sources`.
    let o = caibian(dir.path(), &["sources"]);
    let s = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{s}");
    assert!(s.contains("gone") && s.contains("异常"), "{s}");
    // Server trouble is retried every run; a page that is gone or holds no article is
    // tried on the next runs too, then given up after its third attempt.
    for _ in 0..2 {
        srv.clear_log();
        caibian(dir.path(), &["run", "news"]);
        let log = srv.log();
        assert!(log.iter().any(|l| l.path == "/__500"));
        assert!(log.iter().any(|l| l.path == "/__404?x=1"));
        assert!(log.iter().any(|l| l.path == "/busy.html"));
    }
    srv.clear_log();
    caibian(dir.path(), &["run", "news"]);
    let log = srv.log();
    assert!(log.iter().any(|l| l.path == "/__500"));
    assert!(!log.iter().any(|l| l.path == "/__404?x=1"), "{log:?}");
    assert!(!log.iter().any(|l| l.path == "/busy.html"), "{log:?}");
}

#[test]
fn unreachable_robots_txt_postpones_the_site_instead_of_losing_it() {
    let down: fixture::Handler = Arc::new(|_| (503, vec![], b"busy".to_vec()));
    let srv = fixture::builder()
        .root(repo().join("samples/news"))
        .route("/robots.txt", down)
        .start();
    let dir = project(&format!("{FAST}{}", rd_source(&srv.url("/rd/list_3.html"))));
    let o = caibian(dir.path(), &["run", "news"]);
    let out = stdout(&o) + &stderr(&o);
    assert!(out.contains("robots.txt"), "{out}");
    // Nothing but robots.txt was requested, nothing was stored or given up.
    assert!(
        srv.log().iter().all(|l| l.path == "/robots.txt"),
        "{:?}",
        srv.log()
    );
    let conn = db(dir.path());
    let pages: i64 = conn
        .query_row("SELECT COUNT(*) FROM pages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pages, 0);
    let runs = json(dir.path(), &["runs", "--json"]);
    assert_ne!(runs[0]["status"], "ok", "{runs:#}");
}

#[test]
fn per_host_delay_spaces_requests() {
    let srv = site();
    let p = format!(
        "[fetch]\ndelay_seconds = 0.3\nper_host_concurrency = 2\n{}",
        rd_source(&srv.url("/rd/list_3.html"))
    );
    let dir = project(&p);
    ok(dir.path(), &["run", "news"]);
    let mut at: Vec<_> = srv.log().iter().map(|l| l.at).collect();
    at.sort();
    assert!(at.len() >= 5, "{}", at.len());
    for w in at.windows(2) {
        let gap = w[1].duration_since(w[0]).as_secs_f64();
        assert!(gap >= 0.25, "requests {gap:.3}s apart");
    }
}

#[test]
fn broken_selectors_are_reported_and_reextract_applies_fixed_rules() {
    let srv = site();
    let wrong = rd_source(&srv.url("/rd/list_3.html"))
        .replace("title = \"h1.title\"", "title = \"div.info\"")
        .replace("body = \"div.content\"", "body = \"div.nothing\"");
    let dir = project(&format!("{FAST}{wrong}"));
    ok(dir.path(), &["run", "news"]);
    let titles: Vec<String> = items(dir.path())
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    assert!(titles.iter().all(|t| t.contains("发布时间")), "{titles:?}");
    let s = ok_or_fail(dir.path(), &["sources"]);
    assert!(s.contains("rules.body") && s.contains("div.nothing"), "{s}");

    // Fix the rules and re-run them over the pages already collected.
    let fixed = std::fs::read_to_string(dir.path().join("pipelines/news.toml"))
        .unwrap()
        .replace("title = \"div.info\"", "title = \"h1.title\"")
        .replace("body = \"div.nothing\"", "body = \"div.content\"");
    std::fs::write(dir.path().join("pipelines/news.toml"), fixed).unwrap();
    let out = ok(dir.path(), &["reextract", "rd"]);
    assert!(out.contains("有变化"), "{out}");
    let titles: Vec<String> = items(dir.path())
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    assert!(titles.iter().all(|t| !t.contains("发布时间")), "{titles:?}");
    // The index follows.
    let hits = json(dir.path(), &["search", "履职能力提升培训班", "--json"]);
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");
    let t = hits["hits"][0]["title"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(t.contains("培训班") && !t.contains("发布时间"), "{hits}");
}

fn ok_or_fail(dir: &Path, args: &[&str]) -> String {
    stdout(&caibian(dir, args))
}

#[test]
fn extract_command_on_pages_and_feeds() {
    let srv = site();
    let dir = tempfile::tempdir().unwrap();
    let v = json(
        dir.path(),
        &[
            "extract",
            "--json",
            &srv.url("/rd/2026/11/t20261106_1010.html"),
        ],
    );
    assert_eq!(v["charset"], "GBK", "{v}");
    assert!(!v["body"].as_str().unwrap().contains('\u{FFFD}'));
    assert!(
        v["title"].as_str().unwrap().contains("基层立法联系点"),
        "{v}"
    );
    assert!(
        v["published"].as_str().unwrap().starts_with("2026-11-06"),
        "{v}"
    );
    for k in ["title", "published", "source", "author", "body", "charset"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let f = json(dir.path(), &["extract", "--json", &srv.url("/rd/rss.xml")]);
    assert_eq!(f["title"], "江北人大网 - 人大要闻", "{f}");
    assert!(f["body"].as_str().unwrap().lines().count() >= 5, "{f}");
    // A plain path works offline, and bad input is a clear error.
    let local = repo().join("samples/news/media/2026-11/21/content_5001.html");
    let v = json(dir.path(), &["extract", "--json", local.to_str().unwrap()]);
    assert_eq!(v["source"], "江北日报", "{v}");
    let o = caibian(dir.path(), &["extract", "no-such-file.html"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("文件不存在"), "{}", stderr(&o));
    let o = caibian(dir.path(), &["extract", &srv.url("/__binary.png")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("image/png"), "{}", stderr(&o));
}

#[test]
fn a_crash_mid_collection_loses_nothing_and_duplicates_nothing() {
    let srv = site();
    let dir = project(&format!("{FAST}{}", rd_source(&srv.url("/rd/index.html"))));
    // The process dies right after the 5th article is committed.
    let o = std::process::Command::new(common::BIN)
        .args(["run", "news"])
        .current_dir(dir.path())
        .env("CAIBIAN_FAILPOINT", "abort-after-commit=5")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let conn = db(dir.path());
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM items"), 5);
    assert_eq!(
        count("SELECT COUNT(*) FROM pages WHERE outcome = 'stored'"),
        5
    );
    // Nothing marked the list pages as seen: the re-run finds the rest.
    ok(dir.path(), &["run", "news"]);
    assert_eq!(count("SELECT COUNT(*) FROM items"), 16);
    assert_eq!(count("SELECT COUNT(DISTINCT url) FROM items"), 16);
    assert_eq!(
        count("SELECT COUNT(*) FROM pages WHERE outcome = 'stored'"),
        16
    );
    let runs = json(dir.path(), &["runs", "--json"]);
    assert_eq!(runs[1]["status"], "interrupted", "{runs:#}");
    assert_eq!(runs[0]["counts"]["new"], 11, "{runs:#}");
}

#[test]
fn an_article_split_over_pages_is_stored_whole() {
    let page = |n: usize, next: Option<&str>| -> fixture::Handler {
        let next = next.map(|h| format!("<div class=\"pager\"><a href=\"{h}\">下一页</a></div>"));
        let html = format!(
            "<html><head><title>市人大常委会调研报告_江北人大网</title></head><body>\
             <h1>市人大常委会调研报告</h1><div class=\"info\">发布时间：2026-11-02</div>\
             <div class=\"content\"><p>第{n}页的正文，内容是关于基层立法联系点建设情况的调研，共走访十二个联系点。</p>\
             <p>第{n}页的第二段，调研组提出了完善工作机制、加强队伍建设等意见建议。</p></div>{}\
             <div class=\"pn\">下一篇：<a href=\"/other.html\">另一篇文章标题很长</a></div></body></html>",
            next.unwrap_or_default()
        );
        Arc::new(move |_| (200, vec![], html.clone().into_bytes()))
    };
    let list: fixture::Handler = Arc::new(|_| {
        (
            200,
            vec![],
            "<html><body><ul class=\"l\"><li><a href=\"/r/t1.html\">市人大常委会调研报告</a></li></ul></body></html>"
                .as_bytes()
                .to_vec(),
        )
    });
    let srv = fixture::builder()
        .route("/list.html", list)
        .route("/r/t1.html", page(1, Some("t1_2.html")))
        .route("/r/t1_2.html", page(2, Some("t1_3.html")))
        .route("/r/t1_3.html", page(3, None))
        .start();
    let dir = project(&format!(
        "{FAST}\n[[sources]]\ntype = \"web\"\nname = \"r\"\nstart = [\"{}\"]\nlinks = \"ul.l a\"\n",
        srv.url("/list.html")
    ));
    ok(dir.path(), &["run", "news"]);
    let conn = db(dir.path());
    let body: String = conn
        .query_row("SELECT body FROM items", [], |r| r.get(0))
        .unwrap();
    for n in 1..=3 {
        assert!(body.contains(&format!("第{n}页的正文")), "{body}");
    }
    assert!(
        !body.contains("下一页") && !body.contains("下一篇"),
        "{body}"
    );
    // 下一篇 is another article: not followed.
    assert!(!srv.log().iter().any(|l| l.path == "/other.html"));
}

#[test]
fn retry_after_is_honoured() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let busy_once: fixture::Handler = Arc::new(move |_| {
        if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            (
                503,
                vec![("Retry-After".into(), "1".into())],
                b"busy".to_vec(),
            )
        } else {
            (
                200,
                vec![],
                "<html><body><h1>市人大常委会召开主任会议研究工作</h1><div class=\"content\"><p>会议研究了常委会第三十次会议有关事项，听取了关于代表建议办理工作情况的汇报。</p></div></body></html>"
                    .as_bytes()
                    .to_vec(),
            )
        }
    });
    let list: fixture::Handler = Arc::new(|_| {
        (
            200,
            vec![],
            "<html><body><ul class=\"l\"><li><a href=\"/a.html\">市人大常委会召开主任会议研究工作</a></li></ul></body></html>"
                .as_bytes()
                .to_vec(),
        )
    });
    let srv = fixture::builder()
        .route("/list.html", list)
        .route("/a.html", busy_once)
        .start();
    let dir = project(&format!(
        "{FAST}\n[[sources]]\ntype = \"web\"\nname = \"r\"\nstart = [\"{}\"]\nlinks = \"ul.l a\"\n",
        srv.url("/list.html")
    ));
    ok(dir.path(), &["run", "news"]);
    assert_eq!(items(dir.path()).len(), 1);
    let at: Vec<_> = srv
        .log()
        .iter()
        .filter(|l| l.path == "/a.html")
        .map(|l| l.at)
        .collect();
    assert_eq!(at.len(), 2);
    let gap = at[1].duration_since(at[0]).as_secs_f64();
    assert!(gap >= 0.9, "retried after {gap:.2}s despite Retry-After: 1");
}
