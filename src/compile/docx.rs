//! An issue as a Word document (.docx): offices revise bulletins in Word before printing.
//! The file is WordprocessingML written directly — a handful of parts in a zip — because
//! the document needs only paragraphs with fonts, sizes and alignment.

use std::io::Write;

use super::Doc;
use super::layout::{Block, blocks, chinese_date};

#[derive(Default, Clone, Copy)]
struct Fmt {
    /// Half-points.
    size: u32,
    bold: bool,
    red: bool,
    center: bool,
    right: bool,
    indent: bool,
}

fn para(out: &mut String, text: &str, f: Fmt) {
    out.push_str("<w:p><w:pPr>");
    if f.center {
        out.push_str("<w:jc w:val=\"center\"/>");
    } else if f.right {
        out.push_str("<w:jc w:val=\"right\"/>");
    } else {
        out.push_str("<w:jc w:val=\"both\"/>");
    }
    if f.indent {
        out.push_str("<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>");
    }
    out.push_str("<w:spacing w:line=\"360\" w:lineRule=\"auto\"/></w:pPr><w:r><w:rPr>");
    out.push_str(
        "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"宋体\"/>",
    );
    if f.bold {
        out.push_str("<w:b/>");
    }
    if f.red {
        out.push_str("<w:color w:val=\"C00000\"/>");
    }
    let sz = if f.size == 0 { 28 } else { f.size };
    out.push_str(&format!("<w:sz w:val=\"{sz}\"/><w:szCs w:val=\"{sz}\"/>"));
    out.push_str("</w:rPr><w:t xml:space=\"preserve\">");
    out.push_str(&crate::text::xml_escape(text));
    out.push_str("</w:t></w:r></w:p>");
}

/// The .docx bytes of an issue.
pub fn write(doc: &Doc) -> Vec<u8> {
    let mut body = String::new();
    let big = Fmt {
        size: 72,
        bold: true,
        red: true,
        center: true,
        ..Fmt::default()
    };
    para(&mut body, &doc.publication, big);
    let num = doc
        .label
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '年');
    para(
        &mut body,
        &format!("{num}（总第{}期）", doc.total),
        Fmt {
            center: true,
            ..Fmt::default()
        },
    );
    let mut line = format!("{}编", doc.publisher);
    if let Some(s) = &doc.signer {
        line.push_str(&format!("　　签发：{s}"));
    }
    line.push_str(&format!("　　{}", chinese_date(&doc.date)));
    para(
        &mut body,
        &line,
        Fmt {
            size: 24,
            center: true,
            ..Fmt::default()
        },
    );
    body.push_str(
        "<w:p><w:pPr><w:pBdr><w:bottom w:val=\"double\" w:sz=\"12\" w:space=\"1\" w:color=\"C00000\"/></w:pBdr></w:pPr></w:p>",
    );
    if let Some(note) = &doc.note {
        para(
            &mut body,
            &format!("编者按：{note}"),
            Fmt {
                size: 24,
                indent: true,
                ..Fmt::default()
            },
        );
    }
    for (_, p) in doc.pieces() {
        para(
            &mut body,
            &p.title,
            Fmt {
                size: 32,
                bold: true,
                center: true,
                ..Fmt::default()
            },
        );
        if !p.byline.is_empty() {
            para(
                &mut body,
                &p.byline,
                Fmt {
                    size: 24,
                    center: true,
                    ..Fmt::default()
                },
            );
        }
        for b in blocks(&p.markdown) {
            let (t, bold) = match b {
                Block::Heading(t) => (t, true),
                Block::Para(t) | Block::Quote(t) | Block::Item(t) => (t, false),
            };
            para(
                &mut body,
                &t,
                Fmt {
                    bold,
                    indent: true,
                    ..Fmt::default()
                },
            );
        }
        if let Some(c) = &p.credit {
            para(
                &mut body,
                c,
                Fmt {
                    right: true,
                    ..Fmt::default()
                },
            );
        }
    }
    let d = &doc.distribution;
    for (k, v) in [("报", &d.bao), ("送", &d.song), ("发", &d.fa)] {
        if let Some(v) = v {
            para(
                &mut body,
                &format!("{k}：{v}"),
                Fmt {
                    size: 24,
                    ..Fmt::default()
                },
            );
        }
    }
    if let Some(n) = d.copies {
        para(
            &mut body,
            &format!("（共印{n}份）"),
            Fmt {
                size: 24,
                right: true,
                ..Fmt::default()
            },
        );
    }
    let (w, h) = doc.paper.size_mm();
    // Twentieths of a point.
    let tw = |mm: f32| (mm / 25.4 * 1440.0).round() as u32;
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
<w:sectPr><w:pgSz w:w=\"{}\" w:h=\"{}\"/><w:pgMar w:top=\"1440\" w:right=\"1474\" w:bottom=\"1440\" w:left=\"1474\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>\
</w:body></w:document>",
        tw(w),
        tw(h)
    );
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
</Types>",
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>",
        ),
        (
            "word/_rels/document.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>",
        ),
        ("word/document.xml", &document),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        // Writing into memory only fails on a zip-format limit, which these parts are far from.
        let _ = zip.start_file(name, opts);
        let _ = zip.write_all(data.as_bytes());
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}
