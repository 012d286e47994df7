//! Feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed, read with feed-rs. We decode the bytes
//! ourselves first (a GBK feed labelled UTF-8 is as common as a GBK page) and hand feed-rs
//! UTF-8 with the XML declaration's encoding rewritten to match.

use chrono::{DateTime, FixedOffset};
use reqwest::Url;

use super::decode;

/// One feed entry, links resolved against the feed's URL.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub title: String,
    pub link: Option<Url>,
    pub published: Option<DateTime<FixedOffset>>,
    /// Plain-text summary.
    pub summary: Option<String>,
    /// Full content as HTML, when the feed carries it.
    pub content_html: Option<String>,
    pub authors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: String,
    pub entries: Vec<FeedEntry>,
    pub charset: &'static str,
}

/// Does this response look like a feed rather than a page?
pub fn looks_like_feed(bytes: &[u8], content_type: Option<&str>) -> bool {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.contains("rss") || ct.contains("atom") || ct.contains("feed+json") {
        return true;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('{') {
        return head.contains("jsonfeed.org");
    }
    if ct.contains("html") {
        return false;
    }
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf")
}

/// Parses a feed; the error is a Chinese message.
pub fn parse(bytes: &[u8], header_charset: Option<&str>, base: &Url) -> Result<ParsedFeed, String> {
    let declared = xml_encoding(bytes);
    let (text, charset) = decode::decode_named(bytes, &[header_charset, declared.as_deref()])
        .map_err(|e| e.to_string())?;
    let text = rewrite_declaration(&text);
    let feed = feed_rs::parser::parse(text.as_bytes())
        .map_err(|e| format!("订阅源无法解析（不是有效的 RSS、Atom 或 JSON Feed）：{e}"))?;
    let offset = FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    let entries = feed
        .entries
        .into_iter()
        .map(|e| {
            let link = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .and_then(|l| base.join(l.href.trim()).ok())
                .or_else(|| {
                    // RSS guids with isPermaLink are links too.
                    (e.id.starts_with("http://") || e.id.starts_with("https://"))
                        .then(|| Url::parse(&e.id).ok())
                        .flatten()
                });
            let summary = e.summary.as_ref().map(|s| html_to_text(&s.content));
            let content_html = e.content.as_ref().and_then(|c| c.body.clone()).or_else(|| {
                // RSS puts full HTML in <description> often enough.
                e.summary
                    .as_ref()
                    .filter(|s| s.content.contains('<'))
                    .map(|s| s.content.clone())
            });
            FeedEntry {
                title: e
                    .title
                    .map(|t| html_to_text(&t.content))
                    .unwrap_or_default(),
                link,
                published: e.published.or(e.updated).map(|t| t.with_timezone(&offset)),
                summary,
                content_html,
                authors: e
                    .authors
                    .into_iter()
                    .filter_map(|p| p.name.map(|n| n.trim().to_string()))
                    .filter(|n| !n.is_empty())
                    .collect(),
            }
        })
        .collect();
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|t| html_to_text(&t.content))
            .unwrap_or_default(),
        entries,
        charset,
    })
}

/// `encoding="..."` of an XML declaration.
fn xml_encoding(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    let decl = head.split_once("?>")?.0;
    let i = decl.find("encoding=")?;
    let rest = &decl[i + 9..];
    let q = rest.chars().next()?;
    let rest = &rest[q.len_utf8()..];
    Some(rest[..rest.find(q)?].to_string())
}

/// The text is UTF-8 now: make the declaration say so, or the parser would re-decode it.
fn rewrite_declaration(text: &str) -> String {
    let t = text.trim_start_matches('\u{feff}');
    if let Some(end) = t.find("?>")
        && t.starts_with("<?xml")
        && t[..end].contains("encoding=")
    {
        return format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>{}",
            &t[end + 2..]
        );
    }
    t.to_string()
}

/// Visible text of an HTML fragment, whitespace collapsed.
pub fn html_to_text(s: &str) -> String {
    if !s.contains('<') && !s.contains('&') {
        return s.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if super::extract::too_deep(s).is_some() {
        return String::new();
    }
    let frag = scraper::Html::parse_fragment(s);
    let t: String = frag.root_element().text().collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>江北人大网</title>
<item><title>市人大常委会召开第三十次会议</title><link>/rd/2026/11/t20261120_1.html</link>
<pubDate>Fri, 20 Nov 2026 09:30:00 +0800</pubDate><description>会议审议了多项议题。</description></item>
</channel></rss>"#;

    #[test]
    fn rss_with_relative_links() {
        let base = Url::parse("http://rd.example/rss.xml").unwrap();
        assert!(looks_like_feed(RSS.as_bytes(), None));
        let f = parse(RSS.as_bytes(), None, &base).unwrap();
        assert_eq!(f.title, "江北人大网");
        let e = &f.entries[0];
        assert_eq!(e.title, "市人大常委会召开第三十次会议");
        assert_eq!(
            e.link.as_ref().unwrap().as_str(),
            "http://rd.example/rd/2026/11/t20261120_1.html"
        );
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-11-20T09:30:00+08:00"
        );
        assert_eq!(e.summary.as_deref(), Some("会议审议了多项议题。"));
    }

    #[test]
    fn gbk_feed_and_atom_and_json() {
        let gbk_src = RSS.replace("utf-8", "gbk");
        let (bytes, _, _) = encoding_rs::GBK.encode(&gbk_src);
        let base = Url::parse("http://rd.example/rss.xml").unwrap();
        let f = parse(&bytes, None, &base).unwrap();
        assert_eq!(f.entries[0].title, "市人大常委会召开第三十次会议");
        assert_eq!(f.charset, "GBK");

        let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>江北日报</title>
<entry><title>代表联络站</title><link href="http://m.example/a.html"/><id>x</id>
<updated>2026-11-21T02:05:00Z</updated><content type="html">&lt;p&gt;正文&lt;/p&gt;</content></entry></feed>"#;
        let f = parse(atom.as_bytes(), None, &base).unwrap();
        assert_eq!(f.entries[0].content_html.as_deref(), Some("<p>正文</p>"));
        assert_eq!(
            f.entries[0].published.unwrap().to_rfc3339(),
            "2026-11-21T10:05:00+08:00"
        );

        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"http://j.example/1","title":"标题","content_text":"正文"}]}"#;
        assert!(looks_like_feed(json.as_bytes(), None));
        let f = parse(json.as_bytes(), None, &base).unwrap();
        assert_eq!(f.entries[0].title, "标题");
    }

    #[test]
    fn malformed_feeds_are_errors_not_panics() {
        let base = Url::parse("http://rd.example/rss.xml").unwrap();
        for bad in [
            "<rss><channel><item><title>x",
            "{\"version\":\"https://jsonfeed.org/version/1\",",
            "",
            "<feed>",
        ] {
            let _ = parse(bad.as_bytes(), None, &base);
        }
    }
}
