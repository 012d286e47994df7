//! The typesetter: lays an issue out on pages — masthead or cover, table of contents,
//! columns, articles — with Chinese line breaking (any two Han characters may part, closing
//! punctuation never starts a line and opening punctuation never ends one, Latin words stay
//! whole) and justified lines. Its output is a list of pages of positioned text and rules,
//! which `pdf` writes out.
//!
//! Why our own: Chinese text is set on a grid of equal-width characters, so a line breaker
//! of ~100 lines does what a print edition needs, and knowing exactly where each article
//! lands is what gives the table of contents its page numbers without a second program.

use super::font::Fonts;
use super::{Doc, Piece};
use crate::config::PublicationKind;

const MM: f32 = 72.0 / 25.4;
const BLACK: [f32; 3] = [0.0, 0.0, 0.0];
const GREY: [f32; 3] = [0.35, 0.35, 0.35];
const RED: [f32; 3] = [0.78, 0.05, 0.05];

/// Something drawn on a page. Coordinates in points from the page's top-left corner; `y` of
/// text is its baseline.
#[derive(Debug, Clone)]
pub enum Draw {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        rgb: [f32; 3],
        text: String,
        /// Extra space after each character (PDF `Tc`), for justified lines.
        spacing: f32,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        rgb: [f32; 3],
    },
}

impl Draw {
    /// Text set without extra character spacing.
    fn text(x: f32, y: f32, size: f32, bold: bool, rgb: [f32; 3], text: String) -> Draw {
        Draw::Text {
            x,
            y,
            size,
            bold,
            rgb,
            text,
            spacing: 0.0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub draws: Vec<Draw>,
    /// The column of the first article on the page, for the running header.
    pub column: Option<String>,
    /// Cover pages carry no header and no number.
    pub plain: bool,
}

/// The laid-out issue.
#[derive(Debug)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub pages: Vec<Page>,
    /// The page (1-based) each piece starts on, in print order.
    pub starts: Vec<u32>,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Justify,
    Left,
    Center,
    Right,
}

/// Type sizes and measures of a paper.
struct Style {
    body: f32,
    leading: f32,
    title: f32,
    margin_top: f32,
    margin_bottom: f32,
    margin_side: f32,
}

struct Ctx<'a> {
    fonts: &'a Fonts,
    doc: &'a Doc,
    st: Style,
    w: f32,
    h: f32,
    pages: Vec<Page>,
    /// Top of the next line, from the page top.
    y: f32,
}

impl Ctx<'_> {
    fn left(&self) -> f32 {
        self.st.margin_side
    }
    fn measure(&self) -> f32 {
        self.w - 2.0 * self.st.margin_side
    }
    fn bottom(&self) -> f32 {
        self.h - self.st.margin_bottom
    }
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.new_page();
        }
        let n = self.pages.len();
        &mut self.pages[n - 1]
    }
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.st.margin_top;
    }
    fn room(&self) -> f32 {
        self.bottom() - self.y
    }
    /// Starts a new page unless `h` points still fit.
    fn need(&mut self, h: f32) {
        if self.pages.is_empty() || self.room() < h {
            self.new_page();
        }
    }
    fn draw_text(&mut self, x: f32, y: f32, size: f32, bold: bool, rgb: [f32; 3], text: &str) {
        let d = Draw::text(x, y, size, bold, rgb, text.to_string());
        self.page().draws.push(d);
    }
    fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32, rgb: [f32; 3]) {
        self.page().draws.push(Draw::Rule {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            rgb,
        });
    }

    /// Sets a paragraph, breaking pages between lines.
    #[allow(clippy::too_many_arguments)]
    fn para(
        &mut self,
        text: &str,
        size: f32,
        bold: bool,
        rgb: [f32; 3],
        indent: f32,
        left: f32,
        right: f32,
        align: Align,
        leading: f32,
    ) {
        let font = self.fonts.get(bold);
        let full = self.measure() - left - right;
        let lines = break_lines(font, text, size, full - indent, full);
        let lh = size * leading;
        for (i, line) in lines.iter().enumerate() {
            self.need(lh);
            let avail = if i == 0 { full - indent } else { full };
            let x0 = self.left() + left + if i == 0 { indent } else { 0.0 };
            let n = line.text.chars().count();
            let (x, spacing) = match align {
                Align::Justify if !line.last && n > 1 => {
                    let sp = (avail - line.width) / (n - 1) as f32;
                    // A line held short by an unbreakable Latin run stays ragged.
                    (x0, if sp > size * 0.3 { 0.0 } else { sp })
                }
                Align::Center => (x0 + (avail - line.width) / 2.0, 0.0),
                Align::Right => (x0 + avail - line.width, 0.0),
                _ => (x0, 0.0),
            };
            let baseline = self.y + size * 0.88 + (lh - size) / 2.0;
            self.page().draws.push(Draw::Text {
                x,
                y: baseline,
                size,
                bold,
                rgb,
                text: line.text.clone(),
                spacing,
            });
            self.y += lh;
        }
    }

    fn body_para(&mut self, text: &str) {
        let s = self.st.body;
        let l = self.st.leading;
        self.para(text, s, false, BLACK, 2.0 * s, 0.0, 0.0, Align::Justify, l);
    }
}

/// A line as broken: its text and natural width in points.
#[derive(Debug)]
struct Line {
    text: String,
    width: f32,
    last: bool,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Punctuation that must not begin a line.
fn no_start(c: char) -> bool {
    "，。、；：？！）》」』”’〉】〕…—·%,.;:?!)]}".contains(c)
}

/// Punctuation that must not end a line.
fn no_end(c: char) -> bool {
    "（《「『“‘〈【〔([{".contains(c)
}

/// Breaks `text` into lines of at most `first` points (the first line) and `rest` points.
fn break_lines(
    font: &super::font::Font,
    text: &str,
    size: f32,
    first: f32,
    rest: f32,
) -> Vec<Line> {
    // Clusters: one CJK character, a run of other non-space characters (a Latin word, a
    // number, a URL), or a space.
    let mut clusters: Vec<(String, f32)> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, clusters: &mut Vec<(String, f32)>| {
        if !word.is_empty() {
            let w = font.width(word) * size;
            clusters.push((std::mem::take(word), w));
        }
    };
    let all_open = |w: &str| !w.is_empty() && w.chars().all(no_end);
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut clusters);
            if clusters.last().is_some_and(|c| c.0 != " ") {
                clusters.push((" ".into(), font.width(" ") * size));
            }
        } else if no_start(c) {
            // Closing punctuation sticks to what precedes it: a Latin word being built, or
            // the last cluster (so 》 never starts a line, nor does the second of ）》).
            if !word.is_empty() {
                word.push(c);
            } else if let Some(last) = clusters.last_mut().filter(|l| l.0 != " ") {
                last.0.push(c);
                last.1 += font.width(&c.to_string()) * size;
            } else {
                word.push(c);
            }
        } else if no_end(c) {
            // Opening punctuation sticks to what follows it.
            if !all_open(&word) {
                flush(&mut word, &mut clusters);
            }
            word.push(c);
        } else if is_cjk(c) {
            if all_open(&word) {
                word.push(c);
                flush(&mut word, &mut clusters);
            } else {
                flush(&mut word, &mut clusters);
                let s = c.to_string();
                let w = font.width(&s) * size;
                clusters.push((s, w));
            }
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut clusters);

    let mut lines = Vec::new();
    let mut cur: Vec<(String, f32)> = Vec::new();
    let mut cur_w = 0.0;
    let mut avail = first;
    let finish = |cur: &mut Vec<(String, f32)>, lines: &mut Vec<Line>| {
        while cur.last().is_some_and(|c| c.0 == " ") {
            cur.pop();
        }
        let text: String = cur.iter().map(|c| c.0.as_str()).collect();
        let width = cur.iter().map(|c| c.1).sum();
        cur.clear();
        lines.push(Line {
            text,
            width,
            last: false,
        });
    };
    for cl in clusters {
        if cl.0 == " " && cur.is_empty() {
            continue;
        }
        if cur_w + cl.1 <= avail + 0.01 {
            cur_w += cl.1;
            cur.push(cl);
            continue;
        }
        let starts_bad = cl.0.chars().next().is_some_and(no_start);
        if starts_bad && !cur.is_empty() && cl.1 <= size * 1.05 {
            // Hanging punctuation: a closing mark stays on its line, squeezed in.
            cur.push(cl);
            finish(&mut cur, &mut lines);
            cur_w = 0.0;
            avail = rest;
            continue;
        }
        if cl.1 > rest {
            // Longer than a whole line (a URL): break it anywhere.
            for c in cl.0.chars() {
                let s = c.to_string();
                let w = font.width(&s) * size;
                if cur_w + w > avail && !cur.is_empty() {
                    finish(&mut cur, &mut lines);
                    cur_w = 0.0;
                    avail = rest;
                }
                cur_w += w;
                cur.push((s, w));
            }
            continue;
        }
        // An opening mark at the end of the line moves down with what follows.
        let mut carry = Vec::new();
        while cur.len() > 1
            && cur
                .last()
                .is_some_and(|c| c.0.chars().last().is_some_and(no_end))
        {
            if let Some(c) = cur.pop() {
                carry.insert(0, c);
            }
        }
        if !cur.is_empty() {
            finish(&mut cur, &mut lines);
        }
        avail = rest;
        cur = carry;
        cur_w = cur.iter().map(|c| c.1).sum();
        if cl.0 != " " {
            cur_w += cl.1;
            cur.push(cl);
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        finish(&mut cur, &mut lines);
    }
    if let Some(l) = lines.last_mut() {
        l.last = true;
    }
    lines
}

/// A block of an article's body, as the print edition sets it.
#[derive(Debug, PartialEq)]
pub enum Block {
    Para(String),
    Heading(String),
    Quote(String),
    Item(String),
}

/// The print blocks of a Markdown body: inline markup becomes plain text, images and raw
/// HTML are left out (the print edition has no pictures), table rows become lines.
pub fn blocks(md: &str) -> Vec<Block> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut text = String::new();
    let mut quote = 0usize;
    let mut heading = false;
    let mut list: Vec<Option<u64>> = Vec::new();
    let mut in_image = 0usize;
    let push = |text: &mut String, out: &mut Vec<Block>, heading: bool, quote: usize| {
        let t = text.trim().to_string();
        text.clear();
        if t.is_empty() {
            return;
        }
        out.push(if heading {
            Block::Heading(t)
        } else if quote > 0 {
            Block::Quote(t)
        } else {
            Block::Para(t)
        });
    };
    let opts = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Start(Tag::Heading { .. }) => {
                push(&mut text, &mut out, false, quote);
                heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                push(&mut text, &mut out, true, quote);
                heading = false;
            }
            Event::Start(Tag::BlockQuote(_)) => {
                push(&mut text, &mut out, heading, quote);
                quote += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                push(&mut text, &mut out, heading, quote);
                quote = quote.saturating_sub(1);
            }
            Event::Start(Tag::List(start)) => {
                push(&mut text, &mut out, heading, quote);
                list.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                list.pop();
            }
            Event::Start(Tag::Item) => {
                push(&mut text, &mut out, heading, quote);
                if let Some(Some(n)) = list.last_mut() {
                    text.push_str(&format!("{n}. "));
                    *n += 1;
                } else {
                    text.push_str("· ");
                }
            }
            Event::End(TagEnd::Item) => {
                let t = text.trim().to_string();
                text.clear();
                if !t.is_empty() {
                    out.push(Block::Item(t));
                }
            }
            Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::TableRow)
            | Event::End(TagEnd::TableHead)
            | Event::End(TagEnd::CodeBlock) => {
                if !list.is_empty() {
                    // Paragraphs inside a list item stay in the item.
                    continue;
                }
                push(&mut text, &mut out, heading, quote);
            }
            Event::End(TagEnd::TableCell) => text.push('　'),
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if in_image == 0 => text.push_str(&t),
            Event::SoftBreak => {
                // A line break inside a Chinese paragraph is no space; between Latin words it is.
                let prev = text.chars().last();
                if prev.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    text.push(' ');
                }
            }
            Event::HardBreak => push(&mut text, &mut out, heading, quote),
            Event::FootnoteReference(r) => text.push_str(&format!("[{r}]")),
            Event::Start(Tag::FootnoteDefinition(r)) => {
                push(&mut text, &mut out, heading, quote);
                text.push_str(&format!("注[{r}]："));
            }
            _ => {}
        }
    }
    push(&mut text, &mut out, heading, quote);
    out
}

fn style(doc: &Doc) -> Style {
    match doc.kind {
        PublicationKind::Bulletin => Style {
            body: 12.0,
            leading: 1.8,
            title: 16.0,
            margin_top: 25.0 * MM,
            margin_bottom: 25.0 * MM,
            margin_side: 26.0 * MM,
        },
        PublicationKind::Magazine => Style {
            body: 10.0,
            leading: 1.75,
            title: 15.0,
            margin_top: 22.0 * MM,
            margin_bottom: 20.0 * MM,
            margin_side: 19.0 * MM,
        },
    }
}

/// 2026-11-28 → 2026年11月28日
pub fn chinese_date(d: &str) -> String {
    let mut it = d.split('-').map(|p| p.trim_start_matches('0'));
    match (it.next(), it.next(), it.next()) {
        (Some(y), Some(m), Some(dd)) if !y.is_empty() => format!("{y}年{m}月{dd}日"),
        _ => d.to_string(),
    }
}

/// Lays the issue out. `numbers` are the pages printed in the table of contents (the first
/// pass passes none and gets the pages; the contents take the same room either way, since
/// numbers are set flush right in a fixed box).
pub fn lay_out(fonts: &Fonts, doc: &Doc, numbers: Option<&[u32]>) -> Layout {
    let (wmm, hmm) = doc.paper.size_mm();
    let mut cx = Ctx {
        fonts,
        doc,
        st: style(doc),
        w: wmm * MM,
        h: hmm * MM,
        pages: Vec::new(),
        y: 0.0,
    };
    match doc.kind {
        PublicationKind::Magazine => {
            cover(&mut cx);
            cx.new_page();
            contents(&mut cx, numbers, "目　　录", true);
            cx.new_page();
        }
        PublicationKind::Bulletin => {
            masthead(&mut cx);
            if doc.pieces().count() > 1 {
                contents(&mut cx, numbers, "本期要目", false);
                cx.y += cx.st.body;
            }
        }
    }
    if let Some(note) = &doc.note {
        let s = cx.st.body * 0.95;
        let text = format!("编者按：{note}");
        cx.para(&text, s, false, GREY, 0.0, s, s, Align::Justify, 1.7);
        cx.y += s;
    }
    let mut starts = Vec::new();
    let mut current: Option<&str> = None;
    for (col, piece) in doc.pieces() {
        if doc.kind == PublicationKind::Magazine && current != Some(col) {
            // A column opens with its name; keep it with the first article.
            let need = cx.st.body * 16.0;
            cx.need(need);
            if cx.y > cx.st.margin_top + 1.0 {
                cx.y += cx.st.body;
            }
            let s = cx.st.body * 1.3;
            let (l, r) = (cx.left(), cx.left() + cx.measure());
            cx.rule(l, r, cx.y, 1.5, RED);
            cx.y += s * 0.5;
            cx.para(col, s, true, RED, 0.0, 0.0, 0.0, Align::Left, 1.5);
            cx.y += s * 0.5;
            current = Some(col);
        }
        article(&mut cx, piece, col, &mut starts);
    }
    if doc.kind == PublicationKind::Bulletin {
        distribution(&mut cx);
    }
    let mut layout = Layout {
        width: cx.w,
        height: cx.h,
        pages: cx.pages,
        starts,
    };
    furniture(fonts, doc, &mut layout);
    layout
}

fn article(cx: &mut Ctx<'_>, piece: &Piece, col: &str, starts: &mut Vec<u32>) {
    let st_title = cx.st.title;
    let body = cx.st.body;
    // Title, byline and three lines of text stay together.
    let title_lines = (cx.fonts.get(true).width(&piece.title) * st_title / cx.measure()).ceil();
    let need = title_lines * st_title * 1.5 + body * 2.0 + 3.0 * body * cx.st.leading;
    cx.need(need);
    if cx.y > cx.st.margin_top + 1.0 {
        cx.y += body * 1.2;
    }
    starts.push(cx.pages.len() as u32);
    let page = cx.page();
    if page.column.is_none() {
        page.column = Some(col.to_string());
    }
    cx.para(
        &piece.title,
        st_title,
        true,
        BLACK,
        0.0,
        0.0,
        0.0,
        Align::Center,
        1.45,
    );
    if !piece.byline.is_empty() {
        cx.y += body * 0.2;
        let s = body * 0.85;
        cx.para(
            &piece.byline,
            s,
            false,
            GREY,
            0.0,
            0.0,
            0.0,
            Align::Center,
            1.6,
        );
    }
    cx.y += body * 0.6;
    for b in blocks(&piece.markdown) {
        match b {
            Block::Para(t) => cx.body_para(&t),
            Block::Heading(t) => {
                cx.need(body * cx.st.leading * 3.0);
                cx.y += body * 0.3;
                let l = cx.st.leading;
                cx.para(&t, body, true, BLACK, 2.0 * body, 0.0, 0.0, Align::Left, l);
            }
            Block::Quote(t) => {
                let l = cx.st.leading;
                cx.para(
                    &t,
                    body * 0.95,
                    false,
                    GREY,
                    2.0 * body,
                    2.0 * body,
                    body,
                    Align::Justify,
                    l,
                );
            }
            Block::Item(t) => {
                let l = cx.st.leading;
                cx.para(
                    &t,
                    body,
                    false,
                    BLACK,
                    0.0,
                    2.0 * body,
                    0.0,
                    Align::Justify,
                    l,
                );
            }
        }
    }
    if let Some(credit) = &piece.credit {
        let l = cx.st.leading;
        cx.para(
            credit,
            body * 0.9,
            false,
            GREY,
            0.0,
            0.0,
            0.0,
            Align::Right,
            l,
        );
    }
}

fn cover(cx: &mut Ctx<'_>) {
    cx.new_page();
    cx.page().plain = true;
    let doc = cx.doc;
    let (l, r) = (cx.left(), cx.left() + cx.measure());
    cx.y = cx.h * 0.18;
    cx.rule(l, r, cx.y, 3.0, RED);
    cx.y += 30.0;
    cx.para(
        &doc.publication,
        46.0,
        true,
        RED,
        0.0,
        0.0,
        0.0,
        Align::Center,
        1.3,
    );
    cx.y += 12.0;
    let line = format!("{}　总第{}期", doc.label, doc.total);
    cx.para(&line, 14.0, false, BLACK, 0.0, 0.0, 0.0, Align::Center, 1.5);
    cx.y += 8.0;
    cx.rule(l, r, cx.y, 1.0, RED);
    cx.y += 40.0;
    let lead: Vec<&Piece> = doc
        .lead
        .and_then(|i| doc.pieces().nth(i))
        .map(|(_, p)| p)
        .into_iter()
        .chain(doc.pieces().map(|(_, p)| p))
        .take(4)
        .collect();
    if !lead.is_empty() {
        cx.para("本期导读", 13.0, true, RED, 0.0, 0.0, 0.0, Align::Left, 1.6);
        cx.y += 4.0;
        let mut seen = Vec::new();
        for p in lead {
            if seen.contains(&p.title.as_str()) {
                continue;
            }
            seen.push(p.title.as_str());
            cx.para(
                &p.title,
                12.0,
                false,
                BLACK,
                0.0,
                12.0,
                0.0,
                Align::Left,
                1.7,
            );
            if seen.len() == 3 {
                break;
            }
        }
    }
    cx.y = cx.h - cx.st.margin_bottom - 60.0;
    cx.para(
        &doc.publisher,
        12.0,
        false,
        BLACK,
        0.0,
        0.0,
        0.0,
        Align::Center,
        1.6,
    );
    let date = chinese_date(&doc.date);
    cx.para(&date, 11.0, false, GREY, 0.0, 0.0, 0.0, Align::Center, 1.6);
}

fn masthead(cx: &mut Ctx<'_>) {
    cx.new_page();
    let doc = cx.doc;
    let (l, r) = (cx.left(), cx.left() + cx.measure());
    cx.y += 10.0;
    cx.para(
        &doc.publication,
        40.0,
        true,
        RED,
        0.0,
        0.0,
        0.0,
        Align::Center,
        1.3,
    );
    cx.y += 6.0;
    let line = format!(
        "{}（总第{}期）",
        doc.label
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '年'),
        doc.total
    );
    cx.para(&line, 13.0, false, BLACK, 0.0, 0.0, 0.0, Align::Center, 1.6);
    cx.y += 10.0;
    let s = 11.0;
    let base = cx.y + s;
    cx.draw_text(l, base, s, false, BLACK, &format!("{}编", doc.publisher));
    let date = chinese_date(&doc.date);
    let dw = cx.fonts.regular.width(&date) * s;
    cx.draw_text(r - dw, base, s, false, BLACK, &date);
    if let Some(signer) = &doc.signer {
        let t = format!("签发：{signer}");
        let tw = cx.fonts.regular.width(&t) * s;
        cx.draw_text((l + r - tw) / 2.0, base, s, false, BLACK, &t);
    }
    cx.y = base + 8.0;
    cx.rule(l, r, cx.y, 2.0, RED);
    cx.rule(l, r, cx.y + 3.5, 0.6, RED);
    cx.y += 16.0;
}

/// The table of contents, with column headings when `columns`.
fn contents(cx: &mut Ctx<'_>, numbers: Option<&[u32]>, heading: &str, columns: bool) {
    let doc = cx.doc;
    let size = if columns { 20.0 } else { 14.0 };
    cx.need(size * 3.0);
    cx.para(
        heading,
        size,
        true,
        BLACK,
        0.0,
        0.0,
        0.0,
        Align::Center,
        1.8,
    );
    cx.y += size * 0.4;
    let s = cx.st.body * 1.05;
    let num_w = s * 2.5;
    let full = cx.measure();
    let mut current: Option<&str> = None;
    for (i, (col, piece)) in doc.pieces().enumerate() {
        if columns && current != Some(col) {
            cx.need(s * 4.0);
            cx.y += s * 0.4;
            cx.para(col, s * 1.05, true, RED, 0.0, 0.0, 0.0, Align::Left, 1.7);
            current = Some(col);
        }
        let indent = if columns { s } else { 0.0 };
        let font = cx.fonts.get(false);
        let lines = break_lines(
            font,
            &piece.title,
            s,
            full - indent - num_w - s,
            full - indent - num_w - s,
        );
        let lh = s * 1.75;
        // The unit line stays with its title.
        let unit_h = if piece.toc_unit.is_empty() {
            0.0
        } else {
            s * 0.8 * 1.5 * 2.0
        };
        cx.need(lh * lines.len() as f32 + unit_h);
        let n = lines.len();
        for (j, line) in lines.into_iter().enumerate() {
            let base = cx.y + s * 0.88 + (lh - s) / 2.0;
            let x = cx.left() + indent;
            cx.draw_text(x, base, s, false, BLACK, &line.text);
            if j + 1 == n {
                let num = numbers
                    .and_then(|ns| ns.get(i))
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                let nw = font.width(&num) * s;
                let right = cx.left() + full;
                cx.draw_text(right - nw, base, s, false, BLACK, &num);
                // Dot leaders between the title and the number.
                let dot = font.width("·") * s;
                let from = x + line.width + s * 0.5;
                let to = right - num_w;
                if dot > 0.0 && to > from {
                    let count = ((to - from) / dot).floor() as usize;
                    cx.draw_text(from, base, s, false, GREY, &"·".repeat(count));
                }
            }
            cx.y += lh;
        }
        if !piece.toc_unit.is_empty() {
            let su = s * 0.8;
            cx.para(
                &piece.toc_unit,
                su,
                false,
                GREY,
                0.0,
                indent + s,
                num_w,
                Align::Left,
                1.5,
            );
        }
    }
}

fn distribution(cx: &mut Ctx<'_>) {
    let d = &cx.doc.distribution;
    let rows: Vec<String> = [("报", &d.bao), ("送", &d.song), ("发", &d.fa)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}：{v}")))
        .collect();
    if rows.is_empty() && d.copies.is_none() {
        return;
    }
    let s = cx.st.body * 0.9;
    let font = cx.fonts.get(false);
    let lines: usize = rows
        .iter()
        .map(|r| break_lines(font, r, s, cx.measure() - 2.0 * s, cx.measure() - 2.0 * s).len())
        .sum::<usize>()
        + usize::from(d.copies.is_some());
    let height = lines as f32 * s * 1.7 + 14.0;
    cx.need(height + cx.st.body);
    // The block sits at the foot of the last page, as on printed bulletins.
    cx.y = cx.y.max(cx.bottom() - height);
    let (l, r) = (cx.left(), cx.left() + cx.measure());
    cx.rule(l, r, cx.y, 0.8, BLACK);
    cx.y += 5.0;
    for row in &rows {
        cx.para(row, s, false, BLACK, 0.0, 0.0, 0.0, Align::Left, 1.7);
    }
    cx.rule(l, r, cx.y + 2.0, 0.8, BLACK);
    cx.y += 4.0;
    if let Some(n) = d.copies {
        cx.para(
            &format!("（共印{n}份）"),
            s,
            false,
            BLACK,
            0.0,
            0.0,
            0.0,
            Align::Right,
            1.7,
        );
    }
}

/// Running headers and page numbers.
fn furniture(fonts: &Fonts, doc: &Doc, layout: &mut Layout) {
    let st = style(doc);
    let (w, h) = (layout.width, layout.height);
    let left = st.margin_side;
    let right = w - st.margin_side;
    let mut column: Option<String> = None;
    for (i, page) in layout.pages.iter_mut().enumerate() {
        if let Some(c) = &page.column {
            column = Some(c.clone());
        }
        if page.plain {
            continue;
        }
        let s = 9.0;
        let num = format!("— {} —", i + 1);
        let nw = fonts.regular.width(&num) * s;
        page.draws.push(Draw::text(
            (w - nw) / 2.0,
            h - st.margin_bottom / 2.0,
            s,
            false,
            BLACK,
            num,
        ));
        if doc.kind == PublicationKind::Magazine && i > 0 {
            let y = st.margin_top * 0.55;
            let head = format!("{}　{}", doc.title(), doc.label);
            page.draws.push(Draw::text(left, y, 8.0, false, GREY, head));
            if let Some(c) = &column {
                let cw = fonts.regular.width(c) * 8.0;
                page.draws
                    .push(Draw::text(right - cw, y, 8.0, false, GREY, c.clone()));
            }
            page.draws.push(Draw::Rule {
                x1: left,
                y1: y + 4.0,
                x2: right,
                y2: y + 4.0,
                width: 0.4,
                rgb: GREY,
            });
        }
        if doc.draft {
            page.draws.push(Draw::text(
                right - 30.0,
                h - st.margin_bottom / 2.0,
                9.0,
                true,
                RED,
                "草稿".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_print_blocks() {
        let b = blocks(
            "# 标题\n\n第一段\n接着一行。\n\n> 引文\n\n1. 甲\n2. 乙\n\n![图](a.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert_eq!(b[0], Block::Heading("标题".into()));
        assert_eq!(b[1], Block::Para("第一段接着一行。".into()));
        assert_eq!(b[2], Block::Quote("引文".into()));
        assert_eq!(b[3], Block::Item("1. 甲".into()));
        assert_eq!(b[4], Block::Item("2. 乙".into()));
        assert!(b.iter().all(|x| !format!("{x:?}").contains("a.png")));
        assert!(
            b.iter()
                .any(|x| matches!(x, Block::Para(t) if t.contains('1') && t.contains('2')))
        );
    }

    #[test]
    fn chinese_dates() {
        assert_eq!(chinese_date("2026-01-05"), "2026年1月5日");
    }

    #[test]
    fn punctuation_rules() {
        assert!(no_start('，') && no_start('。') && no_end('《') && !no_start('中'));
        assert!(is_cjk('中') && is_cjk('，') && !is_cjk('a'));
    }
}
