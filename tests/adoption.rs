//! Adoption (采用) and 批示 records through the real binary on the sample project.

mod common;
use common::*;

fn first_item(p: &std::path::Path, unit: &str) -> String {
    let items = json(p, &["items", "--json", "-n", "1000"]);
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["unit"] == unit)
        .unwrap_or_else(|| panic!("an item of {unit}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn adoptions_and_instructions_are_recorded_listed_and_checked() {
    let dir = sample_project();
    let p = dir.path();
    ok(p, &["run", "-q"]);
    let id = first_item(p, "东城区人大常委会");

    let out = ok(
        p,
        &[
            "adopt",
            &id,
            "--by",
            "《江北人大》",
            "--level",
            "市",
            "--medium",
            "刊物",
            "--how",
            "全文",
            "--date",
            "2026年11月20日",
            "--issue",
            "2026年第6期",
            "--front-page",
            "--evidence",
            "第3版",
        ],
    );
    assert!(out.contains("已记录采用"), "{out}");
    // The same adoption again is refused, with the reason.
    let again = caibian(
        p,
        &[
            "adopt",
            &id,
            "--by",
            "《江北人大》",
            "--level",
            "市",
            "--medium",
            "刊物",
            "--date",
            "2026-11-20",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("已经有了"), "{}", stderr(&again));

    // A combined adoption credits every named unit (aliases resolve).
    ok(
        p,
        &[
            "adopt",
            &id,
            "--by",
            "江北日报",
            "--level",
            "市",
            "--medium",
            "报纸",
            "--how",
            "综合",
            "--date",
            "2026-11-22",
            "--credit",
            "东城区人大",
            "--credit",
            "西湖县人大",
        ],
    );
    ok(
        p,
        &[
            "instruct",
            &id,
            "--level",
            "省",
            "--leader",
            "省人大常委会副主任",
            "--date",
            "2026-11-25",
            "--note",
            "值得推广",
        ],
    );

    let v = json(p, &["adoptions", &id, "--json"]);
    let a = v["adoptions"].as_array().unwrap();
    assert_eq!(a.len(), 2, "{v}");
    assert_eq!(a[0]["outlet"], "江北日报");
    assert_eq!(a[0]["how"], "综合");
    assert_eq!(
        a[0]["credits"],
        serde_json::json!(["东城区人大常委会", "西湖县人大常委会"])
    );
    assert_eq!(a[1]["adopted_on"], "2026-11-20");
    assert_eq!(a[1]["front_page"], true);
    assert_eq!(a[1]["medium"], "magazine");
    assert_eq!(a[1]["credits"], serde_json::json!(["东城区人大常委会"]));
    assert_eq!(v["instructions"][0]["level"], "省");
    // The item is now 已采用, and the listing shows the records.
    let items = json(p, &["items", "--json", "-n", "1000"]);
    let it = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap();
    assert_eq!(it["status"], "adopted");
    let table = ok(p, &["adoptions"]);
    assert!(
        table.contains("江北日报") && table.contains("批示记录"),
        "{table}"
    );

    // Bad input: clear Chinese messages, exit 1, nothing recorded.
    for (args, says) in [
        (
            vec![
                "adopt", &id, "--by", "x", "--level", "乡", "--medium", "报纸",
            ],
            "未知的级别",
        ),
        (
            vec![
                "adopt", &id, "--by", "x", "--level", "市", "--medium", "微博",
            ],
            "未知的媒体类型",
        ),
        (
            vec![
                "adopt", &id, "--by", "x", "--level", "市", "--medium", "报纸", "--how", "部分",
            ],
            "未知的采用方式",
        ),
        (
            vec![
                "adopt", &id, "--by", "x", "--level", "市", "--medium", "报纸", "--date", "昨天",
            ],
            "无法识别",
        ),
        (
            vec![
                "adopt",
                &id,
                "--by",
                "x",
                "--level",
                "市",
                "--medium",
                "报纸",
                "--credit",
                "火星人大",
            ],
            "未登记的单位",
        ),
        (
            vec![
                "adopt",
                "nosuchitem",
                "--by",
                "x",
                "--level",
                "市",
                "--medium",
                "报纸",
            ],
            "nosuchitem",
        ),
        (vec!["instruct", &id, "--level", "村"], "未知的级别"),
    ] {
        let o = caibian(p, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let v = json(p, &["adoptions", "--json"]);
    assert_eq!(v["adoptions"].as_array().unwrap().len(), 2);

    // News has no reporting unit: an adoption of it must name the unit to credit.
    let news = json(p, &["items", "--json", "-n", "1000"]);
    let news_id = news
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "news")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = caibian(
        p,
        &[
            "adopt", &news_id, "--by", "x", "--level", "省", "--medium", "网站",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--credit"), "{}", stderr(&o));
}
