//! The static search index: character bigrams with positions, sharded by a hash of the
//! bigram, so a query downloads only the shards its bigrams live in and the client can
//! check that the bigrams of a phrase sit next to each other — every article containing the
//! phrase, and no other. The format is documented in `site/README.md` and read by
//! `site/static/search.js`; both sides normalise text the same way.
//!
//! Built in chunks of documents: a chunk's bigrams are found in parallel, then appended to
//! per-shard posting lists by two workers (each owning half of the shards), so memory is the
//! encoded postings (about 1.5 bytes per character indexed) plus one chunk.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// One document of the index, in doc-number order (oldest first).
pub struct Doc<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub date: &'a str,
    pub column: &'a str,
    /// Plain text of the body.
    pub text: &'a str,
}

/// Where [`Builder::finish_with`] hands each file: (path under the output root, bytes).
pub type Sink<'a, E> = dyn Fn(&str, &[u8]) -> Result<(), E> + Sync + 'a;

/// One occurrence of a bigram in a doc: (shard, bigram key, position).
pub type Gram = (u32, u64, u32);

/// Docs per metadata file `d/{c}.json`.
pub const CHUNK: usize = 256;

/// Fullwidth ASCII to ASCII, ideographic space to space, ASCII lowercase; one char for one
/// char, so positions in the normalised text are positions in the original.
pub fn normalise(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |c| c.to_ascii_lowercase())
        }
        '\u{3000}' => ' ',
        _ => c.to_ascii_lowercase(),
    }
}

fn is_word(c: char) -> bool {
    // The common cases first: `is_alphanumeric` takes a slow table path for every CJK char.
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || c.is_alphanumeric()
}

/// FNV-1a over the two code points as little-endian u32s; the client computes the same.
pub fn shard_of(a: char, b: char, shards: u32) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for byte in (a as u32)
        .to_le_bytes()
        .into_iter()
        .chain((b as u32).to_le_bytes())
    {
        h ^= u32::from(byte);
        h = h.wrapping_mul(16_777_619);
    }
    h % shards
}

fn key(a: char, b: char) -> u64 {
    (u64::from(a as u32) << 32) | u64::from(b as u32)
}

fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[derive(Default)]
struct Postings {
    bytes: Vec<u8>,
    last_doc: u32,
    any: bool,
}

/// The index files, as (path under the output root, bytes), and its total size.
#[cfg(test)]
pub struct Built {
    pub files: Vec<(String, Vec<u8>)>,
    pub bytes: usize,
}

#[derive(Serialize)]
struct Meta {
    version: u32,
    shards: u32,
    docs: usize,
    chunk: usize,
}

/// One doc's bigrams: (shard, key, position), sorted by shard, key, then position.
fn bigrams(title: &str, text: &str, shards: u32) -> Vec<Gram> {
    thread_local! {
        // Per-thread scratch (the bigrams in text order, shard counts and cursors), reused
        // from doc to doc instead of allocated for each.
        static SCRATCH: std::cell::RefCell<(Vec<Gram>, Vec<u32>, Vec<u32>)> =
            const { std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
    }
    SCRATCH.with_borrow_mut(|(out, start, next)| {
        out.clear();
        let mut prev: Option<char> = None;
        let chars = title
            .chars()
            .map(normalise)
            .chain(std::iter::once('\n'))
            .chain(text.chars().map(normalise));
        for (i, c) in chars.enumerate() {
            let w = is_word(c);
            if w && let Some(p) = prev {
                out.push((shard_of(p, c, shards), key(p, c), (i - 1) as u32));
            }
            prev = w.then_some(c);
        }
        // Grouped by shard, so the builder fills one shard's postings at a time (its table
        // stays in cache), then by bigram, positions staying in text order. A counting sort
        // by shard, then a tiny sort of each shard's few bigrams: a comparison sort of the
        // whole doc was the costliest step of indexing.
        start.clear();
        start.resize(shards as usize + 1, 0);
        for &(s, _, _) in out.iter() {
            start[s as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut sorted: Vec<Gram> = vec![(0, 0, 0); out.len()];
        next.clear();
        next.extend_from_slice(start);
        for g in out.iter() {
            let slot = &mut next[g.0 as usize];
            sorted[*slot as usize] = *g;
            *slot += 1;
        }
        // Only the shards this doc touches (a quarter of 4,096 at most, typically): walking
        // every shard's window cost more than the sorting.
        let mut i = 0;
        while i < sorted.len() {
            let s = sorted[i].0;
            let mut end = i + 1;
            while end < sorted.len() && sorted[end].0 == s {
                end += 1;
            }
            if end - i > 1 {
                // Stable: a bigram's positions stay in increasing order.
                sorted[i..end].sort_by_key(|&(_, k, _)| k);
            }
            i = end;
        }
        sorted
    })
}

/// Shard count from the characters to index (the site build passes the Markdown's length, so
/// the count is known before any text is extracted): about 48k positions per shard, a power of two between 16 and 4096 — small
/// enough that a query downloads little, few enough that the folder stays manageable.
pub fn shard_count(total_chars: usize) -> u32 {
    (total_chars / 48_000).clamp(16, 4096).next_power_of_two() as u32
}

/// The shards a doc's bigrams fall in, as a bitmap (one bit per shard).
pub fn shard_bitmap(grams: &[Gram], shards: u32) -> Vec<u64> {
    let mut bits = vec![0u64; shards.div_ceil(64) as usize];
    for &(s, _, _) in grams {
        bits[s as usize / 64] |= 1 << (s % 64);
    }
    bits
}

/// One doc's bigrams, for patching: (shard, key, position) sorted by shard, key and position.
pub fn doc_bigrams(title: &str, text: &str, shards: u32) -> Vec<Gram> {
    bigrams(title, text, shards)
}

/// Rewrites one shard file: drops the postings of `changed` docs (sorted) and inserts their
/// new postings from `fresh` (doc → that doc's bigrams in this shard). Doc deltas are
/// re-encoded; position lists are copied byte for byte, since they do not depend on other
/// docs. Returns None when the shard ends up empty.
pub fn patch_shard(
    old: Option<&[u8]>,
    changed: &[u32],
    fresh: &[(u32, &[Gram])],
) -> Option<Vec<u8>> {
    // The old table, in key order.
    let mut old_terms: Vec<(u64, &[u8])> = Vec::new();
    if let Some(old) = old
        && old.len() >= 8
        && &old[..4] == b"CBS1"
    {
        let n = u32::from_le_bytes([old[4], old[5], old[6], old[7]]) as usize;
        let base = 8 + 16 * n;
        for t in 0..n {
            let Some(e) = old.get(8 + 16 * t..8 + 16 * (t + 1)) else {
                break;
            };
            let word = |i: usize| u32::from_le_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
            let key = (u64::from(word(0)) << 32) | u64::from(word(4));
            let (off, len) = (base + word(8) as usize, word(12) as usize);
            if let Some(b) = old.get(off..off + len) {
                old_terms.push((key, b));
            }
        }
    }
    // New postings: (key, doc, encoded "n + positions"), sorted by key then doc.
    let mut new_terms: Vec<(u64, u32, Vec<u8>)> = Vec::new();
    for (doc, grams) in fresh {
        let mut i = 0;
        while i < grams.len() {
            let k = grams[i].1;
            let mut end = i + 1;
            while end < grams.len() && grams[end].1 == k {
                end += 1;
            }
            let mut bytes = Vec::with_capacity(2 * (end - i) + 1);
            varint(&mut bytes, (end - i) as u32);
            let mut last = 0;
            for &(_, _, pos) in &grams[i..end] {
                varint(&mut bytes, pos - last);
                last = pos;
            }
            new_terms.push((k, *doc, bytes));
            i = end;
        }
    }
    new_terms.sort_unstable_by_key(|(k, d, _)| (*k, *d));
    // Merge the two key-ordered lists, term by term; within a term, docs in order.
    let mut table: Vec<(u64, Vec<u8>)> = Vec::with_capacity(old_terms.len() + new_terms.len());
    let (mut i, mut j) = (0, 0);
    while i < old_terms.len() || j < new_terms.len() {
        let key = match (old_terms.get(i), new_terms.get(j)) {
            (Some(o), Some(n)) => o.0.min(n.0),
            (Some(o), None) => o.0,
            (None, Some(n)) => n.0,
            (None, None) => break,
        };
        let mut out = Vec::new();
        let (mut last, mut any) = (0u32, false);
        let mut emit = |out: &mut Vec<u8>, doc: u32, rest: &[u8]| {
            varint(out, if any { doc - last } else { doc });
            out.extend_from_slice(rest);
            last = doc;
            any = true;
        };
        let mut adds = j;
        while adds < new_terms.len() && new_terms[adds].0 == key {
            adds += 1;
        }
        let mut next_new = j;
        if i < old_terms.len() && old_terms[i].0 == key {
            let mut b = old_terms[i].1;
            let mut doc = 0u32;
            while let Some((d, rest)) = read_varint(b) {
                doc += d;
                let Some((cnt, mut tail)) = read_varint(rest) else {
                    break;
                };
                for _ in 0..cnt {
                    match read_varint(tail) {
                        Some((_, r)) => tail = r,
                        None => break,
                    }
                }
                let entry = &rest[..rest.len() - tail.len()];
                while next_new < adds && new_terms[next_new].1 < doc {
                    emit(&mut out, new_terms[next_new].1, &new_terms[next_new].2);
                    next_new += 1;
                }
                if changed.binary_search(&doc).is_err() {
                    emit(&mut out, doc, entry);
                }
                b = tail;
            }
            i += 1;
        }
        while next_new < adds {
            emit(&mut out, new_terms[next_new].1, &new_terms[next_new].2);
            next_new += 1;
        }
        j = adds;
        if !out.is_empty() {
            table.push((key, out));
        }
    }
    if table.is_empty() {
        return None;
    }
    Some(encode_table(&table))
}

fn read_varint(b: &[u8]) -> Option<(u32, &[u8])> {
    let mut v = 0u32;
    for (i, &byte) in b.iter().enumerate().take(5) {
        v |= u32::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

/// The metadata files (`d/{c}.json`, `meta.json`) for docs in order.
pub fn meta_files(docs: &[Doc<'_>], shards: u32) -> Vec<(String, Vec<u8>)> {
    let rows: Vec<(&str, &str, &str, &str, usize)> = docs
        .iter()
        .map(|d| (d.url, d.title, d.date, d.column, d.title.chars().count()))
        .collect();
    meta_rows(&rows, shards)
}

fn meta_rows<T: Serialize>(rows: &[T], shards: u32) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = rows
        .chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            (
                format!("search/d/{c}.json"),
                serde_json::to_vec(chunk).unwrap_or_default(),
            )
        })
        .collect();
    let meta = Meta {
        version: 1,
        shards,
        docs: rows.len(),
        chunk: CHUNK,
    };
    files.push((
        "search/meta.json".to_string(),
        serde_json::to_vec(&meta).unwrap_or_default(),
    ));
    files
}

/// Builds the index from all docs at once (the site build streams with [`Builder`]).
#[cfg(test)]
pub fn build(docs: &[Doc<'_>]) -> Built {
    let total: usize = docs.iter().map(|d| d.text.len() + d.title.len()).sum();
    let mut b = Builder::new(shard_count(total / 3));
    for chunk in docs.chunks(512) {
        b.add(chunk);
    }
    b.finish().0
}

/// Streams docs in doc-number order, a chunk at a time; holds only encoded postings.
pub struct Builder {
    shards: u32,
    halves: [Vec<FxHashMap<u64, Postings>>; 2],
    rows: Vec<(String, String, String, String, usize)>,
    /// Per doc, the shards it touches (for patching later builds).
    pub bitmaps: Vec<Vec<u64>>,
}

impl Builder {
    pub fn new(shards: u32) -> Builder {
        Builder {
            shards,
            halves: [
                (0..shards.div_ceil(2))
                    .map(|_| FxHashMap::default())
                    .collect(),
                (0..shards / 2).map(|_| FxHashMap::default()).collect(),
            ],
            rows: Vec::new(),
            bitmaps: Vec::new(),
        }
    }

    /// Adds the next docs (numbered on from those added before).
    pub fn add(&mut self, chunk: &[Doc<'_>]) {
        let base = self.rows.len() as u32;
        let shards = self.shards;
        let grams: Vec<Vec<Gram>> = chunk
            .par_iter()
            .map(|d| bigrams(d.title, d.text, shards))
            .collect();
        // Two workers, each appending to the shards of its parity: no locks, no contention.
        let [even, odd] = &mut self.halves;
        rayon::join(
            || append(even, 0, base, &grams),
            || append(odd, 1, base, &grams),
        );
        self.bitmaps
            .extend(grams.iter().map(|g| shard_bitmap(g, shards)));
        for d in chunk {
            self.rows.push((
                d.url.to_string(),
                d.title.to_string(),
                d.date.to_string(),
                d.column.to_string(),
                d.title.chars().count(),
            ));
        }
    }

    /// The index files, and the per-doc shard bitmaps, in memory.
    #[cfg(test)]
    pub fn finish(self) -> (Built, Vec<Vec<u64>>) {
        let files = std::sync::Mutex::new(Vec::new());
        let (bytes, bitmaps) = self
            .finish_with(
                &|path: &str, b: &[u8]| -> Result<(), std::convert::Infallible> {
                    if let Ok(mut f) = files.lock() {
                        f.push((path.to_string(), b.to_vec()));
                    }
                    Ok(())
                },
            )
            .unwrap_or_else(|e| match e {});
        let mut files = files.into_inner().unwrap_or_default();
        files.sort();
        (Built { files, bytes }, bitmaps)
    }

    /// Encodes each shard and hands it to `sink` at once, so the encoded index is never held
    /// in memory beside the postings; returns the bytes written and the per-doc bitmaps.
    pub fn finish_with<E: Send>(self, sink: &Sink<'_, E>) -> Result<(usize, Vec<Vec<u64>>), E> {
        let [even, odd] = self.halves;
        let shard_maps: Vec<(u32, FxHashMap<u64, Postings>)> = even
            .into_iter()
            .enumerate()
            .map(|(i, m)| (2 * i as u32, m))
            .chain(
                odd.into_iter()
                    .enumerate()
                    .map(|(i, m)| (2 * i as u32 + 1, m)),
            )
            .filter(|(_, m)| !m.is_empty())
            .collect();
        let sizes: Vec<usize> = shard_maps
            .into_par_iter()
            .map(|(s, m)| {
                let bytes = encode_shard(m);
                sink(&format!("search/s/{s}.bin"), &bytes)?;
                Ok(bytes.len())
            })
            .collect::<Result<_, E>>()?;
        let mut total: usize = sizes.iter().sum();
        for (path, bytes) in meta_rows(&self.rows, self.shards) {
            sink(&path, &bytes)?;
            total += bytes.len();
        }
        Ok((total, self.bitmaps))
    }
}

fn append(maps: &mut [FxHashMap<u64, Postings>], half: usize, base: u32, grams: &[Vec<Gram>]) {
    // Shard by shard (this worker's parity), and within a shard doc by doc, so that each
    // posting list still receives its docs in increasing order. The runs of each shard are
    // collected first: looking for every shard in every doc cost shards × docs.
    let mut runs: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); maps.len()];
    for (j, g) in grams.iter().enumerate() {
        let mut i = 0;
        while i < g.len() {
            let s = g[i].0;
            let mut end = i + 1;
            while end < g.len() && g[end].0 == s {
                end += 1;
            }
            if s as usize % 2 == half {
                runs[s as usize / 2].push((j as u32, i as u32, end as u32));
            }
            i = end;
        }
    }
    for (map, runs) in maps.iter_mut().zip(&runs) {
        for &(j, from, to) in runs {
            let g = &grams[j as usize][from as usize..to as usize];
            let doc = base + j;
            let mut i = 0;
            while i < g.len() {
                let k = g[i].1;
                let mut end = i + 1;
                while end < g.len() && g[end].1 == k {
                    end += 1;
                }
                let p = map.entry(k).or_default();
                // Grow by half rather than double: the postings are most of the build's
                // memory, and doubling leaves a third of it unused on average.
                let need = 10 + 5 * (end - i);
                if p.bytes.capacity() - p.bytes.len() < need {
                    p.bytes.reserve_exact(need.max(p.bytes.len() / 2));
                }
                let delta = if p.any { doc - p.last_doc } else { doc };
                varint(&mut p.bytes, delta);
                varint(&mut p.bytes, (end - i) as u32);
                let mut last = 0;
                for &(_, _, pos) in &g[i..end] {
                    varint(&mut p.bytes, pos - last);
                    last = pos;
                }
                p.last_doc = doc;
                p.any = true;
                i = end;
            }
        }
    }
}

fn encode_shard(m: FxHashMap<u64, Postings>) -> Vec<u8> {
    let mut terms: Vec<(u64, Vec<u8>)> = m.into_iter().map(|(k, p)| (k, p.bytes)).collect();
    terms.sort_unstable_by_key(|(k, _)| *k);
    encode_table(&terms)
}

/// "CBS1", the term count, the sorted table of (cp1, cp2, offset, length), then postings.
fn encode_table(terms: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let postings: usize = terms.iter().map(|(_, p)| p.len()).sum();
    let mut out = Vec::with_capacity(8 + 16 * terms.len() + postings);
    out.extend_from_slice(b"CBS1");
    out.extend_from_slice(&(terms.len() as u32).to_le_bytes());
    let mut offset = 0u32;
    for (k, p) in terms {
        out.extend_from_slice(&((k >> 32) as u32).to_le_bytes());
        out.extend_from_slice(&(*k as u32).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        offset += p.len() as u32;
    }
    for (_, p) in terms {
        out.extend_from_slice(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docs that differ only in their text.
    fn plain_docs(texts: &[String]) -> Vec<Doc<'_>> {
        texts
            .iter()
            .map(|t| Doc {
                url: "/x/",
                title: "标题",
                date: "2026-01-01",
                column: "",
                text: t,
            })
            .collect()
    }

    /// Decodes one term's postings: doc → positions.
    fn decode(bytes: &[u8]) -> Vec<(u32, Vec<u32>)> {
        let mut it = bytes.iter();
        let mut next = || {
            let (mut v, mut shift) = (0u32, 0);
            for &b in it.by_ref() {
                v |= u32::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return Some(v);
                }
                shift += 7;
            }
            None
        };
        let mut out = Vec::new();
        let mut doc = 0;
        while let Some(d) = next() {
            doc += d;
            let n = next().unwrap_or(0);
            let mut pos = Vec::new();
            let mut p = 0;
            for _ in 0..n {
                p += next().unwrap_or(0);
                pos.push(p);
            }
            out.push((doc, pos));
        }
        out
    }

    /// Patching the shards a changed (or appended) doc touches gives the very bytes a full
    /// rebuild gives.
    #[test]
    fn patched_shards_equal_a_rebuild() {
        let texts: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "第{i}篇：人大代表视察桥岭街道，听取{}意见建议。",
                    ["乡村振兴", "营商环境", "执法检查"][i % 3]
                )
            })
            .collect();
        let docs = plain_docs(&texts);
        let shards = 16;
        let mut b = Builder::new(shards);
        b.add(&docs);
        let (old, _) = b.finish();
        // Doc 7 rewritten, doc 40 appended.
        let mut texts2 = texts.clone();
        texts2[7] = "改写后的第七篇：常委会审议预算调整方案。".to_string();
        texts2.push("新增一篇：代表建议办理满意率提升。".to_string());
        let docs2 = plain_docs(&texts2);
        let mut b = Builder::new(shards);
        b.add(&docs2);
        let (full, _) = b.finish();
        let changed = [7u32, 40];
        let grams: Vec<(u32, Vec<Gram>)> = changed
            .iter()
            .map(|&i| (i, doc_bigrams("标题", &texts2[i as usize], shards)))
            .collect();
        for s in 0..shards {
            let path = format!("search/s/{s}.bin");
            let old_bytes = old
                .files
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.as_slice());
            let fresh: Vec<(u32, Vec<Gram>)> = grams
                .iter()
                .map(|(i, g)| (*i, g.iter().copied().filter(|x| x.0 == s).collect()))
                .collect();
            let refs: Vec<(u32, &[Gram])> = fresh.iter().map(|(i, g)| (*i, g.as_slice())).collect();
            let patched = patch_shard(old_bytes, &changed, &refs);
            let want = full
                .files
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.clone());
            assert_eq!(patched, want, "shard {s}");
        }
    }

    #[test]
    fn postings_hold_docs_and_positions_of_each_bigram() {
        let docs = [
            Doc {
                url: "/a/",
                title: "人大代表",
                date: "2026-01-01",
                column: "",
                text: "代表建议，代表。",
            },
            Doc {
                url: "/b/",
                title: "其他",
                date: "2026-01-02",
                column: "",
                text: "ＡＢ代表",
            },
        ];
        let built = build(&docs);
        let shards = shard_count(0);
        let file = format!("search/s/{}.bin", shard_of('代', '表', shards));
        let shard = &built.files.iter().find(|(p, _)| *p == file).unwrap().1;
        assert_eq!(&shard[..4], b"CBS1");
        let n = u32::from_le_bytes(shard[4..8].try_into().unwrap()) as usize;
        let entry = (0..n)
            .map(|i| &shard[8 + 16 * i..8 + 16 * (i + 1)])
            .find(|e| {
                u32::from_le_bytes(e[0..4].try_into().unwrap()) == '代' as u32
                    && u32::from_le_bytes(e[4..8].try_into().unwrap()) == '表' as u32
            })
            .unwrap();
        let off = u32::from_le_bytes(entry[8..12].try_into().unwrap()) as usize + 8 + 16 * n;
        let len = u32::from_le_bytes(entry[12..16].try_into().unwrap()) as usize;
        // Doc 0: title 人大代表 (代 at 2), "\n" at 4, body 代表建议，代表。 (代 at 5 and 10).
        // Doc 1: 其他 + "\n" + ab代表 (代 at 5).
        assert_eq!(
            decode(&shard[off..off + len]),
            vec![(0, vec![2, 5, 10]), (1, vec![5])]
        );
        // Fullwidth letters were folded: "ab" is a bigram of doc 1.
        let ab = format!("search/s/{}.bin", shard_of('a', 'b', shards));
        assert!(built.files.iter().any(|(p, _)| *p == ab));
    }
}
