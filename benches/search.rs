//! Search benchmark: indexing throughput, index size, and query latency (p50/p99) over a fixed
//! query set, with and without a filter, facets and snippets included.
//!
//! Items come from `CAIBIAN_CORPUS` — a JSON-lines file (optionally .gz) with `title`,
//! `content_text`, `pub_time`, `tags`, such as the 75,806-item 新闻联播 corpus — or, without
//! it, are generated. `CAIBIAN_BENCH_N` items are indexed (the corpus is cycled to reach it;
//! default 10000). Run: `cargo bench --bench search`.

use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use caibian::config::Registry;
use caibian::index::{IndexDoc, OfficeDict, SearchIndex, SearchRequest};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

fn load(n: usize) -> Vec<IndexDoc> {
    let mut base = Vec::new();
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
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let date = NaiveDateTime::parse_from_str(&s("pub_time"), "%Y-%m-%d %H:%M:%S")
                .ok()
                .and_then(|t| chrono_tz::Asia::Shanghai.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(Utc::now);
            base.push(IndexDoc {
                id: s("id"),
                kind: "news".into(),
                unit: Some(s("source")).filter(|x| !x.is_empty()),
                section: v["tags"][0].as_str().map(str::to_string),
                status: "archived".into(),
                title: s("title"),
                body: s("content_text"),
                date,
            });
            if base.len() >= n {
                break;
            }
        }
    }
    if base.is_empty() {
        base = synthetic(n.min(20_000));
    }
    let mut out = Vec::with_capacity(n);
    let mut round = 0;
    while out.len() < n {
        for d in &base {
            if out.len() >= n {
                break;
            }
            let mut d = d.clone();
            if round > 0 {
                d.id = format!("{}-{round}", d.id);
            }
            out.push(d);
        }
        round += 1;
    }
    out
}

fn synthetic(n: usize) -> Vec<IndexDoc> {
    const W: &[&str] = &[
        "执法检查",
        "人大代表",
        "乡村振兴",
        "营商环境",
        "常委会",
        "审议",
        "报告",
        "监督",
        "代表建议",
        "预算",
        "调研",
        "座谈会",
        "街道",
        "社区",
        "经济",
        "发展",
        "改革",
        "法治",
        "民生",
        "会议",
    ];
    let mut x: u64 = 7;
    let mut next = |m: usize| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 33) % m as u64) as usize
    };
    (0..n)
        .map(|i| {
            let mut body = String::new();
            for _ in 0..120 {
                body.push_str(W[next(W.len())]);
                body.push_str(["，", "。", "的", "和"][next(4)]);
            }
            IndexDoc {
                id: format!("s{i}"),
                kind: "submission".into(),
                unit: Some(format!("第{}单位", i % 30)),
                section: Some(format!("栏目{}", i % 7)),
                status: "new".into(),
                title: format!("{}{}{}", W[next(W.len())], W[next(W.len())], i),
                body,
                date: DateTime::from_timestamp(1_600_000_000 + (i as i64) * 3600, 0)
                    .unwrap_or_else(Utc::now),
            }
        })
        .collect()
}

const QUERIES: &[&str] = &[
    "执法检查",
    "人大代表",
    "乡村振兴",
    "营商环境",
    "农村人居环境整治",
    "一带一路",
    "脱贫攻坚",
    "改革开放",
    "疫情防控",
    "经济 发展",
    "\"全国人民代表大会\"",
    "代表 -会议",
    "经济 OR 民生",
    "桥岭街道",
    "法治",
    "高质量发展",
    "国务院 常务会议",
    "生态环境保护",
    "科技创新",
    "表",
];

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: usize = std::env::var("CAIBIAN_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let docs = load(n);
    let bytes: usize = docs.iter().map(|d| d.title.len() + d.body.len()).sum();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut idx =
        SearchIndex::open(&dir.path().join("index"), OfficeDict::default()).expect("index");
    let t = Instant::now();
    let w = idx.writer().expect("writer");
    for d in &docs {
        idx.add(&w, d, false).expect("add");
    }
    idx.commit(w, 1).expect("commit");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "index: {} items ({:.1} MB of text) in {:.2} s = {:.0} items/s, {:.1} MB/s; index size {:.1} MB",
        docs.len(),
        bytes as f64 / 1e6,
        secs,
        docs.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        idx.size_on_disk() as f64 / 1e6
    );

    let reg = Registry::default();
    // Recall against plain substring search over the same items.
    let mut checks = Vec::new();
    for w in [
        "乡村振兴",
        "营商环境",
        "农村人居环境整治",
        "执法检查",
        "桥岭街道",
        "代表",
        "人大常委会",
    ] {
        let expected = docs
            .iter()
            .filter(|d| d.title.contains(w) || d.body.contains(w))
            .count();
        let got = idx
            .search(&SearchRequest::new(&format!("\"{w}\"")), &reg)
            .expect("search")
            .total;
        checks.push(format!("{w} {got}/{expected}"));
        assert_eq!(got, expected, "recall for {w}");
    }
    println!("recall (hits/substring matches): {}", checks.join(", "));
    for (label, filter) in [
        ("no filter", ""),
        ("filter 日期:2018..2022", " 日期:2018..2022"),
    ] {
        let mut lat = Vec::new();
        let mut per_query: Vec<(f64, &str, usize)> = Vec::new();
        let mut hits = 0;
        for round in 0..6 {
            for q in QUERIES {
                let req = SearchRequest::new(&format!("{q}{filter}"));
                let t = Instant::now();
                let r = idx.search(&req, &reg).expect("search");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if round > 0 {
                    lat.push(ms); // round 0 warms the caches
                    hits += r.total;
                    per_query.push((ms, q, r.total));
                }
            }
        }
        lat.sort_by(f64::total_cmp);
        per_query.sort_by(|a, b| b.0.total_cmp(&a.0));
        per_query.dedup_by(|a, b| a.1 == b.1);
        let slowest: Vec<String> = per_query
            .iter()
            .take(4)
            .map(|(ms, q, n)| format!("{q} {ms:.1} ms/{n} hits"))
            .collect();
        println!(
            "query ({label}, facets + 10 snippets): {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} hits in all); slowest: {}",
            lat.len(),
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            lat[lat.len() - 1],
            hits,
            slowest.join(", ")
        );
    }
}
