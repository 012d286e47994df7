//! Reads a Word `.docx` file into a flat list of Markdown blocks.
//!
//! What is read:
//!
//! * The main document part (found through `_rels/.rels`, falling back to
//!   `word/document.xml`), its styles (`word/styles.xml`) and list
//!   definitions (`word/numbering.xml`), located through the document's
//!   relationships with the usual paths as fallback.
//! * Paragraph styles are resolved through `styles.xml` (`w:styleId` →
//!   `w:name`, following `w:basedOn`): a style named `Title`/`标题` gives
//!   [`BlockKind::Title`], `heading N`/`标题 N` gives [`BlockKind::Heading`].
//!   Chinese Word uses style ids such as `"1"` with the name `heading 1`, so
//!   the name, not the id, decides. Without a `styles.xml` entry the ids
//!   `Title` and `HeadingN` are recognised directly.
//! * A paragraph with `w:numPr` (directly or through its style) is a list
//!   item; `numbering.xml` decides bullet (`numFmt` `bullet` or `none`) vs.
//!   ordered (anything else). `numId` 0 means "no list". Unknown lists are
//!   treated as bullets.
//! * Bold comes from `w:b` in a run's `w:rPr` (or its character style)
//!   unless `w:val` is `0`/`false`/`off`. Adjacent bold runs are merged, and
//!   whitespace between two bold runs joins them, so the output is
//!   `**a b**`, never `**a****b**` or an empty `** **`. When a bold span
//!   begins or ends with punctuation next to a letter (common in Chinese:
//!   `**注意：**请…`), that punctuation is moved outside the `**` so that
//!   CommonMark still recognises the emphasis (`**注意**：请…`).
//! * Text: `w:t` (leading/trailing whitespace is kept only with
//!   `xml:space="preserve"`, as Word does), `w:tab` → tab, `w:noBreakHyphen`
//!   → `-`, `w:br`/`w:cr` → line break. Line breaks are `"\n"` in
//!   [`Block::text`]; in [`Block::markdown`] they are CommonMark hard breaks
//!   (`"  \n"`) in paragraphs and list items, a space in titles and
//!   headings, and `<br>` in table cells (`text` uses a space there).
//! * Ignored: field instructions (`w:instrText`, and anything between a
//!   field's `begin` and `separate` marks; the field *result* is kept),
//!   deleted and moved-away text (`w:del`, `w:delText`, `w:moveFrom`),
//!   comments (only references live in the document part), revision
//!   records of old formatting, ruby (phonetic) annotations, drawings,
//!   text boxes and embedded objects, headers, footers and footnotes.
//! * Tables (`w:tbl`) become one [`BlockKind::Table`] block: each cell's
//!   paragraphs are joined by `<br>` (markdown) or a space (text), `|` is
//!   escaped, horizontally merged cells (`w:gridSpan`) are padded with empty
//!   cells, the first row is the header row. Nested tables are flattened
//!   into the enclosing cell.
//! * In markdown, `*`, `<` and a backslash before ASCII punctuation are
//!   escaped so document text cannot create formatting or raw HTML.
//!
//! Safety: every part is read with a hard cap of 64 MiB uncompressed (both
//! the declared size and the bytes actually inflated are checked), so a zip
//! bomb is refused instead of exhausting memory. quick-xml never expands DTD
//! entities, so entity-expansion attacks do not apply.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Largest uncompressed size accepted for any XML part.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Signature of OLE2 compound files: legacy `.doc` and encrypted `.docx`.
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const DEFAULT_DOCUMENT: &str = "word/document.xml";

/// Kind of a [`Block`].
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Title,
    /// Heading level 1–9 as in Word (Markdown output caps it at 6 `#`).
    Heading(u8),
    Paragraph,
    /// `level` is Word's `w:ilvl`, 0 = top level.
    ListItem {
        ordered: bool,
        level: u8,
    },
    Table,
}

/// One block-level element of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// The block as Markdown (bold runs as `**…**`, a table as a GFM pipe
    /// table, headings WITHOUT the leading `#`s, list items WITHOUT the
    /// marker).
    pub markdown: String,
    /// Plain text without any markup (table: cells joined by tab, rows by
    /// newline).
    pub text: String,
}

/// Error while reading a `.docx` file. Messages are user-facing (Simplified
/// Chinese).
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("文件损坏：不是有效的 Word 文档（zip 无法读取：{0}）")]
    Zip(#[from] zip::result::ZipError),
    #[error(
        "无法读取：这是旧版 Word（.doc）文件或加密的 Word 文档，请在 Word 中另存为未加密的 .docx 后再试"
    )]
    LegacyOrEncrypted,
    #[error("文件损坏：缺少 word/document.xml")]
    MissingDocument,
    #[error("文件损坏：{part} 解压失败（{detail}）")]
    Decompress { part: String, detail: String },
    #[error("文件损坏：{part} 无法解析（{detail}）")]
    Xml { part: String, detail: String },
    #[error(
        "文件异常：{part} 解压后超过 {limit_mib} MiB，疑似恶意构造的压缩包（zip 炸弹），已拒绝读取"
    )]
    TooLarge { part: String, limit_mib: u64 },
}

/// Reads a `.docx` file (given as its bytes) into blocks, in document order.
/// Empty paragraphs are skipped.
pub fn read_docx(bytes: &[u8]) -> Result<Vec<Block>, DocxError> {
    read_docx_limited(bytes, MAX_PART_BYTES)
}

fn read_docx_limited(bytes: &[u8], limit: u64) -> Result<Vec<Block>, DocxError> {
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(DocxError::LegacyOrEncrypted);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;

    // Locate the main document part.
    let main = read_optional_part(&mut zip, "_rels/.rels", limit)?
        .and_then(|xml| parse_rels(&xml).ok())
        .and_then(|rels| {
            rels.into_iter()
                .find(|(ty, _)| ty.ends_with("/officeDocument"))
                .map(|(_, target)| resolve_target("", &target))
        })
        .filter(|path| find_entry(&zip, path).is_some())
        .unwrap_or_else(|| DEFAULT_DOCUMENT.to_owned());
    let document = read_part(&mut zip, &main, limit)?.ok_or(DocxError::MissingDocument)?;

    // Styles and numbering, via the document's relationships.
    let (dir, file) = match main.rsplit_once('/') {
        Some((dir, file)) => (dir.to_owned(), file.to_owned()),
        None => (String::new(), main.clone()),
    };
    let rels_path = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let doc_rels = read_optional_part(&mut zip, &rels_path, limit)?
        .and_then(|xml| parse_rels(&xml).ok())
        .unwrap_or_default();
    let related = |suffix: &str, default: &str| {
        doc_rels
            .iter()
            .find(|(ty, _)| ty.ends_with(suffix))
            .map(|(_, target)| resolve_target(&dir, target))
            .unwrap_or_else(|| default.to_owned())
    };
    let styles_path = related("/styles", "word/styles.xml");
    let numbering_path = related("/numbering", "word/numbering.xml");

    // Auxiliary parts are best effort: if they are damaged the text is still
    // worth extracting, just without heading / list information.
    let styles = read_optional_part(&mut zip, &styles_path, limit)?
        .and_then(|xml| parse_styles(&xml).ok())
        .unwrap_or_default();
    let numbering = read_optional_part(&mut zip, &numbering_path, limit)?
        .and_then(|xml| parse_numbering(&xml).ok())
        .unwrap_or_default();

    let mut parser = DocParser::new(&styles, &numbering);
    parser.run(&document).map_err(|detail| DocxError::Xml {
        part: main.clone(),
        detail,
    })?;
    Ok(parser.blocks)
}

/// Joins blocks into one Markdown document: headings with `#`s (the title
/// as `#`, levels above 6 capped at `######`), list items with `- ` / `1. `
/// (numbered items count up per run of consecutive items), paragraphs and
/// tables separated by blank lines, consecutive list items by single line
/// breaks.
///
/// Nested list items are indented by the width of their parent's marker —
/// 2 spaces under `- `, 3 under `1. ` — because CommonMark only nests an
/// item that starts at its parent's content column. Skipped levels (level 0
/// followed by level 2) nest just one step.
pub fn blocks_to_markdown(blocks: &[Block]) -> String {
    struct Open {
        level: u8,
        ordered: bool,
        count: usize,
        width: usize,
    }
    let mut out = String::new();
    let mut open: Vec<Open> = Vec::new();
    let mut prev_was_item = false;
    for block in blocks {
        let is_item = matches!(block.kind, BlockKind::ListItem { .. });
        if !out.is_empty() {
            out.push_str(if prev_was_item && is_item {
                "\n"
            } else {
                "\n\n"
            });
        }
        prev_was_item = is_item;
        match block.kind {
            BlockKind::Title => {
                open.clear();
                out.push_str("# ");
                out.push_str(&block.markdown);
            }
            BlockKind::Heading(level) => {
                open.clear();
                let hashes = usize::from(level.clamp(1, 6));
                out.push_str(&"#".repeat(hashes));
                out.push(' ');
                out.push_str(&block.markdown);
            }
            BlockKind::Paragraph | BlockKind::Table => {
                open.clear();
                out.push_str(&block.markdown);
            }
            BlockKind::ListItem { ordered, level } => {
                while open.last().is_some_and(|o| o.level > level) {
                    open.pop();
                }
                let count = match open.last() {
                    Some(o) if o.level == level => {
                        let n = if o.ordered == ordered { o.count + 1 } else { 1 };
                        open.pop();
                        n
                    }
                    _ => 1,
                };
                let indent = " ".repeat(open.iter().map(|o| o.width).sum());
                let marker = if ordered {
                    format!("{count}. ")
                } else {
                    "- ".to_owned()
                };
                // Continuation lines (hard breaks) align with the content.
                let continuation = format!("\n{indent}{}", " ".repeat(marker.len()));
                out.push_str(&indent);
                out.push_str(&marker);
                out.push_str(&block.markdown.replace('\n', &continuation));
                open.push(Open {
                    level,
                    ordered,
                    count,
                    width: marker.len(),
                });
            }
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------
// Zip access

/// Index of `name` in the archive: exact match, else case-insensitive.
fn find_entry<R: Read + std::io::Seek>(zip: &zip::ZipArchive<R>, name: &str) -> Option<usize> {
    zip.index_for_name(name).or_else(|| {
        zip.file_names()
            .position(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case(name)))
    })
}

/// Reads a part as UTF-8 text; `Ok(None)` if it is not in the archive.
fn read_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Option<String>, DocxError> {
    let Some(index) = find_entry(zip, name) else {
        return Ok(None);
    };
    let too_large = || DocxError::TooLarge {
        part: name.to_owned(),
        limit_mib: limit / (1024 * 1024),
    };
    let file = zip.by_index(index)?;
    if file.size() > limit {
        return Err(too_large());
    }
    // The declared size may lie: also cap what is actually inflated.
    let capacity = usize::try_from(file.size()).unwrap_or(0);
    let mut data = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| DocxError::Decompress {
            part: name.to_owned(),
            detail: e.to_string(),
        })?;
    if data.len() as u64 > limit {
        return Err(too_large());
    }
    let text = String::from_utf8(data).map_err(|e| DocxError::Xml {
        part: name.to_owned(),
        detail: format!("不是 UTF-8 编码：{e}"),
    })?;
    Ok(Some(text))
}

/// Like [`read_part`] for parts we can do without: damage (other than a
/// zip bomb) counts as absence.
fn read_optional_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Option<String>, DocxError> {
    match read_part(zip, name, limit) {
        Ok(text) => Ok(text),
        Err(e @ DocxError::TooLarge { .. }) => Err(e),
        Err(_) => Ok(None),
    }
}

/// Resolves a relationship target relative to the source part's folder.
fn resolve_target(base_dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined;
    let path = if let Some(abs) = target.strip_prefix('/') {
        abs
    } else {
        joined = if base_dir.is_empty() {
            target.to_owned()
        } else {
            format!("{base_dir}/{target}")
        };
        &joined
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------
// XML helpers

fn new_reader(xml: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader
}

fn xml_error(reader: &Reader<&[u8]>, err: impl std::fmt::Display) -> String {
    format!("第 {} 字节附近：{err}", reader.error_position())
}

/// Value of the attribute with the given local name (any prefix).
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        if a.key.local_name().as_ref() == local {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        } else {
            None
        }
    })
}

/// `w:val` of an on/off property such as `w:b`: absent means on.
fn on_off(e: &BytesStart<'_>) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_owned()
}

/// Resolves a predefined or numeric entity reference.
fn resolve_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Whether the element stack ends with `tail`.
fn stack_ends_with(stack: &[String], tail: &[&str]) -> bool {
    stack.len() >= tail.len()
        && stack[stack.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

/// Parses a `.rels` part into (type, target) pairs.
fn parse_rels(xml: &str) -> Result<Vec<(String, String)>, String> {
    let mut reader = new_reader(xml);
    let mut rels = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if local_name(&e) == "Relationship" => {
                let external = attr(&e, "TargetMode").is_some_and(|m| m == "External");
                if let (Some(ty), Some(target), false) =
                    (attr(&e, "Type"), attr(&e, "Target"), external)
                {
                    rels.push((ty, target));
                }
            }
            Ok(Event::Eof) => return Ok(rels),
            Ok(_) => {}
            Err(e) => return Err(xml_error(&reader, e)),
        }
    }
}

// ---------------------------------------------------------------------------
// styles.xml

#[derive(Debug, Default, Clone)]
struct Style {
    name: Option<String>,
    based_on: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    bold: Option<bool>,
}

#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, Style>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum HeadingKind {
    Title,
    Heading(u8),
}

/// Classifies a style name (or, without styles.xml, a style id).
fn classify_style_name(name: &str) -> Option<HeadingKind> {
    let compact: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if compact == "title" || compact == "标题" {
        return Some(HeadingKind::Title);
    }
    let rest = compact
        .strip_prefix("heading")
        .or_else(|| compact.strip_prefix("标题"))?;
    match rest.parse::<u8>() {
        Ok(n @ 1..=9) => Some(HeadingKind::Heading(n)),
        _ => None,
    }
}

impl Styles {
    /// Walks the `basedOn` chain starting at `id` (cycle-safe).
    fn chain<'s>(&'s self, id: &'s str) -> impl Iterator<Item = (&'s str, Option<&'s Style>)> {
        let mut next = Some(id);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let id = next?;
            steps += 1;
            if steps > 16 {
                return None;
            }
            let style = self.by_id.get(id);
            next = style.and_then(|s| s.based_on.as_deref());
            Some((id, style))
        })
    }

    fn heading_kind(&self, id: &str) -> Option<HeadingKind> {
        self.chain(id).find_map(|(id, style)| match style {
            Some(s) => s.name.as_deref().and_then(classify_style_name),
            None => classify_style_name(id),
        })
    }

    /// List membership inherited from the paragraph style: (numId, ilvl).
    fn numbering<'s>(&'s self, id: &'s str) -> (Option<&'s str>, Option<u8>) {
        let mut num_id = None;
        let mut ilvl = None;
        for (_, style) in self.chain(id) {
            if let Some(s) = style {
                num_id = num_id.or(s.num_id.as_deref());
                ilvl = ilvl.or(s.ilvl);
            }
        }
        (num_id, ilvl)
    }

    /// Level implied by Word's built-in single-level list styles such as
    /// "List Bullet 2" / "List Number 3" (whose `w:numPr` has no `w:ilvl`).
    fn list_level_hint(&self, id: &str) -> Option<u8> {
        self.chain(id).find_map(|(_, style)| {
            let name = style?.name.as_deref()?;
            let compact: String = name
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect();
            let rest = ["listbullet", "listnumber", "list"]
                .iter()
                .find_map(|p| compact.strip_prefix(p))?;
            match rest.parse::<u8>() {
                Ok(n @ 2..=9) => Some(n - 1),
                _ => None,
            }
        })
    }

    fn bold(&self, id: &str) -> Option<bool> {
        self.chain(id).find_map(|(_, s)| s.and_then(|s| s.bold))
    }
}

fn parse_styles(xml: &str) -> Result<Styles, String> {
    let mut reader = new_reader(xml);
    let mut styles = Styles::default();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<(String, Style)> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                if stack.pop().as_deref() == Some("style")
                    && let Some((id, style)) = current.take()
                {
                    styles.by_id.insert(id, style);
                }
                continue;
            }
            Event::Eof => return Ok(styles),
            _ => continue,
        };
        let name = local_name(&e);
        if name == "style" {
            current = attr(&e, "styleId").map(|id| (id, Style::default()));
        } else if let Some((_, style)) = current.as_mut() {
            if stack_ends_with(&stack, &["style"]) {
                match name.as_str() {
                    "name" => style.name = attr(&e, "val"),
                    "basedOn" => style.based_on = attr(&e, "val"),
                    _ => {}
                }
            } else if stack_ends_with(&stack, &["style", "pPr", "numPr"]) {
                match name.as_str() {
                    "numId" => style.num_id = attr(&e, "val"),
                    "ilvl" => style.ilvl = attr(&e, "val").and_then(|v| v.parse().ok()),
                    _ => {}
                }
            } else if stack_ends_with(&stack, &["style", "rPr"]) && name == "b" {
                style.bold = Some(on_off(&e));
            }
        }
        if empty {
            if name == "style"
                && let Some((id, style)) = current.take()
            {
                styles.by_id.insert(id, style);
            }
        } else {
            stack.push(name);
        }
    }
}

// ---------------------------------------------------------------------------
// numbering.xml

#[derive(Debug, Default)]
struct Numbering {
    /// abstractNumId → ilvl → numFmt
    abstracts: HashMap<String, HashMap<u8, String>>,
    /// numId → (abstractNumId, per-level numFmt overrides)
    nums: HashMap<String, (Option<String>, HashMap<u8, String>)>,
}

impl Numbering {
    /// Whether list `num_id` at level `ilvl` is numbered; `None` if unknown.
    fn is_ordered(&self, num_id: &str, ilvl: u8) -> Option<bool> {
        let (abstract_id, overrides) = self.nums.get(num_id)?;
        let fmt = overrides.get(&ilvl).or_else(|| {
            abstract_id
                .as_ref()
                .and_then(|a| self.abstracts.get(a))
                .and_then(|levels| levels.get(&ilvl))
        })?;
        Some(!matches!(fmt.as_str(), "bullet" | "none"))
    }
}

fn parse_numbering(xml: &str) -> Result<Numbering, String> {
    let mut reader = new_reader(xml);
    let mut numbering = Numbering::default();
    let mut stack: Vec<String> = Vec::new();
    let mut abstract_id: Option<String> = None;
    let mut num_id: Option<String> = None;
    let mut ilvl: Option<u8> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => return Ok(numbering),
            _ => continue,
        };
        let name = local_name(&e);
        match name.as_str() {
            "abstractNum" => {
                abstract_id = attr(&e, "abstractNumId");
                num_id = None;
            }
            "num" => {
                num_id = attr(&e, "numId");
                abstract_id = None;
                if let Some(id) = &num_id {
                    numbering.nums.entry(id.clone()).or_default();
                }
            }
            "abstractNumId" if stack_ends_with(&stack, &["num"]) => {
                if let Some(entry) = num_id.as_ref().and_then(|id| numbering.nums.get_mut(id)) {
                    entry.0 = attr(&e, "val");
                }
            }
            "lvl" | "lvlOverride" => {
                if let Some(l) = attr(&e, "ilvl").and_then(|v| v.parse().ok()) {
                    ilvl = Some(l);
                }
            }
            // The first numFmt of a level wins: Word may put a `custom`
            // format in mc:Choice and a plain one in mc:Fallback.
            "numFmt" => {
                if let (Some(l), Some(fmt)) = (ilvl, attr(&e, "val")) {
                    if stack.iter().any(|s| s == "abstractNum") {
                        if let Some(id) = &abstract_id {
                            numbering
                                .abstracts
                                .entry(id.clone())
                                .or_default()
                                .entry(l)
                                .or_insert(fmt);
                        }
                    } else if stack.iter().any(|s| s == "lvlOverride")
                        && let Some(entry) =
                            num_id.as_ref().and_then(|id| numbering.nums.get_mut(id))
                    {
                        entry.1.entry(l).or_insert(fmt);
                    }
                }
            }
            _ => {}
        }
        if !empty {
            stack.push(name);
        }
    }
}

// ---------------------------------------------------------------------------
// document.xml

/// A piece of inline text with its bold flag. Line breaks are `'\n'`.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    bold: bool,
}

#[derive(Debug, Default)]
struct Para {
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    pieces: Vec<Piece>,
}

#[derive(Debug, Default)]
struct Run {
    /// Explicit `w:b` in the run properties.
    bold: Option<bool>,
    /// Bold from the run's character style.
    style_bold: Option<bool>,
}

impl Run {
    fn is_bold(&self) -> bool {
        self.bold.or(self.style_bold).unwrap_or(false)
    }
}

#[derive(Debug, Default)]
struct Cell {
    paras: Vec<Vec<Piece>>,
    span: usize,
}

#[derive(Debug, Default)]
struct Table {
    rows: Vec<Vec<Cell>>,
}

/// Elements whose whole subtree is ignored.
const SKIPPED: &[&str] = &[
    "del",
    "delText",
    "delInstrText",
    "moveFrom",
    "instrText",
    "rPrChange",
    "pPrChange",
    "sectPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "tblGridChange",
    "numberingChange",
    "drawing",
    "pict",
    "object",
    "AlternateContent",
    "txbxContent",
    "rt",
    "commentReference",
    "footnoteReference",
    "endnoteReference",
];

struct DocParser<'a> {
    styles: &'a Styles,
    numbering: &'a Numbering,
    blocks: Vec<Block>,
    stack: Vec<String>,
    para: Option<Para>,
    /// Paragraphs nested inside the current one (defensive; not expected).
    nested_paras: usize,
    run: Option<Run>,
    /// Text of the `w:t` being read, and whether it preserves spaces.
    t: Option<(String, bool)>,
    /// Field nesting: `true` while in the instruction part of a field.
    fields: Vec<bool>,
    table: Option<Table>,
    table_depth: usize,
}

impl<'a> DocParser<'a> {
    fn new(styles: &'a Styles, numbering: &'a Numbering) -> Self {
        DocParser {
            styles,
            numbering,
            blocks: Vec::new(),
            stack: Vec::new(),
            para: None,
            nested_paras: 0,
            run: None,
            t: None,
            fields: Vec::new(),
            table: None,
            table_depth: 0,
        }
    }

    fn run(&mut self, xml: &str) -> Result<(), String> {
        let mut reader = new_reader(xml);
        loop {
            let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
            match event {
                Event::Start(e) => {
                    let name = local_name(&e);
                    if SKIPPED.contains(&name.as_str()) {
                        reader
                            .read_to_end(e.name())
                            .map_err(|err| xml_error(&reader, err))?;
                        continue;
                    }
                    self.start(&name, &e);
                    self.stack.push(name);
                }
                Event::Empty(e) => {
                    let name = local_name(&e);
                    if SKIPPED.contains(&name.as_str()) {
                        continue;
                    }
                    self.start(&name, &e);
                    self.end(&name);
                }
                Event::End(_) => {
                    if let Some(name) = self.stack.pop() {
                        self.end(&name);
                    }
                }
                Event::Text(t) => {
                    if let Some((buf, _)) = self.t.as_mut() {
                        buf.push_str(&t.xml10_content());
                    }
                }
                Event::CData(c) => {
                    if let Some((buf, _)) = self.t.as_mut() {
                        buf.push_str(&c.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some((buf, _)) = self.t.as_mut() {
                        match resolve_entity(&r) {
                            Some(c) => buf.push(c),
                            // Unknown entity (no DTD in docx): keep it literally.
                            None => {
                                buf.push('&');
                                buf.push_str(&r);
                                buf.push(';');
                            }
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !self.stack.is_empty() {
            return Err("文档意外结束，元素未闭合".to_owned());
        }
        Ok(())
    }

    /// Whether the current position is directly inside a run (`w:r`).
    fn in_run(&self) -> bool {
        self.run.is_some() && self.stack.last().is_some_and(|s| s == "r")
    }

    fn in_field_instruction(&self) -> bool {
        self.fields.iter().any(|&instr| instr)
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() || self.in_field_instruction() {
            return;
        }
        let bold = self.run.as_ref().is_some_and(Run::is_bold);
        if let Some(para) = self.para.as_mut() {
            para.pieces.push(Piece {
                text: text.to_owned(),
                bold,
            });
        }
    }

    fn start(&mut self, name: &str, e: &BytesStart<'_>) {
        match name {
            "p" => {
                if self.para.is_some() {
                    self.nested_paras += 1;
                } else {
                    self.para = Some(Para::default());
                }
            }
            "pStyle" if stack_ends_with(&self.stack, &["p", "pPr"]) => {
                if let Some(p) = self.para.as_mut() {
                    p.style = attr(e, "val");
                }
            }
            "numId" if stack_ends_with(&self.stack, &["p", "pPr", "numPr"]) => {
                if let Some(p) = self.para.as_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            "ilvl" if stack_ends_with(&self.stack, &["p", "pPr", "numPr"]) => {
                if let Some(p) = self.para.as_mut() {
                    p.ilvl = attr(e, "val").and_then(|v| v.parse().ok());
                }
            }
            "r" => self.run = Some(Run::default()),
            "b" if stack_ends_with(&self.stack, &["r", "rPr"]) => {
                if let Some(run) = self.run.as_mut() {
                    run.bold = Some(on_off(e));
                }
            }
            "rStyle" if stack_ends_with(&self.stack, &["r", "rPr"]) => {
                let bold = attr(e, "val").and_then(|id| self.styles.bold(&id));
                if let Some(run) = self.run.as_mut() {
                    run.style_bold = bold;
                }
            }
            "t" if self.in_run() => {
                let preserve = attr(e, "space").is_some_and(|v| v == "preserve");
                self.t = Some((String::new(), preserve));
            }
            "tab" if self.in_run() => self.push_text("\t"),
            "br" | "cr" if self.in_run() => self.push_text("\n"),
            "noBreakHyphen" if self.in_run() => self.push_text("-"),
            "fldChar" => match attr(e, "fldCharType").as_deref() {
                Some("begin") => self.fields.push(true),
                Some("separate") => {
                    if let Some(top) = self.fields.last_mut() {
                        *top = false;
                    }
                }
                Some("end") => {
                    self.fields.pop();
                }
                _ => {}
            },
            "tbl" => {
                self.table_depth += 1;
                if self.table_depth == 1 {
                    self.table = Some(Table::default());
                }
            }
            "tr" if self.table_depth == 1 => {
                if let Some(t) = self.table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            "tc" if self.table_depth == 1 => {
                if let Some(t) = self.table.as_mut() {
                    if t.rows.is_empty() {
                        t.rows.push(Vec::new());
                    }
                    if let Some(row) = t.rows.last_mut() {
                        row.push(Cell {
                            paras: Vec::new(),
                            span: 1,
                        });
                    }
                }
            }
            "gridSpan"
                if self.table_depth == 1 && stack_ends_with(&self.stack, &["tc", "tcPr"]) =>
            {
                let span = attr(e, "val")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 64);
                if let Some(cell) = self
                    .table
                    .as_mut()
                    .and_then(|t| t.rows.last_mut())
                    .and_then(|r| r.last_mut())
                {
                    cell.span = span;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "t" => {
                if let Some((text, preserve)) = self.t.take() {
                    let text = if preserve {
                        text.as_str()
                    } else {
                        text.trim_matches([' ', '\t', '\r', '\n'])
                    };
                    self.push_text(text);
                }
            }
            "r" => self.run = None,
            "p" => {
                if self.nested_paras > 0 {
                    self.nested_paras -= 1;
                } else if let Some(para) = self.para.take() {
                    self.finish_paragraph(para);
                }
            }
            "tbl" => {
                self.table_depth = self.table_depth.saturating_sub(1);
                if self.table_depth == 0
                    && let Some(table) = self.table.take()
                    && let Some(block) = table_block(table)
                {
                    self.blocks.push(block);
                }
            }
            _ => {}
        }
    }

    fn finish_paragraph(&mut self, para: Para) {
        if self.table_depth > 0 {
            if let Some(t) = self.table.as_mut() {
                if t.rows.is_empty() {
                    t.rows.push(Vec::new());
                }
                if let Some(row) = t.rows.last_mut() {
                    if row.is_empty() {
                        row.push(Cell {
                            paras: Vec::new(),
                            span: 1,
                        });
                    }
                    if let Some(cell) = row.last_mut() {
                        cell.paras.push(para.pieces);
                    }
                }
            }
            return;
        }
        let kind = self.classify(&para);
        let breaks = match kind {
            BlockKind::Title | BlockKind::Heading(_) => Breaks::Space,
            _ => Breaks::Hard,
        };
        let (markdown, text) = render_inline(&para.pieces, breaks);
        if text.is_empty() {
            return;
        }
        self.blocks.push(Block {
            kind,
            markdown,
            text,
        });
    }

    fn classify(&self, para: &Para) -> BlockKind {
        let style = para.style.as_deref();
        match style.and_then(|s| self.styles.heading_kind(s)) {
            Some(HeadingKind::Title) => return BlockKind::Title,
            Some(HeadingKind::Heading(n)) => return BlockKind::Heading(n),
            None => {}
        }
        let (style_num, style_ilvl) = style
            .map(|s| self.styles.numbering(s))
            .unwrap_or((None, None));
        let num_id = para.num_id.as_deref().or(style_num);
        match num_id {
            Some(id) if id != "0" => {
                let level = para
                    .ilvl
                    .or(style_ilvl)
                    .or_else(|| style.and_then(|s| self.styles.list_level_hint(s)))
                    .unwrap_or(0)
                    .min(8);
                let ordered = self.numbering.is_ordered(id, level).unwrap_or(false);
                BlockKind::ListItem { ordered, level }
            }
            _ => BlockKind::Paragraph,
        }
    }
}

// ---------------------------------------------------------------------------
// Rendering

/// How line breaks inside a paragraph are rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Breaks {
    /// Markdown hard break `"  \n"`; text keeps `'\n'`.
    Hard,
    /// A space in both (titles and headings).
    Space,
    /// `<br>` in markdown, a space in text; tabs become spaces in text.
    Cell,
}

fn is_punct(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// Escapes text for Markdown (see the module documentation).
fn escape_markdown(text: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '|' if in_table => out.push_str("\\|"),
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders inline pieces to (markdown, plain text), both trimmed.
fn render_inline(pieces: &[Piece], breaks: Breaks) -> (String, String) {
    // Plain text.
    let mut text: String = pieces.iter().map(|p| p.text.as_str()).collect();
    match breaks {
        Breaks::Hard => {}
        Breaks::Space => text = text.replace('\n', " "),
        Breaks::Cell => text = text.replace(['\n', '\t'], " "),
    }
    let text = text.trim().to_owned();

    // Whitespace-only pieces are bold only if both neighbours are, so that
    // "**a**" + " " + "**b**" becomes "**a b**".
    let blank = |p: &Piece| p.text.chars().all(char::is_whitespace);
    let mut flags: Vec<bool> = pieces.iter().map(|p| p.bold).collect();
    for i in 0..pieces.len() {
        if blank(&pieces[i]) {
            let prev = pieces[..i].iter().rev().find(|p| !blank(p)).map(|p| p.bold);
            let next = pieces[i + 1..].iter().find(|p| !blank(p)).map(|p| p.bold);
            flags[i] = prev == Some(true) && next == Some(true);
        }
    }
    // Merge adjacent pieces with the same flag.
    let mut groups: Vec<(String, bool)> = Vec::new();
    for (p, &bold) in pieces.iter().zip(&flags) {
        match groups.last_mut() {
            Some((s, b)) if *b == bold => s.push_str(&p.text),
            _ => groups.push((p.text.clone(), bold)),
        }
    }

    let in_table = breaks == Breaks::Cell;
    let mut md = String::new();
    for i in 0..groups.len() {
        let (raw, bold) = &groups[i];
        let escaped = escape_markdown(raw, in_table);
        if !bold || escaped.trim().is_empty() {
            md.push_str(&escaped);
            continue;
        }
        // Split off surrounding whitespace: "** a **" is not emphasis.
        let core_start = escaped.len() - escaped.trim_start().len();
        let core_end = escaped.trim_end().len();
        let (lead, core, trail) = (
            &escaped[..core_start],
            &escaped[core_start..core_end],
            &escaped[core_end..],
        );
        // Punctuation at the edges must not touch a letter outside the
        // delimiters, or CommonMark will not see the emphasis; move it out.
        let before = if lead.is_empty() {
            md.chars().next_back()
        } else {
            lead.chars().next_back()
        };
        let after = if trail.is_empty() {
            groups.get(i + 1).and_then(|(s, _)| s.chars().next())
        } else {
            trail.chars().next()
        };
        let needs_fix = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace() && !is_punct(c));
        let mut inner = core;
        let mut pre = "";
        let mut post = "";
        if needs_fix(before) {
            let n = inner.len() - inner.trim_start_matches(is_punct).len();
            (pre, inner) = inner.split_at(n);
        }
        if needs_fix(after) {
            let n = inner.trim_end_matches(is_punct).len();
            (inner, post) = inner.split_at(n);
        }
        md.push_str(lead);
        md.push_str(pre);
        if !inner.is_empty() {
            md.push_str("**");
            md.push_str(inner);
            md.push_str("**");
        }
        md.push_str(post);
        md.push_str(trail);
    }
    let md = md.trim();
    let md = match breaks {
        Breaks::Hard => md.replace('\n', "  \n"),
        Breaks::Space => md.replace('\n', " "),
        Breaks::Cell => md.replace('\n', "<br>"),
    };
    (md, text)
}

/// Builds the table block; `None` if the table has no text at all.
fn table_block(table: Table) -> Option<Block> {
    let mut md_rows: Vec<Vec<String>> = Vec::new();
    let mut text_rows: Vec<Vec<String>> = Vec::new();
    for row in table.rows {
        let mut md_cells = Vec::new();
        let mut text_cells = Vec::new();
        for cell in row {
            let rendered: Vec<(String, String)> = cell
                .paras
                .iter()
                .map(|p| render_inline(p, Breaks::Cell))
                .filter(|(_, t)| !t.is_empty())
                .collect();
            md_cells.push(
                rendered
                    .iter()
                    .map(|(m, _)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("<br>"),
            );
            text_cells.push(
                rendered
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            for _ in 1..cell.span {
                md_cells.push(String::new());
                text_cells.push(String::new());
            }
        }
        md_rows.push(md_cells);
        text_rows.push(text_cells);
    }
    if text_rows.iter().flatten().all(|c| c.is_empty()) {
        return None;
    }
    let columns = md_rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in md_rows.iter_mut().chain(text_rows.iter_mut()) {
        row.resize(columns, String::new());
    }
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for c in cells {
            s.push(' ');
            s.push_str(c);
            s.push_str(" |");
        }
        s
    };
    let mut md_lines = Vec::with_capacity(md_rows.len() + 1);
    for (i, row) in md_rows.iter().enumerate() {
        md_lines.push(line(row));
        if i == 0 {
            md_lines.push(line(&vec!["---".to_owned(); columns]));
        }
    }
    let text = text_rows
        .iter()
        .map(|r| r.join("\t"))
        .collect::<Vec<_>>()
        .join("\n");
    Some(Block {
        kind: BlockKind::Table,
        markdown: md_lines.join("\n"),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    /// Builds a zip archive in memory from (path, content) pairs.
    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            w.start_file(*name, opts).expect("start_file");
            w.write_all(content).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    /// A minimal docx: document body plus optional styles / numbering.
    fn docx(body: &str, styles: Option<&str>, numbering: Option<&str>) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W_NS}><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
        );
        let styles =
            styles.map(|s| format!(r#"<?xml version="1.0"?><w:styles {W_NS}>{s}</w:styles>"#));
        let numbering = numbering
            .map(|n| format!(r#"<?xml version="1.0"?><w:numbering {W_NS}>{n}</w:numbering>"#));
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", document.as_bytes()),
        ];
        if let Some(s) = &styles {
            parts.push(("word/styles.xml", s.as_bytes()));
        }
        if let Some(n) = &numbering {
            parts.push(("word/numbering.xml", n.as_bytes()));
        }
        zip_of(&parts)
    }

    fn read(bytes: &[u8]) -> Vec<Block> {
        match read_docx(bytes) {
            Ok(b) => b,
            Err(e) => panic!("read_docx failed: {e}"),
        }
    }

    fn para(style: &str, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    fn block(kind: BlockKind, markdown: &str, text: &str) -> Block {
        Block {
            kind,
            markdown: markdown.to_owned(),
            text: text.to_owned(),
        }
    }

    const STYLES: &str = r#"
        <w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
        <w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>
            <w:rPr><w:b/></w:rPr></w:style>
        <w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/></w:style>
        <w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
        <w:style w:type="paragraph" w:styleId="30"><w:name w:val="标题 3"/></w:style>
        <w:style w:type="paragraph" w:styleId="MyChapter"><w:name w:val="My Chapter"/><w:basedOn w:val="1"/></w:style>
        <w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/>
            <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
        <w:style w:type="paragraph" w:styleId="ListBullet2"><w:name w:val="List Bullet 2"/>
            <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
        <w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
    "#;

    #[test]
    fn headings_and_title_via_styles() {
        let body = [
            para("a3", "报告标题"),
            para("1", "第一章"),
            para("2", "Section"),
            para("30", "小节"),
            para("MyChapter", "Inherited"),
            para("Heading4", "No styles.xml entry"),
            para("a", "正文"),
            para("Unknown", "unknown style"),
        ]
        .concat();
        let blocks = read(&docx(&body, Some(STYLES), None));
        assert_eq!(
            blocks,
            vec![
                block(BlockKind::Title, "报告标题", "报告标题"),
                block(BlockKind::Heading(1), "第一章", "第一章"),
                block(BlockKind::Heading(2), "Section", "Section"),
                block(BlockKind::Heading(3), "小节", "小节"),
                block(BlockKind::Heading(1), "Inherited", "Inherited"),
                block(
                    BlockKind::Heading(4),
                    "No styles.xml entry",
                    "No styles.xml entry"
                ),
                block(BlockKind::Paragraph, "正文", "正文"),
                block(BlockKind::Paragraph, "unknown style", "unknown style"),
            ]
        );
        // Paragraph-style bold does not turn headings into **…**.
        assert_eq!(
            blocks_to_markdown(&blocks),
            "# 报告标题\n\n# 第一章\n\n## Section\n\n### 小节\n\n# Inherited\n\n\
             #### No styles.xml entry\n\n正文\n\nunknown style\n"
        );
    }

    #[test]
    fn title_style_id_without_styles_xml() {
        let blocks = read(&docx(&para("Title", "T"), None, None));
        assert_eq!(blocks, vec![block(BlockKind::Title, "T", "T")]);
    }

    fn run(text: &str, bold: Option<&str>) -> String {
        let rpr = match bold {
            None => String::new(),
            Some("") => "<w:rPr><w:b/><w:bCs/></w:rPr>".to_owned(),
            Some(v) => format!(r#"<w:rPr><w:b w:val="{v}"/></w:rPr>"#),
        };
        format!(r#"<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>"#)
    }

    fn md_of(runs: &[String]) -> (String, String) {
        let body = format!("<w:p>{}</w:p>", runs.concat());
        let blocks = read(&docx(&body, Some(STYLES), None));
        assert_eq!(blocks.len(), 1, "{blocks:?}");
        (blocks[0].markdown.clone(), blocks[0].text.clone())
    }

    #[test]
    fn bold_runs_are_merged() {
        let (md, text) = md_of(&[run("a", Some("")), run(" b", Some("")), run(" c", None)]);
        assert_eq!(md, "**a b** c");
        assert_eq!(text, "a b c");
        // Whitespace-only plain run between two bold runs joins them.
        let (md, _) = md_of(&[run("甲", Some("")), run(" ", None), run("乙", Some("1"))]);
        assert_eq!(md, "**甲 乙**");
        // w:val="0"/"false" is not bold; bold whitespace is not emitted as ** **.
        let (md, _) = md_of(&[
            run("x", Some("0")),
            run(" ", Some("")),
            run("y", Some("false")),
        ]);
        assert_eq!(md, "x y");
        // Trailing space inside a bold run moves outside the delimiters.
        let (md, _) = md_of(&[run("粗体 ", Some("")), run("正常", None)]);
        assert_eq!(md, "**粗体** 正常");
        // Character style "Strong" is bold; explicit w:b=0 overrides it.
        let strong = r#"<w:r><w:rPr><w:rStyle w:val="Strong"/></w:rPr><w:t>S</w:t></w:r>"#;
        let not_strong =
            r#"<w:r><w:rPr><w:rStyle w:val="Strong"/><w:b w:val="0"/></w:rPr><w:t>N</w:t></w:r>"#;
        let (md, _) = md_of(&[strong.to_owned(), not_strong.to_owned()]);
        assert_eq!(md, "**S**N");
        // Paragraph-mark bold (w:pPr/w:rPr/w:b) does not make runs bold.
        let body = r#"<w:p><w:pPr><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>plain</w:t></w:r></w:p>"#;
        assert_eq!(read(&docx(body, None, None))[0].markdown, "plain");
    }

    #[test]
    fn bold_cjk_punctuation_stays_valid_commonmark() {
        let (md, text) = md_of(&[run("注意：", Some("")), run("请按时提交。", None)]);
        assert_eq!(md, "**注意**：请按时提交。");
        assert_eq!(text, "注意：请按时提交。");
        let (md, _) = md_of(&[run("见", None), run("《通知》", Some("")), run("。", None)]);
        // Closing side is followed by punctuation, so only the opening moves.
        assert_eq!(md, "见《**通知》**。");
        let (md, _) = md_of(&[run("“全部加粗”", Some(""))]);
        assert_eq!(md, "**“全部加粗”**");
    }

    #[test]
    fn markdown_escaping() {
        let (md, text) = md_of(&[run("2*3 &lt;b&gt; a\\*b", None)]);
        assert_eq!(md, r"2\*3 \<b> a\\\*b");
        assert_eq!(text, r"2*3 <b> a\*b");
    }

    const NUMBERING: &str = r#"
        <w:abstractNum w:abstractNumId="0">
            <w:multiLevelType w:val="hybridMultilevel"/>
            <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
            <w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/><w:lvlText w:val="o"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1">
            <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
            <w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl>
            <w:lvl w:ilvl="2"><w:numFmt w:val="lowerLetter"/></w:lvl>
        </w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
        <w:num w:numId="3"><w:abstractNumId w:val="0"/>
            <w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:numFmt w:val="chineseCounting"/></w:lvl></w:lvlOverride>
        </w:num>
    "#;

    fn item(num_id: &str, ilvl: u8, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    #[test]
    fn bullet_and_numbered_lists() {
        let body = [
            item("1", 0, "苹果"),
            item("1", 1, "红富士"),
            item("1", 0, "香蕉"),
            para("a", "中间段落"),
            item("2", 0, "第一步"),
            item("2", 0, "第二步"),
            item("2", 1, "细节"),
            item("2", 2, "子细节 a"),
            item("2", 2, "子细节 b"),
            item("2", 0, "第三步"),
            para("a", "又一段"),
            item("2", 0, "重新开始"),
            item("3", 0, "一"),
            item("0", 0, "numId 0 is not a list"),
            item("9", 0, "unknown list → bullet"),
            para("ListBullet", "via style"),
            para("ListBullet2", "level from style name"),
        ]
        .concat();
        let blocks = read(&docx(&body, Some(STYLES), Some(NUMBERING)));
        let kinds: Vec<BlockKind> = blocks.iter().map(|b| b.kind.clone()).collect();
        let li = |ordered, level| BlockKind::ListItem { ordered, level };
        assert_eq!(
            kinds,
            vec![
                li(false, 0),
                li(false, 1),
                li(false, 0),
                BlockKind::Paragraph,
                li(true, 0),
                li(true, 0),
                li(false, 1),
                li(true, 2),
                li(true, 2),
                li(true, 0),
                BlockKind::Paragraph,
                li(true, 0),
                li(true, 0),
                BlockKind::Paragraph,
                li(false, 0),
                li(false, 0),
                li(false, 1),
            ]
        );
        assert_eq!(blocks[1].markdown, "红富士");
        assert_eq!(
            blocks_to_markdown(&blocks),
            "- 苹果\n  - 红富士\n- 香蕉\n\n中间段落\n\n\
             1. 第一步\n2. 第二步\n   - 细节\n     1. 子细节 a\n     2. 子细节 b\n3. 第三步\n\n\
             又一段\n\n1. 重新开始\n2. 一\n\nnumId 0 is not a list\n\n\
             - unknown list → bullet\n- via style\n  - level from style name\n"
        );
    }

    #[test]
    fn table_block() {
        let cell = |content: &str| format!("<w:tc><w:tcPr/>{content}</w:tc>");
        let p = |t: &str| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
        let body = format!(
            "{}<w:tbl><w:tblPr/><w:tblGrid/>\
             <w:tr>{}{}{}</w:tr>\
             <w:tr>{}{}{}</w:tr>\
             <w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>{}</w:tc>{}</w:tr>\
             </w:tbl>{}",
            p("前"),
            cell(&p("姓名")),
            cell(&p("说明")),
            cell(&format!("<w:p>{}</w:p>", run("金额", Some("")))),
            cell(&p("张三")),
            cell(&format!("{}{}", p("a|b"), p("第二段"))),
            cell("<w:p/>"),
            p("合并"),
            cell(&p("100")),
            p("后"),
        );
        let blocks = read(&docx(&body, None, None));
        assert_eq!(blocks.len(), 3, "{blocks:?}");
        assert_eq!(blocks[1].kind, BlockKind::Table);
        assert_eq!(
            blocks[1].markdown,
            "| 姓名 | 说明 | **金额** |\n| --- | --- | --- |\n| 张三 | a\\|b<br>第二段 |  |\n| 合并 |  | 100 |"
        );
        assert_eq!(
            blocks[1].text,
            "姓名\t说明\t金额\n张三\ta|b 第二段\t\n合并\t\t100"
        );
        assert_eq!(
            blocks_to_markdown(&blocks),
            format!("前\n\n{}\n\n后\n", blocks[1].markdown)
        );
    }

    #[test]
    fn nested_table_is_flattened_and_empty_table_skipped() {
        let body = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p>\
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>内1</w:t></w:r></w:p></w:tc>\
            <w:tc><w:p><w:r><w:t>内2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
            <w:p/></w:tc><w:tc><w:p><w:r><w:t>右</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
            <w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>";
        let blocks = read(&docx(body, None, None));
        assert_eq!(
            blocks,
            vec![block(
                BlockKind::Table,
                "| 外<br>内1<br>内2 | 右 |\n| --- | --- |",
                "外 内1 内2\t右"
            )]
        );
    }

    #[test]
    fn entities_and_cjk_text() {
        let body = r#"<w:p><w:r><w:t>Tom &amp; Jerry &lt;3 &gt; &quot;hi&quot; &apos;x&apos; &#x4E2D;&#25991;</w:t></w:r></w:p>
            <w:p><w:r><w:t>中华人民共和国　采编系统</w:t></w:r></w:p>"#;
        let blocks = read(&docx(body, None, None));
        assert_eq!(blocks[0].text, r#"Tom & Jerry <3 > "hi" 'x' 中文"#);
        assert_eq!(blocks[0].markdown, r#"Tom & Jerry \<3 > "hi" 'x' 中文"#);
        assert_eq!(blocks[1].text, "中华人民共和国　采编系统");
    }

    #[test]
    fn special_runs_fields_and_revisions() {
        let body = r#"<w:p>
            <w:r><w:t>A</w:t></w:r><w:r><w:tab/><w:t>B</w:t></w:r>
            <w:r><w:br/><w:t xml:space="preserve">  C</w:t></w:r>
            <w:r><w:t>
                 trimmed without preserve   </w:t></w:r>
            <w:r><w:noBreakHyphen/><w:t>D</w:t><w:softHyphen/></w:r>
            <w:del w:id="1" w:author="x"><w:r><w:delText>DELETED</w:delText></w:r></w:del>
            <w:ins w:id="2" w:author="x"><w:r><w:t>+ins</w:t></w:r></w:ins>
            <w:r><w:fldChar w:fldCharType="begin"/></w:r>
            <w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>
            <w:r><w:t>INSTR_AS_T</w:t></w:r>
            <w:r><w:fldChar w:fldCharType="separate"/></w:r>
            <w:r><w:t>7</w:t></w:r>
            <w:r><w:fldChar w:fldCharType="end"/></w:r>
            <w:commentRangeStart w:id="0"/><w:r><w:t>E</w:t></w:r><w:commentRangeEnd w:id="0"/>
            <w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="0"/></w:r>
            <w:hyperlink r:id="rId9"><w:r><w:t>link</w:t></w:r></w:hyperlink>
            <w:r><w:drawing><wp:inline xmlns:wp="urn:wp"><w:t>IN DRAWING</w:t></wp:inline></w:drawing></w:r>
            <w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>zhōng</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>中</w:t></w:r></w:rubyBase></w:ruby></w:r>
        </w:p>
        <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>tabs</w:t></w:r></w:p>"#;
        let blocks = read(&docx(body, None, None));
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        let expected_text = "A\tB\n  Ctrimmed without preserve-D+ins7Elink中";
        assert_eq!(blocks[0].text, expected_text);
        assert_eq!(
            blocks[0].markdown,
            "A\tB  \n  Ctrimmed without preserve-D+ins7Elink中"
        );
        assert_eq!(blocks[1].text, "tabs");
    }

    #[test]
    fn empty_paragraphs_skipped_and_breaks_in_headings() {
        let body = format!(
            "<w:p/><w:p><w:r><w:t xml:space=\"preserve\">   </w:t></w:r></w:p>\
             <w:p><w:pPr><w:pStyle w:val=\"1\"/></w:pPr><w:r><w:t>上</w:t><w:br/><w:t>下</w:t></w:r></w:p>{}",
            para("a", "x")
        );
        let blocks = read(&docx(&body, Some(STYLES), None));
        assert_eq!(
            blocks,
            vec![
                block(BlockKind::Heading(1), "上 下", "上 下"),
                block(BlockKind::Paragraph, "x", "x"),
            ]
        );
    }

    #[test]
    fn main_part_found_through_relationships() {
        let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document2.xml"/></Relationships>"#;
        let doc_rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/word/my-styles.xml"/></Relationships>"#;
        let document = format!(
            "<w:document {W_NS}><w:body>{}</w:body></w:document>",
            para("X", "Hello")
        );
        let styles = format!(
            r#"<w:styles {W_NS}><w:style w:type="paragraph" w:styleId="X"><w:name w:val="heading 2"/></w:style></w:styles>"#
        );
        let bytes = zip_of(&[
            ("_rels/.rels", rels),
            ("word/_rels/document2.xml.rels", doc_rels),
            ("word/document2.xml", document.as_bytes()),
            ("word/my-styles.xml", styles.as_bytes()),
        ]);
        assert_eq!(
            read(&bytes),
            vec![block(BlockKind::Heading(2), "Hello", "Hello")]
        );
    }

    #[test]
    fn corrupt_and_truncated_files() {
        let good = docx(&para("a", "x"), None, None);
        let truncated = &good[..good.len() / 2];
        let err = read_docx(truncated).expect_err("truncated file must fail");
        assert!(matches!(err, DocxError::Zip(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("文件损坏：不是有效的 Word 文档（zip 无法读取："),
            "{err}"
        );
        let err = read_docx(b"not a zip at all").expect_err("garbage must fail");
        assert!(matches!(err, DocxError::Zip(_)));
        let err = read_docx(&[]).expect_err("empty input must fail");
        assert!(matches!(err, DocxError::Zip(_)));

        let mut ole = OLE_MAGIC.to_vec();
        ole.extend_from_slice(&[0; 512]);
        let err = read_docx(&ole).expect_err("legacy .doc must fail");
        assert!(matches!(err, DocxError::LegacyOrEncrypted));
        assert!(err.to_string().contains(".doc"));
    }

    #[test]
    fn zip_without_document_xml() {
        let bytes = zip_of(&[("word/styles.xml", b"<w:styles/>"), ("hello.txt", b"hi")]);
        let err = read_docx(&bytes).expect_err("must fail");
        assert!(matches!(err, DocxError::MissingDocument));
        assert_eq!(err.to_string(), "文件损坏：缺少 word/document.xml");
    }

    #[test]
    fn invalid_document_xml() {
        for xml in [
            "<w:document><w:body><w:p></w:body></w:document>",
            "<w:document><w:body><w:p>",
        ] {
            let bytes = zip_of(&[("word/document.xml", xml.as_bytes())]);
            let err = read_docx(&bytes).expect_err("must fail");
            assert!(matches!(err, DocxError::Xml { .. }), "{err:?}");
            assert!(
                err.to_string()
                    .starts_with("文件损坏：word/document.xml 无法解析（"),
                "{err}"
            );
        }
        let bytes = zip_of(&[("word/document.xml", &[0xff, 0xfe, 0x00][..])]);
        assert!(matches!(read_docx(&bytes), Err(DocxError::Xml { .. })));
    }

    #[test]
    fn damaged_styles_are_ignored() {
        let mut bytes_parts: Vec<(&str, &[u8])> = Vec::new();
        let document = format!(
            "<w:document {W_NS}><w:body>{}</w:body></w:document>",
            para("1", "x")
        );
        bytes_parts.push(("word/document.xml", document.as_bytes()));
        bytes_parts.push(("word/styles.xml", b"<w:styles><w:style"));
        let blocks = read(&zip_of(&bytes_parts));
        assert_eq!(blocks, vec![block(BlockKind::Paragraph, "x", "x")]);
    }

    #[test]
    fn oversized_parts_are_refused() {
        let document = format!(
            "<w:document {W_NS}><w:body>{}</w:body></w:document>",
            para("a", &"啊".repeat(2000))
        );
        let bytes = zip_of(&[("word/document.xml", document.as_bytes())]);
        assert!(read_docx_limited(&bytes, 1 << 20).is_ok());
        let err = read_docx_limited(&bytes, 1024).expect_err("over the limit");
        assert!(matches!(err, DocxError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("word/document.xml"), "{err}");
        // A bomb in an auxiliary part is refused too.
        let big_styles = vec![b' '; 9000];
        let bytes = zip_of(&[
            ("word/document.xml", document.as_bytes()),
            ("word/styles.xml", &big_styles),
        ]);
        let err = read_docx_limited(&bytes, 8000).expect_err("styles over the limit");
        assert!(matches!(err, DocxError::TooLarge { ref part, .. } if part == "word/styles.xml"));
        assert_eq!(
            DocxError::TooLarge {
                part: "word/document.xml".into(),
                limit_mib: 64
            }
            .to_string(),
            "文件异常：word/document.xml 解压后超过 64 MiB，疑似恶意构造的压缩包（zip 炸弹），已拒绝读取"
        );
    }

    /// Sets the declared uncompressed size of every entry to `size`, as a
    /// malicious archive might, leaving the compressed data intact.
    fn lie_about_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
        let le = size.to_le_bytes();
        let mut i = 0;
        while i + 46 <= bytes.len() {
            match bytes[i..i + 4] {
                [0x50, 0x4b, 0x03, 0x04] => bytes[i + 22..i + 26].copy_from_slice(&le),
                [0x50, 0x4b, 0x01, 0x02] => bytes[i + 24..i + 28].copy_from_slice(&le),
                _ => {}
            }
            i += 1;
        }
        bytes
    }

    #[test]
    fn inflated_bytes_are_capped_even_if_declared_size_lies() {
        let document = format!(
            "<w:document {W_NS}><w:body>{}</w:body></w:document>",
            para("a", &"x".repeat(100_000))
        );
        let bytes = lie_about_sizes(zip_of(&[("word/document.xml", document.as_bytes())]), 10);
        match read_docx_limited(&bytes, 4096) {
            Err(DocxError::TooLarge { .. } | DocxError::Decompress { .. }) => {}
            other => panic!("expected refusal, got {other:?}"),
        }
    }

    #[test]
    fn markdown_join_of_mixed_blocks() {
        let blocks = vec![
            block(BlockKind::Heading(8), "深", "深"),
            block(
                BlockKind::ListItem {
                    ordered: true,
                    level: 0,
                },
                "a  \nb",
                "a\nb",
            ),
            block(
                BlockKind::ListItem {
                    ordered: true,
                    level: 2,
                },
                "skip",
                "skip",
            ),
        ];
        assert_eq!(
            blocks_to_markdown(&blocks),
            "###### 深\n\n1. a  \n   b\n   1. skip\n"
        );
        assert_eq!(blocks_to_markdown(&[]), "");
    }
}
