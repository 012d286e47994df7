//! A project: a folder with `caibian.toml`, `pipelines/`, and a data directory.

use std::path::{Path, PathBuf};

use crate::config::{Config, Registry};
use crate::diag::FileError;
use crate::pipeline::Pipeline;
use crate::store::{Store, StoreError};

pub const CONFIG_FILE: &str = "caibian.toml";

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "在 {0} 及其上级目录中找不到 caibian.toml（用 `caibian init 目录` 新建项目，或用 -C 指定项目目录）"
    )]
    NotFound(PathBuf),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub registry: Registry,
    pub pipelines: Vec<Pipeline>,
}

impl Project {
    /// Finds `caibian.toml` in `start` or its ancestors and loads the project.
    pub fn discover(start: &Path) -> Result<Project, ProjectError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(CONFIG_FILE).is_file() {
                return Project::load(d);
            }
            dir = d.parent();
        }
        Err(ProjectError::NotFound(start))
    }

    pub fn load(root: &Path) -> Result<Project, ProjectError> {
        let config = Config::load(&root.join(CONFIG_FILE))?;
        let pipelines = crate::pipeline::load_all(root)?;
        Ok(Project {
            root: root.to_path_buf(),
            registry: config.registry(),
            config,
            pipelines,
        })
    }

    pub fn data_dir(&self) -> PathBuf {
        let d = &self.config.project.data_dir;
        if d.is_absolute() {
            d.clone()
        } else {
            self.root.join(d)
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("caibian.sqlite")
    }

    /// Where site builds, the build cache and the published link live.
    pub fn site_layout(&self) -> crate::site::Layout {
        let site = self.data_dir().join("site");
        let out = &self.config.site.output;
        crate::site::Layout {
            builds: site.join("builds"),
            cache: site.join("cache.json"),
            output: if out.is_absolute() {
                out.clone()
            } else {
                self.root.join(out)
            },
            keep: self.config.site.keep_builds,
        }
    }

    /// Opens the store and mirrors the unit registry into it.
    pub fn open_store(&self) -> Result<Store, ProjectError> {
        let mut store = Store::open(&self.db_path())?;
        store.sync_units(&self.config.units)?;
        store.set_near_threshold(self.config.dedup.threshold());
        Ok(store)
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.config.project.timezone.0
    }

    pub fn pipeline(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.name == name)
    }
}
