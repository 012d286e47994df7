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
    /// Older builds the last one points into (see `tree`).
    refs: Vec<String>,
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
    let res = build_into(input, theme, &work, prev_dir.as_deref(), &cache, started);
    let (mut report, new_cache) = match res {
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
    let cache = Cache {
        build: name,
        ..new_cache
    };
    let tmp = layout.cache.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&cache).unwrap_or_default())
        .and_then(|()| std::fs::rename(&tmp, &layout.cache))
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
    started: Instant,
) -> Result<(Report, Cache), SiteError> {
    let plan::Plan { pages, site, .. } = plan::plan(input, theme.fingerprint, &theme.statics);
    tracing::debug!("plan: {} outputs, {:.3}s", pages.len(), started.elapsed().as_secs_f64());
    let links = plan::links(input);
    let site_value = minijinja::Value::from(minijinja::value::Serde(&site));

    // The search index changes when any indexed field of any article does.
    let doc_fps: Vec<u64> = input
        .articles
        .par_iter()
        .map(|a| {
            use std::hash::Hasher;
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for s in [&a.url, &a.title, &a.date, a.column.as_deref().unwrap_or(""), &a.body] {
                h.write(s.as_bytes());
                h.write_u8(0);
            }
            h.finish()
        })
        .collect();
    let search_fp = {
        use std::hash::Hasher;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for f in &doc_fps {
            h.write_u64(*f);
        }
        h.finish()
    };
    let search_same = prev.is_some() && cache.search == search_fp;

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
    let refs = tree::materialise(dir, prev, &pages, &reused, &cache.pages, search_same, &search_paths)?;
    tracing::debug!("tree: {:.3}s", started.elapsed().as_secs_f64());

    let known: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    let write = |p: &Page, bytes: &[u8]| -> Result<Vec<(String, String)>, SiteError> {
        let to = dir.join(&p.path);
        std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
        Ok(if p.path.ends_with(".html") {
            broken_links(&p.path, bytes, &known)
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
    let total_md: usize = input.articles.iter().map(|a| a.body.len() + a.title.len()).sum();
    let mut search = (!search_same).then(|| search::Builder::new(search::shard_count(total_md / 3)));
    let mut broken: Vec<(String, String)> = Vec::new();
    let mut written = 0usize;
    const CHUNK: usize = 256;
    for start in (0..input.articles.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(input.articles.len());
        let results: Vec<(String, Vec<(String, String)>, bool)> = (start..end)
            .into_par_iter()
            .map(|i| -> Result<_, SiteError> {
                let k = article_page[&i];
                let page = &pages[k];
                let need_page = !reused[k];
                if !need_page && search.is_none() {
                    return Ok((String::new(), Vec::new(), false));
                }
                let (html, text) = markdown::render(&input.articles[i].body, &links);
                let mut bad = Vec::new();
                if need_page {
                    let bytes = render_article(page, html, theme, &site_value)?;
                    bad = write(page, &bytes)?;
                }
                Ok((text, bad, need_page))
            })
            .collect::<Result<_, _>>()?;
        if let Some(b) = &mut search {
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
            b.add(&docs);
        }
        for (_, bad, w) in results {
            broken.extend(bad);
            written += usize::from(w);
        }
    }
    tracing::debug!("articles: {:.3}s", started.elapsed().as_secs_f64());
    // Everything else.
    let others: Vec<Vec<(String, String)>> = pages
        .par_iter()
        .enumerate()
        .filter(|(k, p)| !reused[*k] && !matches!(p.body, Body::Article(..)))
        .map(|(_, p)| {
            let bytes = render(p, theme, &site_value)?;
            write(p, &bytes)
        })
        .collect::<Result<_, _>>()?;
    written += others.len();
    broken.extend(others.into_iter().flatten());
    tracing::debug!("pages: {:.3}s", started.elapsed().as_secs_f64());

    let mut search_files: HashMap<String, (u64, u64)> = HashMap::new();
    let search_bytes = match search {
        None => {
            for p in &search_paths {
                search_files.insert(p.to_string(), cache.pages[*p]);
            }
            search_paths.iter().map(|p| cache.pages[*p].1).sum()
        }
        Some(b) => {
            let built = b.finish();
            for (path, bytes) in &built.files {
                let to = dir.join(path);
                std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
                use std::hash::Hasher;
                let mut h = std::collections::hash_map::DefaultHasher::new();
                h.write(bytes);
                search_files.insert(path.clone(), (h.finish(), bytes.len() as u64));
            }
            written += built.files.len();
            built.bytes as u64
        }
    };
    tracing::debug!("search: {:.3}s", started.elapsed().as_secs_f64());

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
                broken_links(&p.path, &bytes, &known)
            })
            .collect();
        broken.extend(again);
    }
    if !broken.is_empty() {
        broken.sort();
        broken.dedup();
        return Err(SiteError::BrokenLinks(broken));
    }
    tracing::debug!("links: {:.3}s", started.elapsed().as_secs_f64());
    let mut entries: HashMap<String, (u64, u64)> = HashMap::with_capacity(pages.len() + search_files.len());
    let mut output_bytes = 0u64;
    for (k, p) in pages.iter().enumerate() {
        let size = if reused[k] {
            cache.pages[&p.path].1
        } else {
            std::fs::metadata(dir.join(&p.path)).map(|m| m.len()).unwrap_or(0)
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
    };
    Ok((report, cache))
}

fn render(p: &Page, theme: &Theme, site: &minijinja::Value) -> Result<Vec<u8>, SiteError> {
    use minijinja::Value;
    use minijinja::value::Serde;
    match &p.body {
        Body::Bytes(b) => Ok(b.clone()),
        Body::Template(t, ctx) => render_template(
            p,
            theme,
            t,
            minijinja::context! { site => site.clone(), page_url => &p.url, ..Value::from(Serde(ctx)) },
        ),
        Body::Article(..) => Err(SiteError::Render {
            page: p.url.clone(),
            template: "article.html".into(),
            why: "internal: article pages are rendered with their body".into(),
        }),
    }
}

fn render_article(
    p: &Page,
    html: String,
    theme: &Theme,
    site: &minijinja::Value,
) -> Result<Vec<u8>, SiteError> {
    use minijinja::Value;
    use minijinja::value::Serde;
    let Body::Article(_, ctx) = &p.body else {
        return render(p, theme, site);
    };
    let article = minijinja::context! {
        body_html => Value::from_safe_string(html),
        ..Value::from(Serde(ctx.as_ref()))
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
fn broken_links(page: &str, html: &[u8], known: &HashSet<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let html = String::from_utf8_lossy(html);
    for attr in ["href=\"", "src=\""] {
        let mut rest: &str = &html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let Some(end) = rest.find('"') else { break };
            let link = &rest[..end];
            rest = &rest[end..];
            if !link.starts_with('/') || link.starts_with("//") {
                continue;
            }
            let path = link.split(['#', '?']).next().unwrap_or("").replace("&amp;", "&");
            if !known.contains(plan::file_of(&path).as_str()) {
                out.push((format!("/{page}"), link.to_string()));
            }
        }
    }
    out
}
