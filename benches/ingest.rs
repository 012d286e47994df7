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

/// A ~400-character paragraph that differs from item to item: office phrases mixed with
/// words of common characters drawn with an LCG seeded by `seed`. Templated bodies would
/// all be near-duplicates of each other (and near-duplicate detection is part of what
/// ingest does); a tiny vocabulary would make every item a near-duplicate candidate of
/// every other, which real text is not.
fn para(seed: usize) -> String {
    const PHRASES: &[&str] = &[
        "会议指出",
        "依法履行监督职责",
        "代表建议办理",
        "营商环境",
        "乡村振兴",
        "专题调研",
        "执法检查",
        "预算审查监督",
        "基层立法联系点",
        "民生实事项目",
        "代表联络站",
        "听取和审议",
    ];
    const CHARS: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";
    let chars: Vec<char> = CHARS.chars().collect();
    let mut x = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let mut out = String::new();
    for k in 0..36 {
        if k % 3 == 0 {
            out.push_str(PHRASES[next() % PHRASES.len()]);
        } else {
            for _ in 0..2 + next() % 3 {
                out.push(chars[next() % chars.len()]);
            }
        }
        out.push_str(if k % 6 == 5 { "。" } else { "，" });
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
