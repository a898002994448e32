//! Released migrations never change: a database that ran one keeps its
//! checksum, and `migrate` refuses ("migration N was previously applied but
//! has been modified") once the file's text differs. The released ones and
//! their checksums are listed in tests/fixtures/released_migrations.txt;
//!   ABSURDCTL_REGENERATE=1 cargo test --test migrations
//! adds the migrations not listed yet, and never rewrites a listed one.

use std::path::Path;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn released_migrations_are_never_edited() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/released_migrations.txt");
    let listed = std::fs::read_to_string(&path).unwrap_or_default();
    let released: Vec<(i64, &str)> = listed
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (v, sum) = l.split_once(' ').expect("VERSION CHECKSUM");
            (v.parse().expect("a version number"), sum.trim())
        })
        .collect();
    let mut edited = Vec::new();
    let mut new = Vec::new();
    for m in absurdctl::queue::schema::MIGRATOR.iter() {
        let sum = hex(&m.checksum);
        match released.iter().find(|(v, _)| *v == m.version) {
            Some((_, listed)) if *listed == sum => {}
            Some(_) => edited.push(format!("{:04} {}", m.version, m.description)),
            None => new.push(format!("{:04} {sum}", m.version)),
        }
    }
    assert!(
        edited.is_empty(),
        "released migrations were edited: {edited:?}; databases that ran them would refuse \
         `absurdctl migrate`. Restore their text and put the change in a new migration"
    );
    if !new.is_empty() && std::env::var_os("ABSURDCTL_REGENERATE").is_some() {
        let mut text = listed.clone();
        for line in &new {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
    }
}
