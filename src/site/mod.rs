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
    pages: HashMap<String, u64>,
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
    let plan::Plan {
        pages,
        site,
        site_fp: _,
    } = plan::plan(input, theme.fingerprint, &theme.statics);
    let links = plan::links(input);
    let site_value = minijinja::Value::from(minijinja::value::Serde(&site));
    let reuse = |p: &Page| -> bool {
        let Some(prev) = prev else { return false };
        if cache.pages.get(&p.path) != Some(&p.fingerprint) {
            return false;
        }
        let from = prev.join(&p.path);
        let to = dir.join(&p.path);
        if let Some(parent) = to.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::hard_link(&from, &to).is_ok()
    };
    // Which outputs were (re)written, for the link check.
    let written: Vec<Option<&str>> = pages
        .par_iter()
        .map(|p| -> Result<Option<&str>, SiteError> {
            if reuse(p) {
                return Ok(None);
            }
            let bytes = render(p, theme, &site_value, input, &links)?;
            let to = dir.join(&p.path);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| SiteError::io(parent, e))?;
            }
            std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
            Ok(Some(p.path.as_str()))
        })
        .collect::<Result<_, _>>()?;
    let written_paths: Vec<&str> = written.iter().flatten().copied().collect();

    // The search index: rebuilt when any indexed article changed, else taken over.
    let search_fp = {
        use std::hash::Hasher;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for a in &input.articles {
            for s in [&a.url, &a.title, &a.date, a.column.as_deref().unwrap_or(""), &a.body] {
                h.write(s.as_bytes());
                h.write_u8(0);
            }
        }
        h.finish()
    };
    let prev_search = prev.map(|p| p.join("search")).filter(|p| p.is_dir());
    let search_bytes = match prev_search {
        Some(from) if cache.search == search_fp => link_tree(&from, &dir.join("search"))?,
        _ => {
            let texts: Vec<String> = input
                .articles
                .par_iter()
                .map(|a| markdown::render(&a.body, &links).1)
                .collect();
            let docs: Vec<search::Doc<'_>> = input
                .articles
                .iter()
                .zip(&texts)
                .map(|(a, t)| search::Doc {
                    url: &a.url,
                    title: &a.title,
                    date: &a.date,
                    column: a.column.as_deref().unwrap_or(""),
                    text: t,
                })
                .collect();
            let built = search::build(&docs);
            for (path, bytes) in &built.files {
                let to = dir.join(path);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| SiteError::io(parent, e))?;
                }
                std::fs::write(&to, bytes).map_err(|e| SiteError::io(&to, e))?;
            }
            built.bytes as u64
        }
    };

    // Link check: every page written now; all pages when something disappeared since the
    // last build (a reused page may link to it).
    let known: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    let vanished = cache.pages.keys().any(|k| !known.contains(k.as_str()));
    let to_check: Vec<&str> = if vanished || prev.is_none() {
        pages.iter().map(|p| p.path.as_str()).collect()
    } else {
        written_paths.clone()
    };
    let broken = check_links(dir, &to_check);
    if !broken.is_empty() {
        return Err(SiteError::BrokenLinks(broken));
    }
    let output_bytes = dir_size(dir);
    let report = Report {
        articles: input.articles.len(),
        outputs: pages.len(),
        written: written_paths.len(),
        reused: pages.len() - written_paths.len(),
        search_bytes,
        output_bytes,
        seconds: started.elapsed().as_secs_f64(),
        dir: dir.to_path_buf(),
    };
    let cache = Cache {
        version: env!("CARGO_PKG_VERSION").to_string(),
        build: String::new(),
        search: search_fp,
        pages: pages
            .iter()
            .map(|p| (p.path.clone(), p.fingerprint))
            .collect(),
    };
    Ok((report, cache))
}

fn render(
    p: &Page,
    theme: &Theme,
    site: &minijinja::Value,
    input: &SiteInput,
    links: &markdown::Links<'_>,
) -> Result<Vec<u8>, SiteError> {
    use minijinja::Value;
    use minijinja::value::Serde;
    let fail = |template: &str, e: minijinja::Error| SiteError::Render {
        page: p.url.clone(),
        template: template.to_string(),
        why: format!("{e:#}"),
    };
    let (template, ctx) = match &p.body {
        Body::Bytes(b) => return Ok(b.clone()),
        Body::Template(t, ctx) => (
            *t,
            minijinja::context! { site => site.clone(), page_url => &p.url, ..Value::from(Serde(ctx)) },
        ),
        Body::Article(i, ctx) => {
            let (html, _) = markdown::render(&input.articles[*i].body, links);
            let mut article = Value::from(Serde(ctx.as_ref()));
            // Add the body without cloning the context: rebuild the map with it.
            let mut map: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
            if let Ok(iter) = article.try_iter() {
                for k in iter {
                    if let Some(ks) = k.as_str() {
                        map.insert(ks.to_string(), article.get_item(&k).unwrap_or_default());
                    }
                }
            }
            map.insert("body_html".into(), Value::from_safe_string(html));
            article = Value::from(map);
            (
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
    };
    let t = theme
        .env
        .get_template(template)
        .map_err(|e| fail(template, e))?;
    t.render(ctx).map(String::into_bytes).map_err(|e| fail(template, e))
}

/// Hard-links every file of `from` into `to`; returns the bytes linked.
fn link_tree(from: &Path, to: &Path) -> Result<u64, SiteError> {
    let mut total = 0;
    std::fs::create_dir_all(to).map_err(|e| SiteError::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| SiteError::io(from, e))? {
        let entry = entry.map_err(|e| SiteError::io(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            total += link_tree(&src, &dst)?;
        } else {
            std::fs::hard_link(&src, &dst).map_err(|e| SiteError::io(&dst, e))?;
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    Ok(total)
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Root-relative `href`/`src` targets of the HTML pages in `paths` that resolve to no file
/// of the build: (page, link).
fn check_links(dir: &Path, paths: &[&str]) -> Vec<(String, String)> {
    let mut broken: Vec<(String, String)> = paths
        .par_iter()
        .filter(|p| p.ends_with(".html"))
        .flat_map_iter(|p| {
            let html = std::fs::read_to_string(dir.join(p)).unwrap_or_default();
            let mut out = Vec::new();
            for attr in ["href=\"", "src=\""] {
                let mut rest = html.as_str();
                while let Some(i) = rest.find(attr) {
                    rest = &rest[i + attr.len()..];
                    let Some(end) = rest.find('"') else { break };
                    let link = &rest[..end];
                    rest = &rest[end..];
                    if !link.starts_with('/') || link.starts_with("//") {
                        continue;
                    }
                    let path = link.split(['#', '?']).next().unwrap_or("");
                    let path = path.replace("&amp;", "&");
                    let file = dir.join(plan::file_of(&path));
                    if !file.is_file() {
                        out.push((format!("/{p}"), link.to_string()));
                    }
                }
            }
            out
        })
        .collect();
    broken.sort();
    broken.dedup();
    broken
}
