//! `caibian.toml`: the project's settings, its registry of reporting units, its sections (栏目)
//! and its publications.
//!
//! The types here are also the source of `schemas/caibian.schema.json` (see [`crate::schema`]),
//! so every field carries a doc comment that ends up in the schema users' editors show.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::diag::{self, FileError};
use crate::text::fold_name;

/// The whole `caibian.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Project-wide settings.
    #[serde(default)]
    pub project: ProjectSettings,
    /// The reporting units (报送单位) and media known to the office.
    #[serde(default)]
    pub units: Vec<UnitDef>,
    /// Sections / columns (栏目), in their usual order.
    #[serde(default)]
    pub sections: Vec<SectionDef>,
    /// The office's own publications.
    #[serde(default)]
    pub publications: Vec<PublicationDef>,
    /// De-duplication across all sources.
    #[serde(default)]
    pub dedup: DedupSettings,
    /// Editorial value: weights, focus topics, source weights.
    #[serde(default)]
    pub value: crate::score::value::ValueSettings,
    /// The public site built by `caibian build`.
    #[serde(default)]
    pub site: SiteSettings,
    /// The print edition of the publications (PDF).
    #[serde(default)]
    pub print: PrintSettings,
}

/// `[print]`: fonts and where print editions are written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PrintSettings {
    /// A CJK font file (.ttf/.otf/.ttc) for the text; default: the first found of Noto
    /// Serif/Sans CJK (Debian: fonts-noto-cjk), WenQuanYi, AR PL, SimSun.
    pub font: Option<PathBuf>,
    /// The bold face for titles; default: the bold sibling of `font`, if any.
    pub bold_font: Option<PathBuf>,
    /// Folder for issue PDFs and .docx files, relative to the project root (default:
    /// `<data_dir>/issues`).
    pub output: Option<PathBuf>,
}

/// `[site]`: the publicity site.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSettings {
    /// The site's name in headers and feeds (default: the office's name without 办公室).
    pub title: Option<String>,
    /// One line about the site, for the home page and feeds.
    pub description: String,
    /// Where the site is published, e.g. "https://rd.jiangbei.gov.cn" (for feeds, sitemap
    /// and canonical links).
    pub base_url: String,
    /// The folder the web server serves, relative to the project root: a link that
    /// `caibian build` switches to each new build in one step.
    pub output: PathBuf,
    /// Finished builds kept for `caibian publish --rollback`.
    #[schemars(range(min = 1, max = 100))]
    pub keep_builds: usize,
    /// Articles per listing page.
    #[schemars(range(min = 5, max = 200))]
    pub per_page: usize,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: None,
            description: String::new(),
            base_url: "http://localhost".to_string(),
            output: PathBuf::from("public"),
            keep_builds: 5,
            per_page: 20,
        }
    }
}

/// `[dedup]`: exact duplicates (same title and body) are always recognised; these settings
/// govern near-duplicates (the same story with an edited title or light rewording).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DedupSettings {
    /// Link near-duplicates to the first item instead of storing them again.
    pub near_duplicates: bool,
    /// Share of the shorter text's 4-character shingles found in the other text at or above
    /// which two items are the same story (0.5–0.95; default 0.85).
    pub near_threshold: f64,
}

impl Default for DedupSettings {
    fn default() -> Self {
        DedupSettings {
            near_duplicates: true,
            near_threshold: crate::store::neardup::DEFAULT_THRESHOLD,
        }
    }
}

impl DedupSettings {
    /// The threshold the store applies; None when near-duplicate detection is off.
    pub fn threshold(&self) -> Option<f64> {
        self.near_duplicates.then_some(self.near_threshold)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectSettings {
    /// The office's name, shown in reports and on the site.
    #[serde(default = "default_office")]
    pub name: String,
    /// Where the database, archives and indexes live, relative to the project root.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// IANA time zone in which schedules run and dates are shown.
    #[serde(default)]
    pub timezone: TimeZone,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings {
            name: default_office(),
            data_dir: default_data_dir(),
            timezone: TimeZone::default(),
        }
    }
}

fn default_office() -> String {
    "人大常委会办公室".to_string()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

/// A time zone name such as `Asia/Shanghai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(chrono_tz::Asia::Shanghai)
    }
}

impl TimeZone {
    /// The zone's UTC offset now. Pages give local times without an offset; the office's
    /// zone (Asia/Shanghai) has had no daylight saving since 1991, so today's offset is the
    /// offset of every date a page shows.
    pub fn offset_now(&self) -> chrono::FixedOffset {
        use chrono::Offset;
        chrono::TimeZone::offset_from_utc_datetime(&self.0, &chrono::Utc::now().naive_utc()).fix()
    }
}

impl FromStr for TimeZone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| format!("未知的时区「{s}」（应为 IANA 时区名，例如 Asia/Shanghai）"))
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl JsonSchema for TimeZone {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeZone".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "IANA time zone name, e.g. Asia/Shanghai",
            "default": "Asia/Shanghai"
        })
    }
}

/// A unit that reports to the office (or a medium that writes about it).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitDef {
    /// Canonical name, e.g. 西湖县人大常委会.
    pub name: String,
    /// What kind of unit it is (affects scoring and source weight).
    #[serde(rename = "type")]
    pub kind: UnitKind,
    /// Other names the unit's files may use, e.g. 西湖县人大.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Unit types, named as the office names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum UnitKind {
    #[serde(rename = "县区人大")]
    CountyCongress,
    #[serde(rename = "专门委员会")]
    SpecialCommittee,
    #[serde(rename = "工作机构")]
    WorkingBody,
    #[serde(rename = "代表联络站")]
    LiaisonStation,
    #[serde(rename = "媒体")]
    Media,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::CountyCongress => "县区人大",
            UnitKind::SpecialCommittee => "专门委员会",
            UnitKind::WorkingBody => "工作机构",
            UnitKind::LiaisonStation => "代表联络站",
            UnitKind::Media => "媒体",
        }
    }
}

/// A section / column (栏目).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// Name as printed, e.g. 立法之窗.
    pub name: String,
    /// URL-safe name for the site, e.g. lifa. Never change it once the site is published.
    #[serde(default)]
    pub slug: Option<String>,
}

/// One of the office's publications.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationDef {
    /// Name without book-title marks, e.g. 人大建设.
    pub name: String,
    pub kind: PublicationKind,
    /// Issues per year (the magazine: 6).
    #[schemars(range(min = 1, max = 366))]
    #[serde(deserialize_with = "issues_per_year")]
    pub issues_per_year: u32,
    /// The level the office's adoption counts at in the assessment rules (县, 市, 省, 国家;
    /// default 市): adding an item to an issue records an adoption at this level.
    #[serde(default = "default_pub_level")]
    pub level: String,
    /// Column (栏目) order for a new issue; empty: the order of `[[sections]]`. Each issue
    /// can change it.
    #[serde(default)]
    pub columns: Vec<String>,
    /// 编印单位 in the header block (default: the office's name).
    #[serde(default)]
    pub publisher: Option<String>,
    /// 签发 (who signs the issue off), printed in a bulletin's header block.
    #[serde(default)]
    pub signer: Option<String>,
    /// Issues published before caibian kept the count, so that the first issue it makes is
    /// 总第 (issues_before + 1) 期.
    #[serde(default)]
    pub issues_before: u32,
    /// Whether published issues go on the public site (default: a magazine does, a bulletin
    /// — internal — does not).
    #[serde(default)]
    pub public: Option<bool>,
    /// Paper of the print edition (default: A4 for a bulletin, 16开 for a magazine).
    #[serde(default)]
    pub paper: Option<Paper>,
    /// The distribution line printed at the foot of a bulletin (报/送/发).
    #[serde(default)]
    pub distribution: Distribution,
}

fn default_pub_level() -> String {
    "市".to_string()
}

impl PublicationDef {
    /// 《name》
    pub fn title(&self) -> String {
        format!("《{}》", self.name)
    }

    pub fn is_public(&self) -> bool {
        self.public
            .unwrap_or(self.kind == PublicationKind::Magazine)
    }

    pub fn paper(&self) -> Paper {
        self.paper.unwrap_or(match self.kind {
            PublicationKind::Bulletin => Paper::A4,
            PublicationKind::Magazine => Paper::K16,
        })
    }
}

/// Paper sizes of the print edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Paper {
    /// 210 × 297 mm
    A4,
    /// 16开 (大16开), 185 × 260 mm
    #[serde(rename = "16K", alias = "16开")]
    K16,
}

impl Paper {
    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::K16 => (185.0, 260.0),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::K16 => "16开",
        }
    }
}

/// The distribution line of a bulletin: who it is reported to (报), sent to (送) and issued
/// to (发).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// 报：e.g. 省人大常委会办公厅，市委办公室
    #[serde(default)]
    pub bao: Option<String>,
    /// 送：e.g. 市人大常委会主任、副主任、秘书长
    #[serde(default)]
    pub song: Option<String>,
    /// 发：e.g. 各县（区）人大常委会，市人大各专门委员会、常委会各工作机构
    #[serde(default)]
    pub fa: Option<String>,
    /// Copies printed (共印N份).
    #[serde(default)]
    pub copies: Option<u32>,
}

/// Checked while parsing, so the error carries the value's own line.
fn issues_per_year<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if (1..=366).contains(&n) {
        Ok(n)
    } else {
        Err(serde::de::Error::custom(format!(
            "每年期数应在 1–366 之间，实际是 {n}"
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PublicationKind {
    /// 简报, e.g. 《人大信息》
    Bulletin,
    /// 刊物, e.g. 《人大建设》
    Magazine,
}

impl Config {
    /// The units that report and earn points (everything but the media), in config order.
    pub fn reporting_units(&self) -> impl Iterator<Item = &UnitDef> {
        self.units.iter().filter(|u| u.kind != UnitKind::Media)
    }

    /// Parses and validates `caibian.toml` text.
    pub fn parse(path: &Path, text: &str) -> Result<Config, FileError> {
        let cfg: Config = diag::from_toml(path, text, 1)?;
        cfg.validate(path, text)?;
        Ok(cfg)
    }

    pub fn load(path: &Path) -> Result<Config, FileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FileError::new(path, format!("无法读取配置文件：{e}")))?;
        Config::parse(path, &text)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), FileError> {
        let t = self.dedup.near_threshold;
        if !(0.5..=0.95).contains(&t) {
            return Err(FileError::new(
                path,
                format!("near_threshold 应在 0.5 到 0.95 之间（现为 {t}）：太低会把不同的新闻当成重复，太高则认不出改写过的转载"),
            )
            .with_key("dedup.near_threshold")
            .at_line(find_line(text, "near_threshold", false)));
        }
        // Names and aliases must point to exactly one unit, or matching would be a guess.
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (i, u) in self.units.iter().enumerate() {
            if u.name.trim().is_empty() {
                return Err(FileError::new(path, "单位名称不能为空")
                    .with_key(format!("units[{i}].name"))
                    .at_line(find_line(text, &u.name, false)));
            }
            for (j, n) in std::iter::once(&u.name).chain(&u.aliases).enumerate() {
                let key = fold_name(n);
                if let Some(other) = seen.insert(key, &u.name) {
                    let field = if j == 0 {
                        format!("units[{i}].name")
                    } else {
                        format!("units[{i}].aliases")
                    };
                    return Err(FileError::new(
                        path,
                        format!("名称「{n}」同时属于单位「{other}」和「{}」", u.name),
                    )
                    .with_key(field)
                    // The later occurrence is the one in conflict.
                    .at_line(find_line(text, n, true)));
                }
            }
        }
        let mut pubs = HashMap::new();
        for (i, p) in self.publications.iter().enumerate() {
            let name = p.name.trim_matches(|c| c == '《' || c == '》');
            if name.is_empty() || name != p.name || name.contains('/') {
                return Err(FileError::new(
                    path,
                    format!("刊物名称「{}」应不带书名号、不含 /，且不能为空", p.name),
                )
                .with_key(format!("publications[{i}].name"))
                .at_line(find_line(text, &p.name, false)));
            }
            if pubs.insert(p.name.as_str(), i).is_some() {
                return Err(FileError::new(path, format!("刊物「{}」重复", p.name))
                    .with_key(format!("publications[{i}].name"))
                    .at_line(find_line(text, &p.name, true)));
            }
            if let Err(e) = p.level.parse::<crate::store::Level>() {
                return Err(FileError::new(path, e)
                    .with_key(format!("publications[{i}].level"))
                    .at_line(find_line(text, &p.level, false)));
            }
            for c in &p.columns {
                if self.section(c).is_none() && !self.sections.is_empty() {
                    return Err(FileError::new(
                        path,
                        format!("刊物《{}》的栏目「{c}」不在 [[sections]] 中", p.name),
                    )
                    .with_key(format!("publications[{i}].columns"))
                    .at_line(find_line(text, c, false)));
                }
            }
        }
        let mut names = HashMap::new();
        for (i, s) in self.sections.iter().enumerate() {
            if names.insert(s.name.as_str(), i).is_some() {
                return Err(FileError::new(path, format!("栏目「{}」重复", s.name))
                    .with_key(format!("sections[{i}].name"))
                    .at_line(find_line(text, &s.name, true)));
            }
        }
        Ok(())
    }

    /// The unit registry built from `[[units]]`.
    pub fn registry(&self) -> Registry {
        Registry::new(&self.units)
    }

    /// A publication by name, with or without book-title marks.
    pub fn publication(&self, name: &str) -> Option<&PublicationDef> {
        let name = name.trim().trim_start_matches('《').trim_end_matches('》');
        self.publications.iter().find(|p| p.name == name)
    }

    /// The columns a new issue of `p` starts with.
    pub fn issue_columns(&self, p: &PublicationDef) -> Vec<String> {
        if p.columns.is_empty() {
            self.sections.iter().map(|s| s.name.clone()).collect()
        } else {
            p.columns.clone()
        }
    }

    pub fn section(&self, name: &str) -> Option<&SectionDef> {
        let folded = fold_name(name);
        self.sections.iter().find(|s| fold_name(&s.name) == folded)
    }
}

/// Best-effort line of a quoted value (its first or last occurrence), for validation errors
/// found after parsing.
fn find_line(text: &str, value: &str, last: bool) -> Option<usize> {
    for quote in ['"', '\''] {
        let needle = format!("{quote}{value}{quote}");
        let pos = if last {
            text.rfind(&needle)
        } else {
            text.find(&needle)
        };
        if let Some(pos) = pos {
            return Some(diag::line_of(text, pos));
        }
    }
    None
}

/// Resolves the names units write on their files to canonical units.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    units: Vec<UnitDef>,
    by_name: HashMap<String, usize>,
}

impl Registry {
    pub fn new(units: &[UnitDef]) -> Registry {
        let mut by_name = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_name.insert(fold_name(&u.name), i);
            for a in &u.aliases {
                by_name.insert(fold_name(a), i);
            }
        }
        Registry {
            units: units.to_vec(),
            by_name,
        }
    }

    /// Finds a unit by canonical name or alias. Whitespace and full-width forms are ignored,
    /// and a trailing 办公室 is tolerated (units often sign as "XX县人大常委会办公室").
    pub fn resolve(&self, name: &str) -> Option<&UnitDef> {
        let folded = fold_name(name);
        if let Some(&i) = self.by_name.get(&folded) {
            return Some(&self.units[i]);
        }
        let stripped = folded.strip_suffix("办公室")?;
        self.by_name.get(stripped).map(|&i| &self.units[i])
    }

    pub fn units(&self) -> &[UnitDef] {
        &self.units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[project]
name = "江北市人大常委会办公室"

[[units]]
name = "西湖县人大常委会"
type = "县区人大"
aliases = ["西湖县人大"]

[[sections]]
name = "立法之窗"
slug = "lifa"

[[publications]]
name = "人大建设"
kind = "magazine"
issues_per_year = 6
"#;

    #[test]
    fn parses_and_resolves_aliases() {
        let cfg = Config::parse(Path::new("caibian.toml"), SAMPLE).unwrap();
        assert_eq!(cfg.project.timezone, TimeZone(chrono_tz::Asia::Shanghai));
        let reg = cfg.registry();
        assert_eq!(reg.resolve("西湖县人大").unwrap().name, "西湖县人大常委会");
        assert_eq!(
            reg.resolve(" 西湖县人大常委会办公室 ").unwrap().name,
            "西湖县人大常委会"
        );
        assert!(reg.resolve("北山县人大").is_none());
    }

    #[test]
    fn bad_unit_type_names_line_and_key() {
        let text = SAMPLE.replace("type = \"县区人大\"", "type = \"县人大\"");
        let e = Config::parse(Path::new("caibian.toml"), &text).unwrap_err();
        assert_eq!(e.line, Some(7), "{e}");
        assert_eq!(e.key.as_deref(), Some("units[0].type"));
        assert!(e.message.contains("取值「县人大」无效"), "{e}");
        assert!(e.message.contains("县区人大"), "{e}");
    }

    #[test]
    fn unknown_key_is_an_error() {
        let text = SAMPLE.replace("slug = \"lifa\"", "slag = \"lifa\"");
        let e = Config::parse(Path::new("caibian.toml"), &text).unwrap_err();
        assert_eq!(e.line, Some(12), "{e}");
        assert!(e.to_string().contains("未知的键「slag」"), "{e}");
    }

    #[test]
    fn bad_timezone_and_duplicate_alias() {
        let text = SAMPLE.replace(
            "name = \"江北市人大常委会办公室\"",
            "name = \"x\"\ntimezone = \"Asia/Beijing\"",
        );
        let e = Config::parse(Path::new("caibian.toml"), &text).unwrap_err();
        assert!(e.message.contains("未知的时区「Asia/Beijing」"), "{e}");
        assert_eq!(e.line, Some(4));

        let text = SAMPLE.replace("issues_per_year = 6", "issues_per_year = 0");
        let e = Config::parse(Path::new("caibian.toml"), &text).unwrap_err();
        assert_eq!(e.line, Some(text.lines().count()), "{e}");
        assert!(e.message.contains("1–366"), "{e}");

        let text = format!("{SAMPLE}\n[[units]]\nname = \"西湖县人大\"\ntype = \"媒体\"\n");
        let e = Config::parse(Path::new("caibian.toml"), &text).unwrap_err();
        assert!(e.message.contains("同时属于"), "{e}");
        assert_eq!(e.line, Some(text.lines().count() - 1), "{e}");
    }
}
