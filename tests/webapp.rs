//! The editors' web application over real HTTP on loopback (`caibian serve --port 0`):
//! no change without a session and the session's CSRF token — on every mutating route,
//! enumerated from the router's source — a reporter confined to its own unit, login
//! throttling, submissions from the form and by upload, and the JSON API.

mod common;
use common::web::*;
use common::*;

use std::path::Path;

/// Everything a request could change, as one comparable value.
fn fingerprint(project: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(project.join("data/caibian.sqlite")).unwrap();
    let mut out = Vec::new();
    for q in [
        "SELECT count(*) || ':' || coalesce(sum(length(title) + length(body)), 0) || ':' ||
                coalesce(group_concat(status || section, ','), '') FROM items",
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM activity_log",
        "SELECT count(*) FROM adoptions",
        "SELECT count(*) FROM instructions",
        "SELECT count(*) || ':' || coalesce(group_concat(status || lead_item, ','), '') FROM issues",
        "SELECT count(*) || ':' || coalesce(group_concat(item_id || column_name || position, ','), '') FROM issue_entries",
        "SELECT count(*) || ':' || coalesce(group_concat(name || role || disabled || password_hash, ','), '') FROM users",
        "SELECT count(*) FROM pipeline_runs",
        "SELECT count(*) FROM site_items",
    ] {
        let v: rusqlite::types::Value = db.query_row(q, [], |r| r.get(0)).unwrap();
        out.push(format!("{v:?}"));
    }
    out.push(files_under(&project.join("samples/inbox")).join(","));
    out.push(files_under(&project.join("data/site")).len().to_string());
    out
}

/// The router's mutating routes, read from its source, so a new route is covered the day it
/// is added.
fn post_routes() -> Vec<String> {
    let src = std::fs::read_to_string(repo().join("src/web/mod.rs")).unwrap();
    let start = src.find("pub fn router(").unwrap();
    let body = &src[start..];
    let body = &body[..body.find(".fallback(").unwrap()];
    let mut out = Vec::new();
    for chunk in body.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap().to_string();
        if chunk.contains("post(") {
            out.push(path);
        }
    }
    out
}

fn item_of(project: &Path, unit: &str) -> String {
    let db = rusqlite::Connection::open(project.join("data/caibian.sqlite")).unwrap();
    db.query_row(
        "SELECT i.id FROM items i JOIN units u ON u.id = i.unit_id WHERE u.name = ?1
         ORDER BY i.id LIMIT 1",
        [unit],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn no_change_without_a_session_and_its_csrf_token_on_any_mutating_route() {
    let dir = web_project();
    let p = dir.path();
    let year = chrono::Utc::now().format("%Y").to_string();
    ok(p, &["issue", "new", "人大建设"]);
    let server = Server::start(p);
    let port = server.port;

    let routes = post_routes();
    assert!(
        routes.len() >= 20,
        "routes read from the router: {routes:?}"
    );
    for must in [
        "/items/{id}/adopt",
        "/issues/{publication}/{year}/{number}/publish",
        "/submit",
        "/users/new",
        "/site/build",
    ] {
        assert!(
            routes.iter().any(|r| r == must),
            "{must} not found in {routes:?}"
        );
    }

    let admin = login(port, "admin", "adminpass1");
    let editor = login(port, "bianji", "editorpass1");
    let reporter = login(port, "jia", "unitpass12");
    let admin_csrf = get(port, "/inbox", Some(&admin)).csrf();
    let editor_csrf = get(port, "/inbox", Some(&editor)).csrf();
    assert_ne!(admin_csrf, editor_csrf, "each session has its own token");
    let target = item_of(p, "东城区人大常委会");

    let before = fingerprint(p);
    for route in &routes {
        if route == "/login" {
            continue;
        }
        let path = route
            .replace("{id}", &target)
            .replace("{publication}", &enc("人大建设"))
            .replace("{year}", &year)
            .replace("{number}", "1")
            .replace(
                "{name}",
                if route.starts_with("/jobs") {
                    "inbox"
                } else {
                    "jia"
                },
            );
        // A body that would do something on every route, were it let through.
        let fields = [
            ("to", "archived"),
            ("action", "archived"),
            ("id", target.as_str()),
            ("reason", "测试"),
            ("title", "改过的标题"),
            ("body", "改过的正文"),
            ("outlet", "《人大信息》"),
            ("level", "市"),
            ("medium", "简报"),
            ("publication", "人大建设"),
            ("name", "intruder"),
            ("role", "admin"),
            ("password", "intruderpass1"),
            ("force", "1"),
        ];
        fn with<'a>(fields: &[(&'a str, &'a str)], token: &'a str) -> Vec<(&'a str, &'a str)> {
            let mut f = fields.to_vec();
            f.push(("_csrf", token));
            f
        }
        let zeros = "0".repeat(64);
        type Case<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            ("no session", None, with(&fields, &admin_csrf)),
            ("session, no token", Some(&admin), fields.to_vec()),
            ("session, wrong token", Some(&admin), with(&fields, &zeros)),
            (
                "session, another session's token",
                Some(&admin),
                with(&fields, &editor_csrf),
            ),
            ("reporter, no token", Some(&reporter), fields.to_vec()),
        ];
        for (what, cookie, form) in cases {
            let r = post_form(port, &path, cookie, &form);
            assert_eq!(
                r.status,
                403,
                "POST {path} ({what}) answered {}: {}",
                r.status,
                r.text()
            );
        }
        // A token in a header is checked as strictly as one in the form.
        let r = request(
            port,
            "POST",
            &path,
            Some(&admin),
            &[("X-CSRF-Token", &editor_csrf)],
            Some((
                "application/x-www-form-urlencoded",
                form_body(&fields).as_bytes(),
            )),
        );
        assert_eq!(
            r.status, 403,
            "POST {path} with another session's header token"
        );
        // An upload cannot slip past without its token either.
        let r = request(
            port,
            "POST",
            &format!("{path}?_csrf={editor_csrf}"),
            Some(&admin),
            &[],
            Some(("multipart/form-data; boundary=x", b"--x--\r\n")),
        );
        assert_eq!(r.status, 403, "POST {path} multipart with a wrong token");
    }
    assert_eq!(
        fingerprint(p),
        before,
        "a refused request changed something"
    );

    // The sessions survived (a refused logout did not log anyone out) ...
    assert_eq!(get(port, "/inbox", Some(&admin)).status, 200);
    // ... and a login posted from another site is refused.
    let r = request(
        port,
        "POST",
        "/login",
        None,
        &[("Origin", "http://evil.example")],
        Some((
            "application/x-www-form-urlencoded",
            b"name=admin&password=adminpass1",
        )),
    );
    assert_eq!(r.status, 403);
    assert!(r.header("set-cookie").is_none());

    // The control: the same request with the session's own token does change the item, and
    // the audit log names the user.
    let r = post_form(
        port,
        &format!("/items/{target}/status"),
        Some(&editor),
        &[("to", "archived"), ("_csrf", &editor_csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(fingerprint(p), before);
    let db = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let (actor, to): (String, String) = db
        .query_row(
            "SELECT actor, to_status FROM audit_log WHERE item_id = ?1 ORDER BY id DESC LIMIT 1",
            [&target],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((actor.as_str(), to.as_str()), ("bianji", "archived"));

    // Logging out ends the session for good.
    let r = post_form(port, "/logout", Some(&editor), &[("_csrf", &editor_csrf)]);
    assert_eq!(r.status, 303);
    let r = get(port, "/inbox", Some(&editor));
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/login"));
}

#[test]
fn a_reporter_sees_only_its_own_units_items_whatever_it_asks() {
    let dir = web_project();
    let p = dir.path();
    let server = Server::start(p);
    let port = server.port;
    let jia = login(port, "jia", "unitpass12");
    let own = item_of(p, "西湖县人大常委会");
    let other = item_of(p, "东城区人大常委会");

    assert_eq!(get(port, &format!("/items/{own}"), Some(&jia)).status, 200);
    let r = get(port, &format!("/items/{other}"), Some(&jia));
    assert_eq!(r.status, 404, "another unit's item by URL");
    assert!(!r.text().contains(&other));
    let r = get(port, &format!("/api/items/{other}"), Some(&jia));
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].is_string());
    // Guessing an id that does not exist looks the same as another unit's.
    assert_eq!(get(port, "/api/items/000000000000", Some(&jia)).status, 404);

    for q in [
        "/api/items?status=all&per_page=200",
        "/api/items?status=all&unit=%E4%B8%9C%E5%9F%8E%E5%8C%BA%E4%BA%BA%E5%A4%A7%E5%B8%B8%E5%A7%94%E4%BC%9A",
    ] {
        let v = get(port, q, Some(&jia)).json();
        let items = v["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{q}");
        assert!(
            items.iter().all(|i| i["unit"] == "西湖县人大常委会"),
            "{q}: {v}"
        );
    }
    // The query language cannot widen it either.
    for q in [
        "会议",
        "单位:东城区人大常委会",
        "单位:东城区人大常委会 OR 单位:西湖县人大常委会",
    ] {
        let v = get(
            port,
            &format!("/api/search?q={}&per_page=100", enc(q)),
            Some(&jia),
        )
        .json();
        let hits = v["hits"].as_array().unwrap();
        assert!(
            hits.iter().all(|h| h["unit"] == "西湖县人大常委会"),
            "search {q}: {v}"
        );
    }
    // Editors' pages are closed to reporters.
    for path in [
        "/inbox",
        "/search?q=代表",
        "/issues",
        "/rank",
        "/rank.xlsx",
        "/jobs",
        "/site",
        "/users",
    ] {
        assert_eq!(get(port, path, Some(&jia)).status, 403, "{path}");
    }
    // Their own page lists their items with status, and no one else's.
    let my = get(port, "/my", Some(&jia)).text();
    assert!(my.contains("西湖县人大常委会"));
    let title_other: String = rusqlite::Connection::open(p.join("data/caibian.sqlite"))
        .unwrap()
        .query_row("SELECT title FROM items WHERE id = ?1", [&other], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!my.contains(&title_other));

    // Without a session nothing is readable.
    let r = get(port, "/api/items", None);
    assert_eq!(r.status, 401);
    let r = get(port, &format!("/items/{own}"), None);
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/login?next=%2Fitems%2F{own}").as_str())
    );
}

#[test]
fn logins_are_throttled_and_refusals_do_not_tell_which_names_exist() {
    let dir = web_project();
    let server = Server::start(dir.path());
    let port = server.port;
    let bad = post_form(
        port,
        "/login",
        None,
        &[("name", "nobody"), ("password", "whatever1")],
    );
    let wrong = post_form(
        port,
        "/login",
        None,
        &[("name", "bianji"), ("password", "whatever1")],
    );
    assert_eq!((bad.status, wrong.status), (401, 401));
    assert!(wrong.text().contains("用户名或密码不正确"));
    for _ in 0..3 {
        let r = post_form(
            port,
            "/login",
            None,
            &[("name", "bianji"), ("password", "wrongpass")],
        );
        assert_eq!(r.status, 401);
    }
    // Five failures from this address: even the right password waits now.
    let r = post_form(
        port,
        "/login",
        None,
        &[("name", "bianji"), ("password", "editorpass1")],
    );
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.text().contains("登录失败次数过多"));
    assert!(r.header("set-cookie").is_none());
}

#[test]
fn a_unit_submits_by_form_and_by_upload_and_a_bad_file_is_quarantined_with_its_reason() {
    let dir = web_project();
    let p = dir.path();
    let server = Server::start(p);
    let port = server.port;
    let jia = login(port, "jia", "unitpass12");
    let csrf = get(port, "/submit", Some(&jia)).csrf();

    let r = post_form(
        port,
        "/submit",
        Some(&jia),
        &[
            ("_csrf", &csrf),
            ("title", "西湖县人大常委会开展农村饮水安全专题调研"),
            ("authors", "王五、赵六"),
            ("date", "2026-11-20"),
            ("genre", "调研"),
            (
                "body",
                "11月18日至20日，西湖县人大常委会组织部分委员和代表，深入8个乡镇开展农村饮水安全专题调研，实地查看水厂12座。\r\n\r\n调研组建议加快管网改造，确保2027年底前实现城乡供水一体化。",
            ),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(page.contains("报送成功"), "{page}");
    let id = page.split("/items/").nth(1).unwrap()[..12].to_string();
    let item = get(port, &format!("/api/items/{id}"), Some(&jia)).json();
    assert_eq!(item["unit"], "西湖县人大常委会");
    assert_eq!(item["genre"], "调研");
    assert_eq!(item["status"], "new");
    let authors: Vec<&str> = item["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["王五", "赵六"]);
    assert!(!item["body"].as_str().unwrap().contains('\r'));
    // The same text again is a duplicate, not a second item.
    let again = post_form(
        port,
        "/submit",
        Some(&jia),
        &[
            ("_csrf", &csrf),
            ("title", "西湖县人大常委会开展农村饮水安全专题调研"),
            ("authors", "王五、赵六"),
            ("date", "2026-11-20"),
            ("genre", "调研"),
            (
                "body",
                "11月18日至20日，西湖县人大常委会组织部分委员和代表，深入8个乡镇开展农村饮水安全专题调研，实地查看水厂12座。\n\n调研组建议加快管网改造，确保2027年底前实现城乡供水一体化。",
            ),
        ],
    );
    assert!(again.text().contains("重复"), "{}", again.text());

    // A .docx that is not one: kept in quarantine, the reporter told why.
    let boundary = "caibianboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"调研报告.docx\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(b"this is not a zip file at all");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = request(
        port,
        "POST",
        &format!("/submit?_csrf={csrf}"),
        Some(&jia),
        &[],
        Some((&format!("multipart/form-data; boundary={boundary}"), &body)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("未能入库"), "{}", r.text());
    let q = json(p, &["quarantine", "--json"]);
    let found = q
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["original_path"].as_str().unwrap_or("").ends_with(".docx"));
    assert!(found, "the upload is in quarantine: {q}");

    // A file naming another unit is refused before anything is written.
    let text = "冒名的稿件\n报送单位：东城区人大常委会\n\n正文内容。";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n{text}\r\n--{boundary}--\r\n").as_bytes(),
    );
    let before = files_under(&p.join("samples/inbox")).len();
    let r = request(
        port,
        "POST",
        &format!("/submit?_csrf={csrf}"),
        Some(&jia),
        &[],
        Some((&format!("multipart/form-data; boundary={boundary}"), &body)),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("东城区人大常委会"));
    assert_eq!(files_under(&p.join("samples/inbox")).len(), before);

    // The editor sees the new item in the inbox.
    let ed = login(port, "bianji", "editorpass1");
    let v = get(port, "/api/items?sort=newest&kind=submission", Some(&ed)).json();
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id.as_str())
    );
}

#[test]
fn the_json_api_lists_filters_pages_and_searches() {
    let dir = web_project();
    let p = dir.path();
    let server = Server::start(p);
    let port = server.port;
    let ed = login(port, "bianji", "editorpass1");
    let all = get(port, "/api/items?status=all&per_page=5", Some(&ed)).json();
    let total = all["total"].as_i64().unwrap();
    assert!(total > 10);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let page2 = get(port, "/api/items?status=all&per_page=5&page=2", Some(&ed)).json();
    assert_ne!(all["items"][0]["id"], page2["items"][0]["id"]);
    let news = get(
        port,
        "/api/items?status=all&kind=news&per_page=200",
        Some(&ed),
    )
    .json();
    assert!(
        news["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "news")
    );
    let sub = get(
        port,
        "/api/items?status=all&kind=submission&per_page=200",
        Some(&ed),
    )
    .json();
    assert_eq!(
        news["total"].as_i64().unwrap() + sub["total"].as_i64().unwrap(),
        total
    );
    // Sorted by value: never increasing.
    let vals: Vec<f64> = get(port, "/api/items?per_page=200", Some(&ed)).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]), "{vals:?}");
    // What axum itself cannot read is refused in Chinese too: a page, or JSON for the API.
    let r = get(port, "/inbox?page=x", Some(&ed));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请求中的参数无法识别"), "{}", r.text());
    let r = get(port, "/api/items?page=x", Some(&ed));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("参数无法识别"));
    let bad = get(port, "/api/items?from=2026-13-01", Some(&ed));
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("开始日期"));

    let s = get(port, &format!("/api/search?q={}", enc("代表")), Some(&ed)).json();
    assert!(s["total"].as_u64().unwrap() > 0);
    let cli = json(p, &["search", "代表", "--json"]);
    assert_eq!(s["total"], cli["total"], "the web and the CLI search agree");
    // Pages answer with gzip when asked.
    let r = request(
        port,
        "GET",
        "/inbox",
        Some(&ed),
        &[("Accept-Encoding", "gzip")],
        None,
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    // A body beyond the limit is refused (413), not read to the end.
    let csrf = get(port, "/inbox", Some(&ed)).csrf();
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    use std::io::{Read, Write};
    let size = 40 * 1024 * 1024;
    write!(
        c,
        "POST /preview HTTP/1.1\r\nHost: x\r\nCookie: {ed}\r\nX-CSRF-Token: {csrf}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n"
    )
    .unwrap();
    let mut w = c.try_clone().unwrap();
    // The server may answer and close before all of it is sent: write errors are expected.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..40 {
            if w.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let mut head = [0u8; 12];
    c.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    drop(c);
    let _ = writer.join();
    // Two editors on one item: the later save over a newer change is refused, not lost.
    let id = all["items"][0]["id"].as_str().unwrap().to_string();
    let page = get(port, &format!("/items/{id}"), Some(&ed));
    let t = page.text();
    let v = t.split("name=\"version\" value=\"").nth(1).unwrap();
    let version = v[..v.find('"').unwrap()].to_string();
    let csrf = page.csrf();
    let save = |title: &str, version: &str| {
        post_form(
            port,
            &format!("/items/{id}/edit"),
            Some(&ed),
            &[
                ("_csrf", &csrf),
                ("version", version),
                ("title", title),
                ("body", "正文。"),
            ],
        )
    };
    assert_eq!(save("第一位编辑改的标题", &version).status, 303);
    let late = save("第二位编辑改的标题", &version);
    assert_eq!(late.status, 400, "{}", late.text());
    assert!(late.text().contains("已被修改"));
    let item = get(port, &format!("/api/items/{id}"), Some(&ed)).json();
    assert_eq!(item["title"], "第一位编辑改的标题");
    // SIGTERM stops it cleanly.
    assert!(server.stop().success());
}
