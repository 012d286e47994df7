//! Helpers shared by the integration tests: temporary copies of the sample project and a way
//! to run the real `caibian` binary in them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_caibian");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A temporary copy of the bundled sample project (config, pipelines, sample inbox).
pub fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("caibian.toml"), dir.path().join("caibian.toml")).unwrap();
    copy_dir(&repo().join("pipelines"), &dir.path().join("pipelines"));
    copy_dir(&repo().join("samples"), &dir.path().join("samples"));
    dir
}

/// A temporary project of its own: `config` as caibian.toml, one pipeline collecting
/// `inbox/` (empty, for the test to fill).
pub fn inbox_project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("caibian.toml"), config).unwrap();
    std::fs::create_dir_all(p.join("pipelines")).unwrap();
    std::fs::write(
        p.join("pipelines/inbox.toml"),
        "[[sources]]\ntype = \"inbox\"\npath = \"inbox\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("inbox")).unwrap();
    dir
}

pub fn caibian(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run caibian")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = caibian(dir, args);
    assert!(
        o.status.success(),
        "caibian {args:?} failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

pub fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(dir, args)).expect("valid JSON")
}

/// All files under `dir`, relative, with `/` separators.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                let rel = e.path().strip_prefix(base).unwrap().to_path_buf();
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
pub mod web;
