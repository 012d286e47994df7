//! `kill -9` in the middle of ingesting a large inbox must lose nothing and duplicate nothing:
//! afterwards the database passes `PRAGMA integrity_check`, and a re-run ends with every file
//! either stored exactly once or quarantined.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const N: usize = 3000;

fn make_project(p: &Path) {
    std::fs::write(
        p.join("caibian.toml"),
        "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\naliases = [\"甲县人大\"]\n\n\
         [[units]]\nname = \"乙区人大常委会\"\ntype = \"县区人大\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::write(
        p.join("pipelines/inbox.toml"),
        "[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\n",
    )
    .unwrap();
    let inbox = p.join("inbox");
    for unit in ["甲县人大", "乙区人大常委会"] {
        std::fs::create_dir_all(inbox.join(unit)).unwrap();
    }
    for i in 0..N {
        let unit = if i % 2 == 0 {
            "甲县人大"
        } else {
            "乙区人大常委会"
        };
        let (name, body) = match i % 50 {
            // Broken files among the good ones, so the quarantine path is crashed into too.
            7 => (format!("{i:05}.md"), String::new()),
            13 => (
                format!("{i:05}.txt"),
                format!("第{i}号\n报送单位：丙县人大\n\n正文。\n"),
            ),
            // Exact duplicates of an earlier file's content under another name.
            21 => (format!("{i:05}-dup.txt"), text_item(i - 1)),
            _ => (format!("{i:05}.txt"), text_item(i)),
        };
        std::fs::write(inbox.join(unit).join(name), body).unwrap();
    }
}

fn text_item(i: usize) -> String {
    // Paragraphs indented with full-width spaces, as units type them.
    let indent = "\u{3000}\u{3000}";
    format!(
        "关于第{i}号代表建议办理情况的报告\n撰稿人：张三、李四\n日期：2026年11月{}日\n\n\
         {indent}近日，常委会组织代表对第{i}号建议的办理情况开展视察，共走访{}个点位。\n\
         {indent}会议要求，要把代表建议办理与推动中心工作结合起来。\n",
        i % 28 + 1,
        i % 17 + 3
    )
}

fn db(p: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap()
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Starts `caibian run`, waits until at least `after` files are taken, then SIGKILLs it.
/// Returns how many files were taken when it died.
fn run_and_kill(p: &Path, after: i64) -> i64 {
    let mut child = Command::new(BIN)
        .args(["run", "-q"])
        .current_dir(p)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("run finished ({status}) before it could be killed; make N larger");
        }
        let taken = if p.join("data/caibian.sqlite").exists() {
            let c = db(p);
            c.busy_timeout(Duration::from_secs(5)).unwrap();
            c.query_row("SELECT count(*) FROM files", [], |r| r.get::<_, i64>(0))
                .unwrap_or(0)
        } else {
            0
        };
        if taken >= after {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "ingest too slow"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    count(&db(p), "SELECT count(*) FROM files")
}

#[test]
fn kill_9_mid_ingest_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    make_project(p);
    let originals: BTreeSet<String> = files_under(&p.join("inbox")).into_iter().collect();
    assert_eq!(originals.len(), N);

    // Kill it three times at different depths, then let it finish.
    let mut last = 0;
    for after in [150, 700, 1400] {
        let taken = run_and_kill(p, after.max(last + 50));
        assert!(taken < N as i64, "killed too late: {taken}");
        assert_eq!(integrity(p), "ok", "database damaged after kill -9");
        last = taken;
    }
    ok(p, &["run", "-q"]);

    assert_eq!(integrity(p), "ok");
    let conn = db(p);

    // The inbox is empty, and every original is in exactly one archive, under its own name.
    assert!(
        files_under(&p.join("inbox")).is_empty(),
        "files left in inbox"
    );
    let processed = files_under(&p.join("data/processed/inbox"));
    let quarantined: Vec<String> = files_under(&p.join("data/quarantine/inbox"))
        .into_iter()
        .filter(|f| !f.ends_with(".reason.txt"))
        .collect();
    let mut archived: Vec<String> = processed.iter().chain(&quarantined).cloned().collect();
    archived.sort();
    let archived_set: BTreeSet<String> = archived.iter().cloned().collect();
    assert_eq!(archived.len(), archived_set.len(), "a file archived twice");
    assert_eq!(
        archived_set, originals,
        "archives differ from the originals"
    );
    for q in &quarantined {
        let reason = p
            .join("data/quarantine/inbox")
            .join(format!("{q}.reason.txt"));
        assert!(reason.is_file(), "no reason file for {q}");
    }

    // One ledger row per file; one item per distinct good content; nothing twice.
    assert_eq!(count(&conn, "SELECT count(*) FROM files"), N as i64);
    assert_eq!(
        count(&conn, "SELECT count(DISTINCT original_path) FROM files"),
        N as i64
    );
    let broken = (0..N).filter(|i| i % 50 == 7 || i % 50 == 13).count() as i64;
    let dups = (0..N).filter(|i| i % 50 == 21).count() as i64;
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM files WHERE outcome = 'quarantined'"
        ),
        broken
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM files WHERE outcome = 'duplicate'"
        ),
        dups
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM items"),
        N as i64 - broken - dups
    );
    assert_eq!(quarantined.len() as i64, broken);
    // Each stored item has exactly its one audit "collected" entry.
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM audit_log WHERE action = 'collected'"
        ),
        N as i64 - broken - dups
    );
    // The killed runs are recorded as interrupted, the last one as ok.
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM pipeline_runs WHERE status = 'interrupted'"
        ),
        3
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM pipeline_runs WHERE status = 'running'"
        ),
        0
    );
}

fn integrity(p: &Path) -> String {
    db(p)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn sigterm_stops_a_run_after_the_current_file_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    make_project(p);
    let mut child = Command::new(BIN)
        .args(["run", "-q"])
        .current_dir(p)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !p.join("data/caibian.sqlite").exists()
        || db(p)
            .query_row("SELECT count(*) FROM files", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0)
            < 200
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the signal"
        );
        assert!(start.elapsed() < Duration::from_secs(300));
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an interrupted run is not a success"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("收到停止信号"));

    let conn = db(p);
    let (status, taken): (String, i64) = conn
        .query_row(
            "SELECT status, new + duplicate + quarantined FROM pipeline_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "interrupted");
    // Stopped cleanly: every file it counted is archived, the rest wait in the inbox.
    assert!(taken >= 200 && taken < N as i64, "{taken}");
    assert_eq!(count(&conn, "SELECT count(*) FROM files"), taken);
    assert_eq!(files_under(&p.join("inbox")).len() as i64, N as i64 - taken);

    ok(p, &["run", "-q"]);
    assert!(files_under(&p.join("inbox")).is_empty());
    assert_eq!(count(&conn, "SELECT count(*) FROM files"), N as i64);
}

/// A small project whose inbox mixes stored, duplicate and quarantined files.
fn small_project(p: &Path, mode: &str) -> BTreeSet<String> {
    std::fs::write(
        p.join("caibian.toml"),
        "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::write(
        p.join("pipelines/inbox.toml"),
        format!("[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\nmode = \"{mode}\"\n"),
    )
    .unwrap();
    let dir = p.join("inbox/甲县人大常委会");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..30 {
        let (name, body) = match i % 5 {
            1 => (format!("{i:02}.md"), String::new()),
            3 => (format!("{i:02}-dup.txt"), text_item(i - 1)),
            _ => (format!("{i:02}.txt"), text_item(i)),
        };
        std::fs::write(dir.join(name), body).unwrap();
    }
    files_under(&p.join("inbox")).into_iter().collect()
}

/// Crashes exactly between a commit and the archiving of its file — the window a random
/// kill rarely hits — at several depths, in both modes; a normal run then completes.
#[test]
fn crash_between_commit_and_archive_is_recovered_in_both_modes() {
    for mode in ["move", "copy"] {
        for abort_after in [1, 2, 4, 9] {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path();
            let originals = small_project(p, mode);
            let out = Command::new(BIN)
                .args(["run", "-q"])
                .current_dir(p)
                .env(
                    "CAIBIAN_FAILPOINT",
                    format!("abort-after-commit={abort_after}"),
                )
                .output()
                .unwrap();
            assert!(!out.status.success(), "{mode}/{abort_after}: did not abort");
            let conn = db(p);
            assert_eq!(integrity(p), "ok");
            assert_eq!(count(&conn, "SELECT count(*) FROM files"), abort_after);

            ok(p, &["run", "-q"]);
            let where_ = format!("{mode}/{abort_after}");
            assert_eq!(count(&conn, "SELECT count(*) FROM files"), 30, "{where_}");
            assert_eq!(
                count(&conn, "SELECT count(DISTINCT original_path) FROM files"),
                30,
                "{where_}"
            );
            assert_eq!(
                count(
                    &conn,
                    "SELECT count(*) FROM files WHERE outcome = 'quarantined'"
                ),
                6,
                "{where_}"
            );
            assert_eq!(
                count(
                    &conn,
                    "SELECT count(*) FROM files WHERE outcome = 'duplicate'"
                ),
                6,
                "{where_}"
            );
            assert_eq!(count(&conn, "SELECT count(*) FROM items"), 18, "{where_}");
            // Every row's archive exists, and each original is archived exactly once.
            let mut st = conn.prepare("SELECT archived_path FROM files").unwrap();
            let archived: Vec<String> = st
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for a in &archived {
                assert!(p.join(a).is_file(), "{where_}: {a} missing");
            }
            let mut names: Vec<String> = archived
                .iter()
                .map(|a| a.split_once("inbox/").unwrap().1.to_string())
                .collect();
            names.sort();
            assert_eq!(
                names.into_iter().collect::<BTreeSet<_>>(),
                originals,
                "{where_}"
            );
            let left = files_under(&p.join("inbox")).len();
            assert_eq!(left, if mode == "move" { 0 } else { 30 }, "{where_}");
            // The killed run counts what it committed; the two runs together count each file once.
            let (killed_total, status): (i64, String) = conn
                .query_row(
                    "SELECT new + duplicate + quarantined, status FROM pipeline_runs WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(
                (killed_total, status.as_str()),
                (abort_after, "interrupted"),
                "{where_}"
            );
            let second: i64 = conn
                .query_row(
                    "SELECT new + duplicate + quarantined FROM pipeline_runs WHERE id = 2",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(killed_total + second, 30, "{where_}");

            // And a third run changes nothing.
            ok(p, &["run", "-q"]);
            assert_eq!(count(&conn, "SELECT count(*) FROM files"), 30);
        }
    }
}
