//! What the site is built from: articles (released items, or a folder of Markdown files for
//! the benchmark), the columns in their order, and the site's settings. Loading is the only
//! place that knows where content comes from; rendering sees only [`SiteInput`].

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;

use super::SiteError;
use crate::store::Store;

/// One article of the site.
#[derive(Debug, Clone)]
pub struct Article {
    /// Item id (or file stem); `[…](item:ID)` and `/…/ID/` links resolve to it.
    pub id: String,
    /// Root-relative, ends in "/".
    pub url: String,
    pub title: String,
    /// YYYY-MM-DD and RFC 3339, in the project's time zone.
    pub date: String,
    pub datetime: String,
    pub column: Option<String>,
    pub unit: Option<String>,
    pub authors: Vec<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
    /// Given summary; empty: derived from the body.
    pub summary: String,
    /// Markdown, or where to read it.
    pub body: BodyText,
    pub featured: bool,
    /// The published issue it appeared in: (《人大建设》2026年第6期, its page's URL).
    pub issue: Option<(String, String)>,
}

/// A publication's published issues, as the site shows them.
#[derive(Debug, Clone, Default)]
pub struct SitePublication {
    pub name: String,
    pub issues: Vec<SiteIssue>,
}

/// One published issue: its table of contents lists the articles released on the site.
#[derive(Debug, Clone, Default)]
pub struct SiteIssue {
    /// 2026年第6期
    pub label: String,
    pub total: i64,
    pub date: String,
    pub url: String,
    /// Columns in print order, with the ids of their articles.
    pub columns: Vec<(String, Vec<String>)>,
}

/// The page of an issue: /issues/人大建设/2026-6/ (percent-encoded).
pub fn issue_url(publication: &str, year: i32, number: i64) -> String {
    format!("/issues/{}/{year}-{number}/", super::plan::seg(publication))
}

/// An article's Markdown: in memory, or in a file read when needed — a 50,000-article
/// folder is half a gigabyte of text, and a build needs each body only briefly.
#[derive(Debug, Clone)]
pub enum BodyText {
    Text(String),
    /// The Markdown after the front matter of a file: (path, byte offset, length, the
    /// file's modification time in nanoseconds).
    File(PathBuf, usize, usize, u128),
}

impl BodyText {
    pub fn text(&self) -> Result<std::borrow::Cow<'_, str>, SiteError> {
        match self {
            BodyText::Text(s) => Ok(std::borrow::Cow::Borrowed(s)),
            BodyText::File(p, off, _, _) => {
                let mut all = std::fs::read_to_string(p).map_err(|e| SiteError::io(p, e))?;
                // The front matter goes; the body stays where it was read (no second copy).
                if all.is_char_boundary(*off) {
                    all.drain(..*off);
                } else {
                    all.clear();
                }
                Ok(std::borrow::Cow::Owned(all))
            }
        }
    }

    /// Length in bytes (for sizing the search index) without reading a file.
    pub fn len(&self) -> usize {
        match self {
            BodyText::Text(s) => s.len(),
            BodyText::File(_, _, n, _) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Feeds what identifies this body's content to `h`: the text itself, or for a file its
    /// path, size and modification time — planning an incremental build then reads no file
    /// (an edit that keeps both size and nanosecond mtime would go unnoticed; `--force`
    /// rebuilds everything).
    pub fn identify(&self, h: &mut impl std::hash::Hasher) {
        match self {
            BodyText::Text(s) => h.write(s.as_bytes()),
            BodyText::File(p, off, len, mtime) => {
                h.write(p.as_os_str().as_encoded_bytes());
                h.write_usize(*off);
                h.write_usize(*len);
                h.write_u128(*mtime);
            }
        }
    }
}

/// A column (栏目) and its URL segment.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub slug: String,
}

/// Everything a build needs besides the theme.
pub struct SiteInput {
    pub title: String,
    pub office: String,
    pub description: String,
    /// No trailing slash.
    pub base_url: String,
    pub per_page: usize,
    /// In the order the nav shows them; columns only articles name are appended.
    pub columns: Vec<Column>,
    /// Sorted oldest first by (date, id): an article's index is its search doc number.
    pub articles: Vec<Article>,
    /// The year shown in the footer (of the newest article, so builds are reproducible).
    pub year: i32,
    /// Public publications and their published issues.
    pub publications: Vec<SitePublication>,
}

impl SiteInput {
    /// Sorts articles, adds columns that only articles name, and fixes the footer year.
    pub fn new(
        title: String,
        office: String,
        description: String,
        base_url: &str,
        per_page: usize,
        mut columns: Vec<Column>,
        mut articles: Vec<Article>,
    ) -> SiteInput {
        articles.sort_by(|a, b| (&a.datetime, &a.id).cmp(&(&b.datetime, &b.id)));
        for a in &articles {
            if let Some(c) = &a.column
                && !columns.iter().any(|k| &k.name == c)
            {
                columns.push(Column {
                    name: c.clone(),
                    slug: c.clone(),
                });
            }
        }
        let year = articles
            .last()
            .and_then(|a| a.date.get(..4)?.parse().ok())
            .unwrap_or(1970);
        SiteInput {
            title,
            office,
            description,
            base_url: base_url.trim_end_matches('/').to_string(),
            per_page: per_page.max(1),
            columns,
            articles,
            year,
            publications: Vec::new(),
        }
    }
}

/// (YYYY-MM-DD, RFC 3339) of a stored date: a date, "date time", or RFC 3339.
pub fn dates(s: &str, tz: chrono_tz::Tz) -> Option<(String, String)> {
    let s = s.trim();
    let local = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&tz)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
        tz.from_local_datetime(&t).earliest()?
    } else if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        tz.from_local_datetime(&t).earliest()?
    } else {
        let d = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .earliest()?
    };
    Some((
        local.format("%Y-%m-%d").to_string(),
        local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    ))
}

/// The URL an item gets when first released: /YYYY/MM/ID/.
pub fn url_for(date: &str, id: &str) -> String {
    let (y, m) = (
        date.get(..4).unwrap_or("0000"),
        date.get(5..7).unwrap_or("01"),
    );
    format!("/{y}/{m}/{id}/")
}

/// The released items of a project's store.
pub fn from_store(
    store: &Store,
    project: &crate::project::Project,
) -> Result<SiteInput, SiteError> {
    let tz = project.tz();
    let cfg = &project.config;
    let columns = cfg
        .sections
        .iter()
        .map(|s| Column {
            name: s.name.clone(),
            slug: s.slug.clone().unwrap_or_else(|| s.name.clone()),
        })
        .collect();
    let mut articles = Vec::new();
    for it in store.site_items()? {
        let (date, datetime) = dates(&it.date, tz).unwrap_or_else(|| {
            (
                "1970-01-01".to_string(),
                "1970-01-01T00:00:00+00:00".to_string(),
            )
        });
        let news = it.kind == "news";
        articles.push(Article {
            id: it.id,
            url: it.url,
            title: it.title,
            date,
            datetime,
            column: it.section,
            unit: if news { None } else { it.unit.clone() },
            authors: it.authors,
            source: if news { it.unit } else { None },
            tags: it.tags,
            summary: it.summary.unwrap_or_default(),
            body: BodyText::Text(it.body),
            featured: it.featured,
            issue: None,
        });
    }
    // Published issues of the public publications, listing the articles on the site (an
    // entry not released — internal — is left out of the contents too).
    let mut publications = Vec::new();
    let on_site: std::collections::HashMap<String, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    for p in cfg.publications.iter().filter(|p| p.is_public()) {
        let mut issues = Vec::new();
        for issue in store.published_issues(&p.name)? {
            let url = issue_url(&p.name, issue.key.year, issue.key.number);
            let mut columns: Vec<(String, Vec<String>)> = Vec::new();
            for e in store.issue_entries(&issue)? {
                let Some(&i) = on_site.get(&e.item_id) else {
                    continue;
                };
                articles[i].issue = Some((issue.key.title(), url.clone()));
                match columns.last_mut() {
                    Some((c, ids)) if *c == e.column => ids.push(e.item_id),
                    _ => columns.push((e.column, vec![e.item_id])),
                }
            }
            issues.push(SiteIssue {
                label: issue.key.label(),
                total: issue.total,
                date: issue.date.clone(),
                url,
                columns,
            });
        }
        publications.push(SitePublication {
            name: p.name.clone(),
            issues,
        });
    }
    let office = cfg.project.name.clone();
    let title = cfg
        .site
        .title
        .clone()
        .unwrap_or_else(|| office.trim_end_matches("办公室").to_string());
    let mut input = SiteInput::new(
        title,
        office,
        cfg.site.description.clone(),
        &cfg.site.base_url,
        cfg.site.per_page,
        columns,
        articles,
    );
    input.publications = publications;
    Ok(input)
}

/// Front matter of a benchmark article (the layout `gen_corpus.py` writes for Hugo).
#[derive(Deserialize, Debug, PartialEq)]
struct FrontMatter {
    title: String,
    date: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// The front matter when every line is `key: "text"`, `key: ["a", "b"]` or `date: plain`
/// with no escapes — what generators write — else None and YAML proper decides. Parsing
/// YAML was a third of reading a 50,000-article folder; for this subset the result is the
/// same (a double-quoted string without backslashes is its text).
fn quick_front_matter(yaml: &str) -> Option<FrontMatter> {
    fn quoted(v: &str) -> Option<&str> {
        let inner = v.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains(['"', '\\'])).then_some(inner)
    }
    let mut fm = FrontMatter {
        title: String::new(),
        date: String::new(),
        description: String::new(),
        column: None,
        tags: Vec::new(),
        author: None,
        source: None,
    };
    let (mut title, mut date) = (false, false);
    for line in yaml.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let (k, v) = line.split_once(": ")?;
        let v = v.trim();
        match k {
            "title" => {
                fm.title = quoted(v)?.to_string();
                title = true;
            }
            "date" => {
                let plain = v
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"-:T+Z.".contains(&b));
                fm.date = if plain { v } else { quoted(v)? }.to_string();
                date = true;
            }
            "description" => fm.description = quoted(v)?.to_string(),
            "column" => fm.column = Some(quoted(v)?.to_string()),
            "author" => fm.author = Some(quoted(v)?.to_string()),
            "source" => fm.source = Some(quoted(v)?.to_string()),
            "tags" => {
                let inner = v.strip_prefix('[')?.strip_suffix(']')?.trim();
                if !inner.is_empty() {
                    for t in inner.split(',') {
                        fm.tags.push(quoted(t.trim())?.to_string());
                    }
                }
            }
            _ => return None,
        }
    }
    (title && date).then_some(fm)
}

/// A folder of Markdown articles with YAML front matter (title, date, description, column,
/// tags, author, source), read recursively; `_index.md` files are section pages and skipped.
/// A column's URL segment is its folder's name.
pub fn from_folder(dir: &Path, tz: chrono_tz::Tz) -> Result<SiteInput, SiteError> {
    let files: Vec<PathBuf> = crate::fsio::files_under(dir)
        .map_err(|e| SiteError::io(dir, e))?
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
        })
        .collect();
    // Files are read in parallel, and only as far as the end of their front matter: the
    // body is read when its page is rendered.
    use rayon::prelude::*;
    let read: Vec<(Article, Option<(String, String)>)> = files
        .par_iter()
        .map(|f| read_article(f, tz))
        .collect::<Result<_, _>>()?;
    let mut columns: Vec<Column> = Vec::new();
    let mut articles = Vec::with_capacity(read.len());
    for (a, col) in read {
        if let Some((name, slug)) = col
            && !columns.iter().any(|k| k.name == name)
        {
            columns.push(Column { name, slug });
        }
        articles.push(a);
    }
    Ok(SiteInput::new(
        "人大新闻网".to_string(),
        "人大常委会办公室".to_string(),
        String::new(),
        "http://localhost",
        20,
        columns,
        articles,
    ))
}

/// One Markdown file of a benchmark folder: its front matter, and where its body is.
fn read_article(
    f: &Path,
    tz: chrono_tz::Tz,
) -> Result<(Article, Option<(String, String)>), SiteError> {
    use std::io::Read;
    let bad = |why: String| SiteError::Content {
        path: f.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(f).map_err(|e| SiteError::io(f, e))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    // Front matter is short: the first 2 KiB hold it, else the whole file is read.
    let mut head = Vec::with_capacity(2048);
    std::fs::File::open(f)
        .and_then(|file| file.take(2048).read_to_end(&mut head))
        .map_err(|e| SiteError::io(f, e))?;
    let end_of = |b: &[u8]| memchr::memmem::find(b.get(4..)?, b"\n---").map(|e| e + 4);
    if end_of(&head).is_none() && (head.len() as u64) < meta.len() {
        head = std::fs::read(f).map_err(|e| SiteError::io(f, e))?;
    }
    if !head.starts_with(b"---\n") {
        return Err(bad("缺少 YAML 文件头（以 --- 开始）".into()));
    }
    let end = end_of(&head).ok_or_else(|| bad("YAML 文件头没有结束的 ---".into()))?;
    let yaml = std::str::from_utf8(&head[4..end]).map_err(|_| bad("文件头不是 UTF-8".into()))?;
    let fm: FrontMatter = match quick_front_matter(yaml) {
        Some(fm) => fm,
        None => serde_norway::from_str(yaml).map_err(|e| bad(format!("文件头有误：{e}")))?,
    };
    let mut body_at = end + 4;
    while head
        .get(body_at)
        .is_some_and(|b| *b == b'\r' || *b == b'\n')
    {
        body_at += 1;
    }
    let body_len = (meta.len() as usize).saturating_sub(body_at);
    let (date, datetime) =
        dates(&fm.date, tz).ok_or_else(|| bad(format!("无法识别的日期「{}」", fm.date)))?;
    let id = f
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let column = fm.column.clone().map(|c| {
        let slug = f
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| c.clone());
        (c, slug)
    });
    Ok((
        Article {
            url: url_for(&date, &id),
            id,
            title: fm.title,
            date,
            datetime,
            column: fm.column,
            unit: None,
            authors: fm.author.into_iter().collect(),
            source: fm.source,
            tags: fm.tags,
            summary: fm.description,
            body: BodyText::File(f.to_path_buf(), body_at, body_len, mtime),
            featured: false,
            issue: None,
        },
        column,
    ))
}

#[cfg(test)]
mod front_matter_tests {
    use super::*;

    #[test]
    fn quick_front_matter_agrees_with_yaml() {
        let ok = "title: \"公共交通需要法治护航\"\ndate: 2021-04-04T18:58:11+08:00\ndescription: \"为深入了解，3月28日。\"\ncolumn: \"法治时评\"\ntags: [\"公共交通\", \"专题询问\"]\nauthor: \"顾敏\"\nsource: \"南岭市人大\"\n";
        let fast = quick_front_matter(ok).expect("the generator's layout takes the fast path");
        let yaml: FrontMatter = serde_norway::from_str(ok).unwrap();
        assert_eq!(fast, yaml);
        // Anything beyond the subset goes to YAML proper.
        for other in [
            "title: \"a\\\"b\"\ndate: 2021-01-01\n",
            "title: 2024\ndate: 2021-01-01\n",
            "title: 'x'\ndate: 2021-01-01\n",
            "title: \"x\"\ndate: 2021-01-01\nweight: 3\n",
            "title: \"x\"\n",
        ] {
            assert!(quick_front_matter(other).is_none(), "{other}");
        }
    }
}
