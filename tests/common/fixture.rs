//! A small HTTP/1.1 fixture server on 127.0.0.1 for collection tests and the collect
//! benchmark: static files from a folder (with ETag / Last-Modified and 304s), plus routes
//! that misbehave the way real sites do. Every request is logged for assertions.
//!
//! Thread per connection, `Connection: close`: simple, and plenty for loopback tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub conditional: bool,
    pub at: Instant,
    pub user_agent: String,
}

/// A dynamic route: gets the path and query, returns (status, headers, body).
pub type Handler = Arc<dyn Fn(&str) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync>;

pub struct Fixture {
    pub port: u16,
    pub host: String,
    log: Arc<Mutex<Vec<Logged>>>,
    stop: Arc<AtomicBool>,
    pub hits: Arc<AtomicUsize>,
}

impl Fixture {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}:{}{}", self.host, self.port, path)
    }

    pub fn log(&self) -> Vec<Logged> {
        self.log.lock().unwrap().clone()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect((self.host.as_str(), self.port));
    }
}

pub struct Builder {
    root: Option<PathBuf>,
    host: String,
    routes: HashMap<String, Handler>,
    /// Replaces this text in served files with the server's own origin (for feeds, which
    /// need absolute links).
    placeholder: Option<String>,
}

pub fn builder() -> Builder {
    Builder {
        root: None,
        host: "127.0.0.1".into(),
        routes: HashMap::new(),
        placeholder: None,
    }
}

impl Builder {
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }
    /// Another loopback address (127.0.0.2 …): a different host for per-host politeness.
    pub fn host(mut self, h: &str) -> Self {
        self.host = h.into();
        self
    }
    pub fn route(mut self, path: &str, h: Handler) -> Self {
        self.routes.insert(path.into(), h);
        self
    }
    pub fn placeholder(mut self, p: &str) -> Self {
        self.placeholder = Some(p.into());
        self
    }

    pub fn start(self) -> Fixture {
        let listener = TcpListener::bind((self.host.as_str(), 0)).expect("bind fixture server");
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let origin = format!("http://{}:{}", self.host, port);
        let shared = Arc::new((self.root, self.routes, self.placeholder, origin));
        {
            let log = log.clone();
            let stop = stop.clone();
            let hits = hits.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let log = log.clone();
                    let shared = shared.clone();
                    let hits = hits.clone();
                    std::thread::spawn(move || {
                        let _ = serve(conn, &shared, &log, &hits);
                    });
                }
            });
        }
        Fixture {
            port,
            host: self.host,
            log,
            stop,
            hits,
        }
    }
}

type Shared = (
    Option<PathBuf>,
    HashMap<String, Handler>,
    Option<String>,
    String,
);

fn serve(
    mut conn: TcpStream,
    shared: &Shared,
    log: &Mutex<Vec<Logged>>,
    hits: &AtomicUsize,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let _method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let conditional =
        headers.contains_key("if-none-match") || headers.contains_key("if-modified-since");
    log.lock().unwrap().push(Logged {
        path: target.clone(),
        conditional,
        at: Instant::now(),
        user_agent: headers.get("user-agent").cloned().unwrap_or_default(),
    });
    let (root, routes, placeholder, origin) = shared;
    let path = target.split('?').next().unwrap_or("/").to_string();

    if let Some(h) = routes.get(&path) {
        let (status, hs, body) = h(&target);
        return respond(&mut conn, status, &hs, &body);
    }
    match path.as_str() {
        "/__big" => {
            // 50 MB, streamed, with no Content-Length: the client must stop reading itself.
            write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
            )?;
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..800 {
                if conn.write_all(&chunk).is_err() {
                    break;
                }
            }
            return Ok(());
        }
        "/__slow" => {
            std::thread::sleep(Duration::from_secs(5));
            return respond(&mut conn, 200, &[], b"<html><body>slow</body></html>");
        }
        "/__500" => return respond(&mut conn, 500, &[], b"Internal Server Error"),
        "/__loop" => {
            return respond(
                &mut conn,
                302,
                &[("Location".into(), "/__loop".into())],
                b"",
            );
        }
        "/__binary.png" => {
            return respond(
                &mut conn,
                200,
                &[("Content-Type".into(), "image/png".into())],
                &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 1, 2, 3],
            );
        }
        "/__404" => return respond(&mut conn, 404, &[], b"Not Found"),
        _ => {}
    }
    let Some(root) = root else {
        return respond(&mut conn, 404, &[], b"Not Found");
    };
    let rel = path.trim_start_matches('/');
    let mut file = root.join(rel);
    if file.is_dir() || rel.is_empty() {
        file = file.join("index.html");
    }
    if rel.split('/').any(|c| c == "..") || !file.is_file() {
        return respond(&mut conn, 404, &[], b"Not Found");
    }
    let mut body = std::fs::read(&file)?;
    if let Some(p) = placeholder
        && let Ok(s) = std::str::from_utf8(&body)
        && s.contains(p.as_str())
    {
        body = s.replace(p.as_str(), origin).into_bytes();
    }
    let etag = format!("\"{:x}\"", fnv(&body));
    if headers.get("if-none-match") == Some(&etag) {
        return respond(&mut conn, 304, &[("ETag".into(), etag)], b"");
    }
    let ct = match file.extension().and_then(|e| e.to_str()) {
        Some("xml") => "application/rss+xml",
        Some("txt") => "text/plain",
        Some("json") => "application/feed+json",
        // Government sites often label every page UTF-8, whatever the bytes are.
        _ => "text/html; charset=utf-8",
    };
    let mut hs = vec![
        ("Content-Type".to_string(), ct.to_string()),
        ("ETag".to_string(), etag),
        (
            "Last-Modified".to_string(),
            "Sat, 28 Nov 2026 00:00:00 GMT".to_string(),
        ),
    ];
    if headers
        .get("accept-encoding")
        .is_some_and(|a| a.contains("gzip"))
        && body.len() > 1024
    {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&body)?;
        body = enc.finish()?;
        hs.push(("Content-Encoding".into(), "gzip".into()));
    }
    respond(&mut conn, 200, &hs, &body)
}

fn respond(
    conn: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: text/html; charset=utf-8\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    conn.flush()?;
    // Drain what the client may still send so the close is clean.
    let _ = conn.set_read_timeout(Some(Duration::from_millis(10)));
    let mut sink = [0u8; 256];
    let _ = conn.read(&mut sink);
    Ok(())
}

fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in b {
        h ^= u64::from(*x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
