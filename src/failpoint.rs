//! Test hooks for crash and timing tests, driven by the `CAIBIAN_FAILPOINT` environment
//! variable; inert (one relaxed atomic load) when it is not set.
//!
//! - `abort-after-commit=N`: abort the process right after the Nth committed ledger row,
//!   before the file it describes is archived — the window crash recovery must handle.
//! - `sleep-per-file-ms=N`: sleep N ms after each committed row (makes runs long on purpose).
//! - `abort-site-after-pages=N`: abort a site build right after its Nth written page — a
//!   build killed half way, which must leave the published site as it was.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

struct Config {
    abort_after: Option<u64>,
    sleep_ms: Option<u64>,
    site_pages: Option<u64>,
}

static CONFIG: OnceLock<Config> = OnceLock::new();
static COMMITS: AtomicU64 = AtomicU64::new(0);
static PAGES: AtomicU64 = AtomicU64::new(0);

fn config() -> &'static Config {
    CONFIG.get_or_init(|| {
        let spec = std::env::var("CAIBIAN_FAILPOINT").unwrap_or_default();
        let mut c = Config {
            abort_after: None,
            sleep_ms: None,
            site_pages: None,
        };
        for part in spec.split(',') {
            if let Some((k, v)) = part.split_once('=') {
                let v = v.trim().parse().ok();
                match k.trim() {
                    "abort-after-commit" => c.abort_after = v,
                    "sleep-per-file-ms" => c.sleep_ms = v,
                    "abort-site-after-pages" => c.site_pages = v,
                    _ => {}
                }
            }
        }
        c
    })
}

/// Marks a point in the code; `name` is only for reading the call sites.
pub fn hit(_name: &str) {
    let c = config();
    if c.abort_after.is_none() && c.sleep_ms.is_none() {
        return;
    }
    let n = COMMITS.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some(ms) = c.sleep_ms {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if c.abort_after == Some(n) {
        std::process::abort();
    }
}

/// Marks a page written by a site build.
pub fn site_page() {
    let Some(n) = config().site_pages else {
        return;
    };
    if PAGES.fetch_add(1, Ordering::Relaxed) + 1 >= n {
        std::process::abort();
    }
}
