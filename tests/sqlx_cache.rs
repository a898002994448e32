//! The query cache in .sqlx/: what `query!` and `query_as!` build from with
//! no database (SQLX_OFFLINE=true, see .env). A query whose text changed has
//! no file and fails the build; this test catches the rest: a file that no
//! longer says what a freshly migrated database says of its query (a
//! migration changed a table or a function), and a file no query uses.
//! Regenerate with scripts/sqlx-prepare.sh.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{json, Value};
use sqlx::{Column, Connection, Executor, PgConnection};

const REGENERATE: &str = "run scripts/sqlx-prepare.sh and commit .sqlx/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of .sqlx/, parsed.
fn cached_queries() -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = std::fs::read_dir(root().join(".sqlx"))
        .expect("read .sqlx/")
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, json)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!files.is_empty(), ".sqlx/ is empty: {REGENERATE}");
    files
}

/// A type as the cache spells it (`PgTypeInfo(Uuid)` is `"Uuid"`).
fn type_name(t: &sqlx::postgres::PgTypeInfo) -> Value {
    let debug = format!("{t:?}");
    let inner = debug
        .strip_prefix("PgTypeInfo(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(&debug);
    json!(inner)
}

#[tokio::test]
async fn every_cached_query_is_described_as_the_migrated_schema_describes_it() {
    let db = TestDb::migrated().await;
    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    let mut stale = Vec::new();
    for (name, cached) in cached_queries() {
        assert_eq!(
            name,
            format!("query-{}.json", cached["hash"].as_str().unwrap()),
            "{name}: its name is not its hash: {REGENERATE}"
        );
        let query = cached["query"].as_str().unwrap();
        let described = match (&mut conn).describe(query).await {
            Ok(d) => d,
            Err(e) => {
                stale.push(format!("{name}: {e}"));
                continue;
            }
        };
        let columns: Vec<Value> = described
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"ordinal": i, "name": c.name(), "type_info": type_name(c.type_info())}))
            .collect();
        let parameters = match &described.parameters {
            Some(sqlx::Either::Left(types)) => {
                json!({"Left": types.iter().map(type_name).collect::<Vec<_>>()})
            }
            Some(sqlx::Either::Right(n)) => json!({"Right": n}),
            None => Value::Null,
        };
        let now =
            json!({"columns": columns, "parameters": parameters, "nullable": described.nullable});
        if now != cached["describe"] {
            stale.push(format!(
                "{name}: cached {} but the database says {now}",
                cached["describe"]
            ));
        }
    }
    assert!(stale.is_empty(), "{REGENERATE}:\n{}", stale.join("\n"));
}

/// The SQL pieces of the source: its raw string literals (`r#"..."#`, the
/// form the checked queries are written in), found by text.
fn raw_literals(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            raw_literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("r#\"") {
                rest = &rest[start + 3..];
                let end = rest.find("\"#").expect("an unterminated raw string");
                out.push(rest[..end].to_string());
                rest = &rest[end + 2..];
            }
        }
    }
}

/// Whether `query` is a concatenation of `pieces` (the macros join a
/// shared column list with each query's own literals by `+`).
fn made_of(query: &str, pieces: &[String]) -> bool {
    // reachable[i]: query[..i] is made of pieces.
    let mut reachable = vec![false; query.len() + 1];
    reachable[0] = true;
    for i in 0..query.len() {
        if !reachable[i] {
            continue;
        }
        for p in pieces.iter().filter(|p| !p.is_empty()) {
            if query[i..].starts_with(p.as_str()) {
                reachable[i + p.len()] = true;
            }
        }
    }
    reachable[query.len()]
}

#[test]
fn every_cached_query_is_one_the_source_still_makes() {
    let mut pieces = Vec::new();
    raw_literals(&root().join("src"), &mut pieces);
    let unused: Vec<String> = cached_queries()
        .into_iter()
        .filter(|(_, cached)| !made_of(cached["query"].as_str().unwrap(), &pieces))
        .map(|(name, _)| name)
        .collect();
    assert!(
        unused.is_empty(),
        "no query of src/ makes these: {REGENERATE}\n{}",
        unused.join("\n")
    );
}
