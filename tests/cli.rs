//! The command line as a user meets it: init, schedule, error messages and exit codes.

mod common;
use common::*;

#[test]
fn init_writes_a_working_project() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("新项目");
    let out = ok(dir.path(), &["init", proj.to_str().unwrap()]);
    assert!(out.contains("caibian.toml"), "{out}");
    for f in [
        "caibian.toml",
        "pipelines/inbox.toml",
        "pipelines/news.toml",
        "inbox/.keep",
        "site/README.md",
        "dict/office.txt",
    ] {
        assert!(proj.join(f).is_file(), "{f} missing");
    }
    // Runs with an empty inbox, then takes a file dropped in.
    ok(&proj, &["run"]);
    std::fs::create_dir_all(proj.join("inbox/示例县人大")).unwrap();
    std::fs::write(
        proj.join("inbox/示例县人大/a.md"),
        "---\ntitle: 示例县人大常委会召开主任会议\nauthors: 王五\n---\n会议研究了下次常委会会议议程。\n",
    )
    .unwrap();
    ok(&proj, &["run"]);
    let items = json(&proj, &["items", "--json"]);
    assert_eq!(items[0]["unit"], "示例县人大常委会");
    assert_eq!(items[0]["authors"][0]["name"], "王五");
    // Moved out of the inbox, into the archive.
    assert!(!proj.join("inbox/示例县人大/a.md").exists());
    assert!(proj.join("data/processed/inbox/示例县人大/a.md").is_file());

    // init refuses to overwrite a project.
    let again = caibian(dir.path(), &["init", proj.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("不会覆盖"), "{}", stderr(&again));
}

#[test]
fn schedule_prints_next_times_with_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(
        dir.path(),
        &[
            "schedule",
            "0 9 * * MON-FRI",
            "--from",
            "2026-11-28 09:00",
            "-n",
            "3",
            "--json",
        ],
    );
    assert_eq!(
        v,
        serde_json::json!([
            "2026-11-30T09:00:00+08:00",
            "2026-12-01T09:00:00+08:00",
            "2026-12-02T09:00:00+08:00"
        ])
    );
    // Day-of-month OR day-of-week, in another zone.
    let v = json(
        dir.path(),
        &[
            "schedule",
            "30 6 13 * FRI",
            "--from",
            "2026-11-01 00:00",
            "-n",
            "3",
            "--json",
            "--tz",
            "UTC",
        ],
    );
    assert_eq!(
        v,
        serde_json::json!([
            "2026-11-06T06:30:00+00:00",
            "2026-11-13T06:30:00+00:00",
            "2026-11-20T06:30:00+00:00"
        ])
    );
    // Feb 29 only in leap years.
    let v = json(
        dir.path(),
        &[
            "schedule",
            "0 0 29 2 *",
            "--from",
            "2026-03-01",
            "-n",
            "2",
            "--json",
        ],
    );
    assert_eq!(
        v,
        serde_json::json!(["2028-02-29T00:00:00+08:00", "2032-02-29T00:00:00+08:00"])
    );
    let human = ok(
        dir.path(),
        &[
            "schedule",
            "@daily",
            "--from",
            "2026-11-28 09:00",
            "-n",
            "1",
        ],
    );
    assert!(human.contains("2026-11-29 00:00  周日"), "{human}");
}

#[test]
fn bad_input_gets_chinese_errors_and_the_right_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // Usage error → 2.
    let o = caibian(p, &["schedule"]);
    assert_eq!(o.status.code(), Some(2));
    let o = caibian(p, &["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    // Help → 0.
    assert_eq!(caibian(p, &["--help"]).status.code(), Some(0));
    // A bad cron field names the field.
    let o = caibian(p, &["schedule", "61 * * * *"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("分钟"), "{}", stderr(&o));
    // No project.
    let o = caibian(p, &["runs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("找不到 caibian.toml"), "{}", stderr(&o));

    // A config mistake names file, line and key.
    std::fs::write(
        p.join("caibian.toml"),
        "[project]\nname = \"办公室\"\n\n[[units]]\nname = \"甲县人大常委会\"\ntype = \"县人大\"\n",
    )
    .unwrap();
    let o = caibian(p, &["run"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("caibian.toml 第 6 行，键「units[0].type」"),
        "{e}"
    );
    assert!(e.contains("取值「县人大」无效"), "{e}");

    // A pipeline mistake, too: unknown key in a source, and a bad schedule.
    std::fs::write(p.join("caibian.toml"), "").unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::write(
        p.join("pipelines/a.toml"),
        "schedule = \"0 9 * * *\"\n\n[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\nmoed = \"copy\"\n",
    )
    .unwrap();
    let e = stderr(&caibian(p, &["check"]));
    assert!(e.contains("a.toml"), "{e}");
    assert!(e.contains("未知的键「moed」"), "{e}");
    std::fs::write(p.join("pipelines/a.toml"), "\nschedule = \"0 25 * * *\"\n").unwrap();
    let e = stderr(&caibian(p, &["check"]));
    assert!(e.contains("a.toml 第 2 行，键「schedule」"), "{e}");
    assert!(e.contains("小时"), "{e}");
}

#[test]
fn status_changes_are_audited() {
    let dir = sample_project();
    let p = dir.path();
    ok(p, &["run", "-q"]);
    let items = json(p, &["items", "--json", "-n", "1"]);
    let id = items[0]["id"].as_str().unwrap().to_string();
    let o = caibian(p, &["status", &id, "returned"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("退稿必须写明理由"));
    ok(
        p,
        &[
            "status",
            &id,
            "已退稿",
            "--note",
            "与上期内容重复",
            "--by",
            "编辑甲",
        ],
    );
    let returned = json(p, &["items", "--json", "--status", "returned"]);
    assert_eq!(returned[0]["id"], id.as_str());
    let conn = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let (actor, note): (String, String) = conn
        .query_row(
            "SELECT actor, note FROM audit_log WHERE item_id = ?1 AND action = 'status'",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (actor.as_str(), note.as_str()),
        ("编辑甲", "与上期内容重复")
    );
}
