//! Site: the static publicity site. `content` loads what is public (released items, or a
//! folder of Markdown for the benchmark); `plan` lists every output with a fingerprint of
//! its inputs; `build` renders what changed into a fresh build folder (linking the rest from
//! the last build), writes the search index (`search`), checks every internal link, and only
//! then switches the published folder to it (`publish`). A failed or killed build leaves the
//! last good site untouched.

pub mod content;
pub mod markdown;
pub mod plan;
pub mod publish;
pub mod search;
pub mod theme;
pub mod tree;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use content::SiteInput;
pub use theme::Theme;

use plan::{Body, Page};

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{}：{source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}：{why}", path.display())]
    Content { path: PathBuf, why: String },
    #[error("主题文件 {}：{why}", path.display())]
    Theme { path: PathBuf, why: String },
    #[error("渲染 {page} 失败（模板 {template}）：{why}")]
    Render {
        page: String,
        template: String,
        why: String,
    },
    #[error("链接检查发现 {} 处失效链接，网站未发布：\n{}", .0.len(), .0.iter().take(20).map(|(p, l)| format!("  {p} → {l}")).collect::<Vec<_>>().join("\n"))]
    BrokenLinks(Vec<(String, String)>),
    #[error("{0}")]
    Publish(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl SiteError {
    pub fn io(path: &Path, source: std::io::Error) -> SiteError {
        SiteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What one build did.
#[derive(Debug, Serialize)]
pub struct Report {
    pub articles: usize,
    pub outputs: usize,
    /// Outputs rendered or written in this build.
    pub written: usize,
    /// Outputs taken over unchanged from the last build.
    pub reused: usize,
    pub search_bytes: u64,
    pub output_bytes: u64,
    pub seconds: f64,
    /// The build folder, now published.
    pub dir: PathBuf,
}

/// The build cache: the fingerprint of every output of the last build, and where it is.
#[derive(Default, Serialize, Deserialize)]
struct Cache {
    version: String,
    build: String,
    search: u64,
    /// Output path → (fingerprint, size).
    pages: HashMap<String, (u64, u64)>,
    /// Older builds the new one points into (see `tree`); recorded in `<build>.refs`, not
    /// in the cache file.
    #[serde(skip)]
    refs: Vec<String>,
    /// Per search doc (in doc order), its fingerprint; and the index's shard count.
    #[serde(default)]
    search_docs: Vec<u64>,
    #[serde(default)]
    search_shards: u32,
    /// Hash of the bitmaps file that goes with this cache (written before the cache, so a
    /// crash in between is detected rather than trusted).
    #[serde(default)]
    bitmaps_hash: u64,
}

/// The search index's per-doc shard bitmaps, kept beside the cache (binary: shards/64 words
/// per doc, little-endian), so a later build can patch only the shards a changed doc touches.
fn load_bitmaps(path: &Path, shards: u32, docs: usize, hash: u64) -> Option<Vec<Vec<u64>>> {
    let words = shards.div_ceil(64) as usize;
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != words * docs * 8 || hash_bytes(&bytes) != hash {
        return None;
    }
    Some(
        bytes
            .chunks(words * 8)
            .map(|d| {
                d.chunks(8)
                    .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
                    .collect()
            })
            .collect(),
    )
}

fn save_bitmaps(path: &Path, bitmaps: &[Vec<u64>]) -> Result<u64, SiteError> {
    let mut out = Vec::with_capacity(bitmaps.iter().map(|b| b.len() * 8).sum());
    for b in bitmaps {
        for w in b {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    crate::fsio::write_replace(path, &out).map_err(|e| SiteError::io(path, e))?;
    Ok(hash_bytes(&out))
}

/// A build's report, its cache, and the search bitmaps when they changed.
type Built = (Report, Cache, Option<Vec<Vec<u64>>>);
/// An article rendered in the loop: its text, broken links, and whether its page was written.
type Rendered = (String, Vec<(String, String)>, bool);
/// A changed doc's bigrams.
type DocGrams = (u32, Vec<search::Gram>);
type DocGramsRef<'a> = (u32, &'a [search::Gram]);

/// How this build gets its search index.
enum SearchMode {
    /// Unchanged: taken over.
    Same,
    /// A few docs changed or were added: patch the shards they touch.
    Patch {
        changed: Vec<u32>,
        bitmaps: Vec<Vec<u64>>,
    },
    /// Build from all docs.
    Full(Box<search::Builder>),
}

/// Where a project's builds, cache and published link live.
pub struct Layout {
    /// data/site/builds/
    pub builds: PathBuf,
    /// data/site/cache.json
    pub cache: PathBuf,
    /// The folder web servers serve (a symlink to the current build).
    pub output: PathBuf,
    pub keep: usize,
}

/// Builds the site from `input` with `theme` and publishes it.
pub fn build(
    input: &SiteInput,
    theme: &Theme,
    layout: &Layout,
    force: bool,
) -> Result<Report, SiteError> {
    let started = Instant::now();
    tracing::debug!("build start {}", crate::fsio::peak_rss());
    std::fs::create_dir_all(&layout.builds).map_err(|e| SiteError::io(&layout.builds, e))?;
    let cache: Cache = if force {
        Cache::default()
    } else {
        std::fs::read(&layout.cache)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|c: &Cache| c.version == env!("CARGO_PKG_VERSION"))
            .unwrap_or_default()
    };
    let prev_dir = (!cache.build.is_empty())
        .then(|| layout.builds.join(&cache.build))
        .filter(|d| d.is_dir());
    let name = publish::new_build_name(&layout.builds);
    let dir = layout.builds.join(&name);
    // Build into a hidden folder; it gets its final name only when complete, so a killed
    // build leaves nothing that looks finished.
    let work = layout.builds.join(format!(".{name}.tmp"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| SiteError::io(&work, e))?;
    let bitmaps_path = layout.cache.with_file_name("search-bitmaps.bin");
    let mut res = build_into(
        input,
        theme,
        &work,
        prev_dir.as_deref(),
        &cache,
        &bitmaps_path,
        started,
    );
    // Taking over from the last build failed on the file system (say, an old build folder
    // was deleted by hand): build everything instead of giving up.
    if prev_dir.is_some()
        && let Err(SiteError::Io { path, source }) = &res
    {
        tracing::warn!(
            "沿用上一版失败（{}：{source}），改为全部重新生成",
            path.display()
        );
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|e| SiteError::io(&work, e))?;
        res = build_into(
            input,
            theme,
            &work,
            None,
            &Cache::default(),
            &bitmaps_path,
            started,
        );
    }
    let (mut report, new_cache, bitmaps) = match res {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            return Err(e);
        }
    };
    std::fs::write(tree::refs_file(&dir), new_cache.refs.join("\n"))
        .map_err(|e| SiteError::io(&dir, e))?;
    std::fs::rename(&work, &dir).map_err(|e| SiteError::io(&dir, e))?;
    publish::switch(&layout.output, &dir)?;
    let bitmaps_hash = match bitmaps {
        Some(b) => save_bitmaps(&bitmaps_path, &b)?,
        None => cache.bitmaps_hash,
    };
    let cache = Cache {
        build: name,
        bitmaps_hash,
        ..new_cache
    };
    crate::fsio::write_replace(
        &layout.cache,
        &serde_json::to_vec(&cache).unwrap_or_default(),
    )
    .map_err(|e| SiteError::io(&layout.cache, e))?;
    publish::prune(&layout.builds, layout.keep, &dir)?;
    report.dir = dir;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn build_into(
    input: &SiteInput,
    theme: &Theme,
    dir: &Path,
    prev: Option<&Path>,
    cache: &Cache,
    bitmaps_path: &Path,
    started: Instant,
) -> Result<Built, SiteError> {
    let plan::Plan {
        pages,
        site,
        doc_fps,
        summaries,
    } = plan::plan(input, theme.fingerprint, &theme.statics)?;
    tracing::debug!(
        "plan: {} outputs, {:.3}s {}",
        pages.len(),
        started.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );
    let links = plan::links(input);
    let site_value = minijinja::Value::from(minijinja::value::Serde(&site));

    // The search index changes when any indexed field of any article does.
    let search_fp = {
        use std::hash::Hasher;
        let mut h = plan::Fx::default();
        for f in &doc_fps {
            h.write_u64(*f);
        }
        h.finish()
    };
    let total_md: usize = input
        .articles
        .iter()
        .map(|a| a.body.len() + a.title.len())
        .sum();
    let shards = search::shard_count(total_md / 3);
    let mut mode = if prev.is_some() && cache.search == search_fp {
        SearchMode::Same
    } else {
        // Patchable: same shard count, old docs kept in place, few changed or appended.
        let old = &cache.search_docs;
        let changed: Vec<u32> = (0..doc_fps.len())
            .filter(|&i| old.get(i) != Some(&doc_fps[i]))
            .map(|i| i as u32)
            .collect();
        let bitmaps = (prev.is_some()
            && cache.search_shards == shards
            && old.len() <= doc_fps.len()
            && changed.len() <= 64)
            .then(|| load_bitmaps(bitmaps_path, shards, old.len(), cache.bitmaps_hash))
            .flatten();
        match bitmaps {
            Some(bitmaps) => SearchMode::Patch { changed, bitmaps },
            None => SearchMode::Full(Box::new(search::Builder::new(shards))),
        }
    };
    let search_same = matches!(mode, SearchMode::Same);
    // Which outputs can be taken over from the last build.
    let reused: Vec<bool> = pages
        .iter()
        .map(|p| prev.is_some() && cache.pages.get(&p.path).map(|e| e.0) == Some(p.fingerprint))
        .collect();
    let search_paths: Vec<&str> = cache
        .pages
        .keys()
        .filter(|k| tree::is_search(k))
        .map(String::as_str)
        .collect();
    let refs = tree::materialise(
        dir,
        prev,
        &pages,
        &reused,
        &cache.pages,
        search_same,
        &search_paths,
    )?;
    tracing::debug!(
        "tree: {:.3}s {}",
        started.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );

    let known: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    // Pages link to each other by URL; looking a link up among the URLs first avoids decoding
    // it into a file path (the nav alone repeats dozens of links on every page).
    let known_urls: rustc_hash::FxHashSet<String> = pages
        .iter()
        .map(|p| {
            if p.url.is_empty() {
                format!("/{}", p.path)
            } else {
                p.url.clone()
            }
        })
        .collect();
    let write = |p: &Page, bytes: &[u8]| -> Result<Vec<(String, String)>, SiteError> {
        let to = dir.join(&p.path);
        std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
        crate::failpoint::site_page();
        Ok(if p.path.ends_with(".html") {
            broken_links(&p.path, bytes, &known, &known_urls)
        } else {
            Vec::new()
        })
    };

    // Article pages, in doc order a chunk at a time, each body parsed once for its HTML and
    // (when the search index is rebuilt) its text.
    let article_page: HashMap<usize, usize> = pages
        .iter()
        .enumerate()
        .filter_map(|(k, p)| match p.body {
            Body::Article(i, _) => Some((i, k)),
            _ => None,
        })
        .collect();
    let mut fresh_texts: HashMap<u32, String> = HashMap::new();
    let mut broken: Vec<(String, String)> = Vec::new();
    let mut written = 0usize;
    let mut index_time = std::time::Duration::ZERO;
    const CHUNK: usize = 256;
    for start in (0..input.articles.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(input.articles.len());
        let results: Vec<Rendered> = (start..end)
            .into_par_iter()
            .map(|i| -> Result<_, SiteError> {
                let k = article_page[&i];
                let page = &pages[k];
                let need_page = !reused[k];
                let need_text = match &mode {
                    SearchMode::Same => false,
                    SearchMode::Full(_) => true,
                    SearchMode::Patch { changed, .. } => changed.binary_search(&(i as u32)).is_ok(),
                };
                if !need_page && !need_text {
                    return Ok((String::new(), Vec::new(), false));
                }
                let md = input.articles[i].body.text()?;
                let (html, text) = markdown::render(&md, &links);
                let mut bad = Vec::new();
                if need_page {
                    let bytes = render_article(page, html, theme, &site_value, input, &summaries)?;
                    bad = write(page, &bytes)?;
                }
                Ok((text, bad, need_page))
            })
            .collect::<Result<_, _>>()?;
        if let SearchMode::Patch { changed, .. } = &mode {
            for (i, (text, _, _)) in (start..end).zip(&results) {
                if changed.binary_search(&(i as u32)).is_ok() {
                    fresh_texts.insert(i as u32, text.clone());
                }
            }
        }
        if let SearchMode::Full(b) = &mut mode {
            let docs: Vec<search::Doc<'_>> = (start..end)
                .zip(&results)
                .map(|(i, (text, _, _))| {
                    let a = &input.articles[i];
                    search::Doc {
                        url: &a.url,
                        title: &a.title,
                        date: &a.date,
                        column: a.column.as_deref().unwrap_or(""),
                        text,
                    }
                })
                .collect();
            let t = std::time::Instant::now();
            b.add(&docs);
            index_time += t.elapsed();
        }
        for (_, bad, w) in results {
            broken.extend(bad);
            written += usize::from(w);
        }
    }
    tracing::debug!(
        "articles: {:.3}s (search index {:.3}s) {}",
        started.elapsed().as_secs_f64(),
        index_time.as_secs_f64(),
        crate::fsio::peak_rss()
    );
    // Everything else.
    let others: Vec<Vec<(String, String)>> = pages
        .par_iter()
        .enumerate()
        .filter(|(k, p)| !reused[*k] && !matches!(p.body, Body::Article(..)))
        .map(|(_, p)| {
            let bytes = render(p, theme, &site_value, &summaries)?;
            write(p, &bytes)
        })
        .collect::<Result<_, _>>()?;
    written += others.len();
    broken.extend(others.into_iter().flatten());
    tracing::debug!(
        "pages: {:.3}s {}",
        started.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );

    let mut search_files: HashMap<String, (u64, u64)> = HashMap::new();
    let mut taken_over: Vec<(String, (u64, u64))> = Vec::new();
    let mut new_bitmaps = None;
    let mut put = |path: &str, bytes: &[u8]| -> Result<u64, SiteError> {
        let to = dir.join(path);
        std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
        search_files.insert(path.to_string(), (hash_bytes(bytes), bytes.len() as u64));
        written += 1;
        Ok(bytes.len() as u64)
    };
    let search_bytes = match mode {
        SearchMode::Same => {
            for p in &search_paths {
                taken_over.push((p.to_string(), cache.pages[*p]));
            }
            search_paths.iter().map(|p| cache.pages[*p].1).sum()
        }
        SearchMode::Full(b) => {
            let made = std::sync::Mutex::new(Vec::new());
            let (bytes, bitmaps) = b.finish_with::<SiteError>(&|path: &str, bytes: &[u8]| {
                let to = dir.join(path);
                std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
                if let Ok(mut m) = made.lock() {
                    m.push((path.to_string(), (hash_bytes(bytes), bytes.len() as u64)));
                }
                Ok(())
            })?;
            let made = made.into_inner().unwrap_or_default();
            written += made.len();
            taken_over.extend(made);
            new_bitmaps = Some(bitmaps);
            bytes as u64
        }
        SearchMode::Patch {
            changed,
            mut bitmaps,
        } => {
            let Some(prev) = prev else {
                return Err(SiteError::Publish(
                    "内部错误：没有上一版可供增量更新搜索索引".into(),
                ));
            };
            let grams: Vec<DocGrams> = changed
                .iter()
                .map(|&i| {
                    let a = &input.articles[i as usize];
                    let text = fresh_texts.get(&i).map(String::as_str).unwrap_or("");
                    (i, search::doc_bigrams(&a.title, text, shards))
                })
                .collect();
            let words = shards.div_ceil(64) as usize;
            let mut affected = vec![0u64; words];
            for (i, g) in &grams {
                let new = search::shard_bitmap(g, shards);
                let i = *i as usize;
                if let Some(old) = bitmaps.get(i) {
                    for (w, o) in affected.iter_mut().zip(old) {
                        *w |= o;
                    }
                }
                for (w, n) in affected.iter_mut().zip(&new) {
                    *w |= n;
                }
                if i < bitmaps.len() {
                    bitmaps[i] = new;
                } else {
                    bitmaps.push(new);
                }
            }
            let results: Vec<Option<(String, Vec<u8>, bool)>> = (0..shards)
                .into_par_iter()
                .map(|s| -> Result<_, SiteError> {
                    let path = format!("search/s/{s}.bin");
                    let old_path = prev.join(&path);
                    if affected[s as usize / 64] & (1 << (s % 64)) == 0 {
                        if old_path.is_file() {
                            let to = dir.join(&path);
                            std::fs::hard_link(&old_path, &to)
                                .map_err(|e| SiteError::io(&to, e))?;
                            return Ok(Some((path, Vec::new(), false)));
                        }
                        return Ok(None);
                    }
                    let old = std::fs::read(&old_path).ok();
                    let fresh: Vec<DocGrams> = grams
                        .iter()
                        .map(|(i, g)| (*i, g.iter().copied().filter(|x| x.0 == s).collect()))
                        .collect();
                    let fresh_refs: Vec<DocGramsRef<'_>> =
                        fresh.iter().map(|(i, g)| (*i, g.as_slice())).collect();
                    Ok(search::patch_shard(old.as_deref(), &changed, &fresh_refs)
                        .map(|bytes| (path, bytes, true)))
                })
                .collect::<Result<_, _>>()?;
            let mut total = 0u64;
            for (path, bytes, new) in results.into_iter().flatten() {
                if new {
                    total += put(&path, &bytes)?;
                } else if let Some(e) = cache.pages.get(&path) {
                    total += e.1;
                    taken_over.push((path, *e));
                }
            }
            let docs: Vec<search::Doc<'_>> = input
                .articles
                .iter()
                .map(|a| search::Doc {
                    url: &a.url,
                    title: &a.title,
                    date: &a.date,
                    column: a.column.as_deref().unwrap_or(""),
                    text: "",
                })
                .collect();
            for (path, bytes) in search::meta_files(&docs, shards) {
                total += put(&path, &bytes)?;
            }
            new_bitmaps = Some(bitmaps);
            total
        }
    };
    search_files.extend(taken_over);
    tracing::debug!(
        "search: {:.3}s {}",
        started.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );

    // Pages taken over linked only to what existed before; if anything is gone, check them too.
    let vanished = cache
        .pages
        .keys()
        .any(|k| !known.contains(k.as_str()) && !tree::is_search(k));
    if vanished {
        let again: Vec<(String, String)> = pages
            .par_iter()
            .enumerate()
            .filter(|(k, p)| reused[*k] && p.path.ends_with(".html"))
            .flat_map_iter(|(_, p)| {
                let bytes = std::fs::read(dir.join(&p.path)).unwrap_or_default();
                broken_links(&p.path, &bytes, &known, &known_urls)
            })
            .collect();
        broken.extend(again);
    }
    if !broken.is_empty() {
        broken.sort();
        broken.dedup();
        return Err(SiteError::BrokenLinks(broken));
    }
    tracing::debug!(
        "links: {:.3}s {}",
        started.elapsed().as_secs_f64(),
        crate::fsio::peak_rss()
    );
    let mut entries: HashMap<String, (u64, u64)> =
        HashMap::with_capacity(pages.len() + search_files.len());
    let mut output_bytes = 0u64;
    for (k, p) in pages.iter().enumerate() {
        let size = if reused[k] {
            cache.pages[&p.path].1
        } else {
            std::fs::metadata(dir.join(&p.path))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        output_bytes += size;
        entries.insert(p.path.clone(), (p.fingerprint, size));
    }
    output_bytes += search_bytes;
    entries.extend(search_files);
    let report = Report {
        articles: input.articles.len(),
        outputs: entries.len(),
        written,
        reused: entries.len() - written,
        search_bytes,
        output_bytes,
        seconds: started.elapsed().as_secs_f64(),
        dir: dir.to_path_buf(),
    };
    let cache = Cache {
        version: env!("CARGO_PKG_VERSION").to_string(),
        build: String::new(),
        search: search_fp,
        pages: entries,
        refs,
        search_docs: doc_fps,
        search_shards: shards,
        bitmaps_hash: 0,
    };
    Ok((report, cache, new_bitmaps))
}

fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = plan::Fx::default();
    h.write(b);
    h.finish()
}

fn render(
    p: &Page,
    theme: &Theme,
    site: &minijinja::Value,
    summaries: &[plan::Summary],
) -> Result<Vec<u8>, SiteError> {
    use minijinja::Value;
    use minijinja::value::Serde;
    let with = |t: &str, ctx: &serde_json::Value| {
        render_template(
            p,
            theme,
            t,
            minijinja::context! { site => site.clone(), page_url => &p.url, ..Value::from(Serde(ctx)) },
        )
    };
    match &p.body {
        Body::Bytes(b) => Ok(b.clone()),
        Body::Template(t, ctx) => with(t, ctx),
        Body::List(l) => with("list.html", &l.context(summaries)),
        Body::Article(..) => Err(SiteError::Render {
            page: p.url.clone(),
            template: "article.html".into(),
            why: "内部错误：文章页须连同正文渲染".into(),
        }),
    }
}

fn render_article(
    p: &Page,
    html: String,
    theme: &Theme,
    site: &minijinja::Value,
    input: &SiteInput,
    summaries: &[plan::Summary],
) -> Result<Vec<u8>, SiteError> {
    use minijinja::Value;
    use minijinja::value::Serde;
    let Body::Article(i, n) = &p.body else {
        return render(p, theme, site, summaries);
    };
    let ctx = plan::article_ctx(input, summaries, *i, n);
    let article = minijinja::context! {
        body_html => Value::from_safe_string(html),
        ..Value::from(Serde(&ctx))
    };
    render_template(
        p,
        theme,
        "article.html",
        minijinja::context! {
            site => site.clone(),
            page_url => &p.url,
            article => article,
            prev => Value::from(Serde(&ctx.prev)),
            next => Value::from(Serde(&ctx.next)),
            related => Value::from(Serde(&ctx.related)),
        },
    )
}

fn render_template(
    p: &Page,
    theme: &Theme,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Vec<u8>, SiteError> {
    let fail = |e: minijinja::Error| SiteError::Render {
        page: p.url.clone(),
        template: template.to_string(),
        why: format!("{e:#}"),
    };
    let t = theme.env.get_template(template).map_err(fail)?;
    t.render(ctx).map(String::into_bytes).map_err(fail)
}

/// Root-relative `href`/`src` targets in `html` that name no output: (page, link).
fn broken_links(
    page: &str,
    html: &[u8],
    known: &HashSet<&str>,
    known_urls: &rustc_hash::FxHashSet<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in [&b"href=\""[..], &b"src=\""[..]] {
        for i in memchr::memmem::find_iter(html, attr) {
            let rest = &html[i + attr.len()..];
            let Some(end) = memchr::memchr(b'"', rest) else {
                break;
            };
            let Ok(link) = std::str::from_utf8(&rest[..end]) else {
                continue;
            };
            if !link.starts_with('/') || link.starts_with("//") {
                continue;
            }
            let path = link.split(['#', '?']).next().unwrap_or("");
            if known_urls.contains(path) {
                continue;
            }
            let path = path.replace("&amp;", "&");
            if !known.contains(plan::file_of(&path).as_str()) {
                out.push((format!("/{page}"), link.to_string()));
            }
        }
    }
    out
}
