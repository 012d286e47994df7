//! What the public site may show: releasing an item gives it a URL that never changes;
//! marking it internal (内部) keeps it off the site for good, until an editor releases it
//! explicitly. Every change appends to the item's audit log.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// On the site.
    Public,
    /// 内部: never on the site.
    Internal,
    /// Taken off the site; its URL stays reserved for it.
    Withdrawn,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
            Visibility::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Public => "公开",
            Visibility::Internal => "内部",
            Visibility::Withdrawn => "已撤下",
        }
    }
}

/// An item released for the public site, with everything the site shows.
#[derive(Debug, Clone)]
pub struct SiteItem {
    pub id: String,
    pub url: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub summary: Option<String>,
    pub section: Option<String>,
    /// The reporting unit, or for news the outlet.
    pub unit: Option<String>,
    pub kind: String,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    /// The first of published, written, submitted, collected (as stored).
    pub date: String,
    pub featured: bool,
    /// A fingerprint of the stored row (`updated_at`), for the build cache.
    pub updated_at: String,
}

impl Store {
    /// Releases an item for the site (or re-releases a withdrawn one), giving it `url` the
    /// first time. An internal item is released only with `force`.
    pub fn release_item(
        &mut self,
        id: &str,
        url_for: impl FnOnce(&str) -> String,
        featured: bool,
        force: bool,
        actor: &str,
    ) -> Result<String> {
        let w = self.write()?;
        let sq = |e| w.err(e);
        let tx = &w.tx;
        let item: Option<(String, String)> = tx
            .query_row(
                "SELECT status, COALESCE(published_at, written_at, submitted_at, collected_at)
                 FROM items WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sq)?;
        let Some((status, date)) = item else {
            return Err(StoreError::NoSuchItem(id.to_string()));
        };
        let existing: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT visibility, url FROM site_items WHERE item_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sq)?;
        if let Some((v, _)) = &existing
            && v == "internal"
            && !force
        {
            return Err(StoreError::Invalid(format!(
                "稿件 {id} 标为内部，不能发布到网站；确需公开请加 --force"
            )));
        }
        let url = match existing.as_ref().and_then(|e| e.1.clone()) {
            Some(u) => u,
            None => {
                // Two items may want the same URL (same slug and month): add -2, -3, …
                let base = url_for(&date);
                let mut url = base.clone();
                let mut n = 2;
                while tx
                    .query_row(
                        "SELECT EXISTS(SELECT 1 FROM site_items WHERE url = ?1)",
                        [&url],
                        |r| r.get::<_, bool>(0),
                    )
                    .map_err(sq)?
                {
                    url = format!("{}-{n}/", base.trim_end_matches('/'));
                    n += 1;
                }
                url
            }
        };
        let at = now();
        tx.execute(
            "INSERT INTO site_items(item_id, visibility, url, featured, released_at, updated_at, actor)
             VALUES (?1, 'public', ?2, ?3, ?4, ?4, ?5)
             ON CONFLICT(item_id) DO UPDATE SET visibility = 'public', url = ?2, featured = ?3,
                 released_at = COALESCE(released_at, ?4), updated_at = ?4, actor = ?5",
            params![id, url, featured, at, actor],
        )
        .map_err(sq)?;
        let note = format!(
            "发布到网站：{url}{}",
            if featured { "（推荐）" } else { "" }
        );
        w.log(&at, id, actor, "released", &status, &status, Some(&note))?;
        w.commit()?;
        Ok(url)
    }

    /// Marks an item internal (内部) or withdraws it from the site. Its URL, if it had one,
    /// stays reserved.
    pub fn hide_item(&mut self, id: &str, how: Visibility, actor: &str) -> Result<()> {
        let w = self.write()?;
        let sq = |e| w.err(e);
        let tx = &w.tx;
        let status = w.status(id)?;
        let at = now();
        tx.execute(
            "INSERT INTO site_items(item_id, visibility, updated_at, actor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(item_id) DO UPDATE SET visibility = ?2, featured = 0, updated_at = ?3,
                 actor = ?4",
            params![id, how.as_str(), at, actor],
        )
        .map_err(sq)?;
        let note = format!("网站：{}", how.label());
        w.log(&at, id, actor, "site", &status, &status, Some(&note))?;
        w.commit()
    }

    /// Ids of adopted items with no site record yet (for `release --adopted`).
    pub fn adopted_unreleased(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT i.id FROM items i LEFT JOIN site_items s ON s.item_id = i.id
                 WHERE i.status = 'adopted' AND s.item_id IS NULL ORDER BY i.id",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// (id, value) rows gathered by id, in row order.
    fn grouped(&self, sql: &str) -> Result<HashMap<String, Vec<String>>> {
        let e = |e| self.err(e);
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        let mut st = self.conn.prepare(sql).map_err(e)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(e)?;
        for row in rows {
            let (id, v) = row.map_err(e)?;
            out.entry(id).or_default().push(v);
        }
        Ok(out)
    }

    /// Every item released for the site, with authors and tags.
    pub fn site_items(&self) -> Result<Vec<SiteItem>> {
        let e = |e| self.err(e);
        let mut authors = self.grouped(
            "SELECT a.item_id, a.name FROM item_authors a
             JOIN site_items s ON s.item_id = a.item_id AND s.visibility = 'public'
             ORDER BY a.item_id, a.position",
        )?;
        let mut tags = self.grouped(
            "SELECT t.item_id, t.tag FROM item_tags t
             JOIN site_items s ON s.item_id = t.item_id AND s.visibility = 'public'
             ORDER BY t.item_id, t.tag",
        )?;
        let mut st = self
            .conn
            .prepare(
                "SELECT i.id, s.url, i.title, i.body, i.summary, i.section, COALESCE(u.name, i.outlet),
                        i.kind, COALESCE(i.published_at, i.written_at, i.submitted_at, i.collected_at),
                        s.featured, i.updated_at || '|' || s.updated_at
                 FROM site_items s JOIN items i ON i.id = s.item_id
                 LEFT JOIN units u ON u.id = i.unit_id
                 WHERE s.visibility = 'public' ORDER BY i.id",
            )
            .map_err(e)?;
        st.query_map([], |r| {
            let id: String = r.get(0)?;
            Ok(SiteItem {
                url: r.get(1)?,
                title: r.get(2)?,
                body: r.get(3)?,
                summary: r.get(4)?,
                section: r.get(5)?,
                unit: r.get(6)?,
                kind: r.get(7)?,
                date: r.get(8)?,
                featured: r.get(9)?,
                updated_at: r.get(10)?,
                authors: authors.remove(&id).unwrap_or_default(),
                tags: tags.remove(&id).unwrap_or_default(),
                id,
            })
        })
        .map_err(e)?
        .collect::<rusqlite::Result<_>>()
        .map_err(e)
    }
}
