//! Near-duplicate detection on Chinese text: MinHash over character 4-gram shingles, with
//! locality-sensitive banding (16 bands × 4 rows) to find candidates in the store, and an
//! exact check of each candidate's shingle containment (shared shingles ÷ the smaller
//! set) to decide. Containment rather than Jaccard because an outlet that shortens a story
//! or adds its own lead ("本报讯（记者…）") keeps nearly all of the shorter text.
//!
//! Why our own: the `simhash` crate splits on whitespace (useless for Chinese), and the whole
//! scheme is ~150 lines. Character shingles need no dictionary and survive edited titles
//! (titles are not hashed) and light rewording (most 4-grams survive a changed word).

/// Number of MinHash functions; BANDS × ROWS.
const HASHES: usize = 64;
pub const BANDS: usize = 16;
const ROWS: usize = HASHES / BANDS;
/// Texts shorter than this (in content characters) are too short to call near-duplicates:
/// two short notices can share most words and still be different news.
pub const MIN_CHARS: usize = 80;
const SHINGLE: usize = 4;
/// The shorter text must have at least this share of the longer one's shingles: a reprint
/// trimmed to 70% is the same story; a brief of 20% of a full report is not its duplicate.
pub const MIN_LENGTH_RATIO: f64 = 0.4;

/// Default containment above which two texts are the same story. Measured on
/// tests/fixtures/neardup (60 labelled pairs): every positive ≥ 0.88 (reprints with edited
/// titles, added leads, light rewording, truncation), every hard negative (same template,
/// same topic, series sharing boilerplate) ≤ 0.45. On 4,000 real 新闻联播 items the
/// closest pairs of *different* stories were template news: 0.80 (the Hong Kong and the
/// Macao NPC-deputy election meetings) and 0.76; re-broadcasts of one story were ≥ 0.99.
/// Hence 0.85.
pub const DEFAULT_THRESHOLD: f64 = 0.85;

/// The shingle set of `text`: hashes of every 4-character window of its Han characters,
/// letters and digits (punctuation, spaces and Markdown marks removed, width folded),
/// sorted and deduplicated.
pub fn shingles(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text
        .chars()
        .map(crate::text::fold_width)
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if chars.len() < MIN_CHARS {
        return Vec::new();
    }
    let mut out: Vec<u64> = chars
        .windows(SHINGLE)
        .map(|w| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in w {
                h ^= *c as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            mix(h)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// splitmix64 finaliser: spreads FNV's low-entropy bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The LSH band keys of a shingle set (empty for short texts).
pub fn bands(sh: &[u64]) -> Vec<i64> {
    if sh.is_empty() {
        return Vec::new();
    }
    let mut mins = [u64::MAX; HASHES];
    for &s in sh {
        for (i, m) in mins.iter_mut().enumerate() {
            let v = mix(s ^ SEEDS[i]);
            if v < *m {
                *m = v;
            }
        }
    }
    (0..BANDS)
        .map(|b| {
            let mut h: u64 = b as u64;
            for r in 0..ROWS {
                h = mix(h ^ mins[b * ROWS + r]);
            }
            h as i64
        })
        .collect()
}

/// Shared shingles ÷ the smaller set (0 when either is empty).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / a.len().min(b.len()) as f64
}

/// Fixed seeds, so band keys stored by one version are comparable with the next.
const SEEDS: [u64; HASHES] = {
    let mut s = [0u64; HASHES];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut i = 0;
    while i < HASHES {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_have_no_signature() {
        assert!(shingles("市人大常委会召开会议").is_empty());
        assert!(bands(&[]).is_empty());
    }

    #[test]
    fn edited_copy_shares_bands_and_scores_high() {
        let a = "十一月十九日，市人大常委会执法检查组深入各区县，对食品安全法贯彻实施情况开展执法检查。检查组一行先后来到农贸市场、学校食堂和食品生产企业，实地察看食品安全管理情况，听取有关部门工作汇报。检查组指出，要压实食品安全责任，完善监管机制，切实保障人民群众舌尖上的安全。";
        let b = format!(
            "本报讯（记者 陈晓）{}",
            a.replace("深入各区县", "深入全市各区县")
        );
        let (sa, sb) = (shingles(a), shingles(&b));
        assert!(containment(&sa, &sb) > 0.9);
        let (ba, bb) = (bands(&sa), bands(&sb));
        assert!(ba.iter().zip(&bb).any(|(x, y)| x == y));
        let c = "市人大常委会召开第三十次会议，审议通过了关于加强基层立法联系点建设的决定，听取和审议了市政府关于全市养老服务体系建设情况的报告，会议还进行了人事任免。会议强调，要坚持好、完善好、运行好人民代表大会制度。";
        assert!(containment(&sa, &shingles(c)) < 0.3);
    }
}
