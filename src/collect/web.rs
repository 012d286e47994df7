//! Web and feed sources: list pages with per-site rules, and RSS/Atom/JSON feeds. Both end
//! in the same place: an article URL, fetched politely, decoded, extracted, filtered by
//! keywords, de-duplicated in the store, and recorded in the page ledger.
//!
//! Incremental by construction: a list page or feed is fetched conditionally; an article URL
//! already in the ledger is never fetched again; pagination stops at the first list page
//! with nothing new. A list page's validators are saved only after every new article on it
//! was dealt with, so a crash or a failed fetch means the next run looks again.
//!
//! The fetching is async (many pages in flight, per-host limits in the fetcher); the store is
//! written from the calling thread, one page at a time, so memory stays bounded by the
//! number of requests in flight, not by the size of the site.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::FixedOffset;
use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::extract::{self, Article, CompiledRules, Rules};
use super::fetch::{FetchError, FetchSettings, Fetched, Fetcher, Page};
use super::{CollectCtx, Source, SourceError, SourceReport, decode, feed};
use crate::store::{Author, ItemKind, NewItem, NewPage, PageOutcome, SourceRun};

/// `[[sources]] type = "web"`: list pages and the articles they link to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebSourceDef {
    /// Name of this source, recorded on its items; unique in the project.
    pub name: String,
    /// List pages to start from: http(s) URLs, file:// URLs, or paths relative to the
    /// project root.
    pub start: Vec<String>,
    /// CSS selector for article links on a list page, e.g. "ul.news-list a". Absent: links
    /// whose text looks like a headline on the same site.
    #[serde(default)]
    pub links: Option<String>,
    /// CSS selector for the next-page link, e.g. "a.next".
    #[serde(default)]
    pub next: Option<String>,
    /// List pages followed per start page (default 3).
    #[serde(default = "default_max_pages")]
    pub max_pages: usize,
    /// New articles fetched per run (default 200).
    #[serde(default = "default_max_articles")]
    pub max_articles: usize,
    /// Selectors for the article pages; what they do not give comes from the generic
    /// extractor.
    #[serde(default)]
    pub rules: Rules,
    #[serde(flatten)]
    pub common: Common,
}

/// `[[sources]] type = "feed"`: an RSS, Atom or JSON feed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedSourceDef {
    pub name: String,
    /// The feed: http(s) URL, file:// URL, or a path relative to the project root.
    pub url: String,
    /// When to fetch an entry's page: "auto" (default) when the feed carries only a summary,
    /// "always", or "never".
    #[serde(default)]
    pub full_text: FullText,
    /// Selectors for the entries' pages (as for web sources).
    #[serde(default)]
    pub rules: Rules,
    /// New entries taken per run (default 200).
    #[serde(default = "default_max_articles")]
    pub max_articles: usize,
    #[serde(flatten)]
    pub common: Common,
}

/// Settings shared by web and feed sources.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct Common {
    /// Keep an article only if its title or body contains one of these words.
    #[serde(default)]
    pub include: Vec<String>,
    /// Drop an article whose title contains one of these words (titles only: a body may
    /// mention a word in passing).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// 来源 to record when a page names none (e.g. "江北人大网").
    #[serde(default)]
    pub outlet: Option<String>,
    /// Overrides `[fetch] delay_seconds` for this source.
    #[serde(default)]
    pub delay_seconds: Option<f64>,
    /// Overrides `[fetch] per_host_concurrency` for this source.
    #[serde(default)]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FullText {
    #[default]
    Auto,
    Always,
    Never,
}

fn default_max_pages() -> usize {
    3
}
fn default_max_articles() -> usize {
    200
}

/// Entries carrying at least this much text are taken from the feed without a page fetch.
const FULL_CONTENT_CHARS: usize = 200;
/// Requests in flight per source (the fetcher's per-host limit applies within this).
const IN_FLIGHT: usize = 16;

// ---- canonical URLs ----

const TRACKING: &[&str] = &[
    "spm",
    "from",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "share_token",
    "sharer_shareid",
    "sharer_sharetime",
    "wfr",
    "ref",
    "_wv",
    "timestamp",
    "t",
    "chksm",
    "mpshare",
    "srcid",
    "sessionid",
    "fromsource",
    "share_from",
];

/// The URL an article is known by: no fragment, no tracking parameters (utm_*, spm, from…),
/// remaining parameters sorted, no default port, and a trailing index/default page removed.
pub fn canonical_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let path = u.path().to_string();
    for idx in [
        "index.html",
        "index.htm",
        "index.shtml",
        "index.php",
        "default.html",
        "default.htm",
        "default.aspx",
    ] {
        if let Some(stripped) = path.strip_suffix(idx)
            && stripped.ends_with('/')
        {
            u.set_path(stripped);
            break;
        }
    }
    u.to_string()
}

// ---- documents ----

/// A fetched document, decoded and understood.
pub enum Document {
    Article {
        article: Box<Article>,
        charset: &'static str,
    },
    Feed(feed::ParsedFeed),
}

/// Decodes and extracts a fetched page (or parses it as a feed).
pub fn read_document(
    page: &Page,
    rules: Option<&CompiledRules>,
    offset: FixedOffset,
) -> Result<Document, String> {
    if feed::looks_like_feed(&page.bytes, page.content_type.as_deref()) {
        return feed::parse(&page.bytes, page.header_charset.as_deref(), &page.url)
            .map(Document::Feed);
    }
    let meta = decode::html_charset(&page.bytes);
    let (text, charset) = decode::decode_named(
        &page.bytes,
        &[page.header_charset.as_deref(), meta.as_deref()],
    )
    .map_err(|e| e.to_string())?;
    Ok(Document::Article {
        article: Box::new(extract::extract(&text, &page.url, rules, offset)),
        charset,
    })
}

/// Decodes and extracts a page read back from the raw archive.
pub fn reread(
    bytes: &[u8],
    url: &Url,
    rules: Option<&CompiledRules>,
    offset: FixedOffset,
) -> Option<Article> {
    let meta = decode::html_charset(bytes);
    let (text, _) = decode::decode_named(bytes, &[meta.as_deref()]).ok()?;
    Some(extract::extract(&text, url, rules, offset))
}

/// The NewItem for an extracted article.
pub fn article_item(a: &Article, url: &str, default_outlet: Option<&str>) -> NewItem {
    let names: Vec<&str> = a
        .author
        .as_deref()
        .map(|s| s.split('、').filter(|n| !n.is_empty()).collect())
        .unwrap_or_default();
    let share = if names.is_empty() {
        1.0
    } else {
        1.0 / names.len() as f64
    };
    NewItem {
        kind: Some(ItemKind::News),
        title: a.title.clone(),
        body: a.body.clone(),
        published_at: a.published.map(|t| t.to_rfc3339()),
        url: Some(url.to_string()),
        authors: names
            .into_iter()
            .map(|n| Author {
                name: n.to_string(),
                unit: None,
                share,
            })
            .collect(),
        outlet: a
            .source
            .clone()
            .or_else(|| default_outlet.map(str::to_string)),
        ..NewItem::default()
    }
}

// ---- the sources ----

pub struct WebSource {
    def: WebSourceDef,
    rules: CompiledRules,
    settings: FetchSettings,
}

pub struct FeedSource {
    def: FeedSourceDef,
    rules: CompiledRules,
    settings: FetchSettings,
}

impl WebSource {
    pub fn new(def: &WebSourceDef, fetch: &FetchSettings) -> Result<WebSource, String> {
        Ok(WebSource {
            rules: def.rules.compile()?,
            settings: overrides(fetch, &def.common),
            def: def.clone(),
        })
    }
}

impl FeedSource {
    pub fn new(def: &FeedSourceDef, fetch: &FetchSettings) -> Result<FeedSource, String> {
        Ok(FeedSource {
            rules: def.rules.compile()?,
            settings: overrides(fetch, &def.common),
            def: def.clone(),
        })
    }
}

fn overrides(fetch: &FetchSettings, c: &Common) -> FetchSettings {
    let mut s = fetch.clone();
    if let Some(d) = c.delay_seconds {
        s.delay_seconds = d;
    }
    if let Some(n) = c.concurrency {
        s.per_host_concurrency = n;
    }
    s
}

impl Source for WebSource {
    fn name(&self) -> &str {
        &self.def.name
    }

    fn collect(&self, ctx: &mut CollectCtx<'_>) -> Result<SourceReport, SourceError> {
        let mut h = Harvest::new(
            ctx,
            &self.def.name,
            "web",
            &self.settings,
            &self.def.common,
            &self.rules,
        )?;
        let mut budget = self.def.max_articles;
        let links_sel = parse_sel(self.def.links.as_deref(), "links")?;
        let next_sel = parse_sel(self.def.next.as_deref(), "next")?;
        let mut seen: HashSet<String> = HashSet::new();
        // Phase 1: walk the list pages (conditionally), gathering new article links. All
        // sites' links are fetched together in phase 2, so per-host delays overlap.
        struct ListPage {
            key: String,
            validators: super::fetch::Validators,
            links: Vec<String>,
            complete: bool,
            /// Which start page's chain this page belongs to.
            chain: usize,
        }
        let mut lists: Vec<ListPage> = Vec::new();
        let mut jobs: Vec<(Url, Option<feed::FeedEntry>)> = Vec::new();
        // Chains are walked in rounds: page k of every start page is fetched at once (the
        // starts are often different sites, whose delays then overlap).
        let mut active: Vec<(usize, Url)> = Vec::new();
        for (chain, start) in self.def.start.iter().enumerate() {
            let u = super::fetch::resolve_location(start, h.ctx.project_root)
                .map_err(|e| SourceError::Config(format!("start「{start}」：{e}")))?;
            active.push((chain, u));
        }
        for _round in 0..self.def.max_pages.max(1) {
            if active.is_empty() || h.ctx.cancel.is_cancelled() || budget == 0 {
                break;
            }
            let fetched = h.fetch_lists(std::mem::take(&mut active));
            for (chain, list_url, page) in fetched {
                let Some(page) = page else { continue };
                let key = canonical_url(&list_url);
                let (text, _) = match decode::decode_named(
                    &page.bytes,
                    &[
                        page.header_charset.as_deref(),
                        decode::html_charset(&page.bytes).as_deref(),
                    ],
                ) {
                    Ok(t) => t,
                    Err(e) => {
                        h.problem(format!("列表页 {list_url}：{e}"));
                        continue;
                    }
                };
                let (links, next) =
                    list_links(&text, &page.url, links_sel.as_ref(), next_sel.as_ref());
                h.run.links += links.len() as u64;
                if links.is_empty() {
                    h.problem(match &self.def.links {
                        Some(sel) => format!("列表页 {list_url}：选择器 links「{sel}」没有匹配到任何文章链接（网站可能改版）"),
                        None => format!("列表页 {list_url}：没有找到文章链接"),
                    });
                }
                let mut fresh = Vec::new();
                for l in links {
                    let c = canonical_url(&l);
                    if seen.insert(c.clone()) && !h.ctx.store.page_known(&self.def.name, &c)? {
                        fresh.push(l);
                    }
                }
                let nothing_new = fresh.is_empty();
                let complete = fresh.len() <= budget;
                fresh.truncate(budget);
                budget -= fresh.len();
                lists.push(ListPage {
                    key,
                    validators: page.validators,
                    links: fresh.iter().map(canonical_url).collect(),
                    complete,
                    chain,
                });
                jobs.extend(fresh.into_iter().map(|u| (u, None)));
                // Everything on this page was known: older pages are too.
                if !nothing_new && let Some(n) = next {
                    active.push((chain, n));
                }
            }
        }
        // Phase 2: the articles.
        let failed = h.fetch_articles(jobs)?;
        // Phase 3: a list page counts as seen only when every new article on it, and on
        // every later page of its chain, was dealt with: a 304 for it next run stops the walk
        // there, so nothing behind it may still be pending.
        if !h.ctx.cancel.is_cancelled() {
            let mut later_ok: std::collections::HashMap<usize, bool> = Default::default();
            for l in lists.iter().rev() {
                let ok = later_ok.entry(l.chain).or_insert(true);
                *ok = *ok && l.complete && !l.links.iter().any(|u| failed.contains(u));
                if *ok {
                    h.ctx.store.save_validators(&l.key, &l.validators)?;
                }
            }
        }
        Ok(h.finish())
    }
}

impl Source for FeedSource {
    fn name(&self) -> &str {
        &self.def.name
    }

    fn collect(&self, ctx: &mut CollectCtx<'_>) -> Result<SourceReport, SourceError> {
        let mut h = Harvest::new(
            ctx,
            &self.def.name,
            "feed",
            &self.settings,
            &self.def.common,
            &self.rules,
        )?;
        let url = super::fetch::resolve_location(&self.def.url, h.ctx.project_root)
            .map_err(|e| SourceError::Config(format!("url「{}」：{e}", self.def.url)))?;
        let key = canonical_url(&url);
        let Some((_, _, Some(page))) = h.fetch_lists(vec![(0, url.clone())]).pop() else {
            return Ok(h.finish());
        };
        let parsed = match feed::parse(&page.bytes, page.header_charset.as_deref(), &page.url) {
            Ok(f) => f,
            Err(e) => {
                h.failed_source(format!("订阅源 {url}：{e}"));
                return Ok(h.finish());
            }
        };
        h.run.links += parsed.entries.len() as u64;
        if parsed.entries.is_empty() {
            h.problem(format!("订阅源 {url} 没有任何条目"));
        }
        let mut jobs = Vec::new();
        let mut seen = HashSet::new();
        let mut entry_failed = false;
        let mut complete = true;
        let mut taken = 0;
        for e in parsed.entries {
            let Some(link) = e.link.clone().filter(|l| {
                matches!(l.scheme(), "http" | "https")
                    || (l.scheme() == "file" && url.scheme() == "file")
            }) else {
                h.problem(format!(
                    "订阅源 {url}：条目「{}」没有可用的链接，已跳过",
                    e.title
                ));
                continue;
            };
            let c = canonical_url(&link);
            if !seen.insert(c.clone()) || h.ctx.store.page_known(&self.def.name, &c)? {
                continue;
            }
            if taken >= self.def.max_articles {
                // More new entries than one run takes: the feed must not count as seen.
                complete = false;
                break;
            }
            taken += 1;
            let content_chars = e
                .content_html
                .as_deref()
                .map(|c| {
                    feed::html_to_text(c)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .count()
                })
                .unwrap_or(0);
            let use_content = !e.title.trim().is_empty()
                && match self.def.full_text {
                    FullText::Never => true,
                    FullText::Always => false,
                    FullText::Auto => content_chars >= FULL_CONTENT_CHARS,
                };
            if use_content {
                let a = entry_article(&e, &link, h.offset);
                if !h.take_article(&link, None, a, None)? {
                    entry_failed = true;
                }
            } else {
                jobs.push((link, Some(e)));
            }
        }
        let failed = h.fetch_articles(jobs)?;
        if failed.is_empty() && !entry_failed && complete && !h.ctx.cancel.is_cancelled() {
            h.ctx.store.save_validators(&key, &page.validators)?;
        }
        Ok(h.finish())
    }
}

fn parse_sel(s: Option<&str>, field: &str) -> Result<Option<scraper::Selector>, SourceError> {
    s.map(|s| {
        scraper::Selector::parse(s)
            .map_err(|e| SourceError::Config(format!("{field} 的 CSS 选择器「{s}」无效：{e}")))
    })
    .transpose()
}

/// An article made from a feed entry's own content.
fn entry_article(e: &feed::FeedEntry, link: &Url, offset: FixedOffset) -> Article {
    let html = e.content_html.clone().unwrap_or_else(|| {
        e.summary
            .clone()
            .map(|s| format!("<p>{}</p>", html_escape(&s)))
            .unwrap_or_default()
    });
    let wrapped = format!("<html><body><div class=\"content\">{html}</div></body></html>");
    let rules = Rules {
        body: Some("div.content".into()),
        ..Rules::default()
    }
    .compile()
    .unwrap_or_default();
    let mut a = extract::extract(&wrapped, link, Some(&rules), offset);
    a.title = e.title.clone();
    a.published = e.published.or(a.published);
    if !e.authors.is_empty() {
        a.author = Some(e.authors.join("、"));
    }
    a
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Article links (and the next-page link) of a list page.
fn list_links(
    html: &str,
    base: &Url,
    links: Option<&scraper::Selector>,
    next: Option<&scraper::Selector>,
) -> (Vec<Url>, Option<Url>) {
    if extract::too_deep(html).is_some() {
        return (Vec::new(), None);
    }
    let doc = scraper::Html::parse_document(html);
    let href = |e: scraper::ElementRef<'_>| -> Option<Url> {
        let h = e.value().attr("href")?.trim();
        if h.is_empty() || h.starts_with('#') || h.starts_with("javascript:") {
            return None;
        }
        let u = base.join(h).ok()?;
        // file: links only from file: pages (the offline samples): a website must not make
        // us read local files.
        let ok = matches!(u.scheme(), "http" | "https")
            || (u.scheme() == "file" && base.scheme() == "file");
        ok.then_some(u)
    };
    let mut out = Vec::new();
    match links {
        Some(sel) => {
            for e in doc.select(sel) {
                // The selector may point at the <a> or at its container.
                let a = if e.value().name() == "a" {
                    Some(e)
                } else {
                    scraper::Selector::parse("a[href]")
                        .ok()
                        .and_then(|s| e.select(&s).next())
                };
                if let Some(u) = a.and_then(href) {
                    out.push(u);
                }
            }
        }
        None => {
            // Headline-like links on the same site, outside navigation and footers.
            if let Ok(sel) = scraper::Selector::parse("a[href]") {
                for e in doc.select(&sel) {
                    let text: String = e.text().collect();
                    let n = text.chars().filter(|c| !c.is_whitespace()).count();
                    let in_nav = e
                        .ancestors()
                        .filter_map(scraper::ElementRef::wrap)
                        .any(|a| {
                            matches!(a.value().name(), "nav" | "header" | "footer")
                                || a.value().attr("class").is_some_and(|c| {
                                    let c = c.to_ascii_lowercase();
                                    c.contains("nav")
                                        || c.contains("menu")
                                        || c.contains("footer")
                                        || c.contains("page")
                                })
                        });
                    if n >= 8
                        && !in_nav
                        && let Some(u) = href(e)
                        && u.host_str() == base.host_str()
                    {
                        out.push(u);
                    }
                }
            }
        }
    }
    let next = next
        .and_then(|sel| doc.select(sel).find_map(href))
        .or_else(|| {
            // Without a rule: a link whose text says 下一页.
            scraper::Selector::parse("a[href]").ok().and_then(|sel| {
                doc.select(&sel).find_map(|e| {
                    let t: String = e.text().collect();
                    (t.trim() == "下一页"
                        || t.trim() == "下页"
                        || t.trim() == "›"
                        || t.trim() == "下一页>")
                        .then(|| href(e))
                        .flatten()
                })
            })
        });
    (out, next.filter(|n| n != base))
}

/// Orders jobs round-robin over their hosts. Requests in flight are capped per source; in
/// link order, one slow (polite) host would hold every slot while the others wait.
fn interleave_hosts<T>(jobs: Vec<(Url, T)>) -> Vec<(Url, T)> {
    let mut queues: Vec<(String, std::collections::VecDeque<(Url, T)>)> = Vec::new();
    for (u, t) in jobs {
        let o = super::fetch::origin(&u);
        match queues.iter_mut().find(|(h, _)| *h == o) {
            Some((_, q)) => q.push_back((u, t)),
            None => queues.push((o, std::collections::VecDeque::from([(u, t)]))),
        }
    }
    let mut out = Vec::new();
    while queues.iter().any(|(_, q)| !q.is_empty()) {
        for (_, q) in queues.iter_mut() {
            if let Some(j) = q.pop_front() {
                out.push(j);
            }
        }
    }
    out
}

// ---- the shared machinery ----

struct Harvest<'c, 'a> {
    ctx: &'c mut CollectCtx<'a>,
    name: String,
    common: Common,
    rules: CompiledRules,
    fetcher: Arc<Fetcher>,
    rt: tokio::runtime::Runtime,
    offset: FixedOffset,
    raw_dir: PathBuf,
    run: SourceRun,
    report: SourceReport,
    selector_misses: std::collections::BTreeMap<String, u64>,
}

impl<'c, 'a> Harvest<'c, 'a> {
    fn new(
        ctx: &'c mut CollectCtx<'a>,
        name: &str,
        kind: &str,
        settings: &FetchSettings,
        common: &Common,
        rules: &CompiledRules,
    ) -> Result<Self, SourceError> {
        let fetcher =
            Fetcher::new(settings.clone()).map_err(|e| SourceError::Config(e.to_string()))?;
        // Per-page commits need not wait for the disk (see Store::set_durable); `finish`
        // and Drop restore full durability.
        ctx.store.set_durable(false)?;
        for (origin, body) in ctx.store.fresh_robots(24)? {
            fetcher.remember_robots(&origin, &body);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| SourceError::Config(format!("无法启动网络运行时：{e}")))?;
        let offset = ctx.config.project.timezone.offset_now();
        let raw_dir = ctx.data_dir.join("raw").join(name);
        Ok(Harvest {
            name: name.to_string(),
            common: common.clone(),
            rules: rules.clone(),
            fetcher: Arc::new(fetcher),
            rt,
            offset,
            raw_dir,
            run: SourceRun {
                source: name.to_string(),
                kind: kind.to_string(),
                ok: true,
                ..SourceRun::default()
            },
            report: SourceReport::default(),
            selector_misses: Default::default(),
            ctx,
        })
    }

    fn problem(&mut self, msg: String) {
        tracing::warn!("来源「{}」：{msg}", self.name);
        self.run.problems.push(msg);
    }

    fn failed_source(&mut self, msg: String) {
        self.run.ok = false;
        self.report
            .errors
            .push(format!("来源「{}」：{msg}", self.name));
        self.problem(msg);
    }

    /// Fetches a list page or feed conditionally. None: not modified, or failed (recorded).
    /// Fetches several list pages at once (each conditionally); a page is None when it is
    /// unchanged or failed (recorded).
    fn fetch_lists(&mut self, urls: Vec<(usize, Url)>) -> Vec<(usize, Url, Option<Page>)> {
        let mut set = tokio::task::JoinSet::new();
        let mut out: Vec<(usize, Url, Option<Page>)> = Vec::new();
        for (i, (chain, url)) in urls.into_iter().enumerate() {
            let validators = match self.ctx.store.validators(&canonical_url(&url)) {
                Ok(v) => v,
                Err(e) => {
                    self.failed_source(e.to_string());
                    out.push((chain, url, None));
                    continue;
                }
            };
            let f = self.fetcher.clone();
            set.spawn_on(
                async move {
                    let r = f.get(&url, validators.as_ref()).await;
                    (i, chain, url, r)
                },
                self.rt.handle(),
            );
        }
        let mut results = self.rt.block_on(set.join_all());
        results.sort_by_key(|(i, ..)| *i);
        for (_, chain, url, r) in results {
            let page = match r {
                Ok(Fetched::Page(p)) => Some(p),
                Ok(Fetched::NotModified(_)) => {
                    tracing::info!("来源「{}」：{url} 没有变化", self.name);
                    None
                }
                Err(e) => {
                    self.report.counts.failed += 1;
                    self.failed_source(e.to_string());
                    None
                }
            };
            out.push((chain, url, page));
        }
        out
    }

    /// Fetches article pages concurrently and takes each in as it arrives. Returns the
    /// canonical URLs (as linked) not yet dealt with: to be tried again next run, so the
    /// list page or feed that linked them must not be marked as seen.
    fn fetch_articles(
        &mut self,
        jobs: Vec<(Url, Option<feed::FeedEntry>)>,
    ) -> Result<HashSet<String>, SourceError> {
        let mut pending = HashSet::new();
        if jobs.is_empty() {
            return Ok(pending);
        }
        self.ctx.progress.start(&self.name, jobs.len() as u64);
        let jobs = interleave_hosts(jobs);
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let in_flight = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let mut handles = Vec::with_capacity(jobs.len());
        for (url, entry) in jobs {
            pending.insert(canonical_url(&url));
            let f = self.fetcher.clone();
            let tx = tx.clone();
            let sem = in_flight.clone();
            handles.push(self.rt.spawn(async move {
                let Ok(_permit) = sem.acquire_owned().await else {
                    return;
                };
                let r = f.get(&url, None).await;
                let _ = tx.send((url, entry, r)).await;
            }));
        }
        drop(tx);
        let mut done = 0;
        while let Some((url, entry, r)) = rx.blocking_recv() {
            done += 1;
            self.ctx.progress.advance(done);
            if self.ctx.cancel.is_cancelled() {
                break;
            }
            let dealt_with = match r {
                Ok(Fetched::Page(page)) => self.take_page(&url, page, entry)?,
                Ok(Fetched::NotModified(_)) => true,
                Err(FetchError::Robots { url: u }) => {
                    tracing::info!("{}", FetchError::Robots { url: u });
                    self.report.counts.skipped += 1;
                    true
                }
                Err(e) => {
                    let msg = e.to_string();
                    self.report.counts.failed += 1;
                    self.run.failed += 1;
                    self.report.errors.push(msg.clone());
                    self.problem(msg.clone());
                    if e.transient() {
                        // Server or network trouble: no ledger row, every run tries again.
                        false
                    } else {
                        // 4xx, not a page, too large: a few more tries, then given up.
                        self.ctx.store.record_failed_page(
                            &self.name,
                            &canonical_url(&url),
                            &msg,
                            None,
                            self.ctx.run_id,
                        )?
                    }
                }
            };
            if dealt_with {
                pending.remove(&canonical_url(&url));
            }
        }
        for h in handles {
            h.abort();
        }
        self.ctx.progress.finish();
        Ok(pending)
    }

    /// Takes a fetched article page in. True when the page is dealt with for good.
    fn take_page(
        &mut self,
        linked: &Url,
        page: Page,
        entry: Option<feed::FeedEntry>,
    ) -> Result<bool, SourceError> {
        let raw_path = self.save_raw(&page.bytes);
        let mut article = match read_document(&page, Some(&self.rules), self.offset) {
            Ok(Document::Article { article, .. }) => *article,
            Ok(Document::Feed(_)) => {
                return self.unextracted(linked, "是订阅源而不是文章页".into(), raw_path);
            }
            Err(e) => return self.unextracted(linked, e, raw_path),
        };
        for m in std::mem::take(&mut article.misses) {
            if m.starts_with("rules.") {
                *self.selector_misses.entry(m).or_default() += 1;
            } else {
                return self.unextracted(linked, m, raw_path);
            }
        }
        if let Some(e) = &entry {
            // The feed's own title and date are authoritative when the page is unclear.
            if article.title.is_empty() && !e.title.is_empty() {
                article.title = e.title.clone();
            }
            if article.published.is_none() {
                article.published = e.published;
            }
            if article.author.is_none() && !e.authors.is_empty() {
                article.author = Some(e.authors.join("、"));
            }
        }
        self.follow_pages(&mut article);
        let title_n = article.title.chars().filter(|c| !c.is_whitespace()).count();
        let body_n = article.body.chars().filter(|c| !c.is_whitespace()).count();
        if title_n == 0 {
            return self.unextracted(linked, "未能抽取到标题".into(), raw_path);
        }
        if body_n < 20 {
            return self.unextracted(
                linked,
                "未能抽取到正文（可能不是文章页，或需要配置 rules.body）".into(),
                raw_path,
            );
        }
        self.take_article(&page.url, Some(linked), article, raw_path)
    }

    /// Appends the later pages of an article split over several (at most 20), fetched one
    /// after another with the same politeness.
    fn follow_pages(&mut self, article: &mut Article) {
        let mut seen = HashSet::new();
        while let Some(next) = article.next_page.take() {
            if seen.len() >= 20 || !seen.insert(next.to_string()) {
                break;
            }
            let f = self.fetcher.clone();
            let page = match self.rt.block_on(f.get(&next, None)) {
                Ok(Fetched::Page(p)) => p,
                Ok(Fetched::NotModified(_)) => break,
                Err(e) => {
                    self.problem(format!("文章的后续页 {e}"));
                    break;
                }
            };
            let Ok(Document::Article { article: more, .. }) =
                read_document(&page, Some(&self.rules), self.offset)
            else {
                break;
            };
            if !more.body.is_empty() {
                article.body.push_str("\n\n");
                article.body.push_str(&more.body);
            }
            article.images.extend(more.images);
            article.next_page = more.next_page;
        }
    }

    /// A page that yielded no article (an error page served with 200, a redesign): reported,
    /// and tried again on the next runs before it is given up.
    fn unextracted(
        &mut self,
        linked: &Url,
        why: String,
        raw_path: Option<String>,
    ) -> Result<bool, SourceError> {
        let msg = format!("{linked}：{why}");
        self.report.counts.failed += 1;
        self.run.failed += 1;
        self.report.errors.push(msg.clone());
        self.problem(msg.clone());
        Ok(self.ctx.store.record_failed_page(
            &self.name,
            &canonical_url(linked),
            &msg,
            raw_path.as_deref(),
            self.ctx.run_id,
        )?)
    }

    fn save_raw(&mut self, bytes: &[u8]) -> Option<String> {
        let hash = crate::text::sha256_hex(bytes);
        let path = self
            .raw_dir
            .join(&hash[..2])
            .join(format!("{}.html", &hash[..32]));
        if !path.exists() {
            let res = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
                .and_then(|()| crate::fsio::write_replace(&path, bytes));
            if let Err(e) = res {
                self.problem(format!("无法保存网页原件 {}：{e}", path.display()));
                return None;
            }
        }
        Some(
            path.strip_prefix(self.ctx.project_root)
                .unwrap_or(&path)
                .display()
                .to_string(),
        )
    }

    /// Filters and stores an article. True when dealt with (stored, linked or filtered).
    fn take_article(
        &mut self,
        url: &Url,
        linked: Option<&Url>,
        a: Article,
        raw_path: Option<String>,
    ) -> Result<bool, SourceError> {
        let canon = canonical_url(url);
        let reason = if !self.common.include.is_empty()
            && !self
                .common
                .include
                .iter()
                .any(|k| a.title.contains(k.as_str()) || a.body.contains(k.as_str()))
        {
            Some(format!(
                "不含关键词（include：{}）",
                self.common.include.join("、")
            ))
        } else {
            self.common
                .exclude
                .iter()
                .find(|k| a.title.contains(k.as_str()))
                .map(|k| format!("标题含排除词「{k}」"))
        };
        let linked_as = linked.map(canonical_url).filter(|l| *l != canon);
        if let Some(reason) = reason {
            tracing::info!("来源「{}」：跳过 {canon}：{reason}", self.name);
            for u in std::iter::once(&canon).chain(linked_as.iter()) {
                self.ctx.store.record_filtered_page(
                    &self.name,
                    u,
                    &a.title,
                    &reason,
                    self.ctx.run_id,
                )?;
            }
            self.run.filtered += 1;
            self.report.counts.skipped += 1;
            return Ok(true);
        }
        let item = article_item(&a, &canon, self.common.outlet.as_deref());
        let page = NewPage {
            source: self.name.clone(),
            url: canon.clone(),
            linked_as,
            raw_path,
        };
        let stored = self.ctx.store.store_page(&item, &page, self.ctx.run_id);
        if stored.is_ok() {
            crate::failpoint::hit("after-commit");
        }
        match stored {
            Ok(PageOutcome::Stored(id)) => {
                tracing::debug!("新闻 {id}：{canon}");
                self.run.new += 1;
                self.report.counts.new += 1;
            }
            Ok(PageOutcome::Duplicate {
                of,
                r#match,
                similarity,
            }) => {
                tracing::info!(
                    "来源「{}」：{canon} 与已收稿件 {of} 重复（{}{}）",
                    self.name,
                    r#match,
                    similarity
                        .map(|s| format!("，相似度 {:.0}%", s * 100.0))
                        .unwrap_or_default()
                );
                self.run.duplicate += 1;
                self.report.counts.duplicate += 1;
            }
            Err(e) if e.is_constraint() => {
                let msg = format!("{canon}：数据库拒绝了这篇文章：{e}");
                self.report.counts.failed += 1;
                self.run.failed += 1;
                self.report.errors.push(msg.clone());
                self.problem(msg);
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(true)
    }

    fn finish(mut self) -> SourceReport {
        if let Err(e) = self.ctx.store.set_durable(true) {
            tracing::warn!("{e}");
        }
        let stats = self.fetcher.stats();
        self.run.requests = stats.requests;
        self.run.not_modified = stats.not_modified;
        let misses = std::mem::take(&mut self.selector_misses);
        for (sel, n) in misses {
            self.problem(format!(
                "选择器 {sel} 在 {n} 个页面上没有匹配（已改用通用抽取，网站可能改版）"
            ));
        }
        for (origin, body) in self.fetcher.take_fresh_robots() {
            if let Err(e) = self.ctx.store.save_robots(&origin, &body) {
                tracing::warn!("无法保存 robots.txt：{e}");
            }
        }
        if let Some(run_id) = self.ctx.run_id
            && let Err(e) = self.ctx.store.record_source_run(run_id, &self.run)
        {
            tracing::warn!("无法记录来源运行情况：{e}");
        }
        self.report.run = Some(self.run.clone());
        std::mem::take(&mut self.report)
    }
}

impl Drop for Harvest<'_, '_> {
    /// Whatever way the source ends (an error included), the store goes back to full
    /// durability for the inbox and everything else.
    fn drop(&mut self) {
        let _ = self.ctx.store.set_durable(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_alternate_between_hosts() {
        let u = |s: &str| (Url::parse(s).unwrap(), ());
        let jobs = vec![
            u("http://a.example/1"),
            u("http://a.example/2"),
            u("http://a.example/3"),
            u("http://b.example/1"),
        ];
        let hosts: Vec<String> = interleave_hosts(jobs)
            .iter()
            .map(|(u, _)| format!("{}{}", u.host_str().unwrap_or(""), u.path()))
            .collect();
        assert_eq!(
            hosts,
            ["a.example/1", "b.example/1", "a.example/2", "a.example/3"]
        );
    }

    #[test]
    fn canonical_urls() {
        let c = |s: &str| canonical_url(&Url::parse(s).unwrap());
        assert_eq!(
            c("http://A.example:80/news/index.html#top"),
            "http://a.example/news/"
        );
        assert_eq!(
            c("https://a.example/x.html?utm_source=wx&id=3&spm=1.2&b=1"),
            "https://a.example/x.html?b=1&id=3"
        );
        assert_eq!(
            c("https://a.example/x.html?from=timeline"),
            "https://a.example/x.html"
        );
    }

    #[test]
    fn links_by_rule_and_generic() {
        let html = r#"<div class="nav"><a href="/a">首页首页首页首页首页</a></div>
          <ul class="news-list"><li><a href="2026/11/t1.html">市人大常委会召开第三十次会议</a></li>
          <li><a href="javascript:void(0)">坏链接坏链接坏链接坏链接</a></li></ul>
          <div class="page"><a class="next" href="list_2.html">下一页</a></div>"#;
        let base = Url::parse("http://rd.example/rd/index.html").unwrap();
        let sel = scraper::Selector::parse("ul.news-list a").unwrap();
        let (l, n) = list_links(html, &base, Some(&sel), None);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].as_str(), "http://rd.example/rd/2026/11/t1.html");
        assert_eq!(n.unwrap().as_str(), "http://rd.example/rd/list_2.html");
        let (g, _) = list_links(html, &base, None, None);
        assert_eq!(g.len(), 1, "{g:?}");
    }
}
