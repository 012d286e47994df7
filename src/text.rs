//! Small text helpers shared by the stages: name folding, content hashing.

use sha2::{Digest, Sha256};

/// Folds a name for matching: drops all whitespace and maps full-width ASCII (ＡＢＣ１２３)
/// to half-width, so "西湖县 人大" and "西湖县人大" meet.
pub fn fold_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_width)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Full-width ASCII variants (U+FF01–U+FF5E) to their half-width forms.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex SHA-256 of a file, read in blocks (files may be large).
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Hash of an item's content for exact-duplicate detection: title and body with all
/// whitespace removed and widths folded, so re-formatting (a .docx re-saved as .txt, CRLF,
/// indentation with full-width spaces) does not make a "new" item.
pub fn content_hash(title: &str, body: &str) -> String {
    let mut norm = String::with_capacity(title.len() + body.len() + 1);
    for c in title.chars() {
        if !c.is_whitespace() {
            norm.push(fold_width(c));
        }
    }
    norm.push('\u{1}');
    for c in body.chars() {
        // Markdown emphasis markers are formatting, not content.
        if !c.is_whitespace() && c != '*' && c != '#' {
            norm.push(fold_width(c));
        }
    }
    sha256_hex(norm.as_bytes())
}

/// Text for XML content or a double-quoted attribute: markup escaped, and the control
/// characters XML 1.0 forbids dropped (feeds, sitemaps, Word documents).
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // Characters XML 1.0 forbids.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds() {
        assert_eq!(fold_name(" 西湖县　人大 "), "西湖县人大");
        assert_eq!(fold_name("ＡＢＣ１２３"), "abc123");
    }

    #[test]
    fn content_hash_ignores_layout() {
        let a = content_hash("标题", "第一段。\n\n　　第二段。");
        let b = content_hash("标题 ", "第一段。\r\n第二段。");
        assert_eq!(a, b);
        assert_ne!(a, content_hash("标题", "第一段。第三段。"));
    }
}
