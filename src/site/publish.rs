//! Atomic publishing: every build is a complete folder under `data/site/builds/`; the
//! published folder (`public/` by default) is a symbolic link switched to a new build by one
//! `rename` — a reader sees the old site or the new one, never a mixture. The last few
//! builds are kept for rollback.

use std::path::{Path, PathBuf};

use super::SiteError;

/// A name that sorts after every existing build: the time, then a counter.
pub fn new_build_name(builds: &Path) -> String {
    let base = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let mut n = 1;
    loop {
        let name = format!("{base}-{n:03}");
        if !builds.join(&name).exists() {
            return name;
        }
        n += 1;
    }
}

/// Finished builds, oldest first (names sort by time; unfinished `.tmp` folders excluded).
pub fn list(builds: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(builds)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| !n.starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The build the published link points at.
pub fn current(output: &Path) -> Option<PathBuf> {
    let target = std::fs::read_link(output).ok()?;
    let abs = match output.parent() {
        Some(p) if target.is_relative() => p.join(&target),
        _ => target,
    };
    abs.canonicalize().ok()
}

/// Points `output` at `build` atomically: a new link beside it, renamed over it.
pub fn switch(output: &Path, build: &Path) -> Result<(), SiteError> {
    if let Ok(meta) = std::fs::symlink_metadata(output)
        && !meta.file_type().is_symlink()
    {
        return Err(SiteError::Publish(format!(
            "{} 已存在且不是 caibian 管理的链接：请移走它（或在 [site] output 中换一个位置）后再构建",
            output.display()
        )));
    }
    let parent = output.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SiteError::io(parent, e))?;
    // A relative target keeps the project movable.
    let target = relative(parent, build);
    let tmp = parent.join(format!(
        ".{}.new",
        output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into())
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&target, &tmp).map_err(|e| SiteError::io(&tmp, e))?;
    std::fs::rename(&tmp, output).map_err(|e| SiteError::io(output, e))
}

fn relative(from_dir: &Path, to: &Path) -> PathBuf {
    let (Ok(from), Ok(to_abs)) = (from_dir.canonicalize(), to.canonicalize()) else {
        return to.to_path_buf();
    };
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to_abs.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut p = PathBuf::new();
    for _ in common..a.len() {
        p.push("..");
    }
    for c in &b[common..] {
        p.push(c);
    }
    p
}

/// Deletes all but the newest `keep` builds, never the one published; also leftovers of
/// killed builds.
pub fn prune(builds: &Path, keep: usize, published: &Path) -> Result<(), SiteError> {
    if let Ok(rd) = std::fs::read_dir(builds) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let all = list(builds);
    // Keep the newest `keep`, the published one, and every build those point into.
    let mut keep_set: std::collections::BTreeSet<PathBuf> =
        all.iter().rev().take(keep.max(1)).cloned().collect();
    if let Ok(p) = published.canonicalize() {
        keep_set.extend(
            all.iter()
                .filter(|b| b.canonicalize().ok().as_ref() == Some(&p))
                .cloned(),
        );
    }
    let mut stack: Vec<PathBuf> = keep_set.iter().cloned().collect();
    while let Some(b) = stack.pop() {
        for r in super::tree::refs_of(&b) {
            let p = builds.join(r);
            if keep_set.insert(p.clone()) {
                stack.push(p);
            }
        }
    }
    for b in all {
        if keep_set.contains(&b) {
            continue;
        }
        std::fs::remove_dir_all(&b).map_err(|e| SiteError::io(&b, e))?;
        let _ = std::fs::remove_file(super::tree::refs_file(&b));
    }
    Ok(())
}

/// Switches `output` back to the build before the current one; returns it.
pub fn rollback(builds: &Path, output: &Path) -> Result<PathBuf, SiteError> {
    let all = list(builds);
    let cur = current(output)
        .ok_or_else(|| SiteError::Publish(format!("{} 还没有发布过网站", output.display())))?;
    let pos = all
        .iter()
        .position(|b| b.canonicalize().ok().as_ref() == Some(&cur))
        .ok_or_else(|| SiteError::Publish("当前发布的版本不在 data/site/builds/ 中".into()))?;
    let Some(prev) = pos.checked_sub(1).map(|p| all[p].clone()) else {
        return Err(SiteError::Publish(
            "没有更早的版本可以回退（只保留最近几次构建，见 [site] keep_builds）".into(),
        ));
    };
    switch(output, &prev)?;
    Ok(prev)
}
