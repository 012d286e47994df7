//! Inbox ingest throughput: generates N submissions (Markdown with front matter and plain
//! text with a header block, ~900 characters each, 2% broken, 2% exact duplicates) in a
//! temporary project, runs the inbox pipeline in `move` mode, and prints files/s and MB/s —
//! the median of several runs, each on a fresh project.
//!
//! `cargo bench --bench ingest` (N=2000, 5 runs); `CAIBIAN_BENCH_N=10000 CAIBIAN_BENCH_RUNS=3`
//! to change the size.

use std::path::Path;
use std::time::Instant;

use caibian::collect::{Cancel, Silent};
use caibian::pipeline::{self, Trigger};
use caibian::project::Project;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A ~450-character paragraph that differs from item to item (phrases drawn with an LCG
/// seeded by `seed`): templated bodies would all be near-duplicates of each other, and
/// near-duplicate detection is part of what ingest does.
fn para(seed: usize) -> String {
    const WORDS: &[&str] = &[
        "会议指出",
        "坚持以人民为中心",
        "紧扣全市中心工作",
        "依法履行监督职责",
        "代表建议办理",
        "营商环境",
        "乡村振兴",
        "生态环境保护",
        "专题调研",
        "走访企业和群众",
        "收集意见建议",
        "形成调研报告",
        "提交常委会审议",
        "执法检查",
        "预算审查监督",
        "基层立法联系点",
        "民生实事项目",
        "跟踪问效",
        "代表联络站",
        "听取和审议",
        "养老服务",
        "学前教育",
        "安全生产",
        "城市更新",
        "物业管理",
        "食品安全",
        "东城区",
        "西湖县",
        "南山县",
        "高新区",
    ];
    let mut x = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = String::new();
    for k in 0..40 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push_str(WORDS[(x >> 33) as usize % WORDS.len()]);
        out.push_str(&format!("{}", (x >> 20) % 100));
        out.push_str(if k % 5 == 4 { "。" } else { "，" });
    }
    out
}

fn make(p: &Path, n: usize) -> u64 {
    std::fs::write(
        p.join("caibian.toml"),
        "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\naliases = [\"甲县人大\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::write(
        p.join("pipelines/inbox.toml"),
        "[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\n",
    )
    .unwrap();
    let dir = p.join("inbox/甲县人大");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = 0u64;
    for i in 0..n {
        let body = format!(
            "第{i}次会议召开。{}\n\n{}\n\n截至目前，已办结{}件。",
            para(i),
            para(i + 1_000_000),
            i % 97
        );
        let (name, text) = match i % 50 {
            7 => (format!("{i}.md"), String::new()),
            21 => (
                format!("{i}-dup.md"),
                md(
                    i - 1,
                    &format!(
                        "第{}次会议召开。{}\n\n{}\n\n截至目前，已办结{}件。",
                        i - 1,
                        para(i - 1),
                        para(i - 1 + 1_000_000),
                        (i - 1) % 97
                    ),
                ),
            ),
            k if k % 2 == 0 => (format!("{i}.md"), md(i, &body)),
            _ => (
                format!("{i}.txt"),
                format!(
                    "甲县人大常委会第{i}号工作动态\n撰稿人：张三（60%）、李四（40%）\n日期：2026年11月3日\n\n{body}\n"
                ),
            ),
        };
        bytes += text.len() as u64;
        std::fs::write(dir.join(name), text).unwrap();
    }
    bytes
}

fn md(i: usize, body: &str) -> String {
    format!(
        "+++\ntitle = \"甲县人大常委会第{i}号工作动态\"\nauthors = \"王五、赵六\"\ndate = 2026-11-20\ntags = [\"监督\"]\n+++\n\n{body}\n"
    )
}

fn main() {
    let n = env("CAIBIAN_BENCH_N", 2000);
    let runs = env("CAIBIAN_BENCH_RUNS", 5);
    let mut secs = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        bytes = make(dir.path(), n);
        let project = Project::load(dir.path()).unwrap();
        let mut store = project.open_store().unwrap();
        let t = Instant::now();
        let s = pipeline::run(
            &project,
            &mut store,
            &project.pipelines[0],
            Trigger::Manual,
            None,
            &Cancel::new(),
            &Silent,
        )
        .unwrap();
        secs.push(t.elapsed().as_secs_f64());
        assert_eq!(
            s.counts.new + s.counts.duplicate + s.counts.quarantined,
            n as u64
        );
        // Only the planted exact copies are duplicates: the bodies differ enough that
        // near-duplicate detection (which runs on every item) links nothing else.
        let planted = (0..n).filter(|i| i % 50 == 21).count() as u64;
        assert_eq!(s.counts.duplicate, planted, "{:?}", s.counts);
    }
    secs.sort_by(f64::total_cmp);
    let med = secs[secs.len() / 2];
    println!(
        "ingest: {n} files ({:.1} MB), {runs} runs: median {:.2} s = {:.0} files/s, {:.2} MB/s (min {:.2} s, max {:.2} s)",
        bytes as f64 / 1e6,
        med,
        n as f64 / med,
        bytes as f64 / 1e6 / med,
        secs[0],
        secs[secs.len() - 1]
    );
}
