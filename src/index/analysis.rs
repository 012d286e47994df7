//! Chinese text analysis, identical at index and query time.
//!
//! Two analyses of the same text:
//! - **bigrams** (`cjk_bigram`): every pair of adjacent characters inside a run of Han
//!   characters, letters and digits, plus the run's last character alone. A phrase query of
//!   a word's bigrams matches exactly the texts that contain the word as a substring, so
//!   recall equals substring search (jieba alone misses e.g. 执法检查 in 执法检查组), for
//!   Chinese and for Latin text and numbers alike (GDP is found in GDP5G).
//! - **words** (`zh_jieba`): jieba's dictionary segmentation (default mode), for ranking only.
//!
//! Both fold full-width forms (ＡＢＣ１２３ → abc123), lowercase Latin text and drop
//! punctuation and whitespace, which also end a run: nothing matches across them.

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::fold_width;

pub const BIGRAM: &str = "cjk_bigram";
pub const JIEBA: &str = "zh_jieba";

/// Han ideographs (the blocks Chinese text uses) and 〇.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

/// Letters and digits, plus the unit and currency signs that belong to numbers (5%, 30℃,
/// ¥100): searching 5% must not find every 5.
fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() && !is_cjk(c))
        || matches!(
            c,
            '%' | '‰' | '‱' | '℃' | '℉' | '°' | '¥' | '$' | '€' | '£' | '㎡' | '㎞' | '㎏'
        )
}

/// Characters that make up runs (everything else separates them).
pub fn is_run_char(c: char) -> bool {
    let c = fold_width(c);
    is_cjk(c) || is_word_char(c)
}

/// One analysed token: text, byte offsets in the *original* input, position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// Bigram analysis. With `query`, a run at the very end of the text drops its trailing
/// single character (in a document the run may go on, so the bigram chain alone must match),
/// unless the run is one character long: then `Bigrams::prefix` is set and that character
/// must be matched as a prefix of a document token.
pub fn bigrams(text: &str, query: bool) -> Bigrams {
    let mut toks = Vec::new();
    let mut pos = 0;
    let mut run: Vec<(usize, char)> = Vec::new(); // (byte offset, folded char) of a run
    let mut last_end = 0;
    let flush = |run: &mut Vec<(usize, char)>, toks: &mut Vec<Tok>, pos: &mut usize, end: usize| {
        for i in 0..run.len() {
            let (from, c) = run[i];
            let (text, to) = match run.get(i + 1) {
                Some(&(_, n)) => (
                    format!("{c}{n}"),
                    run.get(i + 2).map(|x| x.0).unwrap_or(end),
                ),
                None => (c.to_string(), end),
            };
            toks.push(Tok {
                text,
                from,
                to,
                position: *pos,
            });
            *pos += 1;
        }
        run.clear();
    };
    for (i, raw) in text.char_indices() {
        let c = fold_width(raw);
        if is_cjk(c) || is_word_char(c) {
            run.push((i, c.to_lowercase().next().unwrap_or(c)));
        } else if !run.is_empty() {
            flush(&mut run, &mut toks, &mut pos, i);
        }
        last_end = i + raw.len_utf8();
    }
    let mut prefix = false;
    if !run.is_empty() {
        let run_len = run.len();
        flush(&mut run, &mut toks, &mut pos, last_end);
        if query {
            if run_len >= 2 {
                toks.pop(); // the trailing single character
            } else {
                prefix = true;
            }
        }
    }
    Bigrams { toks, prefix }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bigrams {
    pub toks: Vec<Tok>,
    /// The last token is a single Han character to match as a prefix (query mode only).
    pub prefix: bool,
}

/// jieba analysis of a query: the same default-mode segmentation [`WordStream`] indexes
/// (search mode would add sub-words, at several times the cost, for ranking only — recall
/// comes from the bigram field).
pub fn words(jieba: &Jieba, text: &str) -> Vec<Tok> {
    let folded = fold_for_words(text);
    let mut out = Vec::new();
    for (pos, t) in jieba.cut(&folded, false).into_iter().enumerate() {
        if is_word(t.word) {
            out.push(Tok {
                text: t.word.to_string(),
                from: t.byte_start,
                to: t.byte_end,
                position: pos,
            });
        }
    }
    out
}

fn fold_for_words(text: &str) -> String {
    text.chars()
        .map(fold_width)
        .collect::<String>()
        .to_lowercase()
}

/// Segments worth indexing: anything but punctuation and spaces.
fn is_word(w: &str) -> bool {
    w.chars().any(|c| is_cjk(c) || is_word_char(c))
}

/// The tantivy tokenizer for the bigram fields.
#[derive(Clone, Default)]
pub struct BigramTokenizer;

/// The tantivy tokenizer for the word fields; the dictionary is shared, never copied.
#[derive(Clone)]
pub struct JiebaTokenizer(pub Arc<Jieba>);

/// The index-time bigram stream: the same tokens as [`bigrams`] (index mode), produced
/// without allocating per token — this runs over every character of every item.
pub struct BigramStream<'a> {
    chars: std::str::CharIndices<'a>,
    /// The previous run character (folded), its byte offset and byte length.
    prev: Option<(char, usize, usize)>,
    pending_end: bool,
    token: Token,
}

impl TokenStream for BigramStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            match self.chars.next() {
                Some((i, raw)) => {
                    let c = fold_width(raw);
                    let in_run = is_cjk(c) || is_word_char(c);
                    let c = if in_run {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    match (self.prev, in_run) {
                        (Some((p, from, _)), true) => {
                            self.emit(&[p, c], from, i + raw.len_utf8());
                            self.prev = Some((c, i, raw.len_utf8()));
                            return true;
                        }
                        (Some((p, from, len)), false) => {
                            self.emit(&[p], from, from + len);
                            self.prev = None;
                            return true;
                        }
                        (None, true) => self.prev = Some((c, i, raw.len_utf8())),
                        (None, false) => {}
                    }
                }
                None => {
                    if self.pending_end {
                        return false;
                    }
                    self.pending_end = true;
                    if let Some((p, from, len)) = self.prev.take() {
                        self.emit(&[p], from, from + len);
                        return true;
                    }
                    return false;
                }
            }
        }
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl BigramStream<'_> {
    fn emit(&mut self, chars: &[char], from: usize, to: usize) {
        self.token.text.clear();
        self.token.text.extend(chars);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream<'a> {
        BigramStream {
            chars: text.char_indices(),
            prev: None,
            pending_end: false,
            // position starts at usize::MAX so the first emit wraps it to 0.
            token: Token::default(),
        }
    }
}

/// The index-time word stream: jieba segments of the folded text, one reused buffer.
pub struct WordStream {
    folded: String,
    ranges: std::vec::IntoIter<(usize, usize)>,
    token: Token,
}

impl TokenStream for WordStream {
    fn advance(&mut self) -> bool {
        for (a, b) in self.ranges.by_ref() {
            let w = &self.folded[a..b];
            if is_word(w) {
                self.token.text.clear();
                self.token.text.push_str(w);
                self.token.offset_from = a;
                self.token.offset_to = b;
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = WordStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream {
        let folded = fold_for_words(text);
        let ranges: Vec<(usize, usize)> = self
            .0
            .cut(&folded, false)
            .iter()
            .map(|t| (t.byte_start, t.byte_end))
            .collect();
        WordStream {
            folded,
            ranges: ranges.into_iter(),
            token: Token::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(b: &Bigrams) -> Vec<(&str, usize)> {
        b.toks
            .iter()
            .map(|t| (t.text.as_str(), t.position))
            .collect()
    }

    #[test]
    fn bigrams_of_runs_words_and_punctuation() {
        let b = bigrams("人大代表，ＡＢ１ G20峰会", false);
        let expected = [
            ("人大", 0),
            ("大代", 1),
            ("代表", 2),
            ("表", 3),
            ("ab", 4),
            ("b1", 5),
            ("1", 6),
            ("g2", 7),
            ("20", 8),
            ("0峰", 9),
            ("峰会", 10),
            ("会", 11),
        ];
        assert_eq!(texts(&b), expected);
        assert!(!b.prefix);
    }

    #[test]
    fn query_mode_drops_the_open_end() {
        assert_eq!(
            texts(&bigrams("执法检查", true)),
            [("执法", 0), ("法检", 1), ("检查", 2)]
        );
        let one = bigrams("表", true);
        assert_eq!(texts(&one), [("表", 0)]);
        assert!(one.prefix);
        // A run followed by something else keeps its end: it must end there in the text too.
        assert_eq!(texts(&bigrams("股A", true)), [("股a", 0)]);
        assert_eq!(texts(&bigrams("股 A", true)), [("股", 0), ("a", 1)]);
        assert!(bigrams("股 A", true).prefix);
    }

    #[test]
    fn the_index_stream_equals_the_reference_analysis() {
        for text in [
            "人大代表，ＡＢ１ G20峰会",
            "",
            "。。",
            "表",
            "执法检查组开展检查。A",
            "x y",
        ] {
            let mut tok = BigramTokenizer;
            let mut stream = tok.token_stream(text);
            let mut got = Vec::new();
            while stream.advance() {
                let t = stream.token();
                got.push(Tok {
                    text: t.text.clone(),
                    from: t.offset_from,
                    to: t.offset_to,
                    position: t.position,
                });
            }
            assert_eq!(got, bigrams(text, false).toks, "{text}");
        }
        let mut jt = JiebaTokenizer(Arc::new(Jieba::new()));
        let mut stream = jt.token_stream("人大常委会组成人员，ＡＢＣ");
        let mut got = Vec::new();
        while stream.advance() {
            got.push(stream.token().text.clone());
        }
        let reference: Vec<String> = words(&Jieba::new(), "人大常委会组成人员，ＡＢＣ")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(got, reference);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let b = bigrams("两院。", false);
        assert_eq!(&"两院。"[b.toks[0].from..b.toks[0].to], "两院");
    }
}
