//! Compiling publications: an issue of the bulletin or the magazine, as stored, becomes a
//! print edition (PDF) or a Word file (.docx, for offices that edit in Word).
//!
//! The store knows what is in an issue ([`crate::store::Issue`], [`crate::store::Entry`]);
//! this module knows how it looks on paper. [`Doc`] is the seam between them.

mod docx;
mod font;
mod layout;
mod pdf;

use std::path::PathBuf;

use crate::config::{Config, Distribution, Paper, PublicationDef, PublicationKind};
use crate::store::{Entry, Issue};

pub use docx::write as docx;
pub use font::Fonts;
pub use layout::chinese_date;

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(
        "找不到中文字体：请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk），或在 caibian.toml 的 [print] 中用 font = \"…\" 指明字体文件"
    )]
    NoFont,
    #[error("字体 {path}：{reason}")]
    Font { path: PathBuf, reason: String },
}

/// One piece as printed.
#[derive(Debug, Clone)]
pub struct Piece {
    pub title: String,
    /// Under the title: unit and writers, or the units of a combined piece.
    pub byline: String,
    /// The unit line in the table of contents.
    pub toc_unit: String,
    /// Markdown.
    pub markdown: String,
    /// After the text, e.g. （综合东城区人大常委会、西湖县人大常委会报送信息）.
    pub credit: Option<String>,
    pub item_id: String,
}

/// An issue ready to be set.
#[derive(Debug, Clone)]
pub struct Doc {
    pub kind: PublicationKind,
    pub paper: Paper,
    /// Without book-title marks.
    pub publication: String,
    /// 2026年第6期
    pub label: String,
    pub total: i64,
    pub publisher: String,
    pub signer: Option<String>,
    /// YYYY-MM-DD
    pub date: String,
    pub note: Option<String>,
    /// Index (in print order) of the lead article.
    pub lead: Option<usize>,
    pub columns: Vec<(String, Vec<Piece>)>,
    pub distribution: Distribution,
    /// Marked 草稿 on every page.
    pub draft: bool,
}

impl Doc {
    /// Assembles an issue's print document from the store's records.
    pub fn new(cfg: &Config, p: &PublicationDef, issue: &Issue, entries: &[Entry]) -> Doc {
        let mut columns: Vec<(String, Vec<Piece>)> = Vec::new();
        let mut lead = None;
        for (i, e) in entries.iter().enumerate() {
            if issue.lead_item.as_deref() == Some(e.item_id.as_str()) {
                lead = Some(i);
            }
            let units: Vec<&str> = e.sources.iter().filter_map(|s| s.1.as_deref()).collect();
            let mut units_dedup: Vec<&str> = Vec::new();
            for u in units {
                if !units_dedup.contains(&u) {
                    units_dedup.push(u);
                }
            }
            let (byline, toc_unit, credit) = if !e.sources.is_empty() {
                let names = units_dedup.join("、");
                (
                    format!("综合：{names}"),
                    names.clone(),
                    Some(format!("（综合{names}报送信息）")),
                )
            } else {
                let mut parts: Vec<String> = e.unit.iter().cloned().collect();
                if !e.authors.is_empty() {
                    parts.push(e.authors.join("　"));
                }
                (parts.join("　"), e.unit.clone().unwrap_or_default(), None)
            };
            let piece = Piece {
                title: e.title.clone(),
                byline,
                toc_unit,
                markdown: e.body.clone(),
                credit,
                item_id: e.item_id.clone(),
            };
            match columns.last_mut() {
                Some((c, ps)) if *c == e.column => ps.push(piece),
                _ => columns.push((e.column.clone(), vec![piece])),
            }
        }
        Doc {
            kind: p.kind,
            paper: p.paper(),
            publication: p.name.clone(),
            label: issue.key.label(),
            total: issue.total,
            publisher: p
                .publisher
                .clone()
                .unwrap_or_else(|| cfg.project.name.clone()),
            signer: p.signer.clone(),
            date: issue.date.clone(),
            note: issue.note.clone(),
            lead,
            columns,
            distribution: p.distribution.clone(),
            draft: issue.is_draft(),
        }
    }

    /// 《name》
    pub fn title(&self) -> String {
        format!("《{}》", self.publication)
    }

    /// The pieces in print order, with their column.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, &Piece)> {
        self.columns
            .iter()
            .flat_map(|(c, ps)| ps.iter().map(move |p| (c.as_str(), p)))
    }

    /// Characters of text (no whitespace) in the issue.
    pub fn chars(&self) -> usize {
        self.pieces()
            .map(|(_, p)| {
                p.title.chars().count() + p.markdown.chars().filter(|c| !c.is_whitespace()).count()
            })
            .sum()
    }

    /// Pages by character count alone, for when no font is at hand: characters per page of
    /// this paper and type size, plus the front matter.
    pub fn estimate_pages(&self) -> usize {
        let per_page = match (self.kind, self.paper) {
            (PublicationKind::Magazine, Paper::K16) => 1250,
            (PublicationKind::Magazine, Paper::A4) => 1700,
            (PublicationKind::Bulletin, Paper::A4) => 900,
            (PublicationKind::Bulletin, Paper::K16) => 700,
        };
        let front = match self.kind {
            PublicationKind::Magazine => 2 + self.pieces().count() / 25,
            PublicationKind::Bulletin => 0,
        };
        // Each piece's title, byline and spacing take about five lines.
        let overhead = self.pieces().count() * 120;
        front + (self.chars() + overhead).div_ceil(per_page).max(1)
    }
}

/// Sets the issue and writes its PDF. The table of contents is set twice: first to learn
/// where each piece starts, then with those numbers (the contents take the same room both
/// times, so the pages do not move).
pub fn print(fonts: &Fonts, doc: &Doc) -> Result<Vec<u8>, CompileError> {
    let first = layout::lay_out(fonts, doc, None);
    let second = layout::lay_out(fonts, doc, Some(&first.starts));
    debug_assert_eq!(first.starts, second.starts);
    let title = format!("{}{}", doc.title(), doc.label);
    pdf::write(&second, fonts, &title)
}

/// Pages and start pages without writing the PDF.
pub fn paginate(fonts: &Fonts, doc: &Doc) -> (usize, Vec<u32>) {
    let l = layout::lay_out(fonts, doc, None);
    (l.pages.len(), l.starts)
}
