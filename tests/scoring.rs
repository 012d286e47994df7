//! Assessment points from the shipped presets (R1–R4), checked against hand-computed totals,
//! through the real binary: adoption and 批示 records → rule table → ledger → ranking.

mod common;
use common::*;

use std::path::Path;

/// `n` pseudo-random Han characters (distinct texts, never near-duplicates of each other).
fn text(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from_u32(0x4e00 + ((x >> 33) % 3000) as u32).unwrap()
        })
        .collect()
}

/// Three units (and a newspaper), three items with known units, writers, genres and
/// lengths, and a year of adoption and 批示 records.
fn project() -> (tempfile::TempDir, [String; 3]) {
    let dir = inbox_project(
        r#"[[units]]
name = "甲县人大常委会"
type = "县区人大"
aliases = ["甲县人大"]

[[units]]
name = "乙县人大常委会"
type = "县区人大"
aliases = ["乙县人大"]

[[units]]
name = "丙工委"
type = "工作机构"

[[units]]
name = "江北日报社"
type = "媒体"
"#,
    );
    let p = dir.path();
    let md = |name: &str, front: &str, body: String| {
        std::fs::write(
            p.join("inbox").join(name),
            format!("+++\n{front}\n+++\n\n{body}\n"),
        )
        .unwrap();
    };
    md(
        "a.md",
        "title = \"甲县信息一则\"\nunit = \"甲县人大\"\nauthors = \"张三\"\ngenre = \"信息\"",
        text(1, 300),
    );
    md(
        "b.md",
        "title = \"乙县调研报告\"\nunit = \"乙县人大\"\nauthors = \"李四\"\ngenre = \"调研\"",
        text(2, 600),
    );
    md(
        "c.md",
        "title = \"甲乙两县合写稿\"\nunit = \"甲县人大\"\nauthors = [{ name = \"张三\", share = 0.6 }, { name = \"王五\", unit = \"乙县人大\", share = 0.4 }]\ngenre = \"信息\"",
        text(3, 150),
    );
    ok(p, &["run", "-q"]);
    let items = json(p, &["items", "--json"]);
    let id = |t: &str| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == t)
            .unwrap_or_else(|| panic!("{t} stored: {items}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let [a, b, c] = [id("甲县信息一则"), id("乙县调研报告"), id("甲乙两县合写稿")];
    let adopt = |args: &[&str]| ok(p, &[&["adopt"][..], args].concat());
    adopt(&[
        &a,
        "--by",
        "《江北信息》",
        "--level",
        "市",
        "--medium",
        "简报",
        "--date",
        "2026-02-10",
    ]);
    adopt(&[
        &a,
        "--by",
        "江北省报",
        "--level",
        "省",
        "--medium",
        "报纸",
        "--date",
        "2026-05-06",
    ]);
    adopt(&[
        &a,
        "--by",
        "《信息快讯》",
        "--level",
        "市",
        "--medium",
        "简报",
        "--how",
        "综合",
        "--date",
        "2026-06-01",
        "--credit",
        "甲县人大",
        "--credit",
        "乙县人大",
    ]);
    adopt(&[
        &b,
        "--by",
        "《江北人大》",
        "--level",
        "市",
        "--medium",
        "刊物",
        "--date",
        "2026-04-01",
    ]);
    adopt(&[
        &c,
        "--by",
        "《中国人大》",
        "--level",
        "国家",
        "--medium",
        "刊物",
        "--date",
        "2026-11-02",
        "--front-page",
    ]);
    ok(
        p,
        &["instruct", &a, "--level", "省", "--date", "2026-05-20"],
    );
    (dir, [a, b, c])
}

fn totals(p: &Path, writer: bool) -> Vec<(String, f64)> {
    // Settled on a fixed day, so quarterly base points, quotas and deadlines do not depend
    // on when the tests run.
    let mut args = vec![
        "rank",
        "--period",
        "2026",
        "--as-of",
        "2026-11-28",
        "--json",
    ];
    if writer {
        args.push("--writer");
    }
    let v = json(p, &args);
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["points"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn t(v: &[(&str, f64)]) -> Vec<(String, f64)> {
    v.iter().map(|(n, x)| (n.to_string(), *x)).collect()
}

#[test]
fn presets_give_the_hand_computed_points() {
    let (dir, _) = project();
    let p = dir.path();
    // No rule table yet: a clear message.
    let o = caibian(p, &["rank", "--period", "2026"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("rules --init"), "{}", stderr(&o));

    // R1: 市 5 (调研 15), 省 15, 国家 30; a 省 批示 doubles the item's points.
    // a: 市 5×2 + 省 15×2 to 甲, 综合 (市) 5×2 to 甲 and 乙; b: 调研 15 to 乙;
    // c: 国家 30 split 60/40 between 甲 and 乙.
    ok(p, &["rules", "--init", "R1", "--year", "2026"]);
    assert_eq!(
        totals(p, false),
        t(&[("甲县人大常委会", 68.0), ("乙县人大常委会", 37.0)])
    );
    assert_eq!(
        totals(p, true),
        t(&[("张三", 58.0), ("李四", 15.0), ("王五", 12.0)])
    );

    // Every total is the sum of its traced lines, and each line names record and rule.
    let v = json(p, &["points", "--year", "2026", "--json"]);
    for total in v["totals"].as_array().unwrap() {
        let sum: f64 = v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["unit"] == total["name"])
            .map(|l| l["points"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - total["points"].as_f64().unwrap()).abs() < 1e-9,
            "{total}"
        );
    }
    let explain = ok(p, &["points", "甲县人大", "--year", "2026", "--explain"]);
    assert!(
        explain.contains("省级批示") && explain.contains("adoption["),
        "{explain}"
    );

    // Changing a weight recomputes history: 市 5 → 6.
    let path = p.join("rules/2026.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("level = \"市\"\npoints = 5", "level = \"市\"\npoints = 6");
    std::fs::write(&path, text).unwrap();
    assert_eq!(
        totals(p, false),
        t(&[("甲县人大常委会", 72.0), ("乙县人大常委会", 39.0)])
    );

    // R2: quarterly base 6 for every non-media unit (4 quarters); 市 15 / 省 30 (调研 30/50),
    // 国家 30; 省 批示 +40 to the item's unit; a quota of 3 submissions a quarter, -1 for
    // each one short: no unit submitted anything in the three quarters ended by 2026-11-28
    // (the items were submitted when the test ran), so -9 each.
    std::fs::remove_file(&path).unwrap();
    ok(p, &["rules", "--init", "R2", "--year", "2026"]);
    assert_eq!(
        totals(p, false),
        t(&[
            ("甲县人大常委会", 133.0),
            ("乙县人大常委会", 72.0),
            ("丙工委", 15.0)
        ])
    );

    // R3: 综合 3 per credited unit, 市 10, 省 40, 国家 80; only 市 批示 add (a's is 省).
    std::fs::remove_file(&path).unwrap();
    ok(p, &["rules", "--init", "R3", "--year", "2026"]);
    assert_eq!(
        totals(p, false),
        t(&[("甲县人大常委会", 101.0), ("乙县人大常委会", 45.0)])
    );

    // R4: per piece by outlet and length, the highest adoption only: a (300 chars) 省 200;
    // c (150 chars) 《中国人大》 <200 → 100, split 60/40.
    std::fs::remove_file(&path).unwrap();
    ok(p, &["rules", "--init", "R4", "--year", "2026"]);
    assert_eq!(
        totals(p, false),
        t(&[("甲县人大常委会", 260.0), ("乙县人大常委会", 40.0)])
    );
}

#[test]
fn rankings_by_period_csv_and_bad_rules() {
    let (dir, _) = project();
    let p = dir.path();
    ok(p, &["rules", "--init", "R1", "--year", "2026"]);
    // Second quarter only: a's 省 adoption (15×2) and the 综合 (5×2) to 甲 = 40; b's 15 and
    // the 综合 10 to 乙 = 25. Counts by level and method come along.
    let v = json(p, &["rank", "--period", "2026-Q2", "--json"]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "甲县人大常委会", "{v}");
    assert_eq!(rows[0]["points"], 40.0, "{v}");
    assert_eq!(rows[0]["by_level"]["省"], 1, "{v}");
    assert_eq!(rows[1]["points"], 25.0, "{v}");
    assert_eq!(rows[1]["by_how"]["综合"], 1, "{v}");
    assert_eq!(
        (rows[0]["rank"].as_u64(), rows[1]["rank"].as_u64()),
        (Some(1), Some(2))
    );
    let csv = p.join("通报.csv");
    let o = caibian(
        p,
        &["rank", "--period", "2026", "--csv", csv.to_str().unwrap()],
    );
    assert!(o.status.success());
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with("\u{feff}名次,单位".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("甲县人大常委会") && text.contains("2026年"),
        "{text}"
    );
    let table = ok(p, &["rank", "--period", "2026"]);
    assert!(table.contains("积分排名（2026年）"), "{table}");

    // A broken rule table names the file, key and problem.
    std::fs::write(
        p.join("rules/2026.toml"),
        "name = \"x\"\nyear = 2026\n[[adoption]]\nlevel = \"乡\"\npoints = 1\n",
    )
    .unwrap();
    let o = caibian(p, &["rank", "--period", "2026"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("2026.toml") && e.contains("adoption[0].level") && e.contains("未知的级别"),
        "{e}"
    );
    let o = caibian(p, &["rank", "--period", "2026-Q7"]);
    assert!(stderr(&o).contains("无法识别"), "{}", stderr(&o));
}

/// Caps per period, assignments (on time, late, missed, pending), quotas with a per-unit
/// exemption, hand-computed; then the Excel report, converted to PDF by LibreOffice.
#[test]
fn caps_assignments_quotas_and_the_excel_report() {
    let (dir, [a, b, _c]) = project();
    let p = dir.path();
    // One more submission from 甲, dated in the second quarter.
    std::fs::write(
        p.join("inbox/d.md"),
        format!(
            "+++\ntitle = \"甲县二季度信息\"\nunit = \"甲县人大\"\nsubmitted = 2026-05-08\n+++\n\n{}\n",
            text(4, 200)
        ),
    )
    .unwrap();
    ok(p, &["run", "-q"]);
    std::fs::create_dir_all(p.join("rules")).unwrap();
    std::fs::write(
        p.join("rules/2026.toml"),
        r#"name = "测试规则"
year = 2026

[[adoption]]
level = "市"
points = 10

[[adoption]]
level = "省"
points = 30

[[adoption]]
level = "国家"
points = 50

[[instruction]]
level = "省"
add = 40

[[assignment]]
important = true
on_time = 5
late = -20
missed = -20

[[assignment]]
on_time = 2
late = -1
missed = -1

[quota]
per = "quarter"
items = 1
per_missing = -2
units = { "丙工委" = 0 }

[[cap]]
per = "quarter"
points = 35
"#,
    )
    .unwrap();
    // 甲: an important piece delivered on time (+5), and one not yet due (nothing).
    // 乙: an ordinary piece delivered late (-1). 丙: an important piece never delivered (-20).
    ok(
        p,
        &[
            "assign",
            "new",
            "--unit",
            "甲县人大",
            "--title",
            "一季度重点工作",
            "--due",
            "2026-03-31",
            "--important",
        ],
    );
    ok(
        p,
        &[
            "assign",
            "new",
            "--unit",
            "乙县人大",
            "--title",
            "调研报告",
            "--due",
            "2026-06-30",
        ],
    );
    ok(
        p,
        &[
            "assign",
            "new",
            "--unit",
            "丙工委",
            "--title",
            "执法检查情况",
            "--due",
            "2026-09-30",
            "--important",
        ],
    );
    ok(
        p,
        &[
            "assign",
            "new",
            "--unit",
            "甲县人大",
            "--title",
            "年终总结",
            "--due",
            "2026-12-15",
        ],
    );
    ok(p, &["assign", "deliver", "1", &a, "--date", "2026-03-30"]);
    // The wrong unit's item, and a second delivery, are refused with the reason.
    let o = caibian(p, &["assign", "deliver", "2", &a]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("不是约稿 #2 的单位「乙县人大常委会」"),
        "{}",
        stderr(&o)
    );
    ok(p, &["assign", "deliver", "2", &b, "--date", "2026-07-05"]);
    let o = caibian(p, &["assign", "deliver", "2", &b]);
    assert!(stderr(&o).contains("已由稿件"), "{}", stderr(&o));
    let list = ok(p, &["assign", "list"]);
    assert!(
        list.contains("按时交稿") && list.contains("逾期交稿"),
        "{list}"
    );

    // 甲: Q1 市 10; Q2 省 30 + 综合 10 + 省 批示 40 = 80, capped at 35 (-45); Q4 国家 50 × 60%
    // = 30 → 75. Assignment +5. Quota: Q1 and Q3 short one each (Q2 has d) → -4. Total 76.
    // 乙: Q2 综合 10 + 市 10 = 20; Q4 50 × 40% = 20 → 40; late -1; quota Q1–Q3 -6 → 33.
    // 丙: missed -20, quota exempt → -20.
    assert_eq!(
        totals(p, false),
        t(&[
            ("甲县人大常委会", 76.0),
            ("乙县人大常委会", 33.0),
            ("丙工委", -20.0)
        ])
    );
    let explain = ok(
        p,
        &[
            "points",
            "甲县人大",
            "--year",
            "2026",
            "--as-of",
            "2026-11-28",
            "--explain",
        ],
    );
    assert!(
        explain.contains("封顶：2026年第2季度采用与批示得分 80，超过上限 35")
            && explain.contains("cap[0] 每季度上限 35 → -45")
            && explain.contains("约稿 #1（重要）：按时交稿")
            && explain.contains("2026年第3季度报送 0 篇，任务 1 篇，少 1 篇")
            && !explain.contains("约稿 #4"),
        "{explain}"
    );
    // A bad quota override names the file and key.
    let rules = p.join("rules/2026.toml");
    let good = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, good.replace("\"丙工委\" = 0", "\"丁工委\" = 0")).unwrap();
    let o = caibian(p, &["rank", "--period", "2026"]);
    assert!(
        stderr(&o).contains("2026.toml") && stderr(&o).contains("quota.units.丁工委"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&rules, good).unwrap();

    // The Excel report opens in LibreOffice and its Chinese text survives into the PDF.
    let xlsx = p.join("通报.xlsx");
    ok(
        p,
        &[
            "rank",
            "--period",
            "2026",
            "--as-of",
            "2026-11-28",
            "--xlsx",
            xlsx.to_str().unwrap(),
        ],
    );
    let out = p.join("pdf");
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", p.display());
    let conv = std::process::Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&xlsx)
        .output()
        .expect("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui");
    assert!(
        conv.status.success(),
        "{}",
        String::from_utf8_lossy(&conv.stderr)
    );
    let pdf = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(out.join("通报.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    let text = String::from_utf8_lossy(&pdf.stdout);
    for want in [
        "单位信息工作积分排名",
        "统计时间：2026年",
        "测试规则",
        "各级采用（篇）",
        "甲县人大常委会",
        "乙县人大常委会",
        "合计",
        "积分明细",
        "封顶",
        "逾期未交",
    ] {
        assert!(text.contains(want), "{want} missing from the PDF:\n{text}");
    }
    // The ranking row of 甲: rank 1, one 国家, one 省 and two 市 adoptions, 76 points.
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with('1') && l.contains("甲县人大常委会"))
        .unwrap_or_else(|| panic!("no ranking row for 甲:\n{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells.last(), Some(&"76"), "{row}");
}
