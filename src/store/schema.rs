//! Versioned migrations. Append new `M::up` entries; never edit a shipped one.

use rusqlite_migration::{M, Migrations};

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
    ])
}

const V1: &str = r#"
CREATE TABLE units (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]'   -- JSON array, mirror of caibian.toml
);

CREATE TABLE items (
    id            TEXT PRIMARY KEY,       -- stable: derived from the first content hash
    kind          TEXT NOT NULL CHECK (kind IN ('submission', 'news')),
    unit_id       INTEGER REFERENCES units(id),
    title         TEXT NOT NULL CHECK (title <> ''),
    body          TEXT NOT NULL,          -- Markdown
    summary       TEXT,
    genre         TEXT,                   -- 信息 / 调研 / 宣传稿
    written_at    TEXT,                   -- date or RFC 3339, as the writer gave it
    submitted_at  TEXT,
    published_at  TEXT,
    collected_at  TEXT NOT NULL,          -- RFC 3339 UTC
    source        TEXT NOT NULL,          -- the pipeline source that collected it
    url           TEXT,
    section       TEXT,
    status        TEXT NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'reviewing', 'adopted', 'returned', 'archived')),
    content_hash  TEXT NOT NULL UNIQUE,   -- of the content as first collected
    raw_path      TEXT,                   -- archived original, relative to the project root
    run_id        INTEGER REFERENCES pipeline_runs(id),
    updated_at    TEXT NOT NULL
);
CREATE INDEX items_unit ON items(unit_id);
CREATE INDEX items_status ON items(status);
CREATE INDEX items_collected ON items(collected_at);
CREATE UNIQUE INDEX items_url ON items(url) WHERE url IS NOT NULL;

CREATE TABLE item_authors (
    item_id  TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    unit_id  INTEGER REFERENCES units(id),
    share    REAL NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (item_id, position)
);

CREATE TABLE item_tags (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
);

CREATE TABLE pipeline_runs (
    id            INTEGER PRIMARY KEY,
    pipeline      TEXT NOT NULL,
    trigger       TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'catch-up')),
    scheduled_for TEXT,                   -- the cron slot this run serves, RFC 3339 UTC
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted')),
    new           INTEGER NOT NULL DEFAULT 0,
    duplicate     INTEGER NOT NULL DEFAULT 0,
    quarantined   INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    errors        TEXT NOT NULL DEFAULT '[]' -- JSON array of Chinese messages
);
CREATE INDEX runs_pipeline ON pipeline_runs(pipeline, started_at);

-- One row per file a source took: the ingest ledger. A file is "taken" when its row exists;
-- archived_path says where the original now lives (processed/ or quarantine/).
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    raw_hash      TEXT NOT NULL,
    original_path TEXT NOT NULL,          -- relative to the source folder
    archived_path TEXT NOT NULL,          -- relative to the project root
    outcome       TEXT NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'quarantined')),
    item_id       TEXT REFERENCES items(id),
    reason        TEXT,                   -- Chinese, for quarantined files
    run_id        INTEGER REFERENCES pipeline_runs(id),
    taken_at      TEXT NOT NULL
);
CREATE INDEX files_hash ON files(raw_hash);
CREATE UNIQUE INDEX files_archived ON files(archived_path);

CREATE VIEW quarantine AS
    SELECT id, source, original_path, archived_path, reason, run_id, taken_at
    FROM files WHERE outcome = 'quarantined';

-- Append-only: the triggers make the database itself refuse edits and deletions.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    item_id     TEXT NOT NULL REFERENCES items(id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT
);
CREATE INDEX audit_item ON audit_log(item_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#;

/// The change log the search index follows: every insert, update or delete of an item
/// appends its id. The index remembers the last `seq` it has applied.
const V2: &str = r#"
CREATE TABLE item_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL
);
CREATE TRIGGER items_changed_insert AFTER INSERT ON items
    BEGIN INSERT INTO item_changes(item_id) VALUES (new.id); END;
CREATE TRIGGER items_changed_update AFTER UPDATE ON items
    BEGIN INSERT INTO item_changes(item_id) VALUES (new.id); END;
CREATE TRIGGER items_changed_delete AFTER DELETE ON items
    BEGIN INSERT INTO item_changes(item_id) VALUES (old.id); END;
INSERT INTO item_changes(item_id) SELECT id FROM items;
"#;

/// Web collection: where news came from, the page ledger, HTTP validators, robots.txt
/// bodies, per-source run records (source health), and near-duplicate band keys.
const V3: &str = r#"
ALTER TABLE items ADD COLUMN outlet TEXT;     -- 来源 as the page names it (news)

-- MinHash LSH band keys of an item's body (see store/neardup.rs). Band -1 marks an item
-- whose text is too short to have a signature, so backfilling knows it was considered.
CREATE TABLE item_bands (
    band    INTEGER NOT NULL,
    value   INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (band, value, item_id)
) WITHOUT ROWID;
CREATE INDEX item_bands_item ON item_bands(item_id);

-- One row per article URL a web or feed source has dealt with: a URL here is never fetched
-- again by that source — except 'failed' rows (HTTP 4xx, not a page, no article found),
-- which are tried again until `attempts` reaches 3. Network failures and 5xx get no row:
-- they are retried every run.
CREATE TABLE pages (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    url        TEXT NOT NULL,                 -- canonical
    outcome    TEXT NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'filtered', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    match      TEXT CHECK (match IN ('url', 'exact', 'near')),   -- for duplicates
    item_id    TEXT REFERENCES items(id),     -- the item stored, or the one duplicated
    similarity REAL,
    title      TEXT,
    reason     TEXT,                          -- Chinese, for filtered pages and duplicates
    raw_path   TEXT,                          -- the page as fetched, relative to the project
    run_id     INTEGER REFERENCES pipeline_runs(id),
    fetched_at TEXT NOT NULL,
    UNIQUE (source, url)
);
CREATE INDEX pages_url ON pages(url);
CREATE INDEX pages_item ON pages(item_id);

CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    body_hash     TEXT,
    checked_at    TEXT NOT NULL
);

CREATE TABLE robots (
    origin     TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);

CREATE TABLE source_runs (
    run_id       INTEGER NOT NULL REFERENCES pipeline_runs(id),
    source       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    ok           INTEGER NOT NULL,            -- 0: the source failed as a whole
    requests     INTEGER NOT NULL DEFAULT 0,
    not_modified INTEGER NOT NULL DEFAULT 0,
    links        INTEGER NOT NULL DEFAULT 0,  -- article links / entries seen
    new          INTEGER NOT NULL DEFAULT 0,
    duplicate    INTEGER NOT NULL DEFAULT 0,
    filtered     INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    problems     TEXT NOT NULL DEFAULT '[]',  -- JSON array of Chinese messages
    at           TEXT NOT NULL,
    PRIMARY KEY (run_id, source)
);
CREATE INDEX source_runs_source ON source_runs(source, run_id);
"#;

/// Adoption (采用) and instruction (批示) records: the facts assessment points derive from.
const V4: &str = r#"
CREATE TABLE adoptions (
    id           INTEGER PRIMARY KEY,
    item_id      TEXT NOT NULL REFERENCES items(id),
    outlet       TEXT NOT NULL,               -- 《人大信息》, 江北日报, 中国人大网 …
    level        TEXT NOT NULL CHECK (level IN ('县', '市', '省', '国家')),
    medium       TEXT NOT NULL
                 CHECK (medium IN ('bulletin', 'magazine', 'newspaper', 'website', 'tv', 'radio')),
    how          TEXT NOT NULL CHECK (how IN ('全文', '综合', '摘要')),
    adopted_on   TEXT NOT NULL,               -- YYYY-MM-DD
    issue        TEXT,                        -- 2026年第6期
    front_page   INTEGER NOT NULL DEFAULT 0,  -- 头版头条 / 首条
    evidence     TEXT,                        -- URL or note
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    UNIQUE (item_id, outlet, adopted_on, how)
);
CREATE INDEX adoptions_item ON adoptions(item_id);
CREATE INDEX adoptions_date ON adoptions(adopted_on);

-- The units a combined (综合) adoption credits; for other adoptions, the item's unit.
CREATE TABLE adoption_credits (
    adoption_id INTEGER NOT NULL REFERENCES adoptions(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (adoption_id, unit_id)
);

CREATE TABLE instructions (
    id          INTEGER PRIMARY KEY,
    item_id     TEXT NOT NULL REFERENCES items(id),
    level       TEXT NOT NULL CHECK (level IN ('县', '市', '省', '国家')),
    leader      TEXT,                         -- who gave it (name or post)
    given_on    TEXT NOT NULL,                -- YYYY-MM-DD
    note        TEXT,                         -- the 批示 text, or a note on it
    recorded_at TEXT NOT NULL,
    actor       TEXT NOT NULL
);
CREATE INDEX instructions_item ON instructions(item_id);
"#;

/// Editorial values as the pipelines' score step last computed them (timeliness decays, so
/// `caibian inbox` recomputes; these are for listings that must not).
const V5: &str = r#"
CREATE TABLE item_values (
    item_id     TEXT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    total       REAL NOT NULL,
    parts       TEXT NOT NULL,               -- JSON: the named parts with points and reasons
    computed_at TEXT NOT NULL
);
"#;

/// Assignments (约稿 / 报送任务): the office asks a unit for a piece by a date. Whether and
/// when it was delivered earns or costs points by the year's rules.
const V6: &str = r#"
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    title        TEXT NOT NULL CHECK (title <> ''),
    due_on       TEXT NOT NULL,               -- YYYY-MM-DD
    important    INTEGER NOT NULL DEFAULT 0,  -- 重要信息 / 紧急报送
    note         TEXT,
    item_id      TEXT REFERENCES items(id),   -- the delivered piece
    delivered_on TEXT,                        -- YYYY-MM-DD
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    CHECK ((item_id IS NULL) = (delivered_on IS NULL))
);
CREATE INDEX assignments_unit ON assignments(unit_id);
"#;

/// What the public site may show. An item appears on the site only with a 'public' row; an
/// 'internal' (内部) row keeps it off every page, feed and search shard. The URL is fixed the
/// first time an item is released and never changes afterwards, even if it is withdrawn and
/// released again.
const V7: &str = r#"
CREATE TABLE site_items (
    item_id     TEXT PRIMARY KEY REFERENCES items(id),
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal', 'withdrawn')),
    url         TEXT UNIQUE,                 -- /2026/11/abc123/, set at first release
    featured    INTEGER NOT NULL DEFAULT 0,
    released_at TEXT,
    updated_at  TEXT NOT NULL,
    actor       TEXT NOT NULL
);
"#;

/// Issues (期) of the office's publications and what is in them. An issue is numbered per
/// year and overall (2026年第6期, 总第187期). A published issue is frozen: a correction is a
/// new revision (same numbers, revision + 1) that replaces it when published. Within one
/// publication an item is in at most one issue (checked by the store, since revisions of an
/// issue share its items). A combined piece (综合) is an item of its own whose sources are
/// listed in `combined_sources`.
const V8: &str = r#"
CREATE TABLE issues (
    id           INTEGER PRIMARY KEY,
    publication  TEXT NOT NULL,
    year         INTEGER NOT NULL,
    number       INTEGER NOT NULL CHECK (number > 0),
    total        INTEGER NOT NULL CHECK (total > 0),
    revision     INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    date         TEXT NOT NULL,               -- YYYY-MM-DD printed on the issue
    columns      TEXT NOT NULL DEFAULT '[]',  -- JSON: this issue's column order
    lead_item    TEXT REFERENCES items(id),   -- cover / lead article
    note         TEXT,                        -- 编者按
    reason       TEXT,                        -- why a revision was made
    created_at   TEXT NOT NULL,
    published_at TEXT,
    actor        TEXT NOT NULL,
    UNIQUE (publication, year, number, revision)
);

CREATE TABLE issue_entries (
    issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL REFERENCES items(id),
    column_name TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, item_id)
);
CREATE INDEX issue_entries_item ON issue_entries(item_id);

CREATE TABLE combined_sources (
    item_id   TEXT NOT NULL REFERENCES items(id),   -- the combined piece
    source_id TEXT NOT NULL REFERENCES items(id),   -- an item it was written from
    position  INTEGER NOT NULL,
    PRIMARY KEY (item_id, source_id)
);
CREATE INDEX combined_sources_source ON combined_sources(source_id);
"#;

/// The editors' web application: accounts, server-side sessions, the log of actions that are
/// not about one item, and an index that answers the inbox's filters without reading bodies.
const V9: &str = r#"
CREATE TABLE users (
    name          TEXT PRIMARY KEY,        -- login name
    display       TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'unit')),
    unit_id       INTEGER REFERENCES units(id),
    password_hash TEXT NOT NULL,           -- argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,           -- SHA-256 of the cookie's token: a copied database
    user_name  TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,  -- holds no session
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_name);

CREATE TABLE activity_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    note   TEXT
);
CREATE TRIGGER activity_log_no_update BEFORE UPDATE ON activity_log
    BEGIN SELECT RAISE(ABORT, 'activity_log is append-only'); END;
CREATE TRIGGER activity_log_no_delete BEFORE DELETE ON activity_log
    BEGIN SELECT RAISE(ABORT, 'activity_log is append-only'); END;

-- Listings filter and sort without touching the table rows, whose bodies spill onto
-- overflow pages that a read of any later column walks through. items_list: status first
-- (most filters name it), for counting and for sorting a few matches; items_cover: by id,
-- for walking item_values_total (highest value first) and checking each item's filters.
CREATE INDEX items_list ON items(status, kind, unit_id, section, collected_at, id);
CREATE INDEX items_cover ON items(id, status, kind, unit_id, section, collected_at);
CREATE INDEX item_values_total ON item_values(total, item_id);
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
