//! Editorial value on a labelled set (tests/fixtures/value/items.jsonl): fresh, on-topic,
//! substantive items must outrank stale, thin, off-topic and near-duplicate ones, and every
//! score must come with its breakdown.

use std::path::Path;

use caibian::config::Config;
use caibian::score::value::{ValueSettings, score};
use caibian::store::{ItemKind, NewItem, Store, Stored};

#[test]
fn good_items_outrank_stale_thin_off_topic_and_duplicate_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::parse(
        Path::new("caibian.toml"),
        r#"[[units]]
name = "东城区人大常委会"
type = "县区人大"
[[units]]
name = "西湖县人大常委会"
type = "县区人大"
[[units]]
name = "南山县人大常委会"
type = "县区人大"
[[units]]
name = "市人大常委会法制工作委员会"
type = "工作机构"
[[units]]
name = "东湖街道代表联络站"
type = "代表联络站"

[value.focus]
"执法检查" = 3
"代表建议" = 2
"营商环境" = 2
"预算审查" = 2
"基层立法联系点" = 2
"民生实事" = 1
"#,
    )
    .unwrap();
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    store.sync_units(&cfg.units).unwrap();
    // Store every item as submitted, in file order (originals before their copies):
    // near-duplicate linking is off so the copies are there to be scored.
    store.set_near_threshold(None);
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/value/items.jsonl"),
    )
    .unwrap();
    let mut items = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let item = NewItem {
            kind: Some(ItemKind::Submission),
            unit: Some(s("unit")),
            title: s("title"),
            body: s("body"),
            written_at: Some(s("date")),
            ..NewItem::default()
        };
        let Stored::New(id) = store.store_item(&item, None, "test", None).unwrap() else {
            panic!("{} stored twice", s("id"));
        };
        items.push((s("id"), s("label"), s("why"), id));
    }
    assert!(items.len() >= 30);
    let settings: ValueSettings = cfg.value.clone();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let mut scored = Vec::new();
    for (name, label, why, id) in &items {
        let v = score(&store, &settings, id, today).unwrap().unwrap();
        // Every score has its named parts, and they add up (capped duplicates aside).
        assert_eq!(v.parts.iter().filter(|p| p.weight > 0.0).count(), 5);
        let sum: f64 = v.parts.iter().map(|p| p.points).sum();
        if v.duplicate_of.is_none() {
            assert!((sum - v.total).abs() < 0.2, "{name}: {sum} vs {}", v.total);
        }
        scored.push((v.total, name.clone(), label.clone(), why.clone()));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, n, l, w) in &scored {
        println!("{t:5.1} {n} {l:4} {w}");
    }
    let worst_good = scored
        .iter()
        .filter(|s| s.2 == "good")
        .map(|s| s.0)
        .fold(f64::INFINITY, f64::min);
    let best_bad = scored
        .iter()
        .filter(|s| s.2 == "bad")
        .map(|s| s.0)
        .fold(0.0, f64::max);
    assert!(
        worst_good > best_bad,
        "lowest good {worst_good} <= highest bad {best_bad}"
    );
}
