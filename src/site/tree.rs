//! Lays out a new build folder so that only what changed costs anything. Every build must be
//! a complete site (publishing switches a link to it), but creating 10,000 article folders
//! costs about a second on ext4 here — far more than rendering one changed page. So a folder
//! whose contents are all unchanged is a relative symbolic link to the same folder of the
//! build it came from; a folder with any change is real, holding hard links to unchanged
//! files and new files for the rest. Builds record which older builds they point into, and
//! pruning keeps those alive.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::SiteError;
use super::plan::Page;

/// Is `path` a file of the search index?
pub fn is_search(path: &str) -> bool {
    path.starts_with("search/s/") || path.starts_with("search/d/") || path == "search/meta.json"
}

/// "a/b/c.html" → ("a/b/", "c.html").
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    }
}

/// Folder → its child entries (files, and folders with a trailing '/').
fn children<'a>(files: impl Iterator<Item = &'a str>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    out.entry(String::new()).or_default();
    for f in files {
        let (mut d, name) = split(f);
        out.entry(d.to_string())
            .or_default()
            .insert(name.to_string());
        // Register each folder with its parent.
        while !d.is_empty() {
            let parent_end = d[..d.len() - 1].rfind('/').map_or(0, |i| i + 1);
            let (parent, me) = (&d[..parent_end], &d[parent_end..]);
            let set = out.entry(parent.to_string()).or_default();
            if !set.insert(me.to_string()) {
                break;
            }
            d = parent;
        }
    }
    out
}

/// Creates `dir`'s folders and takes over unchanged outputs from `prev`; returns the names
/// of the builds the new one points into. Outputs not taken over are left for the caller to
/// write; their folders exist. With `search_same` false the search index's folders are
/// created empty.
pub fn materialise(
    dir: &Path,
    prev: Option<&Path>,
    pages: &[Page],
    reused: &[bool],
    prev_files: &HashMap<String, (u64, u64)>,
    search_same: bool,
    search_files: &[&str],
) -> Result<Vec<String>, SiteError> {
    let mut new_files: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    if search_same {
        new_files.extend(search_files.iter().copied());
    } else {
        new_files.push("search/s/");
        new_files.push("search/d/");
    }
    let new_tree = children(new_files.iter().copied().filter(|f| !f.ends_with('/')));
    let mut new_tree = new_tree;
    if !search_same {
        for d in ["search/s/", "search/d/"] {
            new_tree.entry(d.to_string()).or_default();
            new_tree
                .entry("search/".to_string())
                .or_default()
                .insert(d["search/".len()..].to_string());
        }
        new_tree
            .entry(String::new())
            .or_default()
            .insert("search/".into());
    }
    let Some(prev) = prev else {
        // First build: every folder is real.
        let dirs: Vec<&String> = new_tree.keys().collect();
        dirs.par_iter().try_for_each(|d| {
            let p = dir.join(d);
            std::fs::create_dir_all(&p).map_err(|e| SiteError::io(&p, e))
        })?;
        return Ok(Vec::new());
    };
    let prev_tree = children(prev_files.keys().map(String::as_str));
    let changed: BTreeSet<&str> = pages
        .iter()
        .zip(reused)
        .filter(|(_, r)| !**r)
        .map(|(p, _)| split(&p.path).0)
        .collect();
    // A folder is dirty when it gains, loses or rewrites an entry, or a sub-folder is dirty.
    // The root always is: it is the new build's own folder, never a link.
    let mut dirty: BTreeSet<String> = BTreeSet::from([String::new()]);
    for (d, kids) in &new_tree {
        let differs = prev_tree.get(d) != Some(kids);
        let search = !search_same && (d == "search/s/" || d == "search/d/");
        if differs || search || changed.contains(d.as_str()) {
            let mut x = d.as_str();
            loop {
                dirty.insert(x.to_string());
                if x.is_empty() {
                    break;
                }
                let end = x[..x.len() - 1].rfind('/').map_or(0, |i| i + 1);
                x = &x[..end];
            }
        }
    }
    let builds = prev.parent().unwrap_or(Path::new("."));
    let mut refs: BTreeSet<String> = BTreeSet::new();
    let reused_files: BTreeSet<&str> = pages
        .iter()
        .zip(reused)
        .filter(|(_, r)| **r)
        .map(|(p, _)| p.path.as_str())
        .chain(if search_same {
            search_files.to_vec()
        } else {
            Vec::new()
        })
        .collect();
    let dirty_list: Vec<&String> = dirty.iter().collect();
    for d in &dirty_list {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).map_err(|e| SiteError::io(&p, e))?;
    }
    let made: Vec<Vec<String>> = dirty_list
        .par_iter()
        .map(|d| -> Result<Vec<String>, SiteError> {
            let mut refs = Vec::new();
            for name in new_tree.get(d.as_str()).into_iter().flatten() {
                let rel = format!("{d}{name}");
                if name.ends_with('/') {
                    if dirty.contains(&rel) {
                        continue;
                    }
                    // A clean folder: point at the real folder it came from.
                    let src = prev.join(&rel);
                    let real = src.canonicalize().map_err(|e| SiteError::io(&src, e))?;
                    let inside = real.strip_prefix(builds).map_err(|_| {
                        SiteError::Publish(format!(
                            "{} 不在构建目录 {} 中",
                            real.display(),
                            builds.display()
                        ))
                    })?;
                    let first = inside
                        .components()
                        .next()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .unwrap_or_default();
                    refs.push(first);
                    let depth = d.matches('/').count() + 1;
                    let mut target = PathBuf::new();
                    for _ in 0..depth {
                        target.push("..");
                    }
                    target.push(inside);
                    let link = dir.join(rel.trim_end_matches('/'));
                    std::os::unix::fs::symlink(&target, &link)
                        .map_err(|e| SiteError::io(&link, e))?;
                } else if reused_files.contains(rel.as_str()) {
                    let (src, dst) = (prev.join(&rel), dir.join(&rel));
                    std::fs::hard_link(&src, &dst).map_err(|e| SiteError::io(&dst, e))?;
                }
            }
            Ok(refs)
        })
        .collect::<Result<_, _>>()?;
    refs.extend(made.into_iter().flatten());
    Ok(refs.into_iter().collect())
}

/// The builds `build` points into, as recorded beside it.
pub fn refs_of(build: &Path) -> Vec<String> {
    std::fs::read_to_string(refs_file(build))
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// `builds/NAME.refs`, beside the build (not inside: it is not part of the site).
pub fn refs_file(build: &Path) -> PathBuf {
    let mut name = build.file_name().unwrap_or_default().to_os_string();
    name.push(".refs");
    build.with_file_name(name)
}
