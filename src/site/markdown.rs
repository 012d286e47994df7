//! Article bodies: Markdown (tables, footnotes, strikethrough) to HTML with raw HTML made
//! safe and links between articles resolved, and the plain text the search index reads —
//! both from one parse.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Ids (and slugs) of articles → their URLs.
pub type Links<'a> = HashMap<&'a str, &'a str>;

/// (HTML, plain text) of a Markdown body.
pub fn render(md: &str, links: &Links<'_>) -> (String, String) {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut text = String::with_capacity(md.len());
    let events = Parser::new_ext(md, opts).map(|ev| match ev {
        Event::Text(t) => {
            text.push_str(&t);
            Event::Text(t)
        }
        Event::Code(t) => {
            text.push_str(&t);
            Event::Code(t)
        }
        Event::SoftBreak | Event::HardBreak => {
            text.push('\n');
            ev
        }
        Event::End(
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::TableCell
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_),
        ) => {
            text.push('\n');
            ev
        }
        Event::Html(h) | Event::InlineHtml(h) => safe_html(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: resolve(dest_url, links),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    (html, text)
}

/// `item:ID`, and root-relative links whose last segment names an article (`/lifa/ID/`, as
/// content moved from another system writes them), point at the article's URL. Script URLs
/// are neutralised.
fn resolve<'a>(dest: CowStr<'a>, links: &Links<'_>) -> CowStr<'a> {
    if let Some(id) = dest.strip_prefix("item:") {
        return match links.get(id) {
            Some(u) => CowStr::from(u.to_string()),
            None => dest,
        };
    }
    if dest.starts_with('/') && !dest.starts_with("//") {
        let (path, frag) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (&dest[..], ""),
        };
        if let Some(last) = path.trim_end_matches('/').rsplit('/').next()
            && let Some(u) = links.get(last)
            && *u != path
        {
            return CowStr::from(format!("{u}{frag}"));
        }
        return dest;
    }
    safe_url(dest)
}

fn safe_url(dest: CowStr<'_>) -> CowStr<'_> {
    let lower = dest.trim_start().to_ascii_lowercase();
    if lower.starts_with("javascript:")
        || lower.starts_with("vbscript:")
        || lower.starts_with("data:text")
    {
        CowStr::from("#")
    } else {
        dest
    }
}

/// Raw HTML in a body: a handful of attribute-free inline tags pass (`<br>`, `<sup>`, …);
/// anything else is shown as text, comments are dropped. Written by hand rather than with a
/// full sanitiser because raw HTML here is a fragment per event (not a document), nearly
/// always absent (bodies are stored as Markdown), and a whitelist of bare tags cannot carry
/// an attribute, so there is nothing to parse that could smuggle script.
fn safe_html(h: CowStr<'_>) -> Event<'_> {
    const OK: [&str; 10] = [
        "br", "sup", "sub", "u", "b", "i", "strong", "em", "mark", "small",
    ];
    let t = h.trim();
    if t.starts_with("<!--") {
        return Event::Text(CowStr::from(""));
    }
    let bare = t
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .map(|r| r.trim_start_matches('/').trim_end_matches('/').trim())
        .map(|name| name.to_ascii_lowercase());
    match bare {
        Some(name) if OK.contains(&name.as_str()) && t.len() <= name.len() + 4 => {
            Event::InlineHtml(h)
        }
        _ => Event::Text(h),
    }
}

/// The first `max` characters of plain text, whole-sentence where possible, for summaries.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max + 1)
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    match cut.rfind(['。', '！', '？', '；']) {
        Some(i) if i > cut.len() / 2 => cut[..i + '。'.len_utf8()].to_string(),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_made_safe_and_links_resolve() {
        let mut links = Links::new();
        links.insert("abc", "/2026/11/abc/");
        let (html, text) = render(
            "第一段<sup>1</sup>。<script>alert(1)</script>\n\n见[上文](item:abc)和[旧址](/lifa/abc/#p2)，\
             [坏](javascript:alert(1))。<img src=x onerror=alert(1)>\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n",
            &links,
        );
        assert!(html.contains("<sup>1</sup>"), "{html}");
        assert!(
            !html.contains("<script>") && html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(r#"href="/2026/11/abc/""#), "{html}");
        assert!(html.contains(r#"href="/2026/11/abc/#p2""#), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(text.contains("第一段") && text.contains("甲"), "{text}");
    }

    #[test]
    fn excerpts_end_at_a_sentence() {
        assert_eq!(excerpt("短。", 10), "短。");
        assert_eq!(
            excerpt("第一句话很长很长。第二句", 10),
            "第一句话很长很长。"
        );
        assert_eq!(excerpt("没有标点的一段很长的文字", 5), "没有标点的…");
    }
}
