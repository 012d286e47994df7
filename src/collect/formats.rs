//! The inbox file formats: Markdown with front matter, plain text, Word .docx and HTML.
//! Each reads bytes into a [`Draft`]; the checks common to all live in `draft.rs`.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decode;
use super::docx;
use super::draft::{AuthorsField, DateText, Draft, Genre, Reject, header_line};
use crate::diag::{self, FileError};

/// The front matter of a Markdown submission (between `+++` lines as TOML, or `---` lines as
/// YAML). Only these keys are allowed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Title. If absent, the first `# heading` of the body is the title.
    #[serde(default)]
    pub title: Option<String>,
    /// Reporting unit (canonical name or alias). If absent, the folder name is used.
    #[serde(default)]
    pub unit: Option<String>,
    /// Writers: "张三、李四", or a list of names or { name, unit, share } tables.
    #[serde(default)]
    pub authors: Option<AuthorsField>,
    /// Date written.
    #[serde(default)]
    pub date: Option<DateText>,
    /// When the unit submitted it.
    #[serde(default)]
    pub submitted: Option<DateText>,
    /// Section (栏目) suggested by the unit.
    #[serde(default)]
    pub section: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// 信息 (default), 调研 or 宣传稿.
    #[serde(default)]
    pub genre: Option<Genre>,
}

/// Formats the inbox reads, by file extension.
pub const EXTENSIONS: [&str; 6] = ["md", "markdown", "txt", "docx", "html", "htm"];

/// Reads one file into a draft.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Draft, Reject> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !EXTENSIONS.contains(&ext.as_str()) {
        let shown = if ext.is_empty() {
            "无扩展名".to_string()
        } else {
            format!(".{ext}")
        };
        return Err(Reject::Unsupported(shown));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Reject::Empty);
    }
    match ext.as_str() {
        "md" | "markdown" => markdown(path, &decode::decode(bytes, None)?),
        "txt" => Ok(plain_text(path, &decode::decode(bytes, None)?)?),
        "docx" => docx_file(path, bytes),
        _ => {
            let declared = decode::html_charset(bytes);
            html(path, &decode::decode(bytes, declared.as_deref())?)
        }
    }
}

fn lines_of(text: &str) -> Vec<&str> {
    text.lines().map(|l| l.trim_end_matches('\r')).collect()
}

/// Markdown with optional TOML (`+++`) or YAML (`---`) front matter.
pub fn markdown(path: &Path, text: &str) -> Result<Draft, Reject> {
    let text = text.trim_start_matches('\u{feff}');
    let lines = lines_of(text);
    let fence = lines.first().map(|l| l.trim()).unwrap_or("");
    if fence != "+++" && fence != "---" {
        let mut d = Draft::default();
        markdown_body(path, text, &mut d, 1)?;
        return Ok(d);
    }
    let Some(end) = lines.iter().skip(1).position(|l| l.trim() == fence) else {
        return Err(Reject::Field(
            FileError::new(path, format!("front matter 没有结束行「{fence}」")).at_line(Some(1)),
        ));
    };
    let end = end + 1; // index of the closing fence
    let fm_text = lines[1..end].join("\n");
    let fm: FrontMatter = if fence == "+++" {
        diag::from_toml(path, &fm_text, 2)
    } else if fm_text.trim().is_empty() {
        Ok(FrontMatter::default())
    } else {
        diag::from_yaml(path, &fm_text, 2)
    }
    .map_err(Reject::Field)?;
    let body = lines[end + 1..].join("\n");
    let mut d = Draft {
        title: fm.title.filter(|t| !t.trim().is_empty()),
        unit: fm.unit,
        authors: fm.authors.map(AuthorsField::into_specs).unwrap_or_default(),
        date: fm.date.map(|d| d.0),
        submitted: fm.submitted.map(|d| d.0),
        section: fm.section,
        tags: fm.tags,
        summary: fm.summary,
        genre: fm.genre,
        body: String::new(),
    };
    if d.title.is_none() {
        markdown_body(path, &body, &mut d, end + 2)?;
    } else {
        d.body = strip_leading_heading(&body, d.title.as_deref().unwrap_or_default());
    }
    Ok(d)
}

/// A front-matter title is often repeated as the body's first heading; keep it once.
fn strip_leading_heading(body: &str, title: &str) -> String {
    let trimmed = body.trim_start();
    if let Some(first) = trimmed.lines().next()
        && let Some(h) = first.strip_prefix("# ")
        && h.trim() == title.trim()
    {
        return trimmed[first.len()..].trim_start().to_string();
    }
    body.trim().to_string()
}

/// Markdown without front matter (also what HTML converts to): the first `# ` heading is the
/// title, then header lines (报送单位：…) may follow, then the body.
fn markdown_body(path: &Path, text: &str, d: &mut Draft, first_line: usize) -> Result<(), Reject> {
    let lines = lines_of(text);
    let mut i = 0;
    if d.title.is_none() {
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        // Without a heading the title stays missing (HTML may still fill it from <title>).
        if let Some(h) = lines.get(i).and_then(|l| l.trim().strip_prefix("# ")) {
            d.title = Some(h.trim().to_string());
            i += 1;
        }
    }
    i = header_block(path, &lines, i, d, first_line, true)?;
    d.body = lines[i..].join("\n").trim().to_string();
    Ok(())
}

/// Applies header lines from `lines[start..]`; returns the index of the first body line.
/// With `skip_blank`, blank lines between header lines are allowed (Markdown paragraphs).
fn header_block(
    path: &Path,
    lines: &[&str],
    start: usize,
    d: &mut Draft,
    first_line: usize,
    skip_blank: bool,
) -> Result<usize, Reject> {
    let mut i = start;
    let mut body_start = start;
    while i < lines.len() {
        let l = lines[i];
        if l.trim().is_empty() {
            if !skip_blank && i > start {
                break;
            }
            i += 1;
            continue;
        }
        match header_line(l) {
            Some((key, value)) => {
                d.apply_header(path, Some(first_line + i), key, &value)?;
                i += 1;
                body_start = i;
            }
            None => break,
        }
    }
    Ok(body_start)
}

/// Plain text: first non-empty line is the title, then an optional header block ending at a
/// blank line, then one paragraph per line.
pub fn plain_text(path: &Path, text: &str) -> Result<Draft, Reject> {
    let text = text.trim_start_matches('\u{feff}');
    let lines = lines_of(text);
    let mut d = Draft::default();
    let mut i = 0;
    while i < lines.len() && clean_line(lines[i]).is_empty() {
        i += 1;
    }
    let Some(title) = lines.get(i) else {
        return Err(Reject::Empty);
    };
    if header_line(title).is_some() {
        // A header line where the title should be: the title is missing.
        return Err(Reject::MissingTitle);
    }
    d.title = Some(clean_line(title).to_string());
    i = header_block(path, &lines, i + 1, &mut d, 1, false)?;
    let paras: Vec<String> = lines[i..]
        .iter()
        .map(|l| clean_line(l))
        .filter(|l| !l.is_empty())
        .map(escape_markdown_line)
        .collect();
    d.body = paras.join("\n\n");
    Ok(d)
}

fn clean_line(l: &str) -> &str {
    l.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// Plain text is not Markdown: a line starting with `#`, `-`, `>` or `1.` must stay text.
fn escape_markdown_line(l: &str) -> String {
    let first = l.chars().next();
    let needs = matches!(first, Some('#' | '>' | '-' | '+' | '*' | '|'))
        || l.split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if needs {
        format!("\\{l}")
    } else {
        l.to_string()
    }
}

fn docx_file(path: &Path, bytes: &[u8]) -> Result<Draft, Reject> {
    let blocks = docx::read_docx(bytes).map_err(|e| Reject::Corrupt(e.to_string()))?;
    let mut d = Draft::default();
    let mut rest = blocks.as_slice();
    // Title: the first Title/heading block, or else the first paragraph.
    // Title: a Title/heading block among the first few, else the first paragraph that is not
    // a header line (报送单位：… may come before the title).
    let title_idx = rest
        .iter()
        .position(|b| matches!(b.kind, docx::BlockKind::Title | docx::BlockKind::Heading(_)))
        .filter(|&i| i <= 2)
        .or_else(|| rest.iter().position(|b| header_line(&b.text).is_none()))
        .unwrap_or(0);
    let Some(title) = rest.get(title_idx) else {
        return Err(Reject::MissingTitle);
    };
    if header_line(&title.text).is_some() {
        return Err(Reject::MissingTitle);
    }
    d.title = Some(title.text.trim().to_string());
    // Anything above the title (e.g. a 报送单位 line) is header material too.
    let (before, after) = rest.split_at(title_idx);
    for b in before {
        if let Some((k, v)) = header_line(&b.text) {
            d.apply_header(path, None, k, &v)?;
        }
    }
    rest = &after[1..];
    while let Some(b) = rest.first() {
        match (&b.kind, header_line(&b.text)) {
            (docx::BlockKind::Paragraph, Some((k, v))) => {
                d.apply_header(path, None, k, &v)?;
                rest = &rest[1..];
            }
            _ => break,
        }
    }
    d.body = docx::blocks_to_markdown(rest);
    Ok(d)
}

/// HTML: converted to Markdown (scripts, styles and navigation dropped), then read like
/// Markdown; `<title>` and `<meta name="author">` fill what the body does not say.
pub fn html(path: &Path, text: &str) -> Result<Draft, Reject> {
    let doc = scraper::Html::parse_document(text);
    let pick = |sel: &str| -> Option<String> {
        let s = scraper::Selector::parse(sel).ok()?;
        doc.select(&s).next().map(|e| {
            e.value()
                .attr("content")
                .map(str::to_string)
                .unwrap_or_else(|| e.text().collect::<String>())
        })
    };
    let head_title = pick("title").map(|t| t.trim().to_string());
    let meta_author = pick("meta[name=author]");
    let body_html = {
        let s = scraper::Selector::parse("body").ok();
        s.and_then(|s| doc.select(&s).next().map(|b| b.inner_html()))
            .unwrap_or_else(|| text.to_string())
    };
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "script", "style", "nav", "header", "footer", "noscript", "iframe", "form",
        ])
        .build();
    let md = converter
        .convert(&body_html)
        .map_err(|e| Reject::Corrupt(format!("文件损坏：HTML 无法解析（{e}）")))?;
    // Saved pages carry navigation before the article: start at the first top heading.
    let md = match md.lines().position(|l| l.starts_with("# ")) {
        Some(i) => md.lines().skip(i).collect::<Vec<_>>().join("\n"),
        None => md,
    };
    let mut d = Draft::default();
    markdown_body(path, &md, &mut d, 1)?;
    if d.title.is_none() {
        d.title = head_title
            .map(|t| strip_site_suffix(&t))
            .filter(|t| !t.is_empty());
    }
    if d.authors.is_empty()
        && let Some(a) = meta_author.filter(|a| !a.trim().is_empty())
    {
        d.authors = super::draft::parse_authors(&a);
    }
    Ok(d)
}

/// "标题 - 江北人大网" / "标题_江北人大网" → "标题".
fn strip_site_suffix(t: &str) -> String {
    let t = t.trim();
    for sep in [" - ", "_", " | ", "｜", " — "] {
        if let Some(i) = t.rfind(sep)
            && i > 0
        {
            return t[..i].trim().to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter() {
        let t = "+++\ntitle = \"标题\"\nunit = \"西湖县人大\"\nauthors = [{ name = \"张三\", share = 0.6 }, \"李四\"]\ndate = 2026-11-20\ntags = [\"执法检查\"]\n+++\n\n# 标题\n\n正文**加粗**。\n";
        let d = markdown(Path::new("a.md"), t).unwrap();
        assert_eq!(d.title.as_deref(), Some("标题"));
        assert_eq!(d.date.as_deref(), Some("2026-11-20"));
        assert_eq!(d.authors.len(), 2);
        assert_eq!(d.authors[0].share, Some(0.6));
        assert_eq!(d.body, "正文**加粗**。");
    }

    #[test]
    fn yaml_front_matter_errors_name_the_line() {
        let t = "---\ntitle: 标题\ndate: 明天\n---\n正文\n";
        let Err(Reject::Field(e)) = markdown(Path::new("b.md"), t) else {
            panic!()
        };
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(e.key.as_deref(), Some("date"));
        assert!(e.message.contains("无法识别的日期「明天」"), "{e}");

        let t = "+++\ntitle = \"标题\"\nauther = \"王五\"\n+++\n正文\n";
        let Err(Reject::Field(e)) = markdown(Path::new("c.md"), t) else {
            panic!()
        };
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("未知的键「auther」"), "{e}");

        let t = "+++\ntitle = \"x\"\nauthors = 5\n+++\n正文\n";
        let Err(Reject::Field(e)) = markdown(Path::new("d.md"), t) else {
            panic!()
        };
        assert!(e.message.contains("作者列表"), "{e}");
    }

    #[test]
    fn plain_text_header_block() {
        let t = "\u{feff}关于开展执法检查的情况\r\n报送单位：西湖县人大\r\n撰稿人：张三、李四\r\n日期：2026年11月3日\r\n\r\n　　第一段。\r\n# 第二段以井号开头\r\n";
        let d = plain_text(Path::new("x.txt"), t).unwrap();
        assert_eq!(d.title.as_deref(), Some("关于开展执法检查的情况"));
        assert_eq!(d.unit.as_deref(), Some("西湖县人大"));
        assert_eq!(d.authors.len(), 2);
        assert_eq!(d.date.as_deref(), Some("2026-11-03"));
        assert_eq!(d.body, "第一段。\n\n\\# 第二段以井号开头");
    }

    #[test]
    fn html_page() {
        let h = "<html><head><title>页面标题</title><meta name=\"author\" content=\"王五\"><script>alert(1)</script></head><body><nav>首页</nav><div>江北人大网 | 立法之窗</div><h1>会议召开</h1><p><b>报送单位</b>：财经委</p><p>会议听取了报告。</p><ul><li>一</li><li>二</li></ul></body></html>";
        let d = html(Path::new("p.html"), h).unwrap();
        assert_eq!(d.title.as_deref(), Some("会议召开"));
        assert_eq!(d.unit.as_deref(), Some("财经委"));
        assert_eq!(d.authors[0].name, "王五");
        assert!(d.body.contains("会议听取了报告。"), "{}", d.body);
        assert!(
            !d.body.contains("首页") && !d.body.contains("alert"),
            "{}",
            d.body
        );
    }

    #[test]
    fn dispatch_rejects() {
        assert_eq!(
            read(Path::new("a.xls"), b"x"),
            Err(Reject::Unsupported(".xls".into()))
        );
        assert_eq!(read(Path::new("a.md"), b"  \n"), Err(Reject::Empty));
        assert!(matches!(
            read(Path::new("a.txt"), &[0, 159, 146, 150]),
            Err(Reject::Binary(_))
        ));
    }
}
