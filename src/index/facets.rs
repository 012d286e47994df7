//! Facet counts (per unit, section, kind and year) over all matching items, read from the
//! fast-field columns: one array increment per item and field, strings resolved only for
//! the values that occur. tantivy's FacetCollector resolved facet paths per hit and cost
//! ten times the rest of a broad query (measured: 40 ms vs 4 ms on 36,000 hits).

use std::collections::HashMap;

use chrono::Datelike;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Values per field and index segment whose names are looked up. An office has tens of units
/// and sections, so its counts are exact; a corpus with thousands of distinct values gets its
/// largest ones (a value just below this rank in every segment may be missed).
const MAX_VALUES_PER_SEGMENT: usize = 200;

/// Counted fields, in the order of [`FacetFruit::fields`].
pub const FIELDS: [&str; 3] = ["unit", "section", "kind"];

pub struct FacetCounter {
    pub tz: chrono_tz::Tz,
}

#[derive(Default)]
pub struct FacetFruit {
    pub fields: [HashMap<String, u64>; 3],
    pub years: HashMap<i32, u64>,
}

pub struct SegmentFacetCounter {
    columns: Vec<Option<(StrColumn, Vec<u32>)>>,
    dates: Option<std::sync::Arc<dyn tantivy::columnar::ColumnValues<tantivy::DateTime>>>,
    /// Counts per hour since 1970 (UTC), turned into local years at harvest. Fx, not SipHash:
    /// this is one lookup per hit, and the keys are ours.
    hours: rustc_hash::FxHashMap<i64, u64>,
    tz: chrono_tz::Tz,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = SegmentFacetCounter;

    fn for_segment(&self, _: SegmentOrdinal, seg: &SegmentReader) -> tantivy::Result<Self::Child> {
        let ff = seg.fast_fields();
        let mut columns = Vec::with_capacity(FIELDS.len());
        for f in FIELDS {
            columns.push(ff.str(f)?.map(|c| {
                let n = c.num_terms();
                (c, vec![0u32; n])
            }));
        }
        let dates = ff
            .date("date")
            .ok()
            .map(|c| c.first_or_default_col(tantivy::DateTime::from_timestamp_secs(0)));
        Ok(SegmentFacetCounter {
            columns,
            dates,
            hours: rustc_hash::FxHashMap::default(),
            tz: self.tz,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut out = FacetFruit::default();
        for f in fruits {
            for (i, m) in f.fields.into_iter().enumerate() {
                for (k, n) in m {
                    *out.fields[i].entry(k).or_default() += n;
                }
            }
            for (y, n) in f.years {
                *out.years.entry(y).or_default() += n;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (col, counts) in self.columns.iter_mut().flatten() {
            if let Some(ord) = col.ords().first(doc)
                && let Some(c) = counts.get_mut(ord as usize)
            {
                *c += 1;
            }
        }
        if let Some(d) = &self.dates {
            // Count per UTC hour; hours become local years at harvest (a zone lookup per
            // hit would dominate the whole query).
            let ts = d.get_val(doc).into_timestamp_secs();
            *self.hours.entry(ts.div_euclid(3_600)).or_default() += 1;
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut out = FacetFruit::default();
        let mut buf = String::new();
        for (i, slot) in self.columns.into_iter().enumerate() {
            let Some((col, counts)) = slot else { continue };
            let mut nonzero: Vec<(u32, usize)> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(ord, &n)| (n, ord))
                .collect();
            // Each name lookup decodes a dictionary block: resolve only the largest values.
            if nonzero.len() > MAX_VALUES_PER_SEGMENT {
                nonzero.select_nth_unstable_by(MAX_VALUES_PER_SEGMENT, |a, b| b.0.cmp(&a.0));
                nonzero.truncate(MAX_VALUES_PER_SEGMENT);
            }
            for (n, ord) in nonzero {
                buf.clear();
                if col.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                    *out.fields[i].entry(buf.clone()).or_default() += n as u64;
                }
            }
        }
        for (hour, n) in self.hours {
            if let Some(t) = chrono::DateTime::from_timestamp(hour * 3_600, 0) {
                *out.years
                    .entry(t.with_timezone(&self.tz).year())
                    .or_default() += n;
            }
        }
        out
    }
}
