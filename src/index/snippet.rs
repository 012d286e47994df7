//! Snippets that show the matched words: the window of the body holding the most distinct
//! query words, with their positions marked — not a random excerpt.

use serde::Serialize;

use crate::text::fold_width;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    /// Marked ranges, in characters of `text`.
    pub marks: Vec<(usize, usize)>,
}

impl Snippet {
    /// The text with marks wrapped in `open`/`close` (e.g. ANSI bold, or 【】).
    pub fn render(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.marks.len() * 8);
        let mut marks = self.marks.iter().peekable();
        let mut inside = None;
        for (i, c) in self.text.chars().enumerate() {
            if inside.is_none()
                && let Some(&&(s, e)) = marks.peek()
                && s == i
            {
                out.push_str(open);
                inside = Some(e);
                marks.next();
            }
            out.push(c);
            if inside == Some(i + 1) {
                out.push_str(close);
                inside = None;
            }
        }
        if inside.is_some() {
            out.push_str(close);
        }
        out
    }

    /// HTML with `<mark>` around matches, everything else escaped.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = 0;
        for &(s, e) in &self.marks {
            push_escaped(&mut out, &chars[i.min(chars.len())..s.min(chars.len())]);
            out.push_str("<mark>");
            push_escaped(&mut out, &chars[s.min(chars.len())..e.min(chars.len())]);
            out.push_str("</mark>");
            i = e;
        }
        push_escaped(&mut out, &chars[i.min(chars.len())..]);
        out
    }
}

fn push_escaped(out: &mut String, chars: &[char]) {
    for &c in chars {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn fold(c: char) -> char {
    fold_width(c).to_ascii_lowercase()
}

/// Every occurrence of any of `words` in `text` (width- and ASCII-case-insensitive), merged,
/// as character ranges.
pub fn marks_in(text: &[char], words: &[String]) -> Vec<(usize, usize)> {
    let hay: Vec<char> = text.iter().map(|&c| fold(c)).collect();
    let mut marks = Vec::new();
    for w in words {
        for part in w.split_whitespace() {
            let needle: Vec<char> = part.chars().map(fold).collect();
            if needle.is_empty() || needle.len() > hay.len() {
                continue;
            }
            let mut i = 0;
            while i + needle.len() <= hay.len() {
                if hay[i..i + needle.len()] == needle[..] {
                    marks.push((i, i + needle.len()));
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    marks.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(marks.len());
    for (s, e) in marks {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Markdown → one line of plain text for display.
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.lines() {
        let mut l = line.trim();
        l = l.trim_start_matches('#').trim_start();
        for marker in ["- ", "* ", "+ ", "> "] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
            }
        }
        if l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue; // table rule
        }
        let cleaned = l
            .replace("**", "")
            .replace("__", "")
            .replace('|', " ")
            .replace('\\', "");
        let cleaned = cleaned.trim();
        if cleaned.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(cleaned);
    }
    out
}

/// The best window of about `width` characters of `text` around the words.
pub fn make(text: &str, words: &[String], width: usize) -> Snippet {
    let chars: Vec<char> = text.chars().collect();
    let marks = marks_in(&chars, words);
    let lead = 12; // context before the first match in the window
    let start = if marks.is_empty() {
        0
    } else {
        // The window start (just before some match) that covers the most distinct words.
        let mut best = (0usize, 0usize, 0usize); // (distinct, count, start)
        for &(s, _) in &marks {
            let ws = s.saturating_sub(lead);
            let we = ws + width;
            let inside: Vec<String> = marks
                .iter()
                .filter(|&&(a, b)| a >= ws && b <= we)
                .map(|&(a, b)| chars[a..b].iter().map(|&c| fold(c)).collect())
                .collect();
            let mut distinct = inside.clone();
            distinct.sort();
            distinct.dedup();
            let cand = (distinct.len(), inside.len(), ws);
            if (cand.0, cand.1) > (best.0, best.1) {
                best = cand;
            }
        }
        best.2
    };
    let end = (start + width).min(chars.len());
    let start = end.saturating_sub(width).min(start);
    let mut text: String = chars[start..end].iter().collect();
    let shift = if start > 0 {
        text.insert(0, '…');
        1
    } else {
        0
    };
    if end < chars.len() {
        text.push('…');
    }
    let marks = marks
        .into_iter()
        .filter(|&(s, e)| s >= start && e <= end)
        .map(|(s, e)| (s - start + shift, e - start + shift))
        .collect();
    Snippet { text, marks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_holds_the_matches() {
        let body = format!(
            "{}常委会组织执法检查组，检查大气污染防治法实施情况。{}",
            "开头。".repeat(40),
            "结尾。".repeat(40)
        );
        let s = make(&body, &["执法检查".into(), "大气污染防治法".into()], 60);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert_eq!(s.marks.len(), 2);
        assert_eq!(s.render("[", "]").matches('[').count(), 2);
        assert!(
            s.render("[", "]")
                .contains("[执法检查]组，检查[大气污染防治法]"),
            "{}",
            s.render("[", "]")
        );
    }

    #[test]
    fn case_width_and_html() {
        let chars: Vec<char> = "ＧＤＰ与gdp<增长>".chars().collect();
        assert_eq!(marks_in(&chars, &["GDP".into()]), [(0, 3), (4, 7)]);
        let s = make("a<b>&执法", &["执法".into()], 50);
        assert_eq!(s.html(), "a&lt;b&gt;&amp;<mark>执法</mark>");
    }

    #[test]
    fn plain_strips_markdown() {
        assert_eq!(
            plain("## 一、标题\n\n- **加粗**项\n\n| a | b |\n| --- | --- |"),
            "一、标题 加粗项 a   b"
        );
    }
}
