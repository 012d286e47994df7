//! A `caibian serve` started by a test on a free loopback port, and a tiny HTTP/1.1 client
//! (std only) to talk to it with full control over cookies, headers and bodies.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{BIN, ok};

/// The sample project, collected, with a rule table for this year and four accounts:
/// admin/adminpass1 (管理员), bianji/editorpass1 (编辑), jia/unitpass12 (西湖县人大常委会),
/// yi/unitpass34 (东城区人大常委会).
pub fn web_project() -> tempfile::TempDir {
    let dir = super::sample_project();
    let p = dir.path();
    ok(p, &["run"]);
    let year = chrono::Utc::now().format("%Y").to_string();
    ok(p, &["rules", "--init", "R1", "--year", &year]);
    for (name, pw, args) in [
        ("admin", "adminpass1", vec!["--role", "admin"]),
        (
            "bianji",
            "editorpass1",
            vec!["--role", "editor", "--display", "李编辑"],
        ),
        (
            "jia",
            "unitpass12",
            vec!["--role", "unit", "--unit", "西湖县人大常委会"],
        ),
        (
            "yi",
            "unitpass34",
            vec!["--role", "unit", "--unit", "东城区人大常委会"],
        ),
    ] {
        let mut a = vec!["user", "add", name];
        a.extend(args);
        let o = Command::new(BIN)
            .args(&a)
            .current_dir(p)
            .env("CAIBIAN_PASSWORD", pw)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    dir
}

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// `caibian serve --port 0 --no-schedule` in `dir`; waits for the address it prints.
    pub fn start(dir: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--no-schedule"])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("serve printed no address: {line:?}"));
        Server { child, port }
    }
}

impl Server {
    /// SIGTERM, as a service manager stops it; waits for the exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let t = std::time::Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// The CSRF token a page carries in its `<meta name="csrf-token">`.
    pub fn csrf(&self) -> String {
        let t = self.text();
        let i = t
            .find("name=\"csrf-token\" content=\"")
            .unwrap_or_else(|| panic!("no csrf meta in page (status {})", self.status));
        let rest = &t[i + 27..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// One request; `cookie` is the whole Cookie header value.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or(("", b""));
    if !body.0.is_empty() {
        head.push_str(&format!("Content-Type: {}\r\n", body.0));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.1.len()));
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.1).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..nl])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

pub fn get(port: u16, path: &str, cookie: Option<&str>) -> Resp {
    request(port, "GET", path, cookie, &[], None)
}

pub fn post_form(port: u16, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
    let body = form_body(form);
    request(
        port,
        "POST",
        path,
        cookie,
        &[],
        Some(("application/x-www-form-urlencoded", body.as_bytes())),
    )
}

pub fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Logs in; returns the Cookie header value of the new session.
pub fn login(port: u16, name: &str, password: &str) -> String {
    let r = post_form(
        port,
        "/login",
        None,
        &[("name", name), ("password", password)],
    );
    assert_eq!(r.status, 303, "login of {name} failed: {}", r.text());
    let c = r.header("set-cookie").expect("session cookie");
    c.split(';').next().unwrap().to_string()
}
