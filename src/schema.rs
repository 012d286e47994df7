//! JSON Schemas of every file a user writes, generated from the Rust types that read them, so
//! the schemas cannot say something the program does not do. `caibian schema` writes them to
//! `schemas/`; a test fails when the committed files drift.

use crate::collect::FrontMatter;
use crate::config::Config;
use crate::pipeline::PipelineDef;

/// (file name, pretty JSON) for each schema.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            "caibian.schema.json",
            render::<Config>("caibian.toml — 项目配置"),
        ),
        (
            "pipeline.schema.json",
            render::<PipelineDef>("pipelines/*.toml — 流水线"),
        ),
        (
            "rules.schema.json",
            render::<crate::score::RuleTable>("rules/YEAR.toml — 考核计分规则"),
        ),
        (
            "front-matter.schema.json",
            render::<FrontMatter>("Markdown 稿件的 front matter（+++ TOML 或 --- YAML）"),
        ),
    ]
}

fn render<T: schemars::JsonSchema>(title: &str) -> String {
    let mut schema = schemars::schema_for!(T);
    schema.insert("title".into(), title.into());
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
