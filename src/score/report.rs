//! The ranking report (通报) as an Excel workbook: a printable ranking sheet (title row,
//! period, counts by outlet level and method, 批示, points, rank, a totals row) and a detail
//! sheet listing every ledger line behind the points, so a unit can check each one.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::ledger::fmt;
use super::{Line, Period, RankRow};

/// Outlet levels, highest first, as report columns.
pub const LEVELS: [&str; 4] = ["国家", "省", "市", "县"];
/// Adoption methods, as report columns.
pub const HOWS: [&str; 3] = ["全文", "综合", "摘要"];

#[derive(Debug, thiserror::Error)]
#[error("无法生成 Excel 报表：{0}")]
pub struct ReportError(#[from] XlsxError);

/// What the report is about.
pub struct ReportInfo<'a> {
    /// The office, e.g. "江北市人大常委会办公室".
    pub office: &'a str,
    /// The rule tables' names, e.g. "信息工作考核（预设 R1）".
    pub rules: &'a str,
    pub period: &'a Period,
    pub by_writer: bool,
    /// The day the report was made (YYYY-MM-DD).
    pub today: &'a str,
}

/// A4 in Excel's paper-size numbering.
const A4: u8 = 9;
/// The CJK font offices print with; LibreOffice and WPS substitute a local CJK font when it
/// is missing, so text never turns into boxes.
const FONT: &str = "宋体";

/// The workbook as .xlsx bytes.
pub fn xlsx(
    rows: &[RankRow],
    lines: &[Line],
    info: &ReportInfo<'_>,
) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    ranking_sheet(book.add_worksheet(), rows, info)?;
    detail_sheet(book.add_worksheet(), lines, info)?;
    Ok(book.save_to_buffer()?)
}

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(11)
}

fn cell() -> Format {
    base()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
}

fn ranking_sheet(
    ws: &mut Worksheet,
    rows: &[RankRow],
    info: &ReportInfo<'_>,
) -> Result<(), XlsxError> {
    ws.set_name("积分排名")?;
    let who = if info.by_writer { "作者" } else { "单位" };
    // Columns: 名次, name, [所在单位], levels…, methods…, 批示, 积分.
    let mut heads: Vec<(&str, f64)> = vec![("名次", 6.0), (who, 30.0)];
    if info.by_writer {
        heads.push(("所在单位", 26.0));
    }
    let first_level = heads.len() as u16;
    let last = first_level + (LEVELS.len() + HOWS.len()) as u16 + 1;
    for (c, (_, w)) in heads.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for c in first_level..last - 1 {
        ws.set_column_width(c, 7.5)?;
    }
    ws.set_column_width(last - 1, 8.0)?;
    ws.set_column_width(last, 10.0)?;

    let title = base()
        .set_font_size(18)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    ws.merge_range(
        0,
        0,
        0,
        last,
        &format!("{}{}信息工作积分排名", info.office, who),
        &title,
    )?;
    ws.set_row_height(0, 36)?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        &format!(
            "统计时间：{}（{} 至 {}）　　计分规则：{}　　制表日期：{}",
            info.period.label, info.period.from, info.period.to, info.rules, info.today
        ),
        &base().set_align(FormatAlign::Center),
    )?;
    ws.set_row_height(1, 20)?;

    let head = cell()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(0xD9E1F2)
        .set_text_wrap();
    for (c, (h, _)) in heads.iter().enumerate() {
        ws.merge_range(2, c as u16, 3, c as u16, h, &head)?;
    }
    ws.merge_range(
        2,
        first_level,
        2,
        first_level + LEVELS.len() as u16 - 1,
        "各级采用（篇）",
        &head,
    )?;
    let first_how = first_level + LEVELS.len() as u16;
    ws.merge_range(
        2,
        first_how,
        2,
        first_how + HOWS.len() as u16 - 1,
        "采用方式（篇）",
        &head,
    )?;
    for (i, l) in LEVELS.iter().enumerate() {
        ws.write_string_with_format(3, first_level + i as u16, format!("{l}级"), &head)?;
    }
    for (i, h) in HOWS.iter().enumerate() {
        ws.write_string_with_format(3, first_how + i as u16, *h, &head)?;
    }
    ws.merge_range(2, last - 1, 3, last - 1, "批示（次）", &head)?;
    ws.merge_range(2, last, 3, last, "积分", &head)?;

    let text = cell();
    let num = cell().set_align(FormatAlign::Center);
    let points = cell().set_align(FormatAlign::Right).set_num_format("0.##");
    let mut r = 4u32;
    let mut sums = vec![0usize; LEVELS.len() + HOWS.len() + 1];
    let mut total = 0.0;
    for row in rows {
        ws.write_number_with_format(r, 0, row.rank as f64, &num)?;
        ws.write_string_with_format(r, 1, &row.name, &text)?;
        if info.by_writer {
            ws.write_string_with_format(r, 2, row.unit.as_deref().unwrap_or(""), &text)?;
        }
        let counts = LEVELS
            .iter()
            .map(|l| row.by_level.get(*l).copied().unwrap_or(0))
            .chain(
                HOWS.iter()
                    .map(|h| row.by_how.get(*h).copied().unwrap_or(0)),
            )
            .chain([row.instructions]);
        for (i, n) in counts.enumerate() {
            sums[i] += n;
            ws.write_number_with_format(r, first_level + i as u16, n as f64, &num)?;
        }
        ws.write_number_with_format(r, last, row.points, &points)?;
        total += row.points;
        r += 1;
    }
    let bold = |f: Format| f.set_bold().set_background_color(0xF2F2F2);
    ws.merge_range(r, 0, r, first_level - 1, "合计", &bold(num.clone()))?;
    for (i, n) in sums.iter().enumerate() {
        ws.write_number_with_format(r, first_level + i as u16, *n as f64, &bold(num.clone()))?;
    }
    ws.write_number_with_format(r, last, (total * 100.0).round() / 100.0, &bold(points))?;
    ws.merge_range(
        r + 2,
        0,
        r + 2,
        last,
        "说明：积分由采用、批示、约稿和任务完成情况按计分规则计算，每一分的来源见“积分明细”表；\
         同分者名次相同，按采用篇数、名称排列。",
        &base().set_font_size(10).set_text_wrap(),
    )?;
    ws.set_row_height(r + 2, 30)?;

    ws.set_paper_size(A4);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_repeat_rows(2, 3)?;
    ws.set_freeze_panes(4, 0)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn detail_sheet(
    ws: &mut Worksheet,
    lines: &[Line],
    info: &ReportInfo<'_>,
) -> Result<(), XlsxError> {
    ws.set_name("积分明细")?;
    let mut heads: Vec<(&str, f64)> = vec![("日期", 11.0), ("单位", 24.0)];
    if info.by_writer {
        heads.push(("作者", 10.0));
    }
    heads.extend([
        ("稿件编号", 14.0),
        ("标题", 36.0),
        ("得分", 7.0),
        ("事项", 52.0),
        ("计分规则", 52.0),
    ]);
    let last = heads.len() as u16 - 1;
    ws.merge_range(
        0,
        0,
        0,
        last,
        &format!("积分明细（{}）", info.period.label),
        &base()
            .set_font_size(14)
            .set_bold()
            .set_align(FormatAlign::Center),
    )?;
    ws.set_row_height(0, 26)?;
    let head = cell()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(0xD9E1F2);
    for (c, (h, w)) in heads.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
        ws.write_string_with_format(1, c as u16, *h, &head)?;
    }
    // No wrapping: LibreOffice does not grow row heights it was not told about, so wrapped
    // cells would overlap the next row. Long titles are clipped on screen, whole in the cell.
    let text = cell();
    let points = cell().set_align(FormatAlign::Center).set_num_format("0.##");
    let mut sorted: Vec<&Line> = lines
        .iter()
        .filter(|l| info.period.contains(&l.date))
        .filter(|l| !info.by_writer || l.writer.is_some())
        .collect();
    sorted.sort_by(|a, b| (&a.unit, &a.writer, &a.date).cmp(&(&b.unit, &b.writer, &b.date)));
    for (i, l) in sorted.iter().enumerate() {
        let r = i as u32 + 2;
        let mut cols: Vec<&str> = vec![&l.date, &l.unit];
        if info.by_writer {
            cols.push(l.writer.as_deref().unwrap_or(""));
        }
        cols.push(l.item_id.as_deref().unwrap_or(""));
        cols.push(l.title.as_deref().unwrap_or(""));
        let at_points = cols.len() as u16;
        for (c, s) in cols.into_iter().enumerate() {
            ws.write_string_with_format(r, c as u16, s, &text)?;
        }
        ws.write_number_with_format(r, at_points, l.points, &points)?;
        ws.write_string_with_format(r, at_points + 1, &l.what, &text)?;
        ws.write_string_with_format(r, at_points + 2, &l.rule, &text)?;
    }
    let sum: f64 = sorted.iter().map(|l| l.points).sum();
    ws.merge_range(
        sorted.len() as u32 + 3,
        0,
        sorted.len() as u32 + 3,
        last,
        &format!(
            "共 {} 条，合计 {} 分。",
            sorted.len(),
            fmt((sum * 100.0).round() / 100.0)
        ),
        &base(),
    )?;
    ws.set_paper_size(A4);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 1)?;
    ws.set_freeze_panes(2, 0)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}
