//! The fetcher: every byte caibian takes from the web passes through here, so politeness
//! lives in one place. Per host: a concurrency limit and a minimum delay between requests;
//! robots.txt honoured (cached for a day); conditional GET with the validators the caller
//! kept from last time; bounded retries with exponential backoff and jitter on 5xx, 429 and
//! timeouts; bounded redirects; a size limit enforced while streaming; content-type checks.
//! `file://` URLs and plain paths are read from disk, so sample pipelines work offline.
//!
//! The fetcher is async (reqwest on tokio) and knows nothing about the store: callers pass in
//! validators and robots.txt bodies they remember, and persist what comes back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

/// Politeness and limits; `[fetch]` in a pipeline file. Defaults are polite.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FetchSettings {
    /// Sent with every request, so site owners can see who we are.
    pub user_agent: String,
    /// Seconds to wait for a connection.
    pub connect_timeout_seconds: f64,
    /// Seconds a whole request may take, body included.
    pub timeout_seconds: f64,
    /// Extra attempts after a 5xx, 429, timeout or connection failure.
    pub retries: u32,
    /// First backoff in seconds; doubled on each retry, plus up to 50% jitter.
    pub retry_backoff_seconds: f64,
    /// Redirects followed before giving up (loops end here too).
    pub max_redirects: usize,
    /// Largest response body accepted, in bytes (after gzip decoding).
    pub max_bytes: u64,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Minimum seconds between the starts of two requests to one host.
    pub delay_seconds: f64,
    /// Honour robots.txt (Disallow and Crawl-delay for our user agent).
    pub robots: bool,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: concat!(
                "caibian/",
                env!("CARGO_PKG_VERSION"),
                " (人大常委会办公室信息采编; +https://github.com/caibian)"
            )
            .to_string(),
            connect_timeout_seconds: 10.0,
            timeout_seconds: 30.0,
            retries: 2,
            retry_backoff_seconds: 1.0,
            max_redirects: 5,
            max_bytes: 10 * 1024 * 1024,
            per_host_concurrency: 2,
            delay_seconds: 1.0,
            robots: true,
        }
    }
}

/// What the caller remembers about a URL from last time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// sha256 of the last body: a server without validators (or a file) that sends the same
    /// bytes again counts as not modified too.
    pub body_hash: Option<String>,
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    /// The charset named by the Content-Type header, if any.
    pub header_charset: Option<String>,
    pub bytes: Vec<u8>,
    pub validators: Validators,
}

#[derive(Debug)]
pub enum Fetched {
    Page(Page),
    /// 304, or the same bytes as last time.
    NotModified(Validators),
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("网址无效：{0}")]
    BadUrl(String),
    #[error("无法建立 HTTP 客户端（TLS 或系统配置问题）：{0}")]
    Client(String),
    #[error("{url}：robots.txt 不允许抓取（已遵守网站的抓取规则）")]
    Robots { url: String },
    #[error("{url}：无法获取该网站的 robots.txt（{reason}），本次不抓取，下次运行再试")]
    RobotsUnavailable { url: String, reason: String },
    #[error("{url}：服务器返回 HTTP {status}{}", if *status >= 500 { "（服务器错误，已重试）" } else { "" })]
    Status { url: String, status: u16 },
    #[error("{url}：超时（{secs} 秒内没有完成）")]
    Timeout { url: String, secs: f64 },
    #[error("{url}：重定向次数过多（超过 {max} 次，可能是重定向循环）")]
    Redirects { url: String, max: usize },
    #[error("{url}：内容超过 {limit} 字节的上限，已放弃")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}：不是网页或订阅源（Content-Type: {content_type}）")]
    NotText { url: String, content_type: String },
    #[error("{url}：无法连接：{message}")]
    Connect { url: String, message: String },
    #[error("{path}：无法读取：{source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FetchError {
    /// Worth another attempt later in the same run?
    fn retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            _ => false,
        }
    }

    /// Trouble with the server or the network rather than with the page: worth trying again
    /// on every run (a 404, a PDF or a redirect loop is not).
    pub fn transient(&self) -> bool {
        self.retryable()
            || matches!(
                self,
                FetchError::RobotsUnavailable { .. }
                    | FetchError::Status { status: 408, .. }
                    | FetchError::File { .. }
            )
    }
}

/// Turns what a user wrote (URL, `file://` URL, or a path relative to `base_dir`) into a URL.
pub fn resolve_location(loc: &str, base_dir: &Path) -> Result<Url, FetchError> {
    let loc = loc.trim();
    if loc.starts_with("http://") || loc.starts_with("https://") || loc.starts_with("file://") {
        return Url::parse(loc).map_err(|e| FetchError::BadUrl(format!("{loc}（{e}）")));
    }
    let p = Path::new(loc);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    };
    let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
    Url::from_file_path(&abs).map_err(|()| FetchError::BadUrl(loc.to_string()))
}

/// Per-host politeness state.
struct Host {
    slots: Semaphore,
    next_start: tokio::sync::Mutex<Instant>,
    delay: Mutex<Duration>,
}

/// Parsed robots.txt of one host.
struct Robots {
    rules: Option<texting_robots::Robot>,
    /// Why robots.txt could not be read (5xx, timeout): nothing is fetched from the host
    /// this run, as the robots.txt convention asks.
    unavailable: Option<String>,
}

/// Counters for the run record and the benchmark.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FetchStats {
    pub requests: u64,
    pub not_modified: u64,
    pub retries: u64,
    pub bytes: u64,
}

pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    /// One cell per origin, so concurrent first requests to a host fetch robots.txt once.
    robots: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Arc<Robots>>>>>,
    /// robots.txt bodies fetched during this fetcher's life, for the caller to persist.
    fresh_robots: Mutex<Vec<(String, String)>>,
    stats: Mutex<FetchStats>,
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(secs(settings.connect_timeout_seconds))
            .timeout(secs(settings.timeout_seconds))
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .gzip(true)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            settings,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            fresh_robots: Mutex::new(Vec::new()),
            stats: Mutex::new(FetchStats::default()),
        })
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    pub fn stats(&self) -> FetchStats {
        *lock(&self.stats)
    }

    /// Gives the fetcher a robots.txt body remembered from an earlier run (less than a day
    /// old), so it is not fetched again.
    pub fn remember_robots(&self, origin: &str, body: &str) {
        let parsed = parse_robots(body, &self.settings.user_agent);
        if let Some(r) = &parsed.rules
            && let Some(d) = r.delay
        {
            self.host(origin).raise_delay(secs(d as f64));
        }
        let cell = tokio::sync::OnceCell::new_with(Some(Arc::new(parsed)));
        lock(&self.robots).insert(origin.to_string(), Arc::new(cell));
    }

    /// robots.txt bodies fetched by this fetcher: (origin, body).
    pub fn take_fresh_robots(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *lock(&self.fresh_robots))
    }

    /// GET `url`, conditional on `validators` when given.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        if url.scheme() == "file" {
            return self.read_file(url, validators).await;
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadUrl(url.to_string()));
        }
        if self.settings.robots {
            self.allowed(url).await?;
        }
        let mut attempt = 0;
        loop {
            let r = self.get_once(url, validators).await;
            match r {
                Err(e) if e.retryable() && attempt < self.settings.retries => {
                    attempt += 1;
                    lock(&self.stats).retries += 1;
                    let base = self.settings.retry_backoff_seconds
                        * f64::from(1u32 << (attempt - 1).min(10));
                    tokio::time::sleep(secs(base * (1.0 + 0.5 * jitter()))).await;
                }
                other => return other,
            }
        }
    }

    async fn get_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let host = self.host(&origin(url));
        let _permit = host.acquire().await;
        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(e) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, e);
            }
            if let Some(m) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
            }
        }
        lock(&self.stats).requests += 1;
        let mut resp = req.send().await.map_err(|e| self.map_err(url, e))?;
        let status = resp.status().as_u16();
        if status == 304 {
            lock(&self.stats).not_modified += 1;
            return Ok(Fetched::NotModified(
                validators.cloned().unwrap_or_default(),
            ));
        }
        if !(200..300).contains(&status) {
            // "Come back in N seconds" (429/503): the whole host waits, up to two minutes.
            if matches!(status, 429 | 503)
                && let Some(wait) = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            {
                host.postpone(Duration::from_secs(wait.min(120))).await;
            }
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
            });
        }
        let final_url = resp.url().clone();
        let headers = resp.headers();
        let header = |h: reqwest::header::HeaderName| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.to_string())
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        if let Some(ct) = &content_type
            && !is_textual(ct)
        {
            return Err(FetchError::NotText {
                url: url.to_string(),
                content_type: ct.clone(),
            });
        }
        let limit = self.settings.max_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_err(url, e))? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        lock(&self.stats).bytes += bytes.len() as u64;
        let body_hash = crate::text::sha256_hex(&bytes);
        if validators.is_some_and(|v| v.body_hash.as_deref() == Some(body_hash.as_str())) {
            lock(&self.stats).not_modified += 1;
            return Ok(Fetched::NotModified(Validators {
                etag,
                last_modified,
                body_hash: Some(body_hash),
            }));
        }
        Ok(Fetched::Page(Page {
            url: final_url,
            status,
            header_charset: content_type.as_deref().and_then(charset_of),
            content_type,
            bytes,
            validators: Validators {
                etag,
                last_modified,
                body_hash: Some(body_hash),
            },
        }))
    }

    async fn read_file(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let path = url
            .to_file_path()
            .map_err(|()| FetchError::BadUrl(url.to_string()))?;
        let limit = self.settings.max_bytes;
        let p = path.clone();
        let read = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
            use std::io::Read;
            // Regular files only (not /dev/zero, FIFOs…), and never more than the limit even
            // if the file grows while we read.
            let meta = std::fs::metadata(&p)?;
            if !meta.is_file() {
                return Err(std::io::Error::other("不是普通文件"));
            }
            if meta.len() > limit {
                return Ok(None);
            }
            let mut buf = Vec::new();
            std::fs::File::open(&p)?
                .take(limit + 1)
                .read_to_end(&mut buf)?;
            Ok((buf.len() as u64 <= limit).then_some(buf))
        })
        .await
        .map_err(|e| FetchError::File {
            path: path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let bytes = match read {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            Err(source) => return Err(FetchError::File { path, source }),
        };
        lock(&self.stats).requests += 1;
        let body_hash = crate::text::sha256_hex(&bytes);
        let v = Validators {
            etag: None,
            last_modified: None,
            body_hash: Some(body_hash),
        };
        if validators.is_some_and(|old| old.body_hash == v.body_hash) {
            lock(&self.stats).not_modified += 1;
            return Ok(Fetched::NotModified(v));
        }
        let content_type = match path.extension().and_then(|e| e.to_str()) {
            Some("xml" | "rss" | "atom") => Some("application/xml".to_string()),
            Some("json") => Some("application/json".to_string()),
            _ => None,
        };
        Ok(Fetched::Page(Page {
            url: url.clone(),
            status: 200,
            content_type,
            header_charset: None,
            bytes,
            validators: v,
        }))
    }

    fn host(&self, origin: &str) -> Arc<Host> {
        lock(&self.hosts)
            .entry(origin.to_string())
            .or_insert_with(|| {
                Arc::new(Host {
                    slots: Semaphore::new(self.settings.per_host_concurrency.max(1)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                    delay: Mutex::new(secs(self.settings.delay_seconds)),
                })
            })
            .clone()
    }

    async fn allowed(&self, url: &Url) -> Result<(), FetchError> {
        let o = origin(url);
        let cell = lock(&self.robots).entry(o.clone()).or_default().clone();
        let robots = cell
            .get_or_init(|| async { Arc::new(self.fetch_robots(&o).await) })
            .await
            .clone();
        if let Some(reason) = &robots.unavailable {
            return Err(FetchError::RobotsUnavailable {
                url: url.to_string(),
                reason: reason.clone(),
            });
        }
        match &robots.rules {
            Some(r) if !r.allowed(url.as_str()) => Err(FetchError::Robots {
                url: url.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Fetches `<origin>/robots.txt`. Missing (4xx) means everything is allowed; a server
    /// error or timeout means we cannot know, and the convention (RFC 9309) is to fetch
    /// nothing from the host: we do so for this run and report why, so the pages are tried
    /// again next run rather than lost.
    async fn fetch_robots(&self, origin: &str) -> Robots {
        let Ok(url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return Robots {
                rules: None,
                unavailable: None,
            };
        };
        match self.get_once(&url, None).await {
            Ok(Fetched::Page(p)) => {
                let body = String::from_utf8_lossy(&p.bytes).into_owned();
                lock(&self.fresh_robots).push((origin.to_string(), body.clone()));
                let parsed = parse_robots(&body, &self.settings.user_agent);
                if let Some(r) = &parsed.rules
                    && let Some(d) = r.delay
                {
                    self.host(origin).raise_delay(secs(d as f64));
                }
                parsed
            }
            // No robots.txt (or not a text file: some sites answer with their home page as
            // an image or HTML error): everything is allowed.
            Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
                lock(&self.fresh_robots).push((origin.to_string(), String::new()));
                Robots {
                    rules: None,
                    unavailable: None,
                }
            }
            Err(FetchError::NotText { .. } | FetchError::TooLarge { .. }) => Robots {
                rules: None,
                unavailable: None,
            },
            Ok(Fetched::NotModified(_)) => Robots {
                rules: None,
                unavailable: None,
            },
            Err(e) => Robots {
                rules: None,
                unavailable: Some(e.to_string()),
            },
        }
    }

    fn map_err(&self, url: &Url, e: reqwest::Error) -> FetchError {
        let u = url.to_string();
        if e.is_timeout() {
            FetchError::Timeout {
                url: u,
                secs: self.settings.timeout_seconds,
            }
        } else if e.is_redirect() {
            FetchError::Redirects {
                url: u,
                max: self.settings.max_redirects,
            }
        } else {
            // The chain of sources says what actually went wrong (refused, reset, DNS...).
            let mut message = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                message = format!("{message}: {s}");
                src = s.source();
            }
            FetchError::Connect { url: u, message }
        }
    }
}

impl Host {
    /// Waits for a free slot and for the host's delay since the previous start.
    async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        // The semaphore is never closed, so acquire cannot fail; fall back to no permit.
        let permit = loop {
            if let Ok(p) = self.slots.acquire().await {
                break p;
            }
        };
        let delay = *lock(&self.delay);
        let mut next = self.next_start.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep(*next - now).await;
        }
        if !delay.is_zero() {
            *next = Instant::now() + delay;
        }
        permit
    }

    /// No request to this host starts before `d` from now (Retry-After).
    async fn postpone(&self, d: Duration) {
        let mut next = self.next_start.lock().await;
        let until = Instant::now() + d;
        if until > *next {
            *next = until;
        }
    }

    fn raise_delay(&self, d: Duration) {
        let mut cur = lock(&self.delay);
        // A Crawl-delay above a minute is almost certainly a typo; cap it so a run ends.
        let d = d.min(Duration::from_secs(60));
        if d > *cur {
            *cur = d;
        }
    }
}

/// robots.txt rules for our product token ("caibian" of "caibian/0.1 (…)").
fn parse_robots(body: &str, user_agent: &str) -> Robots {
    let agent = user_agent
        .split(['/', ' '])
        .find(|s| !s.is_empty())
        .unwrap_or("caibian");
    Robots {
        rules: texting_robots::Robot::new(agent, body.as_bytes()).ok(),
        unavailable: None,
    }
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn is_textual(ct: &str) -> bool {
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty()
        || mime.starts_with("text/")
        || mime.ends_with("+xml")
        || mime.ends_with("+json")
        || matches!(
            mime.as_str(),
            "application/xml"
                | "application/json"
                | "application/xhtml+xml"
                | "application/x-javascript"
        )
}

fn charset_of(ct: &str) -> Option<String> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    })
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_finite() && s > 0.0 {
        s.min(86_400.0)
    } else {
        0.0
    })
}

/// 0..1, good enough to spread retries apart (not for anything secret).
fn jitter() -> f64 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(n % 1000) / 1000.0
}

/// Locks a std mutex, ignoring poisoning (the data are counters and caches).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_header() {
        assert_eq!(charset_of("text/html; charset=GBK"), Some("GBK".into()));
        assert_eq!(
            charset_of("text/html;charset=\"utf-8\""),
            Some("utf-8".into())
        );
        assert_eq!(charset_of("text/html"), None);
    }

    #[test]
    fn textual_types() {
        assert!(is_textual("text/html; charset=utf-8"));
        assert!(is_textual("application/rss+xml"));
        assert!(is_textual("application/feed+json"));
        assert!(!is_textual("image/png"));
        assert!(!is_textual("application/octet-stream"));
        assert!(!is_textual("application/pdf"));
    }

    #[test]
    fn locations() {
        let base = Path::new("/tmp");
        assert_eq!(
            resolve_location("http://a.example/x", base)
                .unwrap()
                .as_str(),
            "http://a.example/x"
        );
        assert_eq!(resolve_location("x/y.html", base).unwrap().scheme(), "file");
        assert!(resolve_location("http://", base).is_err());
    }

    #[test]
    fn robots_rules() {
        let r = parse_robots("User-agent: *\nDisallow: /admin/\n", "caibian/0.1");
        let rules = r.rules.unwrap();
        assert!(!rules.allowed("http://a.example/admin/x"));
        assert!(rules.allowed("http://a.example/news/x"));
    }
}
