//! The theme: minijinja templates and static assets. The default theme (the repository's
//! `site/`) is compiled into the binary; a project's own `site/templates/NAME` or
//! `site/static/PATH` replaces the default file of that name, file by file.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use minijinja::Environment;

use super::SiteError;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../site/templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embed!(
    "base.html",
    "index.html",
    "article.html",
    "list.html",
    "archive.html",
    "tags.html",
    "units.html",
    "issues.html",
    "issue.html",
    "search.html",
    "404.html",
    "_summary.html",
    "_pager.html",
);

const STATIC: &[(&str, &str)] = &[
    ("style.css", include_str!("../../site/static/style.css")),
    ("search.js", include_str!("../../site/static/search.js")),
];

/// Templates and static files, with a fingerprint of all of them.
pub struct Theme {
    pub env: Environment<'static>,
    /// (path under the output root, bytes).
    pub statics: Vec<(String, Vec<u8>)>,
    pub fingerprint: u64,
}

impl Theme {
    /// The default theme with the project's overrides from `site_dir` (which may not exist).
    pub fn load(site_dir: &Path) -> Result<Theme, SiteError> {
        let mut sources: BTreeMap<String, String> = TEMPLATES
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        let tdir = site_dir.join("templates");
        if tdir.is_dir() {
            for (rel, bytes) in walk(&tdir)? {
                let text = String::from_utf8(bytes).map_err(|_| SiteError::Theme {
                    path: tdir.join(&rel),
                    why: "模板不是 UTF-8 文本".into(),
                })?;
                sources.insert(rel, text);
            }
        }
        let mut statics: BTreeMap<String, Vec<u8>> = STATIC
            .iter()
            .map(|(n, s)| (n.to_string(), s.as_bytes().to_vec()))
            .collect();
        let sdir = site_dir.join("static");
        if sdir.is_dir() {
            statics.extend(walk(&sdir)?);
        }
        let mut h = super::plan::Fx::default();
        sources.hash(&mut h);
        statics.hash(&mut h);
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        for (name, src) in sources {
            let path = tdir.join(&name);
            env.add_template_owned(name, src)
                .map_err(|e| SiteError::Theme {
                    path,
                    why: e.to_string(),
                })?;
        }
        Ok(Theme {
            env,
            statics: statics.into_iter().collect(),
            fingerprint: h.finish(),
        })
    }
}

/// minijinja's HTML escaping also escapes '/', which turns every URL into `&#x2f;lanmu&#x2f;…`:
/// valid, but unreadable and twice as long. Escape only what HTML needs (& < > " ').
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    use minijinja::AutoEscape;
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(s)) if !value.is_safe() => {
            let mut last = 0;
            for (i, c) in s.char_indices() {
                let rep = match c {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#39;",
                    _ => continue,
                };
                out.write_str(&s[last..i]).map_err(minijinja::Error::from)?;
                out.write_str(rep).map_err(minijinja::Error::from)?;
                last = i + 1;
            }
            out.write_str(&s[last..]).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Files under `dir`, as (relative path with '/', bytes), sorted.
fn walk(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
    let mut out = Vec::new();
    for p in crate::fsio::files_under(dir).map_err(|e| SiteError::io(dir, e))? {
        let Ok(rel) = p.strip_prefix(dir) else {
            continue;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let bytes = std::fs::read(&p).map_err(|e| SiteError::io(&p, e))?;
        out.push((rel.join("/"), bytes));
    }
    Ok(out)
}
