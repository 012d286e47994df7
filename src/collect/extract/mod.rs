//! Article extraction: one HTML page in, title / publish time / 来源 / author / Markdown body
//! out. Per-site rules (CSS selectors) come first where a source declares them; every field
//! a rule does not give, or whose selector stopped matching, comes from the generic
//! extractor, and the misses are reported so source health can flag a redesign.
//!
//! The generic extractor scores text blocks the way Readability does (paragraph text and
//! Chinese punctuation raise a container's score, link-heavy and furniture-named containers
//! lower it), then reads the metadata from the zone between the title and the body, where
//! Chinese news and government templates put 发布时间/来源/作者 lines.

pub mod dates;
mod markdown;

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use reqwest::Url;
use schemars::JsonSchema;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};

pub use markdown::is_noise_line;

/// Optional CSS selectors for one site (`[sources.rules]` of a web source).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The article's title, e.g. "h1.title".
    #[serde(default)]
    pub title: Option<String>,
    /// An element whose text contains the publish time, e.g. ".info".
    #[serde(default)]
    pub date: Option<String>,
    /// The article body container(s), e.g. "div.content".
    #[serde(default)]
    pub body: Option<String>,
    /// An element whose text names the outlet (来源).
    #[serde(default)]
    pub source: Option<String>,
    /// An element whose text names the author(s).
    #[serde(default)]
    pub author: Option<String>,
}

/// Rules with their selectors parsed.
#[derive(Debug, Clone, Default)]
pub struct CompiledRules {
    title: Option<(String, Selector)>,
    date: Option<(String, Selector)>,
    body: Option<(String, Selector)>,
    source: Option<(String, Selector)>,
    author: Option<(String, Selector)>,
}

impl Rules {
    /// Parses every selector; the error names the field and the selector.
    pub fn compile(&self) -> Result<CompiledRules, String> {
        let c = |field: &str, s: &Option<String>| -> Result<Option<(String, Selector)>, String> {
            match s {
                None => Ok(None),
                Some(s) => Selector::parse(s)
                    .map(|sel| Some((s.clone(), sel)))
                    .map_err(|e| format!("rules.{field} 的 CSS 选择器「{s}」无效：{e}")),
            }
        };
        Ok(CompiledRules {
            title: c("title", &self.title)?,
            date: c("date", &self.date)?,
            body: c("body", &self.body)?,
            source: c("source", &self.source)?,
            author: c("author", &self.author)?,
        })
    }
}

/// What the extractor got from a page.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub title: String,
    /// Publish time in the project's time zone (midnight when only the day is shown).
    pub published: Option<DateTime<FixedOffset>>,
    /// False when the page shows only the day.
    #[serde(skip)]
    pub published_has_time: bool,
    /// 来源 as the page shows it.
    pub source: Option<String>,
    /// 作者 / 记者 / 责编, several joined with "、".
    pub author: Option<String>,
    /// Sanitised Markdown.
    pub body: String,
    /// Absolute URLs of the body's images.
    pub images: Vec<String>,
    /// Rule selectors that matched nothing on this page ("rules.body: div.content").
    #[serde(skip)]
    pub misses: Vec<String>,
    /// The article's own next page ("下一页" to `name_2.html`), for articles split over pages.
    #[serde(skip)]
    pub next_page: Option<Url>,
}

/// Extracts an article from `html` fetched from `url`. `offset` is the project's UTC offset,
/// used for times the page gives without one.
pub fn extract(
    html: &str,
    url: &Url,
    rules: Option<&CompiledRules>,
    offset: FixedOffset,
) -> Article {
    if let Some(depth) = too_deep(html) {
        // html5ever's tree building is quadratic in nesting depth (100,000 nested <div>s
        // take half a minute): no real page nests this deep, so a page that does is refused.
        return Article {
            title: String::new(),
            published: None,
            published_has_time: false,
            source: None,
            author: None,
            body: String::new(),
            images: Vec::new(),
            misses: vec![format!("页面标签嵌套超过 {depth} 层，结构异常，未解析")],
            next_page: None,
        };
    }
    let doc = Html::parse_document(html);
    let meta = metas(&doc);
    let mut misses = Vec::new();
    let rules = rules.cloned().unwrap_or_default();
    let pick = |r: &Option<(String, Selector)>, field: &str, misses: &mut Vec<String>| {
        let (text, sel) = r.as_ref()?;
        let els: Vec<ElementRef> = doc.select(sel).collect();
        if els.is_empty() {
            misses.push(format!("rules.{field}「{text}」"));
            return None;
        }
        Some(els)
    };

    // Title.
    let rule_title = pick(&rules.title, "title", &mut misses)
        .and_then(|els| els.first().map(|e| squash(&e.text().collect::<String>())))
        .filter(|t| !t.is_empty());
    let (title, title_el) = match rule_title {
        Some(t) => (t, None),
        None => generic_title(&doc, &meta),
    };

    // Body.
    let containers = match pick(&rules.body, "body", &mut misses) {
        Some(els) => els,
        None => best_containers(&doc, title_el),
    };
    let mut clean = markdown::Clean::new(url, &title);
    for c in &containers {
        clean.element(*c);
    }
    let body = markdown::to_markdown(&clean.out);
    let images = std::mem::take(&mut clean.images);

    // The zones around the body, where the metadata lines live.
    let (zone, tail) = zones(&doc, title_el, containers.first().copied());
    let body_lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();

    // Publish time.
    let rule_date = pick(&rules.date, "date", &mut misses).and_then(|els| {
        els.iter()
            .find_map(|e| dates::find_first(&e.text().collect::<String>()))
    });
    // A "发布时间" label anywhere beats an "更新时间" next to the title.
    let page = std::cell::OnceCell::new();
    let page_text = || page.get_or_init(|| page_text(&doc)).as_str();
    let found = rule_date
        .or_else(|| meta_date(&meta))
        .or_else(|| labelled_date(&zone, PUBLISH_LABELS))
        .or_else(|| labelled_date(page_text(), PUBLISH_LABELS))
        .or_else(|| labelled_date(&zone, OTHER_DATE_LABELS))
        .or_else(|| dates::find_first(&zone))
        .or_else(|| time_element(&doc))
        .or_else(|| labelled_date(page_text(), OTHER_DATE_LABELS))
        .or_else(|| trailing_date(&body_lines));
    let (published, published_has_time) = match found {
        Some(f) => (Some(to_time(f, offset)), f.has_time),
        None => match dates::from_url(url.as_str()) {
            Some(d) => (
                offset
                    .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                    .single(),
                false,
            ),
            None => (None, false),
        },
    };

    // 来源 and author.
    let rule_source = pick(&rules.source, "source", &mut misses).map(|els| {
        let t = squash(&els[0].text().collect::<String>());
        labelled(&t, SOURCE_LABELS).unwrap_or(t)
    });
    let source = rule_source
        .or_else(|| labelled(&zone, SOURCE_LABELS))
        .or_else(|| {
            ["contentsource", "source", "copysource"]
                .iter()
                .find_map(|k| meta.get(*k).map(|v| squash(v)))
                .map(|v| labelled(&v, SOURCE_LABELS).unwrap_or(v))
                .filter(|v| !v.is_empty() && v.chars().count() <= 30)
        })
        .or_else(|| edge_lines(&body_lines).find_map(|l| labelled(l, SOURCE_LABELS)))
        .or_else(|| labelled(&tail, SOURCE_LABELS))
        .or_else(|| wechat_account(&doc))
        .filter(|s| !s.is_empty());
    let rule_author = pick(&rules.author, "author", &mut misses).and_then(|els| {
        let t = squash(&els[0].text().collect::<String>());
        author_in(&t).or_else(|| names(&t))
    });
    let author = rule_author
        .or_else(|| author_in(&zone))
        .or_else(|| edge_lines(&body_lines).find_map(author_in))
        .or_else(|| {
            // A dateline byline: "中新网清源10月5日电（记者 林晓）……".
            body_lines
                .first()
                .map(|l| l.chars().take(60).collect::<String>())
                .and_then(|l| author_in(&l))
        })
        .or_else(|| author_in(&tail))
        .or_else(|| {
            meta.get("author")
                .and_then(|a| names(a))
                .filter(|a| !a.contains('网') && !a.contains("人大"))
        });

    let next_page = article_next_page(&doc, url);
    Article {
        title,
        published,
        published_has_time,
        source,
        author,
        body,
        images,
        misses,
        next_page,
    }
}

/// A link to the next page of the same article: its text says 下一页 (not 下一篇, which is
/// another article) and its address is this page's with a page number, as CMSs write them
/// (`t20261120_1015_1.html`, `content_5001_2.htm`, `index_1.html?page=2`).
fn article_next_page(doc: &Html, url: &Url) -> Option<Url> {
    let sel = Selector::parse("a[href]").ok()?;
    let stem = |u: &Url| -> String {
        let path = u.path();
        let file = path.rsplit('/').next().unwrap_or("");
        let base = file.split('.').next().unwrap_or(file);
        // Drop a trailing _N page number.
        let base = match base.rsplit_once('_') {
            Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
            _ => base,
        };
        format!("{}/{}", &path[..path.len() - file.len()], base)
    };
    let here = stem(url);
    doc.select(&sel).find_map(|a| {
        let text: String = a.text().collect();
        if text.trim() != "下一页" && text.trim() != "下页" {
            return None;
        }
        let next = url.join(a.value().attr("href")?.trim()).ok()?;
        (next != *url && next.host_str() == url.host_str() && stem(&next) == here).then_some(next)
    })
}

/// Maximum nesting of container tags a page may have.
const MAX_NESTING: usize = 3000;

/// A cheap scan for absurd nesting, in one pass: a stack of open element names, where a
/// close tag pops back to its element if it is among the last few opened (as browsers
/// recover) and is otherwise ignored. Void elements and those that close implicitly (p, li,
/// td…) are not counted. Returns the limit when the depth exceeds it.
pub(crate) fn too_deep(html: &str) -> Option<usize> {
    const VOID_OR_IMPLICIT: &[&[u8]] = &[
        b"br", b"img", b"meta", b"link", b"input", b"hr", b"col", b"area", b"base", b"embed",
        b"param", b"source", b"track", b"wbr", b"p", b"li", b"td", b"th", b"tr", b"option", b"dd",
        b"dt", b"html", b"head", b"body", b"tbody", b"thead",
    ];
    let b = html.as_bytes();
    let mut stack: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|c| *c == b'<') {
        i += off + 1;
        let close = b.get(i) == Some(&b'/');
        let start = if close { i + 1 } else { i };
        let mut end = start;
        while end < b.len() && b[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if end == start {
            continue;
        }
        let name = &b[start..end];
        if VOID_OR_IMPLICIT
            .iter()
            .any(|v| name.eq_ignore_ascii_case(v))
        {
            continue;
        }
        if close {
            let from = stack.len().saturating_sub(8);
            if let Some(k) = stack[from..]
                .iter()
                .rposition(|t| t.eq_ignore_ascii_case(name))
            {
                stack.truncate(from + k);
            }
        } else {
            // Self-closing syntax (<div/>) opens nothing in HTML either, except in SVG.
            stack.push(name);
            if stack.len() > MAX_NESTING {
                return Some(MAX_NESTING);
            }
        }
    }
    None
}

fn to_time(f: dates::Found, offset: FixedOffset) -> DateTime<FixedOffset> {
    match f.offset_minutes.and_then(|m| FixedOffset::east_opt(m * 60)) {
        Some(o) => match o.from_local_datetime(&f.at).single() {
            Some(t) => t.with_timezone(&offset),
            None => local(f.at, offset),
        },
        None => local(f.at, offset),
    }
}

fn local(at: NaiveDateTime, offset: FixedOffset) -> DateTime<FixedOffset> {
    offset
        .from_local_datetime(&at)
        .single()
        .unwrap_or_else(|| DateTime::from_naive_utc_and_offset(at, offset))
}

/// `<meta>` values by lower-cased name / property / itemprop / http-equiv.
fn metas(doc: &Html) -> HashMap<String, String> {
    let mut m = HashMap::new();
    if let Ok(sel) = Selector::parse("meta[content]") {
        for e in doc.select(&sel) {
            let v = e.value();
            let Some(content) = v.attr("content") else {
                continue;
            };
            for k in ["name", "property", "itemprop", "http-equiv"] {
                if let Some(key) = v.attr(k) {
                    m.entry(key.trim().to_ascii_lowercase())
                        .or_insert_with(|| content.trim().to_string());
                }
            }
        }
    }
    m
}

/// Collapses whitespace (including full-width spaces and nbsp) to single spaces.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn nospace(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || *c == '\u{a0}' || *c == '\u{3000}'))
        .collect()
}

// ---- title ----

/// Site names that follow the title in `<title>`: "标题_江北人大网", "标题 - 新华网".
pub fn strip_site_suffix(t: &str) -> String {
    let mut t = squash(t);
    loop {
        let cut = ["_", " - ", " | ", "|", "｜", " — ", "－", " -- ", "-"]
            .iter()
            .filter_map(|sep| t.rfind(sep).map(|i| (i, sep.len())))
            .max_by_key(|(i, _)| *i);
        let Some((i, len)) = cut else { break };
        let tail = t[i + len..].trim();
        let head = t[..i].trim();
        // A tail that looks like a site or channel name goes; a tail that is part of the
        // title ("代表风采 - 记……" is rare; site names are short and end in a site word) stays.
        let site_like = tail.chars().count() <= 20
            && (SITE_WORDS.iter().any(|w| tail.contains(w)) || tail.is_ascii());
        if head.chars().count() >= 4 && site_like {
            t = head.to_string();
        } else {
            break;
        }
    }
    // Some sites put their name first: "白沙县人大网--县人大常委会组织代表视察……".
    for sep in ["--", "——", "_", " - ", "|", "｜"] {
        if let Some((head, tail)) = t.split_once(sep) {
            let (head, tail) = (head.trim(), tail.trim());
            if site_like(head) && tail.chars().count() >= 6 {
                return tail.to_string();
            }
        }
    }
    t
}

const SITE_WORDS: &[&str] = &[
    "网",
    "人大",
    "政府",
    "日报",
    "晚报",
    "频道",
    "首页",
    "新闻",
    "官网",
    "门户",
    "中国",
    "之窗",
    "在线",
    "资讯",
    "常委会",
    "报",
    "要闻",
    "动态",
    "专题",
    "栏目",
];

fn generic_title<'a>(
    doc: &'a Html,
    meta: &HashMap<String, String>,
) -> (String, Option<ElementRef<'a>>) {
    let head = Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|e| squash(&e.text().collect::<String>()))
        .unwrap_or_default();
    let meta_title = ["articletitle", "og:title", "twitter:title", "title"]
        .iter()
        .find_map(|k| meta.get(*k))
        .map(|t| strip_site_suffix(t))
        .filter(|t| !t.is_empty());
    let head_n = nospace(&head);
    let meta_n = meta_title.as_deref().map(nospace);
    // Headings, and elements named like titles, whose text the <title> or meta title
    // contains: the longest wins (the on-page title without the site suffix).
    let mut best: Option<(usize, String, ElementRef)> = None;
    if let Ok(sel) = Selector::parse(
        "h1, h2, h3, .title, .tit, .article-title, .rich_media_title, #title, [class*=title], [id*=title], td.biaoti, .bt",
    ) {
        for e in doc.select(&sel) {
            if markdown::has_noise_hint(&e) {
                continue;
            }
            let text = squash(&e.text().collect::<String>());
            let n = nospace(&text);
            let len = n.chars().count();
            if !(4..=120).contains(&len) {
                continue;
            }
            let matches = (!head_n.is_empty() && head_n.contains(&n))
                || meta_n.as_deref().is_some_and(|m| m == n || m.contains(&n));
            let name = e.value().name();
            let titled = e
                .value()
                .attr("class")
                .is_some_and(|c| c.to_ascii_lowercase().contains("tit"));
            let score = if matches {
                1000 + len
            } else if name == "h1" {
                200 + len
            } else if titled && len >= 6 {
                100 + len
            } else {
                0
            };
            if score > 0 && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, text, e));
            }
        }
    }
    match best {
        Some((s, t, e)) if s >= 1000 => (t, Some(e)),
        other => {
            if let Some(m) = meta_title {
                return (m, other.map(|(_, _, e)| e));
            }
            let stripped = strip_site_suffix(&head);
            match other {
                None => (stripped, None),
                Some((_, t, e)) => {
                    // The on-page heading and <title> disagree. A <title> that is only the
                    // site's name loses; a heading that is only the site's name (a logo in
                    // <h1>) loses; otherwise <title> is the more deliberate of the two.
                    let (hn, tn) = (stripped.chars().count(), nospace(&t).chars().count());
                    if hn < 4 || site_like(&stripped) || (hn < 8 && tn >= 10) {
                        (t, Some(e))
                    } else if site_like(&t) {
                        (stripped, None)
                    } else {
                        (stripped, Some(e))
                    }
                }
            }
        }
    }
}

/// Text that names a site rather than an article: "江北人大网", "云溪区人大常委会网站".
fn site_like(t: &str) -> bool {
    let t = nospace(t);
    t.chars().count() <= 16
        && [
            "网",
            "网站",
            "门户",
            "官网",
            "首页",
            "常委会",
            "人民政府",
            "政府网",
            "在线",
        ]
        .iter()
        .any(|w| t.ends_with(w))
}

// ---- body ----

/// class/id fragments of article containers: substrings for the distinctive ones,
/// whole tokens (or -/_ parts) for the short ones.
const CONTENT_SUBSTR: &[&str] = &[
    "content",
    "article",
    "artibody",
    "zoom",
    "trs_editor",
    "newscon",
    "detail",
    "neirong",
    "zhengwen",
    "wenzhang",
    "rich_media",
    "js_content",
    "maintext",
    "news_txt",
    "newstext",
];
const CONTENT_TOKENS: &[&str] = &[
    "con", "zw", "txt", "text", "body", "post", "entry", "view", "cont", "show",
];

fn class_weight(e: &ElementRef<'_>) -> f64 {
    if markdown::has_noise_hint(e) {
        return -50.0;
    }
    let v = e.value();
    let s = format!(
        "{} {}",
        v.attr("class").unwrap_or(""),
        v.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase();
    let hit = s
        .split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .any(|t| {
            CONTENT_SUBSTR.iter().any(|h| t.contains(h))
                || CONTENT_TOKENS
                    .iter()
                    .any(|h| t == *h || t.split(['-', '_']).any(|p| p == *h))
        });
    if hit { 25.0 } else { 0.0 }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "td"
            | "section"
            | "article"
            | "li"
            | "blockquote"
            | "pre"
            | "body"
            | "dd"
            | "center"
            | "main"
            | "th"
            | "figure"
            | "table"
            | "tbody"
            | "tr"
    )
}

/// An element whose only content is one child element.
fn is_wrapper(e: &ElementRef<'_>) -> bool {
    let mut elements = 0;
    for c in e.children() {
        match c.value() {
            Node::Element(_) => {
                elements += 1;
                if elements > 1 {
                    return false;
                }
            }
            Node::Text(t) if !t.trim().is_empty() => return false,
            _ => {}
        }
    }
    elements == 1
}

/// The element(s) holding the article text, best first.
fn best_containers<'a>(doc: &'a Html, title: Option<ElementRef<'a>>) -> Vec<ElementRef<'a>> {
    let root = Selector::parse("body")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .unwrap_or_else(|| doc.root_element());
    // Per element: accumulated paragraph score, text length, link-text length.
    let mut score: HashMap<_, f64> = HashMap::new();
    let mut text_len: HashMap<_, usize> = HashMap::new();
    let mut link_len: HashMap<_, usize> = HashMap::new();
    for node in root.descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let n = t
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '\u{a0}')
            .count();
        if n == 0 {
            continue;
        }
        let mut in_link = false;
        let mut dropped = false;
        let mut blocks = Vec::with_capacity(3);
        for anc in node.ancestors() {
            let Some(e) = ElementRef::wrap(anc) else {
                continue;
            };
            let name = e.value().name();
            if matches!(
                name,
                "script" | "style" | "noscript" | "select" | "option" | "textarea"
            ) {
                dropped = true;
                break;
            }
            if name == "a" {
                in_link = true;
            }
            *text_len.entry(anc.id()).or_default() += n;
            if in_link {
                *link_len.entry(anc.id()).or_default() += n;
            }
            // Styling wrappers (a <section> or <div> around a single element, as WeChat
            // editors nest every paragraph five deep) do not count as levels: the score must
            // reach the container the paragraphs share.
            if is_block(name) && blocks.len() < 3 && (blocks.is_empty() || !is_wrapper(&e)) {
                blocks.push(anc.id());
            }
        }
        if dropped || in_link || n < 8 || is_noise_line(t) {
            continue;
        }
        let punct = t
            .chars()
            .filter(|c| matches!(c, '，' | '。' | '；' | '、' | '！' | '？' | '：' | ','))
            .count();
        let s = 1.0 + punct as f64 + (n as f64 / 40.0).min(6.0);
        for (k, id) in blocks.iter().enumerate() {
            *score.entry(*id).or_default() += s / (k as f64 + 1.0);
        }
    }
    // Document order, and the title's ancestors: the article follows its title, close by in
    // the tree. Sidebars with more text than a short article are common; they are not near
    // the title.
    let order: HashMap<_, usize> = root
        .descendants()
        .enumerate()
        .map(|(i, n)| (n.id(), i))
        .collect();
    let title_pos = title.and_then(|t| order.get(&t.id()).copied());
    let title_ancestors: Vec<_> = title
        .map(|t| t.ancestors().take(3).map(|a| a.id()).collect())
        .unwrap_or_default();
    let near_title = |e: &ElementRef<'_>| -> f64 {
        let Some(tp) = title_pos else { return 1.0 };
        let Some(&ep) = order.get(&e.id()) else {
            return 1.0;
        };
        if ep < tp {
            // An ancestor of the title (the article wrapper) is fine; anything before it is not.
            return if title_ancestors.contains(&e.id())
                || e.descendants()
                    .any(|d| Some(d.id()) == title.map(|t| t.id()))
            {
                1.0
            } else {
                0.5
            };
        }
        for (k, a) in title_ancestors.iter().enumerate() {
            if e.ancestors().any(|x| x.id() == *a) {
                return [2.0, 1.6, 1.3][k];
            }
        }
        1.0
    };
    let mut best: Option<(f64, ElementRef)> = None;
    for (id, s) in &score {
        let Some(node) = doc.tree.get(*id) else {
            continue;
        };
        let Some(e) = ElementRef::wrap(node) else {
            continue;
        };
        let total = text_len.get(id).copied().unwrap_or(0).max(1) as f64;
        let links = link_len.get(id).copied().unwrap_or(0) as f64;
        let final_score = (s + class_weight(&e)) * (1.0 - links / total) * near_title(&e);
        if best.as_ref().is_none_or(|(b, _)| final_score > *b) {
            best = Some((final_score, e));
        }
    }
    let Some((top_score, mut top)) = best else {
        return vec![root];
    };
    // A single paragraph is a part of the article, not the article: take its container.
    if matches!(
        top.value().name(),
        "p" | "li" | "span" | "font" | "blockquote"
    ) && let Some(parent) = top.parent().and_then(ElementRef::wrap)
    {
        top = parent;
    }
    // Siblings that score well too belong to the article (text split over several divs,
    // with a picture and its caption between them). Compared on raw paragraph scores: the
    // top's bonuses (class, nearness to the title) say nothing about its siblings.
    let raw_top = score.get(&top.id()).copied().unwrap_or(top_score);
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        return vec![top];
    };
    let sibs: Vec<ElementRef> = parent.children().filter_map(ElementRef::wrap).collect();
    let mut keep: Vec<Option<bool>> = Vec::with_capacity(sibs.len());
    for sib in &sibs {
        if sib.id() == top.id() {
            keep.push(Some(true));
            continue;
        }
        if markdown::has_noise_hint(sib) {
            keep.push(Some(false));
            continue;
        }
        let s = score.get(&sib.id()).copied().unwrap_or(0.0);
        let total = text_len.get(&sib.id()).copied().unwrap_or(0).max(1) as f64;
        let links = link_len.get(&sib.id()).copied().unwrap_or(0) as f64;
        let text: String = sib.text().collect();
        let n = nospace(&text).chars().count();
        let para_like = sib.value().name() == "p" && links / total < 0.25 && n > 60;
        if (s >= (raw_top * 0.3).max(5.0) && links / total < 0.3) || para_like {
            keep.push(Some(true));
        } else if n <= 120
            && sib
                .descendants()
                .any(|d| d.value().as_element().is_some_and(|e| e.name() == "img"))
        {
            // A picture: part of the article only between two parts of it.
            keep.push(None);
        } else {
            keep.push(Some(false));
        }
    }
    let mut out = Vec::new();
    for (i, sib) in sibs.iter().enumerate() {
        let take = match keep[i] {
            Some(k) => k,
            None => keep[..i].contains(&Some(true)) && keep[i + 1..].contains(&Some(true)),
        };
        if take {
            out.push(*sib);
        }
    }
    out
}

// ---- metadata zone ----

/// The metadata zones around an article: `head`, the short texts after the title up to the
/// body's first paragraph (or, without a title element, the last short texts before the
/// body); `tail`, the last short lines inside the body container and the first few after it
/// (where 责编 and 来源 lines sit on many sites).
fn zones(
    doc: &Html,
    title: Option<ElementRef<'_>>,
    container: Option<ElementRef<'_>>,
) -> (String, String) {
    let title_id = title.map(|t| t.id());
    let container_id = container.map(|c| c.id());
    let mut before: Vec<String> = Vec::new();
    let mut head: Vec<String> = Vec::new();
    let mut inner: Vec<String> = Vec::new();
    let mut after: Vec<String> = Vec::new();
    let mut title_seen = title_id.is_none();
    let mut head_open = title_id.is_some();
    let mut container_seen = false;
    for node in doc.root_element().descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let text = squash(t);
        if text.is_empty() {
            continue;
        }
        let mut in_title = false;
        let mut in_container = false;
        let mut skip = false;
        for anc in node.ancestors() {
            if Some(anc.id()) == title_id {
                in_title = true;
            }
            if Some(anc.id()) == container_id {
                in_container = true;
            }
            if let Some(e) = ElementRef::wrap(anc)
                && matches!(
                    e.value().name(),
                    "script" | "style" | "noscript" | "head" | "select" | "option"
                )
            {
                skip = true;
            }
        }
        if skip {
            continue;
        }
        let long = text.chars().count() > 100;
        if in_title {
            title_seen = true;
            continue;
        }
        if in_container {
            container_seen = true;
            if title_seen && head_open {
                if long || head.len() >= 15 {
                    head_open = false;
                } else if title_id.is_some() {
                    head.push(text.clone());
                }
            }
            inner.push(text);
            continue;
        }
        if container_seen {
            if after.len() < 6 && !long {
                after.push(text);
            }
            if after.len() >= 6 && title_seen {
                break;
            }
            continue;
        }
        if title_seen && title_id.is_some() && head_open {
            if long || head.len() >= 15 {
                head_open = false;
            } else {
                head.push(text);
            }
        } else if (!title_seen || title_id.is_none()) && !long {
            before.push(text);
        }
    }
    let head = if title_id.is_some() && !head.is_empty() {
        head.join("\n")
    } else {
        let n = before.len();
        before[n.saturating_sub(8)..].join("\n")
    };
    let n = inner.len();
    let mut tail: Vec<String> = inner[n.saturating_sub(3)..]
        .iter()
        .filter(|t| t.chars().count() <= 100)
        .cloned()
        .collect();
    tail.extend(after);
    (head, tail.join("\n"))
}

/// A WeChat article's account name stands where other sites put 来源.
fn wechat_account(doc: &Html) -> Option<String> {
    let sel = Selector::parse("#js_name, .rich_media_meta_nickname, #profileBt a").ok()?;
    doc.select(&sel)
        .map(|e| squash(&e.text().collect::<String>()))
        .find(|t| !t.is_empty() && t.chars().count() <= 30)
}

fn page_text(doc: &Html) -> String {
    let mut s = String::new();
    for node in doc.root_element().descendants() {
        if let Node::Text(t) = node.value() {
            let in_script = node
                .parent()
                .and_then(ElementRef::wrap)
                .is_some_and(|p| matches!(p.value().name(), "script" | "style"));
            if !in_script {
                s.push_str(t);
                s.push('\n');
            }
        }
    }
    s
}

const META_DATE_KEYS: &[&str] = &[
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "publish-time",
    "published_time",
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "datepublished",
    "firstpublishedtime",
    "dc.date.issued",
    "dc.date",
    "date",
    "sj",
    "created",
];

fn meta_date(meta: &HashMap<String, String>) -> Option<dates::Found> {
    META_DATE_KEYS
        .iter()
        .find_map(|k| meta.get(*k).and_then(|v| dates::find_first(v)))
}

const PUBLISH_LABELS: &[&str] = &["发布时间", "发布日期", "发表时间", "发稿时间", "发布于"];
const OTHER_DATE_LABELS: &[&str] = &["更新时间", "发文日期", "成文日期", "时间", "日期"];

fn labelled_date(text: &str, labels: &[&str]) -> Option<dates::Found> {
    for label in labels {
        let mut from = 0;
        while let Some(i) = text[from..].find(label) {
            let start = from + i + label.len();
            let rest: String = text[start..].chars().take(40).collect();
            let rest = rest.trim_start_matches([' ', '\u{3000}', '\u{a0}', ':', '：', '】', ']']);
            if let Some(f) = dates::find_first(rest).filter(|f| f.pos <= 3) {
                return Some(f);
            }
            from = start;
        }
    }
    None
}

fn time_element(doc: &Html) -> Option<dates::Found> {
    let sel = Selector::parse("time[datetime], time[pubdate]").ok()?;
    doc.select(&sel).find_map(|e| {
        e.value()
            .attr("datetime")
            .and_then(dates::find_first)
            .or_else(|| dates::find_first(&e.text().collect::<String>()))
    })
}

/// A date standing alone in one of the body's last lines (公告 and 决定 end with one).
fn trailing_date(lines: &[&str]) -> Option<dates::Found> {
    lines.iter().rev().take(3).find_map(|l| {
        let l = l.trim();
        (l.chars().count() <= 30)
            .then(|| dates::find_first(l))
            .flatten()
    })
}

fn edge_lines<'a>(lines: &'a [&'a str]) -> impl Iterator<Item = &'a str> {
    let n = lines.len();
    let head = lines.iter().take(2);
    let tail = lines.iter().skip(n.saturating_sub(3).max(2));
    head.chain(tail)
        .copied()
        .filter(|l| l.chars().count() <= 120)
}

const SOURCE_LABELS: &[&str] = &[
    "文章来源",
    "信息来源",
    "稿件来源",
    "来源",
    "稿源",
    "来　源",
    "出处",
];
const STOP_WORDS: &[&str] = &[
    "来源",
    "作者",
    "记者",
    "编辑",
    "责编",
    "发布",
    "时间",
    "日期",
    "浏览",
    "点击",
    "阅读",
    "字体",
    "通讯员",
    "摄影",
    "审核",
    "打印",
    "分享",
];

/// The value after `label：` in `text`, up to the next separator or label.
fn labelled(text: &str, labels: &[&str]) -> Option<String> {
    for label in labels {
        let mut from = 0;
        while let Some(i) = text[from..].find(label) {
            let start = from + i + label.len();
            from = start;
            let rest = &text[start..];
            let Some(rest) = rest
                .trim_start_matches([' ', '\u{3000}', '\u{a0}'])
                .strip_prefix(['：', ':'])
            else {
                continue;
            };
            // The value may be the next text node ("来源：<a>中国新闻网</a>").
            let rest = rest.trim_start_matches([' ', '\u{3000}', '\u{a0}', '\n']);
            // Values are short: look at 48 characters at most.
            let mut end = rest
                .char_indices()
                .nth(48)
                .map(|(k, _)| k)
                .unwrap_or(rest.len());
            for (j, c) in rest[..end].char_indices() {
                if c.is_whitespace()
                    || matches!(
                        c,
                        '\u{3000}'
                            | '\u{a0}'
                            | '|'
                            | '丨'
                            | '【'
                            | '】'
                            | '）'
                            | ')'
                            | '，'
                            | '。'
                            | ']'
                            | '；'
                    )
                    || STOP_WORDS.iter().any(|w| rest[j..].starts_with(w))
                    || (c.is_ascii_digit() && dates::starts_with_date(&rest[j..]))
                {
                    end = j;
                    break;
                }
            }
            let v = rest[..end].trim();
            if !v.is_empty() && v.chars().count() <= 30 {
                return Some(v.to_string());
            }
        }
    }
    None
}

const AUTHOR_LABELS: &[&str] = &["作者", "撰稿", "记者", "文/", "文／", "责任编辑", "责编"];

/// Names after an author label: "作者：李明", "记者 王某某 通讯员 …", "责编：张三、李四".
fn author_in(text: &str) -> Option<String> {
    for label in AUTHOR_LABELS {
        let mut from = 0;
        while let Some(i) = text[from..].find(label) {
            let start = from + i + label.len();
            from = start;
            // "记者站" / "记者节" are not bylines.
            let rest =
                text[start..].trim_start_matches(['：', ':', ' ', '\u{3000}', '\u{a0}', '\n']);
            if rest.len() == text[start..].len() && !label.ends_with(['/', '／']) {
                // No separator after the label: only "本报记者王某" / "（记者王某" style
                // bylines; "记者了解到" and "记者站" are prose.
                let before = text[..start - label.len()].chars().next_back();
                if *label != "记者"
                    || !matches!(before, Some('报' | '台' | '社' | '网' | '（' | '(' | '讯'))
                {
                    continue;
                }
            }
            if let Some(n) = names(rest) {
                return Some(n);
            }
        }
    }
    None
}

/// Leading personal names (2–4 Han characters, or with a middle dot), separated by spaces,
/// 、 or commas; joined with 、.
fn names(text: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<String>| -> bool {
        let n = cur.chars().count();
        let ok = (2..=4).contains(&n) || (cur.contains('·') && n <= 10);
        // Words that start labels ("文章来源", "信息来源", "新闻发布") are not names.
        let label_start = ["文章", "信息", "稿件", "新闻", "本网", "本报"]
            .iter()
            .any(|w| cur.starts_with(w));
        if ok && !label_start && !STOP_WORDS.iter().any(|w| cur.starts_with(w)) {
            out.push(std::mem::take(cur));
            true
        } else {
            cur.clear();
            false
        }
    };
    while let Some(c) = chars.next() {
        let han = ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '·';
        if han {
            cur.push(c);
            // A label word right after a name ends the name: "李明责编" / "陈晓摄".
            let rest: String = chars.clone().take(3).collect();
            if STOP_WORDS.iter().any(|w| rest.starts_with(w)) && !cur.is_empty() {
                if !flush(&mut cur, &mut out) {
                    break;
                }
                break;
            }
            continue;
        }
        if matches!(
            c,
            ' ' | '\u{3000}' | '\u{a0}' | '、' | '，' | ',' | '；' | ';' | '/'
        ) {
            if cur.is_empty() {
                continue;
            }
            if !flush(&mut cur, &mut out) {
                break;
            }
            continue;
        }
        break;
    }
    if !cur.is_empty() {
        flush(&mut cur, &mut out);
    }
    // "佚名" / "不详" are placeholders, not names.
    out.retain(|n| {
        !matches!(
            n.as_str(),
            "佚名" | "不详" | "未知" | "本网" | "管理员" | "admin"
        )
    });
    (!out.is_empty()).then(|| out.join("、"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffixes() {
        assert_eq!(
            strip_site_suffix("市人大常委会召开会议_江北人大网"),
            "市人大常委会召开会议"
        );
        assert_eq!(
            strip_site_suffix("市人大常委会召开会议 - 人大要闻 - 新华网"),
            "市人大常委会召开会议"
        );
        assert_eq!(
            strip_site_suffix("代表风采｜王明：扎根基层"),
            "代表风采｜王明：扎根基层"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(
            labelled(
                "发布时间：2026-11-20　来源：江北人大网　作者：王明",
                SOURCE_LABELS
            )
            .as_deref(),
            Some("江北人大网")
        );
        assert_eq!(
            labelled("来源：人民网－人民日报 2026年11月18日", SOURCE_LABELS).as_deref(),
            Some("人民网－人民日报")
        );
        assert_eq!(
            author_in("（责编：张三、李四）").as_deref(),
            Some("张三、李四")
        );
        assert_eq!(
            author_in("来源：江北日报　记者 陈晓").as_deref(),
            Some("陈晓")
        );
        assert_eq!(
            author_in("本报讯（记者 王某某 通讯员 李四）").as_deref(),
            Some("王某某")
        );
        assert_eq!(
            author_in("作者：李明 发布时间：2026").as_deref(),
            Some("李明")
        );
        assert_eq!(author_in("记者站成立"), None);
    }

    #[test]
    fn generic_page() {
        let html = r#"<html><head><title>市人大常委会开展食品安全法执法检查_江北人大网</title></head><body>
          <div class="nav"><a href="/">首页</a><a href="/a">人大要闻</a><a href="/b">代表工作</a></div>
          <div class="main"><h1>市人大常委会开展食品安全法执法检查</h1>
          <div class="info">发布时间：2026-11-20 09:30　来源：江北人大网　作者：王明</div>
          <div class="content"><p>11月19日，市人大常委会执法检查组深入各区县，对食品安全法贯彻实施情况开展执法检查。</p>
          <p>检查组一行先后来到农贸市场、学校食堂和食品生产企业，实地察看食品安全管理情况，听取有关部门工作汇报。</p>
          <p>检查组指出，要压实食品安全责任，完善监管机制，切实保障人民群众“舌尖上的安全”。</p></div>
          <div class="share">分享到：微信 微博</div><p>上一篇：<a href="/x">某某</a></p></div>
          <div class="footer">版权所有 江北市人大常委会办公室</div></body></html>"#;
        let url = Url::parse("http://rd.example/2026/11/t20261120_1.html").unwrap();
        let a = extract(html, &url, None, FixedOffset::east_opt(8 * 3600).unwrap());
        assert_eq!(a.title, "市人大常委会开展食品安全法执法检查");
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2026-11-20T09:30:00+08:00"
        );
        assert_eq!(a.source.as_deref(), Some("江北人大网"));
        assert_eq!(a.author.as_deref(), Some("王明"));
        assert!(a.body.starts_with("11月19日"), "{}", a.body);
        assert!(a.body.contains("舌尖上的安全"));
        assert!(!a.body.contains("分享") && !a.body.contains("上一篇") && !a.body.contains("版权"));
    }

    #[test]
    fn rules_and_misses() {
        let html = "<html><body><h1 class='t'>标题甲乙丙丁</h1><div class='c'><p>正文，一段文字。正文，一段文字。</p></div></body></html>";
        let url = Url::parse("http://a.example/1.html").unwrap();
        let rules = Rules {
            title: Some("h1.t".into()),
            body: Some("div.missing".into()),
            ..Rules::default()
        }
        .compile()
        .unwrap();
        let a = extract(
            html,
            &url,
            Some(&rules),
            FixedOffset::east_opt(8 * 3600).unwrap(),
        );
        assert_eq!(a.title, "标题甲乙丙丁");
        assert!(a.body.contains("正文"));
        assert_eq!(a.misses, vec!["rules.body「div.missing」".to_string()]);
        assert!(
            Rules {
                body: Some("div[".into()),
                ..Rules::default()
            }
            .compile()
            .is_err()
        );
    }
}
