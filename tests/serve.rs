//! `caibian serve`: a `* * * * *` pipeline runs once a minute and never twice at once; a
//! second `serve` on the same data directory refuses to start; SIGTERM stops it cleanly; a run
//! missed while the server was down is caught up once at start-up.

mod common;
use common::*;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn project(p: &Path, schedule: &str, catch_up: &str) {
    std::fs::write(
        p.join("caibian.toml"),
        "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::create_dir_all(p.join("inbox/甲县人大常委会")).unwrap();
    std::fs::write(
        p.join("pipelines/every.toml"),
        format!(
            "schedule = \"{schedule}\"\ncatch_up = \"{catch_up}\"\n\n[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\n"
        ),
    )
    .unwrap();
}

fn serve(p: &Path) -> Child {
    Command::new(BIN)
        .args(["serve", "-v", "--port", "0"])
        .current_dir(p)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn runs(p: &Path) -> Vec<serde_json::Value> {
    json(p, &["runs", "--json", "-n", "100"])
        .as_array()
        .unwrap()
        .clone()
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ts(v: &serde_json::Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

#[test]
fn every_minute_pipeline_runs_once_a_minute_and_a_second_serve_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p, "* * * * *", "once");
    let mut server = serve(p);
    // Wait until the data directory and its lock exist.
    let start = Instant::now();
    while !p.join("data/serve.lock").exists() {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));

    let second = caibian(p, &["serve"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("另一个 caibian serve"),
        "{}",
        stderr(&second)
    );

    // Feed the inbox while it runs, so the runs have something to do.
    std::fs::write(
        p.join("inbox/甲县人大常委会/a.txt"),
        "代表接待日活动\n\n代表们听取了选民的意见建议。\n",
    )
    .unwrap();

    let start = Instant::now();
    let mut done = Vec::new();
    while start.elapsed() < Duration::from_secs(150) {
        done = runs(p);
        if done.iter().filter(|r| r["status"] == "ok").count() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let status = terminate(&mut server);
    assert!(status.success(), "serve exited with {status}");

    let mut scheduled: Vec<_> = runs(p)
        .into_iter()
        .filter(|r| r["trigger"] == "schedule")
        .collect();
    scheduled.reverse(); // oldest first
    assert!(
        scheduled.len() >= 2,
        "expected two scheduled runs in 150 s, got {done:#?}"
    );
    for w in scheduled.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // Consecutive minute slots, each on a whole minute …
        let (sa, sb) = (ts(&a["scheduled_for"]), ts(&b["scheduled_for"]));
        assert_eq!((sb - sa).num_seconds(), 60, "{a} {b}");
        assert_eq!(sa.timestamp() % 60, 0);
        // … started on time, and the earlier finished before the later began.
        let started = ts(&b["started_at"]);
        assert!((started - sb).num_seconds() <= 5, "late start: {b}");
        assert!(ts(&a["finished_at"]) <= started, "overlap: {a} {b}");
    }
    assert!(runs(p).iter().all(|r| r["status"] != "running"));
    // The file dropped in was collected by one of the runs.
    let items = json(p, &["items", "--json"]);
    assert_eq!(items.as_array().unwrap().len(), 1);
}

fn backdate_last_run(p: &Path, days: i64) {
    // A run two days ago: every daily slot since then was missed.
    ok(p, &["run", "-q"]);
    let conn = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    conn.execute(
        "UPDATE pipeline_runs SET started_at = ?1, finished_at = ?1",
        [&past],
    )
    .unwrap();
}

#[test]
fn a_missed_run_is_caught_up_once_at_start_up_unless_skipped() {
    for (policy, expect) in [("once", 1), ("skip", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        // A slot in the past every day, but never in the next minutes of this test.
        let now = chrono::Utc::now();
        let hour = (now + chrono::Duration::hours(12)).format("%H");
        project(p, &format!("0 {hour} * * *"), policy);
        backdate_last_run(p, 2);
        let mut server = serve(p);
        let start = Instant::now();
        let mut catch_ups = 0;
        while start.elapsed() < Duration::from_secs(if expect == 1 { 30 } else { 4 }) {
            catch_ups = runs(p)
                .iter()
                .filter(|r| r["trigger"] == "catch-up")
                .count();
            if catch_ups > 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // Give a wrongly repeated catch-up the chance to show.
        std::thread::sleep(Duration::from_millis(1500));
        catch_ups = catch_ups.max(
            runs(p)
                .iter()
                .filter(|r| r["trigger"] == "catch-up")
                .count(),
        );
        assert!(terminate(&mut server).success());
        assert_eq!(catch_ups, expect, "policy {policy}");
    }
}

/// A run longer than the interval: the slot that passes meanwhile is skipped, never run
/// concurrently, and the next run starts on the following slot.
#[test]
fn a_long_run_is_never_overlapped_and_the_busy_slot_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p, "* * * * *", "once");
    for i in 0..3 {
        std::fs::write(
            p.join(format!("inbox/甲县人大常委会/{i}.txt")),
            format!("第{i}次接待日\n\n代表们听取了选民的意见建议{i}条。\n"),
        )
        .unwrap();
    }
    let mut server = Command::new(BIN)
        .args(["serve", "--port", "0"])
        .current_dir(p)
        .env("CAIBIAN_FAILPOINT", "sleep-per-file-ms=25000")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(p.join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(p.join("serve.log")).unwrap_or_default();
    let start = Instant::now();
    let scheduled = || -> Vec<serde_json::Value> {
        let mut v: Vec<_> = runs(p)
            .into_iter()
            .filter(|r| r["trigger"] == "schedule")
            .collect();
        v.reverse();
        v
    };
    while scheduled().len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "no second run: {:#?}\nserve said:\n{}",
            runs(p),
            log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(terminate(&mut server).success());
    let r = scheduled();
    let (a, b) = (&r[0], &r[1]);
    let took = ts(&a["finished_at"]) - ts(&a["started_at"]);
    assert!(
        took.num_seconds() >= 60,
        "first run should outlast a minute: {a}"
    );
    assert!(
        ts(&a["finished_at"]) <= ts(&b["started_at"]),
        "overlap: {a} {b}"
    );
    // The slot that passed while the first run was busy was skipped, not queued.
    let gap = ts(&b["scheduled_for"]) - ts(&a["scheduled_for"]);
    assert_eq!(gap.num_seconds(), 120, "{a} {b}");
    assert_eq!(a["counts"]["new"], 3);
}
