//! The office word list (`dict/office.txt`): extra dictionary words and synonym groups.
//!
//! ```text
//! # 注释以 # 开头
//! 十四届人大二次会议            ← a word (optionally followed by a frequency and a tag)
//! 人大常委会 = 人民代表大会常务委员会   ← a synonym group, members joined by = (or ＝)
//! ```
//! Words refine jieba's segmentation (ranking). Synonyms are expanded when a query is parsed,
//! so editing them needs no re-index; the file is re-read for every search.

use std::collections::HashMap;
use std::path::Path;

use jieba_rs::Jieba;

use crate::diag::FileError;
use crate::text::fold_name;

pub const DICT_FILE: &str = "dict/office.txt";

#[derive(Debug, Clone, Default)]
pub struct OfficeDict {
    pub words: Vec<(String, Option<usize>, Option<String>)>,
    /// Each group's members, in file order.
    pub groups: Vec<Vec<String>>,
    /// Folded member → group index.
    index: HashMap<String, usize>,
}

impl OfficeDict {
    /// Reads the list; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<OfficeDict, FileError> {
        match std::fs::read_to_string(path) {
            Ok(text) => OfficeDict::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(OfficeDict::default()),
            Err(e) => Err(FileError::new(path, format!("无法读取词表：{e}"))),
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<OfficeDict, FileError> {
        let mut d = OfficeDict::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.contains('=') || line.contains('＝') {
                let members: Vec<String> = line
                    .split(['=', '＝'])
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .collect();
                if members.len() < 2 {
                    return Err(FileError::new(path, "同义词组至少需要两个词，用 = 连接")
                        .at_line(Some(i + 1)));
                }
                let g = d.groups.len();
                for m in &members {
                    d.index.insert(fold_name(m), g);
                }
                d.groups.push(members);
                continue;
            }
            let mut parts = line.split_whitespace();
            let word = parts.next().unwrap_or_default().to_string();
            let freq = match parts.next() {
                None => None,
                // jieba adds frequencies into a running total: keep them sane.
                Some(f) => Some(
                    f.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=100_000_000).contains(n))
                        .ok_or_else(|| {
                            FileError::new(
                                path,
                                format!(
                                    "词频「{f}」应为 1 到 100000000 之间的整数（格式：词 [词频] [词性]）"
                                ),
                            )
                            .at_line(Some(i + 1))
                        })?,
                ),
            };
            let tag = parts.next().map(str::to_string);
            d.words.push((word, freq, tag));
        }
        Ok(d)
    }

    /// The other members of `word`'s synonym group (empty if it has none).
    pub fn synonyms(&self, word: &str) -> Vec<String> {
        let key = fold_name(word);
        match self.index.get(&key) {
            None => Vec::new(),
            Some(&g) => self.groups[g]
                .iter()
                .filter(|m| fold_name(m) != key)
                .cloned()
                .collect(),
        }
    }

    /// jieba with the default dictionary plus these words.
    pub fn jieba(&self) -> Jieba {
        let mut j = Jieba::new();
        for (w, f, t) in &self.words {
            j.add_word(w, *f, t.as_deref());
        }
        for g in &self.groups {
            for m in g {
                j.add_word(m, None, None);
            }
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_synonyms() {
        let d = OfficeDict::parse(
            Path::new("office.txt"),
            "# 注释\n一府一委两院\n代表联络站 2000 n\n人大常委会 = 人民代表大会常务委员会\n人大＝人民代表大会\n",
        )
        .unwrap();
        assert_eq!(d.words.len(), 2);
        assert_eq!(d.synonyms("人大常委会"), ["人民代表大会常务委员会"]);
        assert_eq!(d.synonyms("人民代表大会"), ["人大"]);
        assert!(d.synonyms("常委会").is_empty());
        let j = d.jieba();
        let cut: Vec<&str> = j
            .cut("一府一委两院", false)
            .iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(cut, ["一府一委两院"]);
        let e = OfficeDict::parse(Path::new("office.txt"), "a\n人大 =\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
