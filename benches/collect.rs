//! Web collection throughput and memory. Builds an N-page news site (list pages of 20
//! links with next-page links, article pages in a typical government template), serves it
//! from the fixture server on loopback, and runs the real `caibian` binary on a web source:
//!
//! 1. politeness off (no delay, 16 requests per host, no robots.txt): pages/s end to end
//!    (fetch, decode, extract, de-duplicate, store) and peak memory, for N/4 and N pages —
//!    peak memory should not grow with N;
//! 2. extraction alone, in process: decode + extract of the N pages from memory, pages/s;
//! 3. politeness on: 1 s per-host delay over 4 hosts (127.0.0.1–127.0.0.4), M pages each:
//!    pages/s, which the delay bounds at ~4/s.
//!
//! Article text comes from `CAIBIAN_CORPUS` (JSON lines, optionally .gz, with `title` and
//! `content_text`, e.g. the 新闻联播 corpus) or is generated. `cargo bench --bench collect`;
//! `CAIBIAN_BENCH_N` (default 2000), `CAIBIAN_BENCH_RUNS` (default 3),
//! `CAIBIAN_BENCH_POLITE_N` pages per host for run 3 (default 10; 0 skips it).

#[path = "../tests/common/fixture.rs"]
mod fixture;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use caibian::collect::decode::{decode_named, html_charset};
use caibian::collect::extract::extract;

const BIN: &str = env!("CARGO_BIN_EXE_caibian");

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (title, paragraphs) for n articles.
fn articles(n: usize) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    if let Ok(path) = std::env::var("CAIBIAN_CORPUS") {
        let file = std::fs::File::open(&path).expect("CAIBIAN_CORPUS");
        let reader: Box<dyn Read> = if path.ends_with(".gz") {
            Box::new(flate2::read::GzDecoder::new(file))
        } else {
            Box::new(file)
        };
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let body = v["content_text"].as_str().unwrap_or_default();
            if body.chars().count() < 200 {
                continue;
            }
            let paras = body
                .split('\n')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            out.push((v["title"].as_str().unwrap_or("无题").to_string(), paras));
            if out.len() >= n {
                return out;
            }
        }
    }
    // Generated: sentences drawn from a pool with a fixed LCG, so articles differ.
    const WORDS: &[&str] = &[
        "市人大常委会",
        "执法检查组",
        "代表联络站",
        "基层立法联系点",
        "预算审查",
        "专题询问",
        "民生实事",
        "营商环境",
        "乡村振兴",
        "生态环境",
        "养老服务",
        "学前教育",
        "物业管理",
        "食品安全",
        "安全生产",
        "城市更新",
        "法规草案",
        "审议意见",
        "调研报告",
        "人民群众",
        "听取汇报",
        "实地察看",
        "座谈交流",
        "意见建议",
        "依法履职",
        "监督实效",
        "跟踪问效",
        "东城区",
        "西湖县",
        "南山县",
        "北山县",
        "高新区",
        "江滨街道",
        "青山村",
        "枫树湾",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    while out.len() < n {
        let i = out.len();
        let mut paras = Vec::new();
        for _ in 0..5 {
            let mut p = format!("{}月{}日，", next() % 12 + 1, next() % 28 + 1);
            for k in 0..14 {
                p.push_str(WORDS[next() % WORDS.len()]);
                p.push_str(if k % 4 == 3 { "，" } else { "" });
                p.push_str(&format!("{}", next() % 1000));
            }
            p.push('。');
            paras.push(p);
        }
        out.push((
            format!("第{i}号：{}工作推进会召开", WORDS[next() % WORDS.len()]),
            paras,
        ));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes the site under `root/site/`: list_0.html … and a/N.html.
fn site(root: &Path, arts: &[(String, Vec<String>)]) {
    let dir = root.join("site");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    let pages = arts.len().div_ceil(20);
    for p in 0..pages {
        let mut html = String::from(
            "<html><head><meta charset=\"utf-8\"><title>人大要闻_江北人大网</title></head><body>\
             <div class=\"nav\"><a href=\"/\">首页</a><a href=\"/x\">人大要闻</a></div><ul class=\"news-list\">",
        );
        for (i, (title, _)) in arts.iter().enumerate().skip(p * 20).take(20) {
            html.push_str(&format!(
                "<li><a href=\"a/{i}.html\">{}</a></li>",
                esc(title)
            ));
        }
        html.push_str("</ul>");
        if p + 1 < pages {
            html.push_str(&format!(
                "<div class=\"page\"><a class=\"next\" href=\"list_{}.html\">下一页</a></div>",
                p + 1
            ));
        }
        html.push_str("</body></html>");
        std::fs::write(dir.join(format!("list_{p}.html")), html).unwrap();
    }
    for (i, (title, paras)) in arts.iter().enumerate() {
        let body: String = paras.iter().map(|p| format!("<p>{}</p>", esc(p))).collect();
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>{t}_江北人大网</title><script>var x=1;</script></head><body>\
             <div class=\"header\"><a href=\"/\">江北人大网</a></div><div class=\"nav\"><a href=\"/a\">首页</a><a href=\"/b\">人大要闻</a><a href=\"/c\">代表工作</a></div>\
             <div class=\"article\"><h1 class=\"title\">{t}</h1><div class=\"info\">发布时间：2026-11-{d:02} 09:30　来源：江北人大网　作者：王明</div>\
             <div class=\"content\">{body}</div><div class=\"share\">分享到：微信 微博</div>\
             <div class=\"pn\">上一篇：<a href=\"{prev}.html\">上一篇标题</a></div></div>\
             <div class=\"footer\">版权所有 江北市人大常委会办公室</div></body></html>",
            t = esc(title),
            d = i % 28 + 1,
            prev = i.saturating_sub(1)
        );
        std::fs::write(dir.join("a").join(format!("{i}.html")), html).unwrap();
    }
}

fn project(root: &Path, starts: &[String], fetch: &str, max_pages: usize) {
    std::fs::write(root.join("caibian.toml"), "").unwrap();
    std::fs::create_dir_all(root.join("pipelines")).unwrap();
    let mut p = format!("steps = [\"collect\"]\n{fetch}\n");
    for (i, s) in starts.iter().enumerate() {
        p.push_str(&format!(
            "[[sources]]\ntype = \"web\"\nname = \"s{i}\"\nstart = [\"{s}\"]\nlinks = \"ul.news-list a\"\nnext = \"a.next\"\nmax_pages = {max_pages}\nmax_articles = 100000\n\n"
        ));
    }
    std::fs::write(root.join("pipelines/news.toml"), p).unwrap();
}

/// Runs the pipeline; returns (seconds, peak RSS of the child in MB, pages taken in: new
/// plus duplicates plus filtered).
fn run(root: &Path) -> (f64, f64, u64) {
    let t = Instant::now();
    let out = Command::new(BIN)
        .args(["-q", "run", "news", "--json"])
        .current_dir(root)
        .output()
        .expect("run caibian");
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let c = &v[0]["counts"];
    let n = ["new", "duplicate", "skipped"]
        .iter()
        .map(|k| c[*k].as_u64().unwrap_or(0))
        .sum();
    if c["duplicate"].as_u64().unwrap_or(0) > 0 {
        eprintln!(
            "  ({} of the pages were duplicates of others)",
            c["duplicate"]
        );
    }
    (secs, child_peak_mb(), n)
}

/// Peak RSS of the largest child so far (getrusage keeps the maximum over waited children,
/// so runs go from small to large).
fn child_peak_mb() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let n = env("CAIBIAN_BENCH_N", 2000);
    let runs = env("CAIBIAN_BENCH_RUNS", 3);
    let polite_n = env("CAIBIAN_BENCH_POLITE_N", 10);
    let arts = articles(n);
    let src = if std::env::var("CAIBIAN_CORPUS").is_ok() {
        "corpus"
    } else {
        "generated"
    };
    let work = tempfile::tempdir().unwrap();
    site(work.path(), &arts);
    let srv = fixture::builder().root(work.path().join("site")).start();
    let off = "[fetch]\ndelay_seconds = 0\nper_host_concurrency = 16\nrobots = false\n";

    // 1. End to end, politeness off, at N/4 and N pages.
    for size in [n / 4, n] {
        let mut rates = Vec::new();
        let mut peak = 0.0;
        for _ in 0..runs {
            let p = tempfile::tempdir().unwrap();
            project(p.path(), &[srv.url("/list_0.html")], off, size.div_ceil(20));
            let (secs, mb, new) = run(p.path());
            assert_eq!(new as usize, size, "pages taken in");
            rates.push(size as f64 / secs);
            peak = mb;
        }
        println!(
            "collect, politeness off: {size} pages ({src}) — median {:.0} pages/s over {runs} runs; peak RSS {peak:.0} MB",
            median(rates)
        );
    }

    // 2. Extraction alone.
    let pages: Vec<Vec<u8>> = (0..n)
        .map(|i| std::fs::read(work.path().join("site/a").join(format!("{i}.html"))).unwrap())
        .collect();
    let url = reqwest::Url::parse("http://bench.example/a/1.html").unwrap();
    let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let mut rates = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut chars = 0usize;
        for b in &pages {
            let meta = html_charset(b);
            let (text, _) = decode_named(b, &[meta.as_deref()]).unwrap();
            chars += extract(&text, &url, None, offset).body.len();
        }
        assert!(chars > 0);
        rates.push(n as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "extraction alone (decode + generic extractor, one thread): median {:.0} pages/s",
        median(rates)
    );

    // 3. Politeness on: 1 s per host, 4 hosts.
    if polite_n > 0 {
        // Four different sites (distinct articles), one per loopback address, listed as the
        // start pages of one source so their per-host delays overlap.
        let more = articles(n + 4 * polite_n);
        let hosts: Vec<fixture::Fixture> = (0..4)
            .map(|h| {
                let root = work.path().join(format!("polite{h}"));
                std::fs::create_dir_all(&root).unwrap();
                let start = n + h * polite_n;
                site(&root, &more[start..start + polite_n]);
                fixture::builder()
                    .root(root.join("site"))
                    .host(&format!("127.0.0.{}", h + 1))
                    .start()
            })
            .collect();
        let p = tempfile::tempdir().unwrap();
        let starts: Vec<String> = hosts.iter().map(|h| h.url("/list_0.html")).collect();
        let starts_toml = starts
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(p.path().join("caibian.toml"), "").unwrap();
        std::fs::create_dir_all(p.path().join("pipelines")).unwrap();
        std::fs::write(
            p.path().join("pipelines/news.toml"),
            format!(
                "steps = [\"collect\"]\n[fetch]\ndelay_seconds = 1.0\nper_host_concurrency = 2\n\n\
                 [[sources]]\ntype = \"web\"\nname = \"four\"\nstart = [{starts_toml}]\nlinks = \"ul.news-list a\"\nmax_pages = 1\n"
            ),
        )
        .unwrap();
        let (secs, mb, new) = run(p.path());
        assert_eq!(new as usize, 4 * polite_n);
        let requests: usize = hosts.iter().map(|h| h.log().len()).sum();
        println!(
            "collect, 1 s per-host delay over 4 hosts: {new} pages ({requests} requests incl. robots.txt and list pages) in {secs:.1} s = {:.1} pages/s; peak RSS {mb:.0} MB",
            new as f64 / secs
        );
    }
}
