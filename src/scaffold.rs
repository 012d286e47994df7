//! `caibian init`: the files of a fresh, working project.

use std::path::Path;

/// (path relative to the project, contents). Directories are implied by the paths.
pub const FILES: &[(&str, &str)] = &[
    ("caibian.toml", include_str!("scaffold/caibian.toml")),
    ("pipelines/inbox.toml", include_str!("scaffold/inbox.toml")),
    ("pipelines/news.toml", include_str!("scaffold/news.toml")),
    // Hidden, so the inbox source skips it; keeps the empty folder in version control.
    ("inbox/.keep", ""),
    ("site/README.md", include_str!("../site/README.md")),
    ("dict/office.txt", include_str!("../dict/office.txt")),
    (".gitignore", "/data\n/public\n"),
];

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} 已经是一个 caibian 项目（存在 caibian.toml），不会覆盖")]
    Exists(std::path::PathBuf),
    #[error("无法写入 {0}：{1}")]
    Io(std::path::PathBuf, std::io::Error),
}

/// Writes a new project into `dir` (created if needed). Refuses to touch an existing project;
/// other existing files are left as they are.
pub fn init(dir: &Path) -> Result<Vec<String>, InitError> {
    if dir.join(crate::project::CONFIG_FILE).exists() {
        return Err(InitError::Exists(dir.to_path_buf()));
    }
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| InitError::Io(parent.to_path_buf(), e))?;
        }
        std::fs::write(&path, text).map_err(|e| InitError::Io(path.clone(), e))?;
        written.push(rel.to_string());
    }
    Ok(written)
}
