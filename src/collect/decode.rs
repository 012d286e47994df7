//! Bytes → text. Units send files from Windows machines in GBK as often as in UTF-8, with or
//! without a BOM; scanned documents and binaries arrive named `.txt`. We decode ourselves:
//! BOM, then a declared label (HTML `<meta charset>`), then strict UTF-8, then chardetng with
//! a Chinese hint; and we refuse text that is mostly control characters.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("不是文本文件（内容是二进制数据，可能是扫描件、图片或损坏的文件）")]
    Binary,
}

/// Decodes `bytes`; `declared` is a charset label found in the document itself, if any.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<String, DecodeError> {
    decode_named(bytes, &[declared]).map(|(t, _)| t)
}

/// Decodes `bytes` and names the encoding used. `declared` are labels in order of trust
/// (the HTTP header's, then the document's `<meta>`). A label is believed only when the
/// bytes decode under it without errors: government sites often send GBK labelled UTF-8
/// (or nothing), so valid UTF-8 wins, then a label that fits, then detection.
pub fn decode_named(
    bytes: &[u8],
    declared: &[Option<&str>],
) -> Result<(String, &'static str), DecodeError> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return check(text.into_owned()).map(|t| (t, enc.name()));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        // UTF-16 without BOM is rare enough for office files; NUL bytes mean binary.
        return Err(DecodeError::Binary);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return check(s.to_string()).map(|t| (t, UTF_8.name()));
    }
    for label in declared.iter().flatten() {
        if let Some(enc) = Encoding::for_label(label.trim().as_bytes())
            && enc != UTF_8
            && enc != UTF_16LE
            && enc != UTF_16BE
        {
            let (text, _, errors) = enc.decode(bytes);
            if !errors {
                return check(text.into_owned()).map(|t| (t, enc.name()));
            }
        }
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let name = enc.name();
    // GB18030 is a superset of GBK: it decodes the rare characters GBK pages sometimes
    // contain, with the same result for everything else. We still report what we detected.
    let enc = if enc == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        enc
    };
    let (text, _, _) = enc.decode(bytes);
    check(text.into_owned()).map(|t| (t, name))
}

/// Rejects text where more than 2% of characters are control or replacement characters.
fn check(text: String) -> Result<String, DecodeError> {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) {
            bad += 1;
        }
    }
    if total > 0 && bad * 50 > total {
        return Err(DecodeError::Binary);
    }
    Ok(text)
}

/// Finds `charset=...` in the first bytes of an HTML document.
pub fn html_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(2048)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let pos = lower.windows(8).position(|w| w == b"charset=")?;
    let rest = &head[pos + 8..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    let label = std::str::from_utf8(&rest[..end]).ok()?;
    (!label.is_empty()).then(|| label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_without_label_decodes() {
        let (bytes, _, _) = encoding_rs::GBK.encode("西湖县人大常委会开展执法检查，听取意见建议。");
        assert_eq!(
            decode(&bytes, None).unwrap(),
            "西湖县人大常委会开展执法检查，听取意见建议。"
        );
    }

    #[test]
    fn bom_and_binary() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("标题".as_bytes());
        assert_eq!(decode(&b, None).unwrap(), "标题");
        assert_eq!(
            decode(&[0, 1, 2, 3, 200, 201], None),
            Err(DecodeError::Binary)
        );
        let junk: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8 | 1).collect();
        assert_eq!(decode(&junk, None), Err(DecodeError::Binary));
    }

    #[test]
    fn finds_meta_charset() {
        assert_eq!(
            html_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
            ),
            Some("gb2312".into())
        );
        assert_eq!(
            html_charset(b"<meta charset='utf-8'>"),
            Some("utf-8".into())
        );
    }
}
