//! The bundled sample project, end to end through the real binary: what the README's first
//! command shows a new user.

mod common;
use common::*;

#[test]
fn sample_run_stores_good_files_quarantines_bad_ones_and_is_idempotent() {
    let dir = sample_project();
    let p = dir.path();
    let out = ok(p, &["run"]);
    assert!(out.contains("完成。"), "{out}");

    let runs = json(p, &["runs", "--json", "-p", "inbox"]);
    let first = &runs[0]["counts"];
    assert_eq!(first["new"], 30, "{runs:#}");
    assert_eq!(first["duplicate"], 1, "{runs:#}");
    assert_eq!(first["quarantined"], 8, "{runs:#}");
    assert_eq!(first["failed"], 0, "{runs:#}");
    assert_eq!(runs[0]["status"], "ok");

    // Every broken sample is in quarantine next to a reason file that says what is wrong.
    let q = p.join("data/quarantine/units");
    let reason = |rel: &str| {
        std::fs::read_to_string(q.join(format!("{rel}.reason.txt")))
            .unwrap_or_else(|e| panic!("reason for {rel}: {e}"))
    };
    let expect = [
        ("西湖县人大/xihu-1115-caogao.md", "缺少标题"),
        (
            "北山县人大常委会开展代表小组活动.txt",
            "无法识别的报送单位「北山县人大常委会」",
        ),
        ("江北日报社/江北日报人大专版1125.docx", "文件损坏"),
        ("东湖街道代表联络站/扫描件.txt", "不是文本文件"),
        ("江北市人大常委会代表工作委员会/空白.md", "空文件"),
        ("法工委/文明行为促进条例立法后评估.md", "未知的键「auther」"),
        (
            "市人大财经委/国有资产报告审议意见落实情况跟踪.md",
            "键「tags」：类型错误",
        ),
        ("市人大财经委/统计表.xls", "不支持的文件格式「.xls」"),
    ];
    for (rel, why) in expect {
        assert!(q.join(rel).is_file(), "{rel} not quarantined");
        // The run's summary lists it with its reason.
        assert!(
            out.contains(&format!("    {rel} — ")),
            "{rel} missing from:\n{out}"
        );
        let r = reason(rel);
        assert!(r.contains(why), "{rel}: {r}");
        assert!(r.contains(&format!("文件：{rel}")), "{r}");
    }
    // Front-matter errors name the line too.
    assert!(reason("法工委/文明行为促进条例立法后评估.md").contains("第 "));

    // Copy mode: originals untouched, archived copies in processed/.
    let inbox = files_under(&p.join("samples/inbox"));
    assert_eq!(inbox.len(), 39);
    assert_eq!(files_under(&p.join("data/processed/units")).len(), 31);

    // The pipeline's index step built the search index up to the store's last change.
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("data/index/meta.json")).unwrap())
            .unwrap();
    let payload: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().expect("index payload")).unwrap();
    let conn = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let head: i64 = conn
        .query_row("SELECT max(seq) FROM item_changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(payload["seq"], head);
    assert!(out.contains("搜索索引已更新：30 篇"), "{out}");

    // The news pipeline read the offline sites: 16 congress articles from the congress's
    // site (2 staff-union notices and 1 internal page filtered out), the newspaper's one
    // congress story, its reprint linked to the original, its 2 other stories filtered out.
    let news = json(p, &["runs", "--json", "-p", "news"]);
    let c = &news[0]["counts"];
    assert_eq!(c["new"], 17, "{news:#}");
    assert_eq!(c["duplicate"], 1, "{news:#}");
    assert_eq!(c["skipped"], 5, "{news:#}");
    assert_eq!(news[0]["status"], "ok", "{news:#}");
    assert!(out.contains("搜索索引已更新：17 篇"), "{out}");
    // The score step ranked the inbox: the listing is sorted by value, with reasons.
    assert!(out.contains("已评估"), "{out}");
    let inbox = json(p, &["inbox", "--json", "-n", "100"]);
    let totals: Vec<f64> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["total"].as_f64().unwrap())
        .collect();
    assert!(totals.len() >= 40, "{}", totals.len());
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let explain = ok(
        p,
        &["score", inbox[0]["item_id"].as_str().unwrap(), "--explain"],
    );
    assert!(
        explain.contains("时效") && explain.contains("重点") && explain.contains("新颖"),
        "{explain}"
    );
    let hits = json(p, &["search", "基层立法联系点", "类型:新闻", "--json"]);
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");

    // A second run adds nothing.
    ok(p, &["run"]);
    let runs = json(p, &["runs", "--json", "-p", "inbox"]);
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let second = &runs[0]["counts"];
    assert_eq!(second["new"], 0);
    assert_eq!(second["duplicate"], 0);
    assert_eq!(second["quarantined"], 0);
    assert_eq!(second["skipped"], 39);
    let news = json(p, &["runs", "--json", "-p", "news"]);
    assert_eq!(news[0]["counts"]["new"], 0, "{news:#}");
    assert_eq!(news[0]["counts"]["duplicate"], 0, "{news:#}");
    let items = json(p, &["items", "--json", "-n", "1000"]);
    let items = items.as_array().unwrap();
    assert_eq!(
        items.iter().filter(|i| i["kind"] == "submission").count(),
        30
    );
    assert_eq!(items.iter().filter(|i| i["kind"] == "news").count(), 17);

    // Each item points at its archived original.
    let conn = rusqlite::Connection::open(p.join("data/caibian.sqlite")).unwrap();
    let mut st = conn
        .prepare("SELECT raw_path FROM items WHERE kind = 'submission'")
        .unwrap();
    let raws: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(raws.len(), 30);
    for r in raws {
        assert!(r.starts_with("data/processed/units/"), "{r}");
        assert!(p.join(&r).is_file(), "{r}");
    }
}

#[test]
fn items_carry_units_authors_and_shares() {
    let dir = sample_project();
    let p = dir.path();
    ok(p, &["run", "-q"]);
    let items = json(p, &["items", "--json", "-n", "1000"]);
    let items: Vec<_> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "submission")
        .collect();
    // Every stored submission resolved to a registered unit, and shares of each item sum to 1.
    for it in &items {
        assert!(it["unit"].is_string(), "{it}");
        let authors = it["authors"].as_array().unwrap();
        if !authors.is_empty() {
            let sum: f64 = authors.iter().map(|a| a["share"].as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-6, "{it}");
        }
    }
    // The GBK text file came out clean (its title is real Chinese, not mojibake).
    let gbk = items
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains("预算"))
        .expect("GBK sample stored");
    assert_eq!(gbk["unit"], "西湖县人大常委会");
    // A co-written item across two units keeps each writer's unit.
    let cross = items
        .iter()
        .find(|i| {
            let a = i["authors"].as_array().unwrap();
            a.iter()
                .any(|x| x["unit"] != i["unit"] && x["unit"].is_string())
        })
        .expect("a cross-unit co-written sample");
    assert!(cross["authors"].as_array().unwrap().len() >= 2);
}

#[test]
fn move_mode_empties_the_inbox_and_a_redropped_file_is_a_duplicate() {
    let dir = sample_project();
    let p = dir.path();
    std::fs::write(
        p.join("pipelines/inbox.toml"),
        "[[sources]]\ntype = \"inbox\"\nname = \"units\"\npath = \"samples/inbox\"\n",
    )
    .unwrap();
    let before = files_under(&p.join("samples/inbox"));
    ok(p, &["run", "-q"]);
    assert!(files_under(&p.join("samples/inbox")).is_empty());
    let processed = files_under(&p.join("data/processed/units"));
    let quarantined: Vec<_> = files_under(&p.join("data/quarantine/units"))
        .into_iter()
        .filter(|f| !f.ends_with(".reason.txt"))
        .collect();
    // Nothing lost: every original is in exactly one of the two places.
    let mut all = processed.clone();
    all.extend(quarantined);
    all.sort();
    assert_eq!(all, before);

    // The same file dropped in again is recorded as a duplicate and archived beside the first.
    let f = "法工委/法工委召开立法协商座谈会.txt";
    std::fs::copy(
        p.join("data/processed/units").join(f),
        p.join("samples/inbox/法工委-again.txt"),
    )
    .unwrap();
    // (without its folder the file still names its unit in the header block)
    ok(p, &["run", "-q"]);
    let runs = json(p, &["runs", "--json", "-p", "inbox"]);
    assert_eq!(runs[0]["counts"]["duplicate"], 1, "{runs:#}");
    assert_eq!(runs[0]["counts"]["new"], 0, "{runs:#}");
}
