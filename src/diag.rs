//! Turning serde/TOML/YAML errors into Chinese messages that name the file, the line and the key.
//!
//! Every file a user writes (caibian.toml, pipelines, submission front matter) goes through
//! [`from_toml`] or [`from_yaml`], so all of them report mistakes the same way:
//! `pipelines/inbox.toml 第 7 行，键「sources[0].moode」：未知的键「moode」（可用的键：path、mode）`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A mistake in a file the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Dotted key path (`units[2].type`), when known.
    pub key: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.path.display(), self.location())
    }
}

impl std::error::Error for FileError {}

impl FileError {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        FileError {
            path: path.to_path_buf(),
            line: None,
            key: None,
            message: message.into(),
        }
    }

    /// The message with line and key but without the file name, for places that already
    /// name the file (a quarantine reason).
    pub fn location(&self) -> String {
        let mut s = String::new();
        if let Some(line) = self.line {
            s.push_str(&format!(" 第 {line} 行"));
        }
        if let Some(key) = &self.key {
            if !s.is_empty() {
                s.push('，');
            }
            s.push_str(&format!("键「{key}」"));
        }
        format!("{s}：{}", self.message)
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Deserialize TOML text. `first_line` is the file line where `text` starts (1 for a whole
/// file, 2 for front matter after a `+++` line).
pub fn from_toml<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    first_line: usize,
) -> Result<T, FileError> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start) + first_line - 1);
        FileError::new(path, format!("TOML 语法错误：{}", syntax_zh(e.message()))).at_line(line)
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let line = inner
            .span()
            .map(|s| line_of(text, s.start) + first_line - 1);
        let err = FileError::new(path, translate(inner.message())).at_line(line);
        with_path(err, &e.path().to_string(), inner.message())
    })
}

/// Deserialize YAML text (front matter). `first_line` as for [`from_toml`].
pub fn from_yaml<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    first_line: usize,
) -> Result<T, FileError> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let line = inner.location().map(|l| l.line() + first_line - 1);
        // serde_norway appends " at line N column M"; the line is reported separately.
        let raw = inner.to_string();
        let mut msg = match raw.find(" at line ") {
            Some(i) => raw[..i].to_string(),
            None => raw,
        };
        // serde_norway also prefixes the key path ("tags: invalid type…").
        let key_prefix = format!("{}: ", e.path());
        if let Some(rest) = msg.strip_prefix(&key_prefix) {
            msg = rest.to_string();
        }
        let is_syntax = inner.location().is_some() && e.path().to_string() == ".";
        let text = if is_syntax && !msg.contains('`') {
            format!("YAML 语法错误：{msg}")
        } else {
            translate(&msg)
        };
        with_path(
            FileError::new(path, text).at_line(line),
            &e.path().to_string(),
            &msg,
        )
    })
}

fn with_path(mut err: FileError, path: &str, raw: &str) -> FileError {
    let mut key = if path == "." || path.is_empty() {
        String::new()
    } else {
        path.to_string()
    };
    // For unknown fields the path points at the enclosing table: name the key itself.
    if let Some(field) = backticked(raw, "unknown field `") {
        if key.is_empty() {
            key = field;
        } else if key != field && !key.ends_with(&format!(".{field}")) {
            key = format!("{key}.{field}");
        }
    }
    if !key.is_empty() {
        err.key = Some(key);
    }
    err
}

fn backticked(raw: &str, prefix: &str) -> Option<String> {
    let rest = raw.strip_prefix(prefix)?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

/// The `expected ...` list of serde's messages as `a、b、c`.
fn expected_list(raw: &str) -> String {
    let Some(i) = raw.find("expected ") else {
        return String::new();
    };
    raw[i + "expected ".len()..]
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join("、")
}

/// Translates serde's English messages into Chinese; messages already written in Chinese by
/// our own `Deserialize` impls pass through unchanged.
pub fn translate(raw: &str) -> String {
    if let Some(field) = backticked(raw, "unknown field `") {
        let list = expected_list(raw);
        if list.is_empty() {
            return format!("未知的键「{field}」（此处不允许任何键）");
        }
        return format!("未知的键「{field}」（可用的键：{list}）");
    }
    if let Some(field) = backticked(raw, "missing field `") {
        return format!("缺少必填的键「{field}」");
    }
    if let Some(field) = backticked(raw, "duplicate field `") {
        return format!("键「{field}」重复出现");
    }
    if let Some(v) = backticked(raw, "unknown variant `") {
        return format!("取值「{v}」无效（可选：{}）", expected_list(raw));
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ")
        && let Some((got, want)) = rest.split_once(", expected ")
    {
        return format!("类型错误：应为{}，实际是{}", kind_zh(want), got_zh(got));
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ")
        && let Some((got, want)) = rest.split_once(", expected ")
    {
        return format!("取值无效：应为{}，实际是{}", kind_zh(want), got_zh(got));
    }
    if let Some(rest) = raw.strip_prefix("invalid length ") {
        return format!("长度不对：{rest}");
    }
    raw.to_string()
}

fn kind_zh(want: &str) -> String {
    let w = want.trim();
    let known = [
        ("a sequence", "列表"),
        ("a string", "字符串"),
        ("a borrowed string", "字符串"),
        ("a boolean", "布尔值（true 或 false）"),
        ("a map", "表"),
        ("a character", "单个字符"),
        ("a floating point", "数字"),
        ("f64", "数字"),
        ("f32", "数字"),
        ("a number", "数字"),
        ("an integer", "整数"),
    ];
    for (en, zh) in known {
        if w.starts_with(en) {
            return zh.to_string();
        }
    }
    if w.starts_with("struct ") || w.starts_with("a table") {
        return "表".to_string();
    }
    if [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
    ]
    .contains(&w)
    {
        return "整数".to_string();
    }
    w.to_string()
}

fn got_zh(got: &str) -> String {
    let pairs = [
        ("string ", "字符串 "),
        ("integer ", "整数 "),
        ("floating point ", "数字 "),
        ("boolean ", "布尔值 "),
    ];
    for (en, zh) in pairs {
        if let Some(rest) = got.strip_prefix(en) {
            return format!("{zh}{}", rest.trim_matches('`'));
        }
    }
    match got {
        "sequence" => "列表".into(),
        "map" => "表".into(),
        "unit value" => "空值".into(),
        other => other.to_string(),
    }
}

fn syntax_zh(msg: &str) -> String {
    // TOML syntax messages are short and technical; keep the original beside a hint.
    let msg = msg.trim();
    if msg.contains("duplicate key") {
        return format!("键重复（{msg}）");
    }
    if msg.contains("invalid") && msg.contains("string") {
        return format!("字符串没有正确结束，检查引号（{msg}）");
    }
    msg.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = from_toml::<Doc>(Path::new("a.md"), "title = 'x'\nauther = 'y'\n", 2).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("auther"));
        assert!(e.message.contains("未知的键「auther」"), "{e}");
        assert!(
            e.to_string().starts_with("a.md 第 3 行，键「auther」"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_in_yaml() {
        let e = from_yaml::<Doc>(Path::new("b.md"), "title: x\ntags: 5\n", 2).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("tags"));
        assert!(e.message.contains("类型错误：应为列表"), "{e}");
    }

    #[test]
    fn missing_field() {
        let e = from_toml::<Doc>(Path::new("c.toml"), "tags = []\n", 1).unwrap_err();
        assert!(e.message.contains("缺少必填的键「title」"), "{e}");
    }

    #[test]
    fn syntax_error_has_line() {
        let e = from_toml::<Doc>(Path::new("d.toml"), "\n\ntitle = 'x\n", 1).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.starts_with("TOML 语法错误"), "{e}");
    }
}
