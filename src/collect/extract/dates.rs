//! Publish times in the forms Chinese sites write them: 2026-11-28 09:30, 2026/11/28,
//! 2026.11.28, 2026年11月28日 09时30分, 二〇二六年十一月二十八日, RFC 3339 in meta tags, and
//! dates in URLs (t20261128_123.html, /202611/28/). A hand-written scanner: the grammar is
//! small, and a regex engine would add a dependency for five patterns.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A time found in text: the date, the time of day if given, and where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub at: NaiveDateTime,
    pub has_time: bool,
    /// Char offset of the match in the scanned text.
    pub pos: usize,
    /// Explicit UTC offset in minutes (RFC 3339 input), if any.
    pub offset_minutes: Option<i32>,
}

/// Every date in `text`, in order. Years outside 1990..=2100 are ignored (they are numbers,
/// not dates).
pub fn find_all(text: &str) -> Vec<Found> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((f, len)) = arabic_at(&chars, i).or_else(|| chinese_at(&chars, i)) {
            out.push(f);
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

/// The first date in `text` (stops at it).
pub fn find_first(text: &str) -> Option<Found> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).find_map(|i| {
        arabic_at(&chars, i)
            .or_else(|| chinese_at(&chars, i))
            .map(|(f, _)| f)
    })
}

/// Does `text` begin with a date? Looks at its first 40 characters only.
pub fn starts_with_date(text: &str) -> bool {
    let chars: Vec<char> = text.chars().take(40).collect();
    arabic_at(&chars, 0)
        .or_else(|| chinese_at(&chars, 0))
        .is_some()
}

/// A date in a URL path: `t20261128_1.html`, `/20261128/`, `/202611/28/`, `/2026-11/28/`,
/// `/2026/11/28/`.
pub fn from_url(url: &str) -> Option<NaiveDate> {
    if !url.is_ascii() {
        return None;
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map(|(_, r)| r).unwrap_or(path);
    let path = path.split_once('/').map(|(_, r)| r).unwrap_or("");
    let digits_runs: Vec<(usize, &str)> = runs(path, |c| c.is_ascii_digit());
    for (_, run) in &digits_runs {
        if run.len() == 8
            && let Some(d) = ymd(&run[..4], &run[4..6], &run[6..8])
        {
            return Some(d);
        }
    }
    // Split forms: yyyy[-/]mm / dd or yyyymm / dd.
    let segs: Vec<&str> = path.split('/').collect();
    for w in segs.windows(3) {
        if let Some(d) = ymd(w[0], w[1], w[2]) {
            return Some(d);
        }
    }
    for w in segs.windows(2) {
        let a = w[0];
        let b = w[1].split(['_', '.', '-']).next().unwrap_or("");
        if a.len() == 6 && a.bytes().all(|c| c.is_ascii_digit()) && b.len() == 2 {
            if let Some(d) = ymd(&a[..4], &a[4..], b) {
                return Some(d);
            }
        } else if a.len() == 7
            && a.as_bytes()[4] == b'-'
            && let Some(d) = ymd(&a[..4], &a[5..], b)
        {
            return Some(d);
        }
    }
    None
}

fn runs(s: &str, f: impl Fn(char) -> bool) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (f(c), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let d: u32 = d.parse().ok()?;
    valid(y, m, d)
}

fn valid(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Reads up to `max` ASCII or full-width digits at `i`.
fn number(chars: &[char], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut n = 0u32;
    let mut len = 0;
    while len < max {
        match chars.get(i + len).copied().and_then(digit) {
            Some(d) => {
                n = n * 10 + d;
                len += 1;
            }
            None => break,
        }
    }
    (len > 0).then_some((n, len))
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while chars
        .get(i)
        .is_some_and(|c| c.is_whitespace() || *c == '\u{a0}' || *c == '\u{3000}')
    {
        i += 1;
    }
    i
}

/// yyyy-mm-dd, yyyy/mm/dd, yyyy.mm.dd, yyyy年mm月dd日, each optionally followed by a time
/// (hh:mm[:ss], hh时mm分, T-separated RFC 3339 with offset).
fn arabic_at(chars: &[char], i: usize) -> Option<(Found, usize)> {
    if i > 0 && chars.get(i - 1).copied().and_then(digit).is_some() {
        return None;
    }
    let (y, ylen) = number(chars, i, 4)?;
    if ylen != 4 {
        return None;
    }
    let mut j = i + 4;
    let sep = *chars.get(j)?;
    let chinese = sep == '年';
    if !matches!(sep, '-' | '/' | '.' | '年' | '－' | '／') {
        return None;
    }
    j = skip_spaces(chars, j + 1);
    let (m, mlen) = number(chars, j, 2)?;
    j += mlen;
    if chinese {
        j = skip_spaces(chars, j);
    }
    let sep2 = *chars.get(j)?;
    if chinese {
        if sep2 != '月' {
            return None;
        }
    } else if sep2 != sep {
        return None;
    }
    j = skip_spaces(chars, j + 1);
    let (d, dlen) = number(chars, j, 2)?;
    j += dlen;
    if chars.get(j).copied().and_then(digit).is_some() {
        return None;
    }
    if chinese {
        j = skip_spaces(chars, j);
        if chars.get(j) == Some(&'日') || chars.get(j) == Some(&'号') {
            j += 1;
        } else {
            return None;
        }
    }
    let date = valid(y as i32, m, d)?;
    let (time, tlen, offset) = time_at(chars, j).unwrap_or((None, 0, None));
    let at = date.and_time(time.unwrap_or(NaiveTime::MIN));
    Some((
        Found {
            at,
            has_time: time.is_some(),
            pos: i,
            offset_minutes: offset,
        },
        j + tlen - i,
    ))
}

/// A time of day right after a date: ` 09:30`, `T09:30:00+08:00`, ` 09时30分`.
fn time_at(chars: &[char], i: usize) -> Option<(Option<NaiveTime>, usize, Option<i32>)> {
    let mut j = i;
    if chars.get(j) == Some(&'T') {
        j += 1;
    } else {
        j = skip_spaces(chars, j);
        if j == i && chars.get(j).copied().and_then(digit).is_none() {
            return None;
        }
    }
    let (h, hlen) = number(chars, j, 2)?;
    j += hlen;
    let sep = *chars.get(j)?;
    if !matches!(sep, ':' | '：' | '时' | '点') {
        return None;
    }
    j += 1;
    let (mi, milen) = number(chars, j, 2)?;
    if milen != 2 && sep != '时' && sep != '点' {
        return None;
    }
    j += milen;
    let mut s = 0;
    if matches!(chars.get(j), Some(':' | '：')) {
        if let Some((sec, slen)) = number(chars, j + 1, 2) {
            s = sec;
            j += 1 + slen;
        }
    } else if chars.get(j) == Some(&'分') {
        j += 1;
        if let Some((sec, slen)) = number(chars, j, 2)
            && chars.get(j + slen) == Some(&'秒')
        {
            s = sec;
            j += slen + 1;
        }
    }
    // Fractional seconds and an offset (RFC 3339 in meta tags).
    if chars.get(j) == Some(&'.') {
        j += 1;
        while chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
    }
    let mut offset = None;
    match chars.get(j) {
        Some('Z') => {
            offset = Some(0);
            j += 1;
        }
        Some(c @ ('+' | '-')) => {
            let sign = if *c == '-' { -1 } else { 1 };
            if let Some((oh, 2)) = number(chars, j + 1, 2) {
                let mut k = j + 3;
                if chars.get(k) == Some(&':') {
                    k += 1;
                }
                let om = number(chars, k, 2).map(|(v, _)| v).unwrap_or(0);
                offset = Some(sign * (oh as i32 * 60 + om as i32));
                j = k + if number(chars, k, 2).is_some() { 2 } else { 0 };
            }
        }
        _ => {}
    }
    let t = NaiveTime::from_hms_opt(h, mi, s)?;
    Some((Some(t), j - i, offset))
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' | 'O' | '0' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 一 … 三十一 (with 十 as tens marker).
fn cn_small(chars: &[char], i: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let tens;
    let first = *chars.get(j)?;
    if first == '十' {
        tens = 1;
        j += 1;
    } else if let Some(d) = cn_digit(first).filter(|d| *d > 0) {
        if chars.get(j + 1) == Some(&'十') {
            tens = d;
            j += 2;
        } else {
            return Some((d, 1));
        }
    } else {
        return None;
    }
    let ones = chars.get(j).and_then(|c| cn_digit(*c)).filter(|d| *d > 0);
    match ones {
        Some(o) => Some((tens * 10 + o, j + 1 - i)),
        None => Some((tens * 10, j - i)),
    }
}

/// 二〇二六年十一月二十八日.
fn chinese_at(chars: &[char], i: usize) -> Option<(Found, usize)> {
    let mut y = 0;
    for k in 0..4 {
        y = y * 10 + cn_digit(*chars.get(i + k)?)?;
    }
    // Four of 'O'/'0' alone are not a year: require at least one Chinese numeral.
    if !chars[i..i + 4]
        .iter()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(c) || *c == '〇')
    {
        return None;
    }
    let mut j = i + 4;
    if chars.get(j) != Some(&'年') {
        return None;
    }
    j += 1;
    let (m, mlen) = cn_small(chars, j)?;
    j += mlen;
    if chars.get(j) != Some(&'月') {
        return None;
    }
    j += 1;
    let (d, dlen) = cn_small(chars, j)?;
    j += dlen;
    if !matches!(chars.get(j), Some('日' | '号')) {
        return None;
    }
    j += 1;
    let date = valid(y as i32, m, d)?;
    Some((
        Found {
            at: date.and_time(NaiveTime::MIN),
            has_time: false,
            pos: i,
            offset_minutes: None,
        },
        j - i,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        let f = find_first(s).unwrap();
        if f.has_time {
            f.at.format("%Y-%m-%d %H:%M").to_string()
        } else {
            f.at.format("%Y-%m-%d").to_string()
        }
    }

    #[test]
    fn forms() {
        assert_eq!(d("发布时间：2026-11-28 09:30"), "2026-11-28 09:30");
        assert_eq!(d("2026年11月28日"), "2026-11-28");
        assert_eq!(d("2026年11月18日08:21 来源"), "2026-11-18 08:21");
        assert_eq!(d("时间：2026/11/3"), "2026-11-03");
        assert_eq!(d("2026.11.28"), "2026-11-28");
        assert_eq!(d("二〇二六年十一月二十八日"), "2026-11-28");
        assert_eq!(d("二〇二六年一月五日"), "2026-01-05");
        assert_eq!(d("二〇二六年十月十日"), "2026-10-10");
        assert_eq!(d("2026-11-20T10:15:00+08:00"), "2026-11-20 10:15");
        assert_eq!(d("2026年 11 月 5 日 14时05分"), "2026-11-05 14:05");
        assert_eq!(d("２０２６年１１月２８日"), "2026-11-28");
        let f = find_first("2026-11-20T02:15:00Z").unwrap();
        assert_eq!(f.offset_minutes, Some(0));
    }

    #[test]
    fn not_dates() {
        assert!(find_first("电话 0571-8888-1234").is_none());
        assert!(find_first("2026-13-01").is_none());
        assert!(find_first("12026-11-01x").is_none());
        assert!(find_first("共 1234 人").is_none());
        assert!(find_first("2026-11/28").is_none());
    }

    #[test]
    fn urls() {
        let s = |u| from_url(u).map(|d| d.to_string());
        assert_eq!(
            s("http://a.cn/rd/2026/11/t20261120_1001.html").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            s("http://a.cn/news/202611/28/c123.html").as_deref(),
            Some("2026-11-28")
        );
        assert_eq!(
            s("http://a.cn/2026-11/28/c_1.htm").as_deref(),
            Some("2026-11-28")
        );
        assert_eq!(
            s("http://a.cn/2026/11/28/x.html").as_deref(),
            Some("2026-11-28")
        );
        assert_eq!(s("http://a.cn/art/123456.html"), None);
    }
}
