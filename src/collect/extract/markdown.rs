//! Article HTML → sanitised Markdown.
//!
//! We re-serialise the chosen subtree ourselves, keeping only an allow-list of tags and
//! attributes (links and images with http(s) URLs resolved against the page), then let htmd
//! turn that clean HTML into Markdown. Writing the allow-list walk is simpler and safer than
//! sanitising arbitrary HTML with another crate: nothing we do not emit can reach the output,
//! so scripts, event handlers, `javascript:` URLs and styles cannot either. The same walk
//! drops page furniture inside the article container (share bars, 上一篇/下一篇, 相关阅读,
//! font-size tools, copyright lines).

use reqwest::Url;
use scraper::{ElementRef, Node};

/// Elements whose whole subtree is never article text.
const DROP_TAGS: &[&str] = &[
    "script", "style", "noscript", "iframe", "form", "input", "button", "select", "textarea",
    "nav", "footer", "aside", "svg", "canvas", "object", "embed", "template", "link", "meta",
    "head", "title", "audio", "video", "map", "label",
];

/// class/id fragments of page furniture.
pub(super) const NOISE_HINTS: &[&str] = &[
    "share",
    "bdshare",
    "jiathis",
    "related",
    "relate",
    "xgyd",
    "xgxw",
    "xgwz",
    "recommend",
    "prev",
    "next",
    "pre_next",
    "comment",
    "footer",
    "copyright",
    "print",
    "fontsize",
    "font-size",
    "font_size",
    "toolbar",
    "tools",
    "qrcode",
    "ewm",
    "breadcrumb",
    "crumb",
    "location",
    "position",
    "nav",
    "menu",
    "sidebar",
    "side-bar",
    "hot",
    "rank",
    "banner",
    "advert",
    "ad-",
    "login",
    "search",
    "page-turn",
    "pagebar",
    "paging",
    "subscribe",
];

/// Short blocks starting with these are furniture, wherever they sit.
const NOISE_PREFIXES: &[&str] = &[
    "上一篇",
    "下一篇",
    "上一条",
    "下一条",
    "上篇",
    "下篇",
    "相关阅读",
    "相关新闻",
    "相关链接",
    "相关文章",
    "相关稿件",
    "延伸阅读",
    "推荐阅读",
    "热点推荐",
    "【字体",
    "字体：",
    "字号：",
    "【打印",
    "打印本页",
    "关闭窗口",
    "【关闭",
    "分享到",
    "分享：",
    "扫一扫",
    "责任编辑",
    "责编",
    "编辑：",
    "编辑:",
    "审核：",
    "审核:",
    "校对：",
    "版权所有",
    "Copyright",
    "©",
    "当前位置",
    "您的位置",
    "您现在的位置",
    "浏览次数",
    "阅读次数",
    "点击数",
    "【纠错】",
    "收藏本页",
    "返回顶部",
    "来源：",
    "来源:",
    "发布时间",
    "发布日期",
    "信息来源",
    "版权声明",
    "免责声明",
    "更多新闻",
    "热点新闻",
    "热门推荐",
];

pub(super) fn has_noise_hint(el: &ElementRef<'_>) -> bool {
    let v = el.value();
    let check = |s: Option<&str>| {
        s.is_some_and(|s| {
            let s = s.to_ascii_lowercase();
            NOISE_HINTS.iter().any(|h| {
                s.split(|c: char| c.is_whitespace())
                    .any(|token| token_matches(token, h))
            })
        })
    };
    check(v.attr("class")) || check(v.attr("id"))
}

/// `h` matches a class token when it is the token, or a `-`/`_`-separated part of it
/// ("share-bar", "bd_share"), so "shareholder" or "content" do not match "share"/"nav".
fn token_matches(token: &str, h: &str) -> bool {
    if h.ends_with('-') {
        return token.starts_with(h);
    }
    token == h || token.split(['-', '_']).any(|p| p == h)
}

/// Is this short text a furniture line (navigation, metadata, share tools)?
pub fn is_noise_line(text: &str) -> bool {
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}');
    if t.is_empty() {
        return false;
    }
    let n = t.chars().count();
    if n > 150 {
        return false;
    }
    let t = t.trim_start_matches(['【', '[', '（', '(', '|', '丨']);
    NOISE_PREFIXES.iter().any(|p| t.starts_with(p))
        || (n < 80
            && ["发布时间", "浏览次数", "点击数", "版权所有", "转载请注明"]
                .iter()
                .any(|w| t.contains(w)))
        // A metadata line: "2026-08-27 07:30 来源：清源日报 …".
        || (n < 100
            && (t.contains("来源：") || t.contains("来源:"))
            && super::dates::find_first(t).is_some())
        || (n < 40 && (t.contains("打印") && t.contains("关闭")))
}

pub struct Clean<'a> {
    pub base: &'a Url,
    /// Text of the title, dropped when the container repeats it as a heading.
    pub title: &'a str,
    pub out: String,
    pub images: Vec<String>,
    depth: usize,
}

/// Nesting beyond this is flattened to text: the walk is recursive, and a hostile page with
/// 100,000 nested <div>s must not overflow the stack.
const MAX_DEPTH: usize = 200;

impl<'a> Clean<'a> {
    pub fn new(base: &'a Url, title: &'a str) -> Clean<'a> {
        Clean {
            base,
            title,
            out: String::new(),
            images: Vec::new(),
            depth: 0,
        }
    }

    pub fn element(&mut self, el: ElementRef<'_>) {
        if self.depth >= MAX_DEPTH {
            for t in el.text() {
                escape_into(&mut self.out, t);
            }
            return;
        }
        self.depth += 1;
        self.element_inner(el);
        self.depth -= 1;
    }

    fn element_inner(&mut self, el: ElementRef<'_>) {
        let name = el.value().name();
        if DROP_TAGS.contains(&name) || has_noise_hint(&el) {
            return;
        }
        let is_block = matches!(
            name,
            "p" | "div"
                | "section"
                | "article"
                | "li"
                | "td"
                | "th"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "figcaption"
                | "center"
                | "dd"
                | "dt"
                | "pre"
        );
        if is_block {
            let text: String = el.text().collect();
            let has_img = el
                .descendants()
                .any(|n| n.value().as_element().is_some_and(|e| e.name() == "img"));
            if !has_img && is_noise_line(&text) {
                return;
            }
            // The title repeated inside the container (as a heading, or a bold paragraph).
            if !self.title.is_empty() && norm(&text) == norm(self.title) {
                return;
            }
        }
        // Link lists inside the article container ("更多新闻", related links): mostly links.
        if matches!(name, "div" | "ul" | "ol" | "section" | "table" | "dl") && link_dense(&el, 0.6)
        {
            return;
        }
        // A paragraph that is nothing but a link is a related-article line or an attachment.
        if matches!(name, "p" | "li") && link_dense(&el, 0.9) {
            return;
        }
        match name {
            "p" | "blockquote" | "pre" | "ul" | "ol" | "li" | "table" | "thead" | "tbody"
            | "tr" | "th" | "td" | "strong" | "em" => {
                self.wrap(name, el);
            }
            "b" => self.wrap("strong", el),
            "i" => self.wrap("em", el),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                // Article headings become level 2 and below: level 1 is the item's title.
                let level = name[1..].parse::<u8>().unwrap_or(2).clamp(2, 6);
                self.wrap(&format!("h{level}"), el);
            }
            "figcaption" | "dt" | "dd" | "caption" => self.wrap("p", el),
            "div" | "section" | "article" | "center" | "figure" | "main" | "header" => {
                self.wrap("div", el)
            }
            "br" => self.out.push_str("<br>"),
            "img" => self.image(el),
            "a" => self.link(el),
            _ => self.children(el),
        }
    }

    fn wrap(&mut self, tag: &str, el: ElementRef<'_>) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.children(el);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn children(&mut self, el: ElementRef<'_>) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => escape_into(&mut self.out, t),
                Node::Element(_) => {
                    if let Some(e) = ElementRef::wrap(child) {
                        self.element(e);
                    }
                }
                _ => {}
            }
        }
    }

    fn image(&mut self, el: ElementRef<'_>) {
        let v = el.value();
        // Lazy-loading sites put the real address in data-src / data-original.
        let src = ["data-src", "data-original", "src"]
            .iter()
            .find_map(|a| v.attr(a).filter(|s| !s.trim().is_empty()));
        let Some(url) = src.and_then(|s| absolute(self.base, s)) else {
            return;
        };
        self.out.push_str("<img src=\"");
        escape_into(&mut self.out, &url);
        self.out.push_str("\" alt=\"");
        escape_into(&mut self.out, v.attr("alt").unwrap_or("").trim());
        self.out.push_str("\">");
        self.images.push(url);
    }

    fn link(&mut self, el: ElementRef<'_>) {
        match el.value().attr("href").and_then(|h| absolute(self.base, h)) {
            Some(url) => {
                self.out.push_str("<a href=\"");
                escape_into(&mut self.out, &url);
                self.out.push_str("\">");
                self.children(el);
                self.out.push_str("</a>");
            }
            None => self.children(el),
        }
    }
}

fn link_dense(el: &ElementRef<'_>, share: f64) -> bool {
    let mut total = 0usize;
    let mut links = 0usize;
    for n in el.descendants() {
        if let Node::Text(t) = n.value() {
            let c = t.chars().filter(|c| !c.is_whitespace()).count();
            total += c;
            if n.ancestors()
                .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"))
            {
                links += c;
            }
        }
    }
    total >= 8 && links as f64 > total as f64 * share
}

/// Resolves `href` against `base`; only http(s) results survive (no javascript:, data:,
/// mailto: or file: links in published text... file: only when the page itself is a file).
pub fn absolute(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let u = base.join(href).ok()?;
    match u.scheme() {
        "http" | "https" => Some(u.to_string()),
        "file" if base.scheme() == "file" => Some(u.to_string()),
        _ => None,
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Clean HTML → Markdown, with the small fixes Chinese text needs: no full-width
/// indentation at paragraph starts, no runs of blank lines.
pub fn to_markdown(clean_html: &str) -> String {
    let converter = htmd::HtmlToMarkdown::builder().build();
    let md = converter.convert(clean_html).unwrap_or_default();
    let mut out = String::with_capacity(md.len());
    let mut blank = true;
    for line in md.lines() {
        let l = line
            .trim_start_matches(['\u{3000}', '\u{a0}', ' ', '\t'])
            .trim_end();
        // Lone "\" lines are htmd's rendering of stray <br>s.
        if l.is_empty() || l == "\\" {
            if !blank {
                out.push('\n');
                blank = true;
            }
            continue;
        }
        out.push_str(l.strip_suffix('\\').unwrap_or(l).trim_end());
        out.push('\n');
        blank = false;
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> String {
        let doc = scraper::Html::parse_fragment(html);
        let base = Url::parse("http://a.example/news/1.html").unwrap();
        let mut c = Clean::new(&base, "标题");
        c.element(doc.root_element());
        to_markdown(&c.out)
    }

    #[test]
    fn sanitises() {
        let out = md(
            r#"<div><h1>标题</h1><p onclick="x()">正文<script>alert(1)</script>一段。</p>
            <p><a href="javascript:alert(1)">坏链接</a> <a href="/x.html">好链接</a></p>
            <p><img src="a.jpg" onerror="x()"></p><div class="share-bar">分享到微信</div>
            <p>上一篇：某某</p><style>p{}</style></div>"#,
        );
        assert!(!out.contains("alert"), "{out}");
        assert!(
            !out.contains("onclick") && !out.contains("onerror"),
            "{out}"
        );
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("[好链接](http://a.example/x.html)"), "{out}");
        assert!(out.contains("![](http://a.example/news/a.jpg)"), "{out}");
        assert!(!out.contains("分享") && !out.contains("上一篇"), "{out}");
        assert!(!out.contains("# 标题"), "{out}");
        assert!(out.contains("正文一段。"), "{out}");
    }

    #[test]
    fn class_tokens() {
        assert!(token_matches("share-bar", "share"));
        assert!(token_matches("bd_share", "share"));
        assert!(!token_matches("shareholder", "share"));
        assert!(!token_matches("content", "nav"));
    }

    #[test]
    fn noise_lines() {
        assert!(is_noise_line("上一篇：市人大常委会召开会议"));
        assert!(is_noise_line("【字体：大 中 小】 打印本页 关闭窗口"));
        assert!(is_noise_line("发布时间：2026-11-20 来源：江北人大网"));
        assert!(!is_noise_line("会议指出，要深入学习贯彻……"));
    }
}
