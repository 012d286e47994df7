//! The JSON Schemas in schemas/ are generated from the Rust types; this fails when they drift,
//! and checks that the sample project's own files validate against them.

mod common;
use common::*;

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn toml_as_json(text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(text).unwrap();
    // TOML dates become strings, as the schema describes them.
    fn conv(v: toml::Value) -> serde_json::Value {
        match v {
            toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
            toml::Value::Table(t) => t.into_iter().map(|(k, v)| (k, conv(v))).collect(),
            toml::Value::Array(a) => a.into_iter().map(conv).collect(),
            other => serde_json::to_value(other).unwrap(),
        }
    }
    conv(v)
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

#[test]
fn committed_schemas_match_the_program() {
    for (name, text) in caibian::schema::all() {
        let on_disk =
            std::fs::read_to_string(repo().join("schemas").join(name)).unwrap_or_default();
        assert!(
            on_disk == text,
            "schemas/{name} is stale: run `cargo run -- schema`"
        );
    }
}

#[test]
fn sample_files_validate_against_the_schemas() {
    let cfg = schema("caibian.schema.json");
    for f in [
        repo().join("caibian.toml"),
        repo().join("src/scaffold/caibian.toml"),
    ] {
        assert_valid(
            &cfg,
            &toml_as_json(&std::fs::read_to_string(&f).unwrap()),
            &f.display().to_string(),
        );
    }
    let pipe = schema("pipeline.schema.json");
    for f in [
        repo().join("pipelines/inbox.toml"),
        repo().join("pipelines/news.toml"),
        repo().join("src/scaffold/inbox.toml"),
        repo().join("src/scaffold/news.toml"),
    ] {
        assert_valid(
            &pipe,
            &toml_as_json(&std::fs::read_to_string(&f).unwrap()),
            &f.display().to_string(),
        );
    }
    // Every shipped rule preset validates against the rules schema.
    let rules = schema("rules.schema.json");
    for n in ["R1", "R2", "R3", "R4"] {
        let f = repo().join(format!("src/score/presets/{n}.toml"));
        assert_valid(
            &rules,
            &toml_as_json(&std::fs::read_to_string(&f).unwrap()),
            &f.display().to_string(),
        );
    }
    assert!(
        !rules
            .is_valid(&serde_json::json!({"name": "x", "year": 2026, "adoption": [{"pointz": 1}]}))
    );
    // The schema rejects what the program rejects.
    assert!(
        !pipe
            .is_valid(&serde_json::json!({"sources": [{"type": "inbox", "path": "x", "moed": 1}]}))
    );
    assert!(!cfg.is_valid(&serde_json::json!({"units": [{"name": "x", "type": "县人大"}]})));
    assert!(!pipe.is_valid(&serde_json::json!({"sources": [{"type": "web", "name": "a"}]})));
    assert!(!pipe.is_valid(&serde_json::json!({"fetch": {"delay": 1}})));

    // Front matter of every good Markdown sample (TOML and YAML) validates; the two samples
    // that are broken on purpose do not.
    let fm = schema("front-matter.schema.json");
    let mut checked = 0;
    for rel in files_under(&repo().join("samples/inbox")) {
        if !rel.ends_with(".md") {
            continue;
        }
        let text = std::fs::read_to_string(repo().join("samples/inbox").join(&rel)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let Some(fence) = lines
            .first()
            .copied()
            .filter(|l| *l == "+++" || *l == "---")
        else {
            continue;
        };
        let end = lines.iter().skip(1).position(|l| *l == fence).unwrap() + 1;
        let body = lines[1..end].join("\n");
        let doc = if fence == "+++" {
            toml_as_json(&body)
        } else {
            serde_norway::from_str(&body).unwrap()
        };
        let broken = rel.contains("立法后评估") || rel.contains("审议意见落实");
        assert_eq!(fm.is_valid(&doc), !broken, "{rel}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} front matters checked");
}
