//! Every output of a build, planned before anything is rendered: its path, a fingerprint
//! of everything it depends on (theme, site settings, and the data it shows), and how to
//! produce it. The build compares fingerprints with the last build's and renders only the
//! pages whose inputs changed; the rest are linked from the last build unchanged.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hasher;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use super::SiteError;
use super::content::{Article, SiteInput};
use super::markdown::Links;
use crate::text::xml_escape as xml;

/// How an output is produced.
pub enum Body {
    /// A template with a JSON context (listing and index pages).
    Template(&'static str, Value),
    /// The article page of article `i`, with its neighbours (summary indexes).
    Article(usize, Neighbours),
    /// A page of a listing (column, tag, unit, month).
    List(ListPage),
    /// Bytes made while planning (feeds, sitemap, robots.txt, static files).
    Bytes(Vec<u8>),
}

pub struct Page {
    /// Under the output root, '/'-separated, e.g. "2026/11/abc/index.html".
    pub path: String,
    /// The page's root-relative URL (for `page_url`); empty for non-pages.
    pub url: String,
    pub fingerprint: u64,
    pub body: Body,
}

#[derive(Serialize, Clone, Hash)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize, Clone, Hash)]
pub struct Summary {
    pub title: String,
    pub url: String,
    pub date: String,
    pub column: Option<Link>,
    pub unit: Option<Link>,
    pub summary: String,
}

/// An article's prev/next (in its column) and related articles, as article indexes.
pub struct Neighbours {
    pub prev: Option<usize>,
    pub next: Option<usize>,
    pub related: Vec<usize>,
}

/// One page of a listing; its context is built only if it is rendered.
pub struct ListPage {
    pub kind: &'static str,
    pub title: String,
    pub feed_url: Option<String>,
    pub base: String,
    pub ids: Vec<usize>,
    pub current: usize,
    pub total: usize,
}

impl ListPage {
    pub fn context(&self, summaries: &[Summary]) -> Value {
        let (n, total, base) = (self.current, self.total, &self.base);
        json!({
            "list": {
                "kind": self.kind,
                "title": self.title,
                "feed_url": self.feed_url,
                "articles": self.ids.iter().map(|&i| &summaries[i]).collect::<Vec<_>>(),
                "pager": {
                    "current": n,
                    "total": total,
                    "prev_url": (n > 1).then(|| page_url(base, n - 1)),
                    "next_url": (n < total).then(|| page_url(base, n + 1)),
                    "pages": window(n, total).into_iter().scan(0, |last, k| {
                        let gap = k > *last + 1;
                        *last = k;
                        Some(json!({"number": k, "url": page_url(base, k), "gap_before": gap}))
                    }).collect::<Vec<_>>(),
                },
            }
        })
    }
}

/// The page numbers a pager shows: the first, the last, and two either side of the current
/// one. Listing every page would make each page of a long listing as long as the listing,
/// and the whole column quadratic in its length.
fn window(current: usize, total: usize) -> Vec<usize> {
    let mut v: Vec<usize> = [1, total]
        .into_iter()
        .chain(current.saturating_sub(2).max(1)..=(current + 2).min(total))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The context of article `i`'s page (without its body, which the build adds).
pub fn article_ctx(
    input: &SiteInput,
    summaries: &[Summary],
    i: usize,
    n: &Neighbours,
) -> ArticleCtx {
    let x = &input.articles[i];
    ArticleCtx {
        title: x.title.clone(),
        url: x.url.clone(),
        date: x.date.clone(),
        datetime: x.datetime.clone(),
        column: summaries[i].column.clone(),
        unit: summaries[i].unit.clone(),
        authors: x.authors.clone(),
        source: x.source.clone(),
        tags: x
            .tags
            .iter()
            .map(|t| Link {
                name: t.clone(),
                url: tag_url(t),
            })
            .collect(),
        summary: x.summary.clone(),
        body_html: String::new(),
        issue: x.issue.as_ref().map(|(name, url)| Link {
            name: name.clone(),
            url: url.clone(),
        }),
        prev: n.prev.map(|j| summaries[j].clone()),
        next: n.next.map(|j| summaries[j].clone()),
        related: n.related.iter().map(|&j| summaries[j].clone()).collect(),
    }
}

#[derive(Serialize)]
pub struct ArticleCtx {
    pub title: String,
    pub url: String,
    pub date: String,
    pub datetime: String,
    pub column: Option<Link>,
    pub unit: Option<Link>,
    pub authors: Vec<String>,
    pub source: Option<String>,
    pub tags: Vec<Link>,
    pub summary: String,
    /// Filled at render time (the Markdown's hash is in the fingerprint instead).
    pub body_html: String,
    pub issue: Option<Link>,
    #[serde(skip)]
    pub prev: Option<Summary>,
    #[serde(skip)]
    pub next: Option<Summary>,
    #[serde(skip)]
    pub related: Vec<Summary>,
}

/// The `site` object every template receives.
#[derive(Serialize)]
pub struct SiteCtx {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub lang: &'static str,
    pub columns: Vec<Link>,
    pub year: i32,
    pub office: String,
}

/// Feeds a hasher through `io::Write`, so contexts are fingerprinted by serialising them
/// without building a string.
struct HashWriter<'a>(&'a mut Fx);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fingerprint hash: FxHash, because fingerprints cover every byte of every article on
/// each build and SipHash made planning a third slower; inputs are the office's own
/// content, not an adversary's, and a change anywhere in the input changes the hash. Stable
/// between runs of one binary; the cache records the version, and a new binary rebuilds.
pub type Fx = rustc_hash::FxHasher;

/// Fingerprint of `seed` and a serialisable value.
fn fp(seed: u64, v: &impl Serialize, extra: &[u8]) -> u64 {
    let mut h = Fx::default();
    h.write_u64(seed);
    let _ = serde_json::to_writer(HashWriter(&mut h), v);
    h.write(extra);
    h.finish()
}

/// Percent-encodes a URL path segment (Chinese tags and unit names).
pub fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// "/a/b/" → "a/b/index.html", decoding percent escapes.
pub fn file_of(url: &str) -> String {
    let path = percent_encoding::percent_decode_str(url.trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    }
}

pub fn column_url(slug: &str) -> String {
    format!("/lanmu/{}/", seg(slug))
}
pub fn tag_url(tag: &str) -> String {
    format!("/tags/{}/", seg(tag))
}
pub fn unit_url(unit: &str) -> String {
    format!("/units/{}/", seg(unit))
}

fn page_url(base: &str, n: usize) -> String {
    if n == 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

/// The first `max` characters of a body's text, for summaries: parses only as far as needed.
fn lead(md: &str, max: usize) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut text = String::new();
    for ev in Parser::new(md) {
        if let Event::Text(t) = ev {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&t);
            if text.chars().count() > max + 1 {
                break;
            }
        }
    }
    super::markdown::excerpt(&text, max)
}

/// Everything planned, plus what the build needs besides pages.
pub struct Plan {
    pub pages: Vec<Page>,
    /// Every article's summary, by article index.
    pub summaries: Vec<Summary>,
    /// Per article (doc order): a fingerprint of its URL, title, date, column and body.
    pub doc_fps: Vec<u64>,
    pub site: SiteCtx,
}

pub fn plan(
    input: &SiteInput,
    theme_fp: u64,
    statics: &[(String, Vec<u8>)],
) -> Result<Plan, SiteError> {
    let t = std::time::Instant::now();
    let a = &input.articles;
    let column_slug: HashMap<&str, &str> = input
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.slug.as_str()))
        .collect();
    let col_link = |name: &Option<String>| {
        name.as_ref().map(|n| Link {
            name: n.clone(),
            url: column_url(column_slug.get(n.as_str()).copied().unwrap_or(n)),
        })
    };
    // Each article's summary, and a fingerprint of what the search index and its page take
    // from the article itself (a body in a file is read only when a summary needs it).
    let per: Vec<(Summary, u64)> = a
        .par_iter()
        .map(|x| -> Result<(Summary, u64), SiteError> {
            let mut h = Fx::default();
            for s in [&x.url, &x.title, &x.date, x.column.as_deref().unwrap_or("")] {
                h.write(s.as_bytes());
                h.write_u8(0);
            }
            x.body.identify(&mut h);
            let summary = Summary {
                title: x.title.clone(),
                url: x.url.clone(),
                date: x.date.clone(),
                column: col_link(&x.column),
                unit: x.unit.as_ref().map(|u| Link {
                    name: u.clone(),
                    url: unit_url(u),
                }),
                summary: if x.summary.is_empty() {
                    lead(&x.body.text()?, 120)
                } else {
                    x.summary.clone()
                },
            };
            Ok((summary, h.finish()))
        })
        .collect::<Result<_, _>>()?;
    let (summaries, doc_fps): (Vec<Summary>, Vec<u64>) = per.into_iter().unzip();
    tracing::debug!(
        "plan/summaries {:.3} {}",
        t.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );
    // Newest first everywhere lists are shown.
    let newest: Vec<usize> = (0..a.len()).rev().collect();
    let mut by_column: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_tag: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_unit: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_month: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &newest {
        if let Some(c) = &a[i].column {
            by_column.entry(c).or_default().push(i);
        }
        for t in &a[i].tags {
            by_tag.entry(t).or_default().push(i);
        }
        if let Some(u) = &a[i].unit {
            by_unit.entry(u).or_default().push(i);
        }
        by_month
            .entry(&a[i].date[..7.min(a[i].date.len())])
            .or_default()
            .push(i);
    }
    let site = SiteCtx {
        title: input.title.clone(),
        description: input.description.clone(),
        base_url: input.base_url.clone(),
        lang: "zh-CN",
        columns: input
            .columns
            .iter()
            .filter(|c| by_column.contains_key(c.name.as_str()))
            .map(|c| Link {
                name: c.name.clone(),
                url: column_url(&c.slug),
            })
            .collect(),
        year: input.year,
        office: input.office.clone(),
    };
    let site_fp = fp(theme_fp, &site, env!("CARGO_PKG_VERSION").as_bytes());
    let mut pages: Vec<Page> = Vec::new();

    // Article pages.
    let position_in_column: HashMap<usize, usize> = by_column
        .values()
        .flat_map(|v| v.iter().enumerate().map(|(p, &i)| (i, p)))
        .collect();
    let summary_fps: Vec<u64> = summaries
        .par_iter()
        .map(|x| {
            let mut h = Fx::default();
            std::hash::Hash::hash(x, &mut h);
            h.finish()
        })
        .collect();
    let article_pages: Vec<Page> = (0..a.len())
        .into_par_iter()
        .map(|i| {
            let x: &Article = &a[i];
            let (prev, next) = match (&x.column, position_in_column.get(&i)) {
                (Some(c), Some(&p)) => {
                    let list = &by_column[c.as_str()];
                    (list.get(p + 1).copied(), p.checked_sub(1).map(|q| list[q]))
                }
                _ => (None, None),
            };
            let related = related(i, a, &by_tag);
            // Everything the page shows: the article (its fingerprint, summary and the fields
            // beyond them) and its neighbours' summaries.
            let mut h = Fx::default();
            h.write_u64(site_fp);
            h.write_u64(doc_fps[i]);
            h.write_u64(summary_fps[i]);
            std::hash::Hash::hash(
                &(
                    &x.datetime,
                    &x.authors,
                    &x.source,
                    &x.tags,
                    &x.summary,
                    &x.issue,
                ),
                &mut h,
            );
            for j in prev.iter().chain(next.iter()).chain(related.iter()) {
                h.write_u64(summary_fps[*j]);
            }
            std::hash::Hash::hash(&(prev.is_some(), next.is_some(), related.len()), &mut h);
            Page {
                path: file_of(&x.url),
                url: x.url.clone(),
                fingerprint: h.finish(),
                body: Body::Article(
                    i,
                    Neighbours {
                        prev,
                        next,
                        related,
                    },
                ),
            }
        })
        .collect();
    pages.extend(article_pages);
    tracing::debug!(
        "plan/articles {:.3} {}",
        t.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );

    let sums =
        |ids: &[usize]| -> Vec<Summary> { ids.iter().map(|&i| summaries[i].clone()).collect() };
    let mut list_pages =
        |kind: &'static str, title: &str, base: &str, ids: &[usize], feed: Option<String>| {
            let per = input.per_page;
            let total = ids.len().div_ceil(per).max(1);
            for n in 1..=total {
                let chunk = &ids[((n - 1) * per).min(ids.len())..(n * per).min(ids.len())];
                let url = page_url(base, n);
                let mut h = Fx::default();
                h.write_u64(site_fp);
                std::hash::Hash::hash(&(kind, title, &feed, base, n, total), &mut h);
                for &i in chunk {
                    h.write_u64(summary_fps[i]);
                }
                pages.push(Page {
                    path: file_of(&url),
                    fingerprint: h.finish(),
                    url,
                    body: Body::List(ListPage {
                        kind,
                        title: title.to_string(),
                        feed_url: feed.clone(),
                        base: base.to_string(),
                        ids: chunk.to_vec(),
                        current: n,
                        total,
                    }),
                });
            }
        };
    for c in &input.columns {
        if let Some(ids) = by_column.get(c.name.as_str()) {
            let base = column_url(&c.slug);
            list_pages(
                "column",
                &c.name,
                &base,
                ids,
                Some(format!("{base}atom.xml")),
            );
        }
    }
    for (t, ids) in &by_tag {
        list_pages("tag", &format!("标签：{t}"), &tag_url(t), ids, None);
    }
    for (u, ids) in &by_unit {
        list_pages("unit", u, &unit_url(u), ids, None);
    }
    for (m, ids) in &by_month {
        let title = format!(
            "{}年{}月",
            &m[..4.min(m.len())],
            m.get(5..7).map(|s| s.trim_start_matches('0')).unwrap_or("")
        );
        list_pages(
            "month",
            &title,
            &format!("/{}/", m.replace('-', "/")),
            ids,
            None,
        );
    }

    tracing::debug!(
        "plan/lists {:.3} {}",
        t.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );
    let mut single = |url: &str, template: &'static str, ctx: Value| {
        pages.push(Page {
            path: file_of(url),
            fingerprint: fp(site_fp, &ctx, url.as_bytes()),
            url: url.to_string(),
            body: Body::Template(template, ctx),
        });
    };
    let featured: Vec<usize> = newest
        .iter()
        .copied()
        .filter(|&i| a[i].featured)
        .take(5)
        .collect();
    let home_columns: Vec<Value> = input
        .columns
        .iter()
        .filter_map(|c| {
            let ids = by_column.get(c.name.as_str())?;
            Some(json!({"name": c.name, "url": column_url(&c.slug), "articles": sums(&ids[..ids.len().min(6)])}))
        })
        .collect();
    single(
        "/",
        "index.html",
        json!({
            "latest": sums(&newest[..newest.len().min(20)]),
            "featured": sums(&featured),
            "columns": home_columns,
        }),
    );
    let mut years: BTreeMap<&str, (usize, Vec<Value>)> = BTreeMap::new();
    for (m, ids) in by_month.iter().rev() {
        let y = years.entry(&m[..4.min(m.len())]).or_default();
        y.0 += ids.len();
        y.1.push(json!({
            "month": m.get(5..7).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0),
            "url": format!("/{}/", m.replace('-', "/")),
            "count": ids.len(),
        }));
    }
    let years: Vec<Value> = years
        .into_iter()
        .rev()
        .map(|(y, (count, months))| json!({"year": y.parse::<i32>().unwrap_or(0), "count": count, "months": months}))
        .collect();
    single("/archive/", "archive.html", json!({ "years": years }));
    let mut tags: Vec<(&str, usize)> = by_tag.iter().map(|(t, v)| (*t, v.len())).collect();
    tags.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let tags: Vec<Value> = tags
        .into_iter()
        .map(|(t, n)| json!({"name": t, "url": tag_url(t), "count": n}))
        .collect();
    single("/tags/", "tags.html", json!({ "tags": tags }));
    let units: Vec<Value> = by_unit
        .iter()
        .map(|(u, v)| json!({"name": u, "url": unit_url(u), "count": v.len()}))
        .collect();
    single("/units/", "units.html", json!({ "units": units }));
    // Magazine issues: the list of issues, and each issue's table of contents.
    let by_id: HashMap<&str, usize> = a
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    let publications: Vec<Value> = input
        .publications
        .iter()
        .map(|p| {
            let issues: Vec<Value> = p
                .issues
                .iter()
                .map(|i| json!({"title": i.label, "url": i.url, "date": i.date, "total": i.total}))
                .collect();
            json!({"name": p.name, "issues": issues})
        })
        .collect();
    single(
        "/issues/",
        "issues.html",
        json!({ "publications": publications }),
    );
    for p in &input.publications {
        for iss in &p.issues {
            let columns: Vec<Value> = iss
                .columns
                .iter()
                .map(|(name, ids)| {
                    let idx: Vec<usize> = ids
                        .iter()
                        .filter_map(|id| by_id.get(id.as_str()).copied())
                        .collect();
                    json!({"name": name, "articles": sums(&idx)})
                })
                .collect();
            single(
                &iss.url,
                "issue.html",
                json!({"issue": {
                    "publication": p.name,
                    "title": iss.label,
                    "total": iss.total,
                    "date": iss.date,
                    "columns": columns,
                }}),
            );
        }
    }
    single("/search/", "search.html", json!({}));
    pages.push(Page {
        path: "404.html".into(),
        url: "/404.html".into(),
        fingerprint: fp(site_fp, &json!({}), b"404"),
        body: Body::Template("404.html", json!({})),
    });

    // Feeds, sitemap, robots.txt.
    let mut bytes = |path: String, data: Vec<u8>| {
        let mut h = Fx::default();
        h.write(&data);
        pages.push(Page {
            path,
            url: String::new(),
            fingerprint: h.finish(),
            body: Body::Bytes(data),
        });
    };
    bytes(
        "atom.xml".into(),
        atom(
            &site,
            &site.title,
            "/",
            "/atom.xml",
            &newest[..newest.len().min(20)],
            a,
            &summaries,
        ),
    );
    for c in &input.columns {
        if let Some(ids) = by_column.get(c.name.as_str()) {
            let base = column_url(&c.slug);
            bytes(
                file_of(&format!("{base}atom.xml")),
                atom(
                    &site,
                    &format!("{} - {}", c.name, site.title),
                    &base,
                    &format!("{base}atom.xml"),
                    &ids[..ids.len().min(20)],
                    a,
                    &summaries,
                ),
            );
        }
    }
    let mut urls: Vec<(String, Option<&str>)> = vec![("/".to_string(), None)];
    for c in &site.columns {
        urls.push((c.url.clone(), None));
    }
    for p in &input.publications {
        for iss in &p.issues {
            urls.push((iss.url.clone(), Some(iss.date.as_str())));
        }
    }
    for &i in &newest {
        urls.push((a[i].url.clone(), Some(a[i].date.as_str())));
    }
    const PER_SITEMAP: usize = 40_000;
    let map = |urls: &[(String, Option<&str>)]| -> Vec<u8> {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (u, d) in urls {
            s.push_str(&format!(
                "<url><loc>{}{}</loc>",
                xml(&site.base_url),
                xml(u)
            ));
            if let Some(d) = d {
                s.push_str(&format!("<lastmod>{d}</lastmod>"));
            }
            s.push_str("</url>\n");
        }
        s.push_str("</urlset>\n");
        s.into_bytes()
    };
    if urls.len() <= PER_SITEMAP {
        bytes("sitemap.xml".into(), map(&urls));
    } else {
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (k, chunk) in urls.chunks(PER_SITEMAP).enumerate() {
            let name = format!("sitemap-{}.xml", k + 1);
            index.push_str(&format!(
                "<sitemap><loc>{}/{name}</loc></sitemap>\n",
                xml(&site.base_url)
            ));
            bytes(name, map(chunk));
        }
        index.push_str("</sitemapindex>\n");
        bytes("sitemap.xml".into(), index.into_bytes());
    }
    bytes(
        "robots.txt".into(),
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            site.base_url
        )
        .into_bytes(),
    );
    for (p, data) in statics {
        bytes(p.clone(), data.clone());
    }
    Ok(Plan {
        pages,
        summaries,
        doc_fps,
        site,
    })
}

/// Up to five articles sharing most tags with article `i`, nearest in time first. Only the
/// ten neighbours on each side within each tag are considered, so the cost stays linear
/// however large a tag grows.
fn related(i: usize, a: &[Article], by_tag: &BTreeMap<&str, Vec<usize>>) -> Vec<usize> {
    // At most 21 candidates per tag: a small vector beats a hash map here.
    let mut score: Vec<(usize, usize)> = Vec::new();
    for t in &a[i].tags {
        let Some(list) = by_tag.get(t.as_str()) else {
            continue;
        };
        // Lists are newest first, so indexes decrease along them.
        let p = list.partition_point(|&j| j > i);
        let from = p.saturating_sub(10);
        let to = (p + 11).min(list.len());
        for &j in &list[from..to] {
            if j != i {
                match score.iter_mut().find(|(k, _)| *k == j) {
                    Some(e) => e.1 += 1,
                    None => score.push((j, 1)),
                }
            }
        }
    }
    score.sort_by(|x, y| {
        y.1.cmp(&x.1)
            .then(i.abs_diff(x.0).cmp(&i.abs_diff(y.0)))
            .then(y.0.cmp(&x.0))
    });
    // Not `score.into_iter()…collect()`: that would reuse `score`'s allocation (room for
    // dozens of candidates) for the five kept, and 50,000 articles keep them all.
    score.iter().take(5).map(|&(j, _)| j).collect()
}

fn atom(
    site: &SiteCtx,
    title: &str,
    link: &str,
    self_url: &str,
    ids: &[usize],
    a: &[Article],
    summaries: &[Summary],
) -> Vec<u8> {
    let updated = ids
        .first()
        .map(|&i| a[i].datetime.as_str())
        .unwrap_or("1970-01-01T00:00:00+00:00");
    let base = xml(&site.base_url);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n\
         <title>{}</title>\n<link href=\"{base}{}\"/>\n<link rel=\"self\" href=\"{base}{}\"/>\n\
         <id>{base}{}</id>\n<updated>{updated}</updated>\n<author><name>{}</name></author>\n",
        xml(title),
        xml(link),
        xml(self_url),
        xml(self_url),
        xml(&site.office)
    );
    for &i in ids {
        let x = &a[i];
        s.push_str(&format!(
            "<entry>\n<title>{}</title>\n<link href=\"{base}{}\"/>\n<id>{base}{}</id>\n<updated>{}</updated>\n",
            xml(&x.title),
            xml(&x.url),
            xml(&x.url),
            x.datetime
        ));
        for au in &x.authors {
            s.push_str(&format!("<author><name>{}</name></author>\n", xml(au)));
        }
        s.push_str(&format!(
            "<summary>{}</summary>\n</entry>\n",
            xml(&summaries[i].summary)
        ));
    }
    s.push_str("</feed>\n");
    s.into_bytes()
}

/// The links map for resolving `item:ID` and moved links.
pub fn links(input: &SiteInput) -> Links<'_> {
    input
        .articles
        .iter()
        .map(|a| (a.id.as_str(), a.url.as_str()))
        .collect()
}
