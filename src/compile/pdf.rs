//! Writes laid-out pages as a PDF: each face embedded as a subset CID font (Identity-H, so
//! any of its glyphs can be shown) with a ToUnicode map, so that the text can be searched,
//! copied and extracted (pdftotext) as Chinese.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::CompileError;
use super::font::{Font, Fonts};
use super::layout::{Draw, Layout};

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// One face as used in the document: old glyph id → new (subset) glyph id, and the text
/// each glyph stands for.
struct Used<'a> {
    font: &'a Font,
    remap: subsetter::GlyphRemapper,
    chars: BTreeMap<u16, char>,
    /// New glyph id → advance in 1000ths of an em.
    widths: BTreeMap<u16, f32>,
}

impl<'a> Used<'a> {
    fn new(font: &'a Font) -> Self {
        Used {
            font,
            remap: subsetter::GlyphRemapper::new(),
            chars: BTreeMap::new(),
            widths: BTreeMap::new(),
        }
    }

    /// The 2-byte codes (new glyph ids) of `text`.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let gs = self.font.glyphs(text);
        let mut out = Vec::with_capacity(gs.len() * 2);
        for (c, (gid, adv)) in text.chars().zip(gs) {
            let new = self.remap.remap(gid);
            if gid != 0 {
                self.chars.entry(new).or_insert(c);
            }
            self.widths.entry(new).or_insert(adv * 1000.0);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

/// The PDF of a layout.
pub fn write(layout: &Layout, fonts: &Fonts, title: &str) -> Result<Vec<u8>, CompileError> {
    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs = [alloc(), alloc()];

    let mut used = [Used::new(fonts.get(false)), Used::new(fonts.get(true))];
    let bold_is_regular = fonts.bold.is_none();

    let mut page_refs = Vec::new();
    let mut contents = Vec::new();
    for page in &layout.pages {
        let mut c = Content::new();
        for d in &page.draws {
            match d {
                Draw::Text {
                    x,
                    y,
                    size,
                    bold,
                    rgb,
                    text,
                    spacing,
                } => {
                    let f = usize::from(*bold && !bold_is_regular);
                    let bytes = used[f].encode(text);
                    c.set_fill_rgb(rgb[0], rgb[1], rgb[2]);
                    c.begin_text();
                    c.set_font(Name(if f == 0 { b"F0" } else { b"F1" }), *size);
                    c.set_char_spacing(*spacing);
                    if *bold && bold_is_regular {
                        // No bold face: fake it with a stroked outline.
                        c.set_text_rendering_mode(pdf_writer::types::TextRenderingMode::FillStroke);
                        c.set_line_width(size * 0.03);
                        c.set_stroke_rgb(rgb[0], rgb[1], rgb[2]);
                    }
                    c.next_line(*x, layout.height - *y);
                    c.show(Str(&bytes));
                    c.end_text();
                    if *bold && bold_is_regular {
                        c.set_text_rendering_mode(pdf_writer::types::TextRenderingMode::Fill);
                    }
                }
                Draw::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    rgb,
                } => {
                    c.set_stroke_rgb(rgb[0], rgb[1], rgb[2]);
                    c.set_line_width(*width);
                    c.move_to(*x1, layout.height - *y1);
                    c.line_to(*x2, layout.height - *y2);
                    c.stroke();
                }
            }
        }
        page_refs.push(alloc());
        contents.push((alloc(), deflate(&c.finish())));
    }

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);
    for (pr, (cr, _)) in page_refs.iter().zip(&contents) {
        let mut p = pdf.page(*pr);
        p.media_box(Rect::new(0.0, 0.0, layout.width, layout.height));
        p.parent(tree);
        p.contents(*cr);
        let mut res = p.resources();
        let mut fs = res.fonts();
        fs.pair(Name(b"F0"), font_refs[0]);
        fs.pair(Name(b"F1"), font_refs[1]);
        fs.finish();
        res.finish();
        p.finish();
    }
    for (cr, data) in &contents {
        pdf.stream(*cr, data).filter(Filter::FlateDecode);
    }

    for (i, u) in used.iter().enumerate() {
        let (cid, desc, file, cmap) = (alloc(), alloc(), alloc(), alloc());
        // A subset's name carries a tag unique to its glyph set (PDF 32000 9.6.4).
        let tag: String = {
            let mut h: u32 = 2166136261;
            for (g, c) in &u.chars {
                h = (h ^ (*g as u32) ^ (*c as u32)).wrapping_mul(16777619);
            }
            h = h.wrapping_add(i as u32);
            (0..6)
                .map(|k| (b'A' + ((h >> (k * 5)) % 26) as u8) as char)
                .collect()
        };
        let base = format!("{tag}+{}", u.font.ps_name);
        let subset = u.font.subset(&u.remap)?;
        let sys = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(font_refs[i])
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let mut cf = pdf.cid_font(cid);
        cf.subtype(if u.font.cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        });
        cf.base_font(Name(base.as_bytes()));
        cf.system_info(sys);
        cf.font_descriptor(desc);
        cf.default_width(1000.0);
        if !u.font.cff {
            cf.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        {
            let mut w = cf.widths();
            for (new, adv) in &u.widths {
                w.consecutive(*new, [*adv]);
            }
        }
        cf.finish();
        let b = u.font.bbox;
        let mut fd = pdf.font_descriptor(desc);
        fd.name(Name(base.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(b[0], b[1], b[2], b[3]))
            .italic_angle(0.0)
            .ascent(u.font.ascender)
            .descent(u.font.descender)
            .cap_height(u.font.cap_height)
            .stem_v(80.0);
        if u.font.cff {
            fd.font_file3(file);
        } else {
            fd.font_file2(file);
        }
        fd.finish();
        let packed = deflate(&subset);
        let mut s = pdf.stream(file, &packed);
        s.filter(Filter::FlateDecode);
        if u.font.cff {
            s.pair(Name(b"Subtype"), Name(b"OpenType"));
        }
        s.finish();
        let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), sys);
        for (g, c) in &u.chars {
            map.pair(*g, *c);
        }
        let data = map.finish();
        pdf.cmap(cmap, &data);
    }

    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("caibian"));
    Ok(pdf.finish())
}
