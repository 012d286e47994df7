//! Publications through the real binary on the sample project: compiling and publishing a
//! 40-article magazine issue (store, adoption records, ranking, site page, print edition
//! checked with pdftotext), bulletin numbering across years, revisions, combined pieces and
//! the one-issue-per-item rule.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

fn fail(dir: &Path, args: &[&str]) -> String {
    let o = caibian(dir, args);
    assert!(
        !o.status.success(),
        "caibian {args:?} should have failed:\n{}",
        stdout(&o)
    );
    stderr(&o)
}

/// Text with all whitespace removed (pdftotext breaks lines where the layout did).
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pdftotext(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn magazine_issue_of_40_articles_from_pool_to_print_and_site() {
    let dir = sample_project();
    let p = dir.path();
    ok(p, &["run", "-q"]);
    ok(p, &["rules", "--init", "R1", "--year", "2026"]);

    // The office starts using caibian at issue 6 of 2026; 总第 goes on from issues_before.
    let out = ok(
        p,
        &[
            "issue",
            "new",
            "人大建设",
            "--date",
            "2026-11-28",
            "--number",
            "6",
            "--note",
            "本期聚焦执法检查。",
        ],
    );
    assert!(
        out.contains("《人大建设》2026年第6期（总第187期）"),
        "{out}"
    );

    let pool = json(p, &["pool", "人大建设", "--all", "--json"]);
    let pool = pool.as_array().unwrap();
    assert!(pool.len() >= 40, "sample pool has {} items", pool.len());
    // Best editorial value first.
    let values: Vec<f64> = pool.iter().filter_map(|x| x["value"].as_f64()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    let ids: Vec<String> = pool[..40]
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    let mut args = vec!["issue", "add", "人大建设/2026-6"];
    args.extend(ids.iter().map(String::as_str));
    ok(p, &args);
    // Reorder: the last piece becomes the first of 理论研讨.
    let last = ids[39].as_str();
    ok(
        p,
        &[
            "issue",
            "move",
            "人大建设",
            last,
            "--column",
            "理论研讨",
            "--to",
            "1",
        ],
    );
    ok(p, &["issue", "set", "人大建设", "--lead", &ids[0]]);

    let show = json(p, &["issue", "show", "人大建设/2026-6", "--json"]);
    let entries = show["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 40);
    assert_eq!(
        show["pages_exact"], true,
        "a CJK font is needed (fonts-noto-cjk)"
    );
    let first_theory = entries.iter().find(|e| e["column"] == "理论研讨").unwrap();
    assert_eq!(first_theory["item_id"], last);
    let pages: Vec<u64> = entries
        .iter()
        .map(|e| e["page"].as_u64().unwrap())
        .collect();
    assert!(pages.windows(2).all(|w| w[0] <= w[1]), "{pages:?}");

    // The pool no longer offers them.
    let pool2 = json(p, &["pool", "人大建设", "--all", "--json"]);
    assert_eq!(pool2.as_array().unwrap().len(), pool.len() - 40);

    let out = ok(p, &["issue", "publish", "人大建设"]);
    assert!(out.contains("已出版"), "{out}");
    let pdf = p.join("data/issues/人大建设/2026-6.pdf");
    assert!(pdf.is_file(), "{out}");

    // The issue is in the store, published, and every piece has its adoption record.
    let list = json(p, &["issue", "list", "--json"]);
    let iss = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["publication"] == "人大建设")
        .unwrap();
    assert_eq!(iss["status"], "published");
    assert_eq!(iss["total"], 187);
    let adoptions = json(p, &["adoptions", "--json"]);
    let recs: Vec<&serde_json::Value> = adoptions["adoptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outlet"] == "《人大建设》" && a["issue"] == "2026年第6期")
        .collect();
    let mut adopted: Vec<&str> = recs
        .iter()
        .map(|a| a["item_id"].as_str().unwrap())
        .collect();
    adopted.sort();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(adopted, want);
    assert!(
        recs.iter()
            .all(|a| a["how"] == "全文" && a["adopted_on"] == "2026-11-28")
    );
    // The lead article is the issue's 头条 (front page in the rules).
    for a in &recs {
        assert_eq!(a["front_page"], a["item_id"] == ids[0].as_str(), "{a}");
    }
    // Points follow: a unit with pieces in the issue earns them under R1, line by line.
    let unit_of_first = pool[..40]
        .iter()
        .find_map(|x| x["unit"].as_str())
        .expect("a piece with a unit")
        .to_string();
    let explain = ok(p, &["points", &unit_of_first, "--explain"]);
    assert!(explain.contains("《人大建设》"), "{explain}");
    let rank = json(p, &["rank", "--period", "2026", "--json"]);
    let total: f64 = rank["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["points"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(total > 0.0, "{rank}");

    // Frozen: no edits except through a revision.
    let err = fail(
        p,
        &[
            "issue",
            "add",
            "人大建设/2026-6",
            pool[40]["id"].as_str().unwrap(),
        ],
    );
    assert!(err.contains("已出版") && err.contains("revise"), "{err}");
    let err = fail(p, &["issue", "remove", "人大建设/2026-6", &ids[1]]);
    assert!(err.contains("已出版"), "{err}");

    // The print edition: fonts embedded, Chinese text extractable, and every table of
    // contents entry's page number is the page where the article starts.
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).to_string();
    let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!font_rows.is_empty());
    for row in &font_rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(cols[n - 5], "yes", "font not embedded: {row}");
        assert_eq!(cols[n - 3], "yes", "font without ToUnicode: {row}");
    }
    let text = pdftotext(&pdf);
    let pages_text: Vec<&str> = text.split('\u{c}').collect();
    let page_count = pages_text.iter().filter(|t| !t.trim().is_empty()).count();
    assert_eq!(page_count as u64, show["pages"].as_u64().unwrap());
    let cover = squash(pages_text[0]);
    assert!(
        cover.contains("人大建设") && cover.contains("2026年第6期") && cover.contains("总第187期"),
        "{cover}"
    );
    let toc_end = pages.iter().min().copied().unwrap() as usize - 1;
    let toc = squash(&pages_text[1..toc_end].join(""));
    assert!(toc.contains("目录"), "{toc}");
    for (e, &pg) in entries.iter().zip(&pages) {
        let title = squash(e["title"].as_str().unwrap());
        // In the contents: the title, dot leaders, then its page number.
        let at = toc
            .find(&title)
            .unwrap_or_else(|| panic!("{title} not in the contents"));
        let after = &toc[at + title.len()..];
        let after = after.trim_start_matches('·');
        let num: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        assert_eq!(num, pg.to_string(), "contents page of {title}");
        // On that page: the title and the page's own number in the footer.
        let page = pages_text[pg as usize - 1];
        assert!(
            squash(page).contains(&title),
            "{title} does not start on page {pg}"
        );
        assert!(
            squash(page).contains(&format!("—{pg}—")),
            "page {pg} has no number {pg}"
        );
        // And not on the page before (it starts there).
        if pg as usize - 2 >= toc_end {
            let before = squash(pages_text[pg as usize - 2]);
            assert!(
                !before.contains(&title),
                "{title} already on page {}",
                pg - 1
            );
        }
    }
    // The site: the issue page with its contents, and each article linking back to it.
    ok(p, &["build"]);
    let public = p.join("data/public");
    let issue_page =
        std::fs::read_to_string(public.join("issues/人大建设/2026-6/index.html")).unwrap();
    assert!(issue_page.contains("《人大建设》2026年第6期"));
    assert!(issue_page.contains("总第187期"));
    for e in entries {
        assert!(
            issue_page.contains(e["title"].as_str().unwrap().split('“').next().unwrap()),
            "{} missing from the issue page",
            e["title"]
        );
    }
    let list_page = std::fs::read_to_string(public.join("issues/index.html")).unwrap();
    assert!(list_page.contains("2026年第6期"));
    let article = files_under(&public)
        .into_iter()
        .find(|f| f.ends_with(&format!("{}/index.html", ids[0])))
        .expect("the lead article has a page");
    let html = std::fs::read_to_string(public.join(article)).unwrap();
    assert!(
        html.contains("/issues/%E4%BA%BA%E5%A4%A7%E5%BB%BA%E8%AE%BE/2026-6/"),
        "the article links to its issue"
    );
}

#[test]
fn bulletin_numbering_revisions_combined_pieces_and_one_issue_per_item() {
    let dir = sample_project();
    let p = dir.path();
    ok(p, &["run", "-q"]);
    let pool = json(p, &["pool", "人大信息", "--all", "--json"]);
    let id = |i: usize| pool[i]["id"].as_str().unwrap().to_string();
    let unit = |i: usize| pool[i]["unit"].as_str().map(str::to_string);

    let a = ok(p, &["issue", "new", "人大信息", "--date", "2026-12-01"]);
    assert!(a.contains("《人大信息》2026年第1期（总第163期）"), "{a}");
    let b = ok(p, &["issue", "new", "人大信息", "--date", "2026-12-15"]);
    assert!(b.contains("2026年第2期（总第164期）"), "{b}");
    let c = ok(p, &["issue", "new", "人大信息", "--date", "2027-01-05"]);
    assert!(c.contains("《人大信息》2027年第1期（总第165期）"), "{c}");
    // Totals never run backwards: no new 2026 issue once 2027 has begun.
    let err = fail(p, &["issue", "new", "人大信息", "--date", "2026-12-20"]);
    assert!(err.contains("后一年的期次"), "{err}");
    let err = fail(
        p,
        &[
            "issue",
            "new",
            "人大信息",
            "--date",
            "2027-02-01",
            "--number",
            "1",
        ],
    );
    assert!(err.contains("第2期"), "{err}");

    ok(p, &["issue", "add", "人大信息/2026-1", &id(0), &id(1)]);
    // One issue per item and publication; the error names the issue.
    let err = fail(p, &["issue", "add", "人大信息/2026-2", &id(0)]);
    assert!(err.contains("《人大信息》2026年第1期"), "{err}");
    // …but the magazine may use it too.
    ok(p, &["issue", "new", "人大建设", "--date", "2026-12-01"]);
    ok(p, &["issue", "add", "人大建设", &id(0)]);

    // A combined piece credits each source's unit with a 综合 adoption.
    let (s1, s2) = {
        // Two sources from different units.
        let first = (2..pool.as_array().unwrap().len())
            .find(|&i| unit(i).is_some())
            .unwrap();
        let second = (first + 1..pool.as_array().unwrap().len())
            .find(|&i| unit(i).is_some() && unit(i) != unit(first))
            .unwrap();
        (first, second)
    };
    let out = ok(
        p,
        &[
            "issue",
            "combine",
            "人大信息/2026-2",
            "--title",
            "各地人大扎实推进代表建议办理",
            "--from",
            &format!("{},{}", id(s1), id(s2)),
        ],
    );
    assert!(out.contains("综合稿"), "{out}");
    let err = fail(p, &["issue", "add", "人大信息/2026-1", &id(s1)]);
    assert!(err.contains("《人大信息》2026年第2期"), "{err}");
    let adoptions = json(p, &["adoptions", "--json"]);
    let all = adoptions["adoptions"].as_array().unwrap().clone();
    let of = |item: &str, issue: &str| -> Vec<serde_json::Value> {
        all.iter()
            .filter(|a| {
                a["item_id"] == item && a["outlet"] == "《人大信息》" && a["issue"] == issue
            })
            .cloned()
            .collect()
    };
    let c1 = of(&id(s1), "2026年第2期");
    assert_eq!(c1.len(), 1);
    assert_eq!(c1[0]["how"], "综合");
    assert_eq!(c1[0]["credits"][0], unit(s1).unwrap().as_str());
    assert_eq!(
        of(&id(s2), "2026年第2期")[0]["credits"][0],
        unit(s2).unwrap().as_str()
    );

    // Taking a piece out of a draft removes its adoption again.
    let show = json(p, &["issue", "show", "人大信息/2026-2", "--json"]);
    let combined = show["entries"][0]["item_id"].as_str().unwrap().to_string();
    ok(p, &["issue", "remove", "人大信息/2026-2", &combined]);
    let adoptions = json(p, &["adoptions", "--json"]);
    let left = adoptions["adoptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["issue"] == "2026年第2期" && a["outlet"] == "《人大信息》")
        .count();
    assert_eq!(left, 0);

    // Publish, then correct through a revision that replaces it.
    ok(p, &["issue", "publish", "人大信息/2026-1"]);
    let pdf = p.join("data/issues/人大信息/2026-1.pdf");
    let text = squash(&pdftotext(&pdf));
    for want in [
        "人大信息",
        "第1期（总第163期）",
        "江北市人大常委会办公室编",
        "签发：王建国",
        "2026年12月1日",
        "本期要目",
        "报：省人大常委会办公厅",
        "（共印120份）",
        "—1—",
    ] {
        assert!(text.contains(want), "bulletin PDF lacks {want}: {text}");
    }
    let err = fail(p, &["issue", "add", "人大信息/2026-1", &id(2)]);
    assert!(err.contains("已出版"), "{err}");
    let err = fail(p, &["issue", "revise", "人大信息/2026-1", "--reason", " "]);
    assert!(err.contains("理由"), "{err}");
    ok(
        p,
        &["issue", "revise", "人大信息/2026-1", "--reason", "补登一篇"],
    );
    // While the revision is a draft, the published issue stands and its items stay taken.
    let err = fail(p, &["issue", "add", "人大信息/2026-2", &id(1)]);
    assert!(err.contains("2026年第1期"), "{err}");
    ok(p, &["issue", "add", "人大信息/2026-1", &id(2)]);
    ok(p, &["issue", "remove", "人大信息/2026-1", &id(1)]);
    // Adoptions change only when the revision is published.
    let before = json(p, &["adoptions", "--json"]);
    let taken = |v: &serde_json::Value, item: &str| {
        v["adoptions"].as_array().unwrap().iter().any(|a| {
            a["item_id"] == item && a["outlet"] == "《人大信息》" && a["issue"] == "2026年第1期"
        })
    };
    assert!(taken(&before, &id(1)) && !taken(&before, &id(2)));
    ok(p, &["issue", "publish", "人大信息/2026-1"]);
    assert!(p.join("data/issues/人大信息/2026-1-修订1.pdf").is_file());
    let list = json(p, &["issue", "list", "人大信息", "--json"]);
    let first = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["year"] == 2026 && i["number"] == 1)
        .unwrap();
    assert_eq!(first["revision"], 1);
    assert_eq!(first["status"], "published");
    let adoptions = json(p, &["adoptions", "--json"]);
    let recs = adoptions["adoptions"].as_array().unwrap();
    let in_first = |item: &str| {
        recs.iter().any(|a| {
            a["item_id"] == item && a["outlet"] == "《人大信息》" && a["issue"] == "2026年第1期"
        })
    };
    assert!(in_first(&id(0)) && in_first(&id(2)));
    assert!(
        !in_first(&id(1)),
        "the piece the revision dropped keeps no adoption"
    );
    // The dropped piece is back in the pool for the next issue.
    let pool = json(p, &["pool", "人大信息", "--all", "--json"]);
    assert!(
        pool.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id(1).as_str())
    );

    // Word export of the bulletin.
    let docx = p.join("b.docx");
    ok(
        p,
        &[
            "issue",
            "docx",
            "人大信息/2026-1",
            "-o",
            docx.to_str().unwrap(),
        ],
    );
    let f = std::fs::File::open(&docx).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("人大信息") && xml.contains("报：省人大常委会办公厅"),
        "{xml}"
    );
}
