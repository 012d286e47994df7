//! Executing a query: substring-exact matching on the bigram fields, ranking by BM25 on both
//! analyses with a title boost and a mild freshness boost, title matches first, facet counts,
//! paging, snippets.

use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Score, SegmentReader, TantivyDocument, Term};

use super::analysis::{self, bigrams};
use super::facets::FacetCounter;
use super::query::{self, Filters};
use super::snippet::{self, Snippet};
use super::{IndexError, SearchIndex};
use crate::config::Registry;

/// A title match weighs this much more than a body match in BM25.
const TITLE_BOOST: f32 = 3.0;
/// Added to the score of items with a query word in the title, so they rank first.
/// (BM25 sums stay far below it; f32 still resolves 0.001 at this magnitude.)
const TITLE_FIRST: f32 = 1.0e4;
/// Most results returned in one page.
pub const MAX_PAGE: usize = 1000;
/// Characters of body shown around the matches.
const SNIPPET_CHARS: usize = 120;
/// Freshness: up to +10% for an item from today, halving every year of age.
const FRESH_MAX: f32 = 0.10;
const FRESH_HALF_LIFE_DAYS: f32 = 365.0;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    /// Filters given outside the query text (CLI flags, web form fields); added to the query's.
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Only this unit's items, whatever the query says (a unit reporter's searches).
    pub only_unit: Option<String>,
}

impl SearchRequest {
    pub fn new(query: &str) -> SearchRequest {
        SearchRequest {
            query: query.to_string(),
            filters: Filters::default(),
            sort: Sort::Relevance,
            offset: 0,
            limit: 10,
            only_unit: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: String,
    pub title: Snippet,
    pub unit: Option<String>,
    pub section: Option<String>,
    pub kind: String,
    pub status: String,
    /// RFC 3339, UTC.
    pub date: String,
    pub score: f32,
    pub snippet: Snippet,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub unit: Vec<(String, u64)>,
    pub section: Vec<(String, u64)>,
    pub kind: Vec<(String, u64)>,
    pub year: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub offset: usize,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// What was not understood in the query and dropped (Chinese).
    pub warnings: Vec<String>,
    /// What the search did beyond the words typed, e.g. synonyms it added (Chinese).
    pub notes: Vec<String>,
    pub took_ms: f64,
}

type Q = Box<dyn Query>;

fn union(qs: Vec<Q>) -> Q {
    if qs.len() == 1 {
        qs.into_iter().next().unwrap_or_else(|| Box::new(AllQuery))
    } else {
        Box::new(BooleanQuery::union(qs))
    }
}

impl SearchIndex {
    /// The documents whose `field` contains `word` as a substring (see `analysis.rs`).
    fn substring(&self, field: Field, word: &str) -> Option<Q> {
        // Punctuation at either end of a term ("建议，" pasted from a text) is not meant.
        let word = word.trim_matches(|c: char| !analysis::is_run_char(c));
        let b = bigrams(word, true);
        let terms: Vec<(usize, Term)> = b
            .toks
            .iter()
            .map(|t| {
                (
                    t.position - b.toks[0].position,
                    Term::from_field_text(field, &t.text),
                )
            })
            .collect();
        match (terms.len(), b.prefix) {
            (0, _) => None,
            (1, false) => Some(Box::new(TermQuery::new(
                terms[0].1.clone(),
                IndexRecordOption::WithFreqs,
            ))),
            // One character: any bigram starting with it, or it alone at a run's end.
            (1, true) => {
                RegexQuery::from_pattern(&format!("{}.?", regex_escape(&b.toks[0].text)), field)
                    .ok()
                    .map(|q| Box::new(q) as Q)
            }
            (_, false) => Some(Box::new(PhraseQuery::new_with_offset(terms))),
            (_, true) => {
                // Every continuation must be tried, or recall drops below substring search;
                // tantivy reserves room for the limit up front, so use the true count.
                let last = b.toks.last().map(|t| t.text.clone()).unwrap_or_default();
                let mut q = PhrasePrefixQuery::new_with_offset(terms);
                q.set_max_expansions(self.prefix_terms(field, &last).max(1));
                Some(Box::new(q))
            }
        }
    }

    /// The largest number of terms of `field` starting with `prefix` in any segment.
    fn prefix_terms(&self, field: Field, prefix: &str) -> u32 {
        let searcher = self.reader.searcher();
        let mut most = 0u32;
        for seg in searcher.segment_readers() {
            let Ok(inv) = seg.inverted_index(field) else {
                continue;
            };
            let Ok(mut stream) = inv.terms().range().ge(prefix.as_bytes()).into_stream() else {
                continue;
            };
            let mut n = 0u32;
            while stream.advance() {
                if !stream.key().starts_with(prefix.as_bytes()) {
                    break;
                }
                n = n.saturating_add(1);
            }
            most = most.max(n);
        }
        most
    }

    fn filter_queries(
        &self,
        f: &Filters,
        registry: &Registry,
        warnings: &mut Vec<String>,
    ) -> Vec<Q> {
        let fl = &self.fields;
        let mut out: Vec<Q> = Vec::new();
        // Filters select, they do not rank: a zero constant score.
        let any_of = |field: Field, values: &[String]| -> Q {
            let q = union(
                values
                    .iter()
                    .map(|v| {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, v),
                            IndexRecordOption::Basic,
                        )) as Q
                    })
                    .collect(),
            );
            Box::new(ConstScoreQuery::new(q, 0.0))
        };
        if !f.units.is_empty() {
            let units: Vec<String> = f
                .units
                .iter()
                .map(|u| match registry.resolve(u) {
                    Some(def) => def.name.clone(),
                    None => {
                        warnings.push(format!("未登记的单位「{u}」，按原文筛选（新闻按来源筛选）"));
                        u.clone()
                    }
                })
                .collect();
            out.push(any_of(fl.unit, &units));
        }
        if !f.sections.is_empty() {
            out.push(any_of(fl.section, &f.sections));
        }
        if !f.kinds.is_empty() {
            out.push(any_of(fl.kind, &f.kinds));
        }
        if !f.statuses.is_empty() {
            out.push(any_of(fl.status, &f.statuses));
        }
        if f.date_from.is_some() || f.date_to.is_some() {
            use std::ops::Bound;
            let tz = self.tz;
            let bound = |d: Option<chrono::NaiveDate>, incl: bool| match d {
                None => Bound::Unbounded,
                Some(d) => {
                    let t = super::item_date(&[Some(&d.format("%Y-%m-%d").to_string())], tz)
                        .map(|t| t.timestamp())
                        .unwrap_or(0);
                    let term =
                        Term::from_field_date(fl.date, tantivy::DateTime::from_timestamp_secs(t));
                    if incl {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            out.push(Box::new(ConstScoreQuery::new(
                Box::new(RangeQuery::new(
                    bound(f.date_from, true),
                    bound(f.date_to, false),
                )),
                0.0,
            )));
        }
        out
    }

    pub fn search(
        &self,
        req: &SearchRequest,
        registry: &Registry,
    ) -> Result<SearchResults, IndexError> {
        let t0 = Instant::now();
        let fl = self.fields;
        let mut parsed = query::parse(&req.query);
        let mut warnings = std::mem::take(&mut parsed.warnings);
        let f = &mut parsed.filters;
        f.units.extend(req.filters.units.iter().cloned());
        f.sections.extend(req.filters.sections.iter().cloned());
        f.kinds.extend(req.filters.kinds.iter().cloned());
        f.statuses.extend(req.filters.statuses.iter().cloned());
        f.date_from = req.filters.date_from.or(f.date_from);
        f.date_to = req.filters.date_to.or(f.date_to);
        if let Some(u) = &req.only_unit {
            // Replaces, not adds: unit filters are alternatives, and a typed 单位:乙 must
            // not widen a reporter's search to another unit.
            f.units = vec![u.clone()];
        }

        let mut must: Vec<Q> = Vec::new();
        let mut title_any: Vec<Q> = Vec::new();
        let mut rank: Vec<Q> = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        for group in &parsed.groups {
            let mut alts: Vec<Q> = Vec::new();
            for term in group {
                let mut variants = vec![term.text.clone()];
                if !term.exact {
                    let syn = self.dict.synonyms(&term.text);
                    if !syn.is_empty() {
                        notes.push(format!(
                            "「{}」同时搜索了同义词：{}（加引号则只搜原词）",
                            term.text,
                            syn.join("、")
                        ));
                    }
                    variants.extend(syn);
                }
                for v in variants {
                    if let Some(q) = self.substring(fl.title_bg, &v) {
                        title_any.push(q.box_clone());
                        alts.push(Box::new(BoostQuery::new(q, TITLE_BOOST)));
                    }
                    if let Some(q) = self.substring(fl.body_bg, &v) {
                        alts.push(q);
                    }
                    for w in analysis::words(&self.jieba, &v) {
                        for (field, boost) in [(fl.title_zh, TITLE_BOOST), (fl.body_zh, 1.0)] {
                            let tq = TermQuery::new(
                                Term::from_field_text(field, &w.text),
                                IndexRecordOption::WithFreqs,
                            );
                            rank.push(Box::new(BoostQuery::new(Box::new(tq), boost)));
                        }
                    }
                    words.push(v);
                }
            }
            if alts.is_empty() {
                let shown: Vec<&str> = group.iter().map(|t| t.text.as_str()).collect();
                warnings.push(format!(
                    "「{}」中没有可搜索的文字，已忽略",
                    shown.join(" OR ")
                ));
                continue;
            }
            must.push(union(alts));
        }
        let mut must_not: Vec<Q> = Vec::new();
        for t in &parsed.exclude {
            for field in [fl.title_bg, fl.body_bg] {
                if let Some(q) = self.substring(field, &t.text) {
                    must_not.push(q);
                }
            }
        }
        let filters = self.filter_queries(&parsed.filters, registry, &mut warnings);
        let has_terms = !must.is_empty();
        if !has_terms && filters.is_empty() {
            if warnings.is_empty() {
                warnings.push("请输入要搜索的词或筛选条件".into());
            }
            return Ok(SearchResults {
                query: req.query.clone(),
                warnings,
                took_ms: t0.elapsed().as_secs_f64() * 1000.0,
                ..Default::default()
            });
        }
        let mut clauses: Vec<(Occur, Q)> = must.into_iter().map(|q| (Occur::Must, q)).collect();
        clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
        clauses.extend(must_not.into_iter().map(|q| (Occur::MustNot, q)));
        if !has_terms {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let matching: Q = Box::new(BooleanQuery::new(clauses));

        let searcher = self.reader.searcher();
        let terr = |e| IndexError::Tantivy(self.dir.clone(), e);
        let facet_collector = FacetCounter { tz: self.tz };
        // tantivy reserves room for offset + limit per segment: keep both within the index.
        let limit = req.limit.clamp(1, MAX_PAGE);
        let offset = req.offset.min(searcher.num_docs() as usize);
        // One pass over the matches collects the count, the facets and the page.
        let (total, facet_counts, addrs): (usize, _, Vec<(f32, DocAddress)>) =
            if req.sort == Sort::Date || !has_terms {
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_fast_field::<tantivy::DateTime>("date", Order::Desc);
                let (n, f, top) = searcher
                    .search(&matching, &(Count, facet_collector, top))
                    .map_err(terr)?;
                (n, f, top.into_iter().map(|(_, a)| (0.0, a)).collect())
            } else {
                // Items with a query word in the title come first: a constant far above any
                // BM25 score is added to them, and taken off again for display.
                let mut clauses = vec![(Occur::Must, matching.box_clone())];
                clauses.extend(rank.into_iter().map(|q| (Occur::Should, q)));
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(union(title_any), TITLE_FIRST)) as Q,
                ));
                let scored = BooleanQuery::new(clauses);
                let (n, f, top) = searcher
                    .search(&scored, &(Count, facet_collector, top_fresh(limit, offset)))
                    .map_err(terr)?;
                let top = top
                    .into_iter()
                    .map(|(s, a)| (if s >= TITLE_FIRST { s - TITLE_FIRST } else { s }, a))
                    .collect();
                (n, f, top)
            };

        let mut hits = Vec::with_capacity(addrs.len());
        for (score, addr) in addrs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(terr)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let title = text(fl.title).unwrap_or_default();
            let body = text(fl.body).unwrap_or_default();
            let title_chars: Vec<char> = title.chars().collect();
            let date = doc
                .get_first(fl.date)
                .and_then(|v| v.as_datetime())
                .and_then(|d| chrono::DateTime::from_timestamp(d.into_timestamp_secs(), 0))
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            hits.push(SearchHit {
                id: text(fl.id).unwrap_or_default(),
                title: Snippet {
                    marks: snippet::marks_in(&title_chars, &words),
                    text: title,
                },
                unit: text(fl.unit),
                section: text(fl.section),
                kind: text(fl.kind).unwrap_or_default(),
                status: text(fl.status).unwrap_or_default(),
                date,
                score,
                snippet: snippet::make(&snippet::plain(&body), &words, SNIPPET_CHARS),
            });
        }

        let sorted = |m: std::collections::HashMap<String, u64>| -> Vec<(String, u64)> {
            let mut v: Vec<(String, u64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let [unit, section, kind] = facet_counts.fields;
        let mut year: Vec<(String, u64)> = facet_counts
            .years
            .into_iter()
            .map(|(y, n)| (y.to_string(), n))
            .collect();
        year.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(SearchResults {
            query: req.query.clone(),
            total,
            offset,
            hits,
            facets: Facets {
                unit: sorted(unit),
                section: sorted(section),
                kind: sorted(kind),
                year,
            },
            warnings,
            notes,
            took_ms: t0.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

/// Escapes regex syntax (a run character such as `$` may be one).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Top documents by score × freshness (up to +10% for today's items, halving yearly).
fn top_fresh(
    limit: usize,
    offset: usize,
) -> impl tantivy::collector::Collector<Fruit = Vec<(f32, DocAddress)>> {
    let now = chrono::Utc::now().timestamp();
    TopDocs::with_limit(limit)
        .and_offset(offset)
        .tweak_score(move |seg: &SegmentReader| {
            let col = seg
                .fast_fields()
                .date("date")
                .ok()
                .map(|c| c.first_or_default_col(tantivy::DateTime::from_timestamp_secs(0)));
            move |doc: tantivy::DocId, score: Score| {
                let ts = col
                    .as_ref()
                    .map(|c| c.get_val(doc).into_timestamp_secs())
                    .unwrap_or(0);
                let age_days = ((now - ts).max(0) as f32) / 86_400.0;
                let fresh = 1.0 + FRESH_MAX * 0.5f32.powf(age_days / FRESH_HALF_LIFE_DAYS);
                // The title-first constant stays outside the freshness factor.
                if score >= TITLE_FIRST {
                    TITLE_FIRST + (score - TITLE_FIRST) * fresh
                } else {
                    score * fresh
                }
            }
        })
}
