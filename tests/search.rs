//! Search: recall equals substring search, title matches rank first, filters and facets,
//! synonyms without re-indexing, a deleted index is rebuilt, malformed queries never panic.

mod common;
use common::*;

use caibian::config::{Config, UnitDef, UnitKind};
use caibian::index::{OfficeDict, SearchIndex, SearchRequest, Sort};
use caibian::store::{Author, NewItem, Status, Store};

/// Deterministic pseudo-random numbers (no dependency, same sequence everywhere).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const PHRASES: &[&str] = &[
    "执法检查",
    "执法检查组",
    "大气污染防治法",
    "人大代表",
    "代表建议",
    "营商环境",
    "乡村振兴",
    "常委会组成人员",
    "专题询问",
    "预算联网监督",
    "桥岭",
    "街道",
    "农村人居环境整治",
    "听取",
    "审议",
    "报告",
    "代表",
    "表决",
    "一府一委两院",
    "基层立法联系点",
    "GDP",
    "5G基站",
    "会议",
    "人民代表大会常务委员会",
    "人大常委会",
    "监督",
    "调研",
    "座谈会",
];
const GLUE: &[&str] = &[
    "，", "。", "、", "的", "和", "开展", "推动", "了", "在", " ", "\n\n", "；", "（", "）",
];

fn text(rng: &mut Lcg, parts: usize) -> String {
    let mut s = String::new();
    for _ in 0..parts {
        s.push_str(PHRASES[rng.next(PHRASES.len())]);
        s.push_str(GLUE[rng.next(GLUE.len())]);
    }
    s
}

const UNITS: [&str; 3] = ["甲县人大常委会", "乙区人大常委会", "丙县人大常委会"];

fn corpus(n: usize) -> Vec<NewItem> {
    let mut rng = Lcg(20261128);
    (0..n)
        .map(|i| NewItem {
            unit: Some(UNITS[i % 3].to_string()),
            title: format!("{}{}", text(&mut rng, 2).replace(['\n', ' '], ""), i),
            body: text(&mut rng, 40),
            written_at: Some(format!("202{}-0{}-1{}", 3 + i % 4, 1 + i % 9, i % 10)),
            section: Some(["监督视窗", "立法之窗"][i % 2].to_string()),
            authors: vec![Author {
                name: "张三".into(),
                unit: None,
                share: 1.0,
            }],
            ..Default::default()
        })
        .collect()
}

fn setup(n: usize) -> (tempfile::TempDir, Store, SearchIndex, Config, Vec<NewItem>) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let units: Vec<UnitDef> = UNITS
        .iter()
        .map(|u| UnitDef {
            name: u.to_string(),
            kind: UnitKind::CountyCongress,
            aliases: vec![u.replace("常委会", "")],
        })
        .collect();
    store.sync_units(&units).unwrap();
    let items = corpus(n);
    for it in &items {
        store.store_item(it, None, "test", None).unwrap();
    }
    let cfg = Config::parse(
        std::path::Path::new("caibian.toml"),
        "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\naliases = [\"甲县人大\"]\n",
    )
    .unwrap();
    let mut idx = SearchIndex::open(&dir.path().join("index"), OfficeDict::default()).unwrap();
    idx.update(&store, chrono_tz::Asia::Shanghai).unwrap();
    (dir, store, idx, cfg, items)
}

fn search_all(idx: &SearchIndex, cfg: &Config, q: &str) -> caibian::index::SearchResults {
    let mut req = SearchRequest::new(q);
    req.limit = 10_000;
    idx.search(&req, &cfg.registry()).unwrap()
}

#[test]
fn hits_equal_substring_matches_and_titles_rank_first() {
    let (_d, _s, idx, cfg, items) = setup(600);
    let mut words: Vec<String> = PHRASES.iter().map(|s| s.to_string()).collect();
    // Single characters, pieces across word boundaries, things that cross punctuation.
    words.extend(
        [
            "表",
            "检",
            "法检",
            "查组",
            "组成",
            "联络站",
            "代表大",
            "会常务",
            "桥岭街道",
            "建议，",
            "gdp",
            "5g",
            "基站",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for w in &words {
        let lw = w.to_lowercase();
        let contains = |s: &str| s.to_lowercase().contains(lw.trim_end_matches('，'));
        let expected = items
            .iter()
            .filter(|it| contains(&it.title) || contains(&it.body))
            .count();
        let res = search_all(&idx, &cfg, &format!("\"{w}\""));
        assert_eq!(res.total, expected, "「{w}」: {:?}", res.warnings);
        assert_eq!(res.hits.len(), expected);
        // Title matches first.
        let in_title: Vec<bool> = res.hits.iter().map(|h| contains(&h.title.text)).collect();
        let first_body_only = in_title.iter().position(|t| !t).unwrap_or(in_title.len());
        assert!(
            in_title[first_body_only..].iter().all(|t| !t),
            "「{w}」: title hits not first"
        );
    }
    // Punctuation and spaces inside a phrase stand for any such separator, never for
    // nothing: "报告。表决" finds 报告，表决 and 报告 表决 but not 报告表决.
    let separated = |s: &str| {
        s.match_indices("报告").any(|(i, _)| {
            let rest = &s[i + "报告".len()..];
            let sep = rest.chars().take_while(|c| !c.is_alphanumeric()).count();
            sep > 0
                && rest
                    .chars()
                    .skip(sep)
                    .collect::<String>()
                    .starts_with("表决")
        })
    };
    let res = search_all(&idx, &cfg, "\"报告。表决\"");
    let expected = items
        .iter()
        .filter(|it| separated(&it.title) || separated(&it.body))
        .count();
    assert!(expected > 0);
    assert_eq!(res.total, expected);
    let glued = items
        .iter()
        .filter(|it| it.title.contains("报告表决") || it.body.contains("报告表决"))
        .count();
    assert_eq!(search_all(&idx, &cfg, "报告表决").total, glued);
}

#[test]
fn filters_exclusion_or_paging_and_facets() {
    let (_d, mut store, mut idx, cfg, items) = setup(300);
    let has = |it: &NewItem, w: &str| it.title.contains(w) || it.body.contains(w);
    // AND, exclusion, OR.
    let res = search_all(&idx, &cfg, "执法检查 -座谈会 专题询问 OR 预算联网监督");
    let expected = items
        .iter()
        .filter(|it| {
            has(it, "执法检查")
                && !has(it, "座谈会")
                && (has(it, "专题询问") || has(it, "预算联网监督"))
        })
        .count();
    assert_eq!(res.total, expected);
    // Unit filter by alias; facets count the whole result.
    let res = search_all(&idx, &cfg, "监督 单位:甲县人大");
    assert!(
        res.hits
            .iter()
            .all(|h| h.unit.as_deref() == Some("甲县人大常委会"))
    );
    let expected = items
        .iter()
        .filter(|it| has(it, "监督") && it.unit.as_deref() == Some("甲县人大常委会"))
        .count();
    assert_eq!(res.total, expected);
    assert_eq!(
        res.facets.unit,
        vec![("甲县人大常委会".to_string(), expected as u64)]
    );
    let by_section: u64 = res.facets.section.iter().map(|(_, n)| n).sum();
    assert_eq!(by_section, expected as u64);
    // Date range: written dates 2023–2026; 2024 only.
    let res = search_all(&idx, &cfg, "会议 日期:2024");
    let expected = items
        .iter()
        .filter(|it| {
            has(it, "会议")
                && it
                    .written_at
                    .as_deref()
                    .is_some_and(|d| d.starts_with("2024"))
        })
        .count();
    assert_eq!(res.total, expected);
    assert!(res.facets.year.iter().all(|(y, _)| y == "2024"));
    // Paging: consecutive pages do not overlap and cover the result.
    let all = search_all(&idx, &cfg, "代表");
    let mut seen = Vec::new();
    for page in 0..(all.total.div_ceil(7)) {
        let mut req = SearchRequest::new("代表");
        req.offset = page * 7;
        req.limit = 7;
        seen.extend(
            idx.search(&req, &cfg.registry())
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.id),
        );
    }
    let ids: Vec<String> = all.hits.iter().map(|h| h.id.clone()).collect();
    assert_eq!(seen, ids);
    // Sort by date: newest first.
    let mut req = SearchRequest::new("代表");
    req.sort = Sort::Date;
    req.limit = 50;
    let dated = idx.search(&req, &cfg.registry()).unwrap();
    assert!(dated.hits.windows(2).all(|w| w[0].date >= w[1].date));

    // A status change reaches the index on the next update, without a rebuild.
    let id = all.hits[0].id.clone();
    store
        .set_status(&id, Status::Adopted, "编辑", None)
        .unwrap();
    let report = idx.update(&store, chrono_tz::Asia::Shanghai).unwrap();
    assert_eq!((report.indexed, report.rebuilt), (1, false));
    let res = search_all(&idx, &cfg, "状态:已采用");
    assert_eq!(
        res.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
}

#[test]
fn malformed_queries_never_panic() {
    let (_d, _s, idx, cfg, items) = setup(50);
    let long = "人大".repeat(5_000);
    for q in [
        "\"未闭合",
        "OR",
        "-",
        "- OR -",
        "单位:",
        "日期:2024-13",
        "\"\"",
        "（）：；",
        &long,
        "a OR OR b",
        "-执法检查",
        "状态:不存在 代表",
        "类型:新闻",
        "6.5",
        "\"人大 会\"",
        "GDP增长6.5",
        "5%",
        "$",
        "x.cn/a",
        "\"A，B\"",
        "表 -表",
        "😀",
        "\\",
        "(",
        "[",
        "*",
    ] {
        let res = search_all(&idx, &cfg, q);
        assert!(res.hits.len() == res.total.min(10_000), "{q}");
        if q == "-执法检查" {
            // Only an exclusion: nothing positive to search.
            assert_eq!(res.total, 0);
            assert!(!res.warnings.is_empty());
        }
    }
    // A query ending in a one-character run after a separator is a phrase with a prefix.
    let res = search_all(&idx, &cfg, "\"人大 会\"");
    let expected = items
        .iter()
        .filter(|it| {
            let sep = |s: &str| {
                s.match_indices("人大").any(|(i, _)| {
                    let rest = &s[i + "人大".len()..];
                    let n = rest.chars().take_while(|c| !c.is_alphanumeric()).count();
                    n > 0 && rest.chars().nth(n) == Some('会')
                })
            };
            sep(&it.title) || sep(&it.body)
        })
        .count();
    assert_eq!(res.total, expected);
    let res = search_all(&idx, &cfg, &long);
    assert!(res.warnings.iter().any(|w| w.contains("查询过长")));
    // Absurd paging is clamped, not attempted.
    let mut req = SearchRequest::new("代表");
    req.offset = usize::MAX / 2;
    req.limit = usize::MAX;
    let res = idx.search(&req, &cfg.registry()).unwrap();
    assert!(res.hits.is_empty());
    assert!(res.total > 0);
}

#[test]
fn cli_synonyms_apply_without_reindex_and_a_deleted_index_is_rebuilt() {
    let dir = sample_project();
    let p = dir.path();
    std::fs::create_dir_all(p.join("dict")).unwrap();
    std::fs::write(p.join("dict/office.txt"), "").unwrap();
    ok(p, &["run", "-q"]);
    let total = |q: &str| json(p, &["search", q, "--json"])["total"].as_u64().unwrap();
    let a = total("人大常委会");
    let b = total("人民代表大会常务委员会");
    let both = total("人大常委会 OR 人民代表大会常务委员会");
    assert!(a > 0 && b > 0 && both < a + b, "{a} {b} {both}");
    let meta = std::fs::read(p.join("data/index/meta.json")).unwrap();

    std::fs::write(
        p.join("dict/office.txt"),
        "人大常委会 = 人民代表大会常务委员会\n",
    )
    .unwrap();
    assert_eq!(total("人大常委会"), both);
    assert_eq!(total("人民代表大会常务委员会"), both);
    // Quotes mean exactly these characters: no expansion.
    assert_eq!(total("\"人大常委会\""), a);
    assert_eq!(
        std::fs::read(p.join("data/index/meta.json")).unwrap(),
        meta,
        "index was rewritten"
    );

    let before = json(p, &["search", "执法检查", "--json"]);
    std::fs::remove_dir_all(p.join("data/index")).unwrap();
    let after = json(p, &["search", "执法检查", "--json"]);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&before), ids(&after));
    assert!(after["total"].as_u64().unwrap() > 0);

    // A corrupt index is rebuilt too.
    std::fs::write(p.join("data/index/meta.json"), b"{ not json").unwrap();
    let again = json(p, &["search", "执法检查", "--json"]);
    assert_eq!(ids(&again), ids(&before));

    // So is one whose segment files were damaged behind its back.
    for e in std::fs::read_dir(p.join("data/index")).unwrap() {
        let path = e.unwrap().path();
        if path
            .extension()
            .is_some_and(|x| x == "idx" || x == "store" || x == "pos")
        {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    let again = json(p, &["search", "执法检查", "--json"]);
    assert_eq!(ids(&again), ids(&before));

    // Flags filter like the query language; absurd pages are fine.
    let all = json(
        p,
        &[
            "search",
            "代表 类型:报送 状态:新收 日期:2026",
            "--json",
            "--per-page",
            "100",
        ],
    );
    assert!(all["total"].as_u64().unwrap() > 0, "{all}");
    let only = json(
        p,
        &[
            "search",
            "代表",
            "--json",
            "--kind",
            "报送",
            "--status",
            "新收",
            "--date",
            "2026",
            "--per-page",
            "100",
        ],
    );
    assert_eq!(only["total"], all["total"]);
    let none = json(p, &["search", "代表", "--json", "--status", "已采用"]);
    assert_eq!(none["total"], 0);
    let far = json(p, &["search", "代表", "--json", "--page", "99999999999999"]);
    assert!(far["hits"].as_array().unwrap().is_empty());
    let bad = caibian(p, &["search", "代表", "--kind", "图片"]);
    assert_eq!(bad.status.code(), Some(1));

    // Human output marks the matched words.
    let out = ok(p, &["search", "执法检查", "单位:东城区人大"]);
    assert!(out.contains("【执法检查】"), "{out}");
    assert!(out.contains("按单位：东城区人大常委会"), "{out}");
}

#[test]
fn dates_and_years_follow_the_project_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let item = |title: &str, written: &str| NewItem {
        title: title.into(),
        body: "代表接待日".into(),
        written_at: Some(written.into()),
        ..Default::default()
    };
    // Just after and just before local midnight on New Year's Eve (UTC+8): in UTC both are
    // on 31 December 2023.
    store
        .store_item(&item("新年第一篇", "2024-01-01 00:30"), None, "t", None)
        .unwrap();
    store
        .store_item(&item("旧年最后一篇", "2023-12-31 23:59"), None, "t", None)
        .unwrap();
    let cfg = Config::parse(std::path::Path::new("caibian.toml"), "").unwrap();
    let mut idx = SearchIndex::open(&dir.path().join("index"), OfficeDict::default()).unwrap();
    idx.update(&store, chrono_tz::Asia::Shanghai).unwrap();
    let res = search_all(&idx, &cfg, "代表 日期:2024");
    assert_eq!(
        res.hits
            .iter()
            .map(|h| h.title.text.as_str())
            .collect::<Vec<_>>(),
        ["新年第一篇"]
    );
    let all = search_all(&idx, &cfg, "代表");
    assert_eq!(
        all.facets.year,
        vec![("2024".to_string(), 1), ("2023".to_string(), 1)]
    );
    let res = search_all(&idx, &cfg, "代表 日期:..2023-12-31");
    assert_eq!(
        res.hits
            .iter()
            .map(|h| h.title.text.as_str())
            .collect::<Vec<_>>(),
        ["旧年最后一篇"]
    );
}
