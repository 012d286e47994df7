//! The CJK fonts of the print edition: found on the system (or named in `[print]`), measured
//! with ttf-parser, and subset for embedding when the PDF is written.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::CompileError;

/// Where fonts are looked for when `[print]` names none: Debian's fonts-noto-cjk first
/// (serif reads best in print), then other common CJK fonts on Linux, macOS and Windows.
const REGULAR: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
];

const BOLD: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Bold.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
];

/// A loaded font face.
pub struct Font {
    pub path: PathBuf,
    data: Vec<u8>,
    index: u32,
    /// PostScript name, for the PDF's BaseFont.
    pub ps_name: String,
    upem: f32,
    pub cff: bool,
    /// In 1000ths of an em.
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    cache: RefCell<HashMap<char, (u16, f32)>>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Font({}, face {})", self.path.display(), self.index)
    }
}

impl Font {
    /// Loads a font file; in a collection (.ttc) the Simplified Chinese face is chosen.
    pub fn load(path: &Path) -> Result<Font, CompileError> {
        let data = std::fs::read(path).map_err(|e| CompileError::Font {
            path: path.to_path_buf(),
            reason: format!("无法读取：{e}"),
        })?;
        let bad = |reason: String| CompileError::Font {
            path: path.to_path_buf(),
            reason,
        };
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let mut chosen = None;
        for i in 0..count {
            let Ok(face) = ttf_parser::Face::parse(&data, i) else {
                continue;
            };
            let family = name_of(&face, ttf_parser::name_id::FAMILY).unwrap_or_default();
            if chosen.is_none() {
                chosen = Some(i);
            }
            // Noto/Source Han collections hold JP, KR, SC, TC, HK faces; the glyph shapes
            // differ, and this is a Simplified Chinese publication.
            if family.ends_with(" SC") || family.contains("SC ") || family.contains("GB") {
                chosen = Some(i);
                break;
            }
        }
        let index = chosen.ok_or_else(|| bad("不是可用的 TrueType/OpenType 字体".into()))?;
        let face =
            ttf_parser::Face::parse(&data, index).map_err(|e| bad(format!("字体解析失败：{e}")))?;
        if face.glyph_index('中').is_none() {
            return Err(bad("字体不含汉字".into()));
        }
        if face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"CFF2"))
            .is_some()
        {
            return Err(bad("不支持 CFF2（可变）字体，请换用普通的 OTF/TTF".into()));
        }
        let upem = face.units_per_em() as f32;
        let k = 1000.0 / upem;
        let b = face.global_bounding_box();
        let ps_name = name_of(&face, ttf_parser::name_id::POST_SCRIPT_NAME)
            .unwrap_or_else(|| "CJKFont".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let (cff, ascender, descender, cap_height) = (
            face.tables().cff.is_some(),
            face.ascender() as f32 * k,
            face.descender() as f32 * k,
            face.capital_height().unwrap_or(face.ascender()) as f32 * k,
        );
        Ok(Font {
            path: path.to_path_buf(),
            index,
            ps_name,
            upem,
            cff,
            ascender,
            descender,
            cap_height,
            bbox: [
                b.x_min as f32 * k,
                b.y_min as f32 * k,
                b.x_max as f32 * k,
                b.y_max as f32 * k,
            ],
            cache: RefCell::new(HashMap::new()),
            data,
        })
    }

    /// Glyph id and advance (in ems) of each char; unknown chars get glyph 0.
    pub fn glyphs(&self, text: &str) -> Vec<(u16, f32)> {
        let mut cache = self.cache.borrow_mut();
        let missing: Vec<char> = text.chars().filter(|c| !cache.contains_key(c)).collect();
        if !missing.is_empty()
            && let Ok(face) = ttf_parser::Face::parse(&self.data, self.index)
        {
            for c in missing {
                let g = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                let adv = face.glyph_hor_advance(g).unwrap_or(0) as f32 / self.upem;
                cache.insert(c, (g.0, adv));
            }
        }
        text.chars()
            .map(|c| cache.get(&c).copied().unwrap_or((0, 1.0)))
            .collect()
    }

    /// Width of `text` in ems.
    pub fn width(&self, text: &str) -> f32 {
        self.glyphs(text).iter().map(|g| g.1).sum()
    }

    /// The font reduced to the glyphs used, for embedding.
    pub fn subset(&self, remapper: &subsetter::GlyphRemapper) -> Result<Vec<u8>, CompileError> {
        subsetter::subset(&self.data, self.index, remapper).map_err(|e| CompileError::Font {
            path: self.path.clone(),
            reason: format!("字体子集化失败：{e}"),
        })
    }
}

fn name_of(face: &ttf_parser::Face<'_>, id: u16) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == id)
        .find_map(|n| n.to_string())
}

/// The regular and bold faces of the print edition.
#[derive(Debug)]
pub struct Fonts {
    pub regular: Font,
    /// The regular face again when no bold one is found.
    pub bold: Option<Font>,
}

impl Fonts {
    /// The fonts `[print]` names, else the first CJK fonts found on the system.
    pub fn find(regular: Option<&Path>, bold: Option<&Path>) -> Result<Fonts, CompileError> {
        let regular = match regular {
            Some(p) => Font::load(p)?,
            None => REGULAR
                .iter()
                .map(Path::new)
                .filter(|p| p.is_file())
                .find_map(|p| Font::load(p).ok())
                .ok_or(CompileError::NoFont)?,
        };
        let bold = match bold {
            Some(p) => Some(Font::load(p)?),
            None => {
                // A bold face of the same family as the regular one, when there is one.
                let stem = regular
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .replace("Regular", "Bold");
                let sibling = regular.path.with_file_name(stem);
                let mut candidates: Vec<PathBuf> = vec![sibling];
                candidates.extend(BOLD.iter().map(PathBuf::from));
                candidates
                    .iter()
                    .filter(|p| p.is_file() && **p != regular.path)
                    .find_map(|p| Font::load(p).ok())
            }
        };
        Ok(Fonts { regular, bold })
    }

    pub fn get(&self, bold: bool) -> &Font {
        if bold {
            self.bold.as_ref().unwrap_or(&self.regular)
        } else {
            &self.regular
        }
    }
}
