//! Maintenance of absurd.tasks: its sizes, how bloated its indexes look,
//! VACUUM and REINDEX CONCURRENTLY.
//!
//! VACUUM and REINDEX CONCURRENTLY cannot run in a transaction and may take
//! far longer than an operator statement should: run them on a connection of
//! their own after [`allow_long_statements`].

use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};

use super::Result;

/// The on-disk size of one relation.
#[derive(Debug, Clone, Serialize)]
pub struct RelationSize {
    pub name: String,
    pub bytes: i64,
}

/// absurd.tasks on disk: the table (heap, TOAST and their maps) and each index.
#[derive(Debug, Clone, Serialize)]
pub struct TableSizes {
    pub table_bytes: i64,
    pub indexes: Vec<RelationSize>,
}

impl TableSizes {
    pub fn index_bytes(&self, name: &str) -> Option<i64> {
        self.indexes
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.bytes)
    }
}

/// How the bloat of an index was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BloatSource {
    /// pgstatindex() of the pgstattuple extension: the leaf pages' real
    /// density against the index's fillfactor. Reads the whole index.
    Pgstattuple,
    /// The planner statistics: the pages the index would need for its
    /// entries (reltuples x average key width from pg_stats, at its
    /// fillfactor) against the pages it has (relpages).
    Statistics,
}

impl BloatSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BloatSource::Pgstattuple => "pgstattuple",
            BloatSource::Statistics => "statistics",
        }
    }
}

/// One index of absurd.tasks and its estimated bloat: the share of its
/// pages that a rebuild would give back.
#[derive(Debug, Clone, Serialize)]
pub struct IndexBloat {
    pub name: String,
    pub method: String,
    pub valid: bool,
    pub bytes: i64,
    /// None for indexes that are not btree (GIN has no comparable estimate),
    /// invalid, or never vacuumed nor analyzed.
    pub estimated_bloat_pct: Option<f64>,
    pub source: Option<BloatSource>,
}

/// Sizes of absurd.tasks and its indexes (cheap: file sizes only).
pub async fn sizes(db: impl PgExecutor<'_> + Copy) -> Result<TableSizes> {
    let table_bytes: i64 =
        sqlx::query_scalar!(r#"SELECT pg_table_size('absurd.tasks') AS "bytes!""#)
            .fetch_one(db)
            .await?;
    let indexes = sqlx::query_as!(
        RelationSize,
        r#"SELECT c.relname::text AS "name!", pg_relation_size(c.oid) AS "bytes!"
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'absurd.tasks'::regclass
          ORDER BY c.relname"#
    )
    .fetch_all(db)
    .await?;
    Ok(TableSizes {
        table_bytes,
        indexes,
    })
}

/// Every index of absurd.tasks with its estimated bloat: from pgstattuple
/// when it is installed and this role may use it, else from the statistics
/// (fresh after VACUUM (ANALYZE)).
pub async fn index_bloat(conn: &mut PgConnection) -> Result<Vec<IndexBloat>> {
    struct Info {
        name: String,
        method: String,
        valid: bool,
        bytes: i64,
        pages: i64,
        tuples: f64,
        fillfactor: i32,
        key_width: Option<f64>,
        block_size: i32,
    }
    let infos: Vec<Info> = sqlx::query_as!(
        Info,
        r#"SELECT c.relname::text AS "name!", am.amname::text AS "method!", i.indisvalid AS valid,
                pg_relation_size(c.oid) AS "bytes!", c.relpages::bigint AS "pages!",
                c.reltuples::float8 AS "tuples!",
                coalesce((SELECT substr(o, 12)::int FROM unnest(c.reloptions) o
                           WHERE o LIKE 'fillfactor=%'), 90) AS "fillfactor!",
                (SELECT sum(coalesce(s.avg_width, 16))::float8
                   FROM unnest(i.indkey::int2[]) k(attnum)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                   LEFT JOIN pg_stats s ON s.schemaname = 'absurd' AND s.tablename = 'tasks'
                                       AND s.attname = a.attname) AS key_width,
                current_setting('block_size')::int AS "block_size!"
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_am am ON am.oid = c.relam
          WHERE i.indrelid = 'absurd.tasks'::regclass
          ORDER BY c.relname"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let have_pgstattuple: bool = sqlx::query_scalar!(
        r#"SELECT p IS NOT NULL AND has_function_privilege(p, 'EXECUTE') AS "usable!"
           FROM to_regprocedure('pgstatindex(regclass)') p"#
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(infos.len());
    for info in infos {
        let mut estimate = None;
        if info.valid && info.method == "btree" {
            if have_pgstattuple {
                // Needs pg_stat_scan_tables or superuser; without, fall back.
                // Not checked at build time: pgstattuple is optional, so the
                // database the cache is made from need not have it.
                let density: std::result::Result<f64, _> = sqlx::query_scalar(
                    "SELECT avg_leaf_density FROM pgstatindex(('absurd.' || quote_ident($1))::regclass)",
                )
                .bind(&info.name)
                .fetch_one(&mut *conn)
                .await;
                if let Ok(d) = density.map(|d| d.is_finite().then_some(d)) {
                    estimate = d.map(|d| {
                        (
                            (100.0 * (1.0 - d / f64::from(info.fillfactor))).clamp(0.0, 100.0),
                            BloatSource::Pgstattuple,
                        )
                    });
                }
            }
            if estimate.is_none() {
                estimate = estimate_btree_bloat(
                    info.pages,
                    info.tuples,
                    info.key_width.unwrap_or(16.0),
                    f64::from(info.fillfactor),
                    f64::from(info.block_size),
                )
                .map(|pct| (pct, BloatSource::Statistics));
            }
        }
        out.push(IndexBloat {
            name: info.name,
            method: info.method,
            valid: info.valid,
            bytes: info.bytes,
            estimated_bloat_pct: estimate.map(|e| e.0),
            source: estimate.map(|e| e.1),
        });
    }
    Ok(out)
}

/// The share (percent) of a btree's pages beyond what its entries need.
///
/// An entry takes an 8-byte tuple header plus its key, aligned to 8, plus a
/// 4-byte line pointer; a page holds (block - 24 page header - 16 btree
/// special) x fillfactor of them; inner pages add about 1 %, the metapage 1.
/// Deduplication (PostgreSQL 13+) makes indexes of repeated keys smaller than
/// this, so their bloat is under-estimated, never over-estimated. `None`
/// when the statistics are missing (never vacuumed nor analyzed).
pub fn estimate_btree_bloat(
    pages: i64,
    tuples: f64,
    key_width: f64,
    fillfactor: f64,
    block_size: f64,
) -> Option<f64> {
    if pages <= 1 || tuples < 0.0 {
        return None;
    }
    let entry = ((8.0 + key_width) / 8.0).ceil() * 8.0 + 4.0;
    let per_page = ((block_size - 24.0 - 16.0) * fillfactor / 100.0 / entry)
        .floor()
        .max(1.0);
    let leaf_pages = (tuples / per_page).ceil();
    let expected = (leaf_pages * 1.01).ceil() + 1.0;
    Some((100.0 * (1.0 - expected / pages as f64)).clamp(0.0, 100.0))
}

/// Lifts the statement timeout on this connection: VACUUM, VACUUM FULL and
/// REINDEX take as long as the table needs. The lock timeout stays, so none
/// of them queues the workers behind a lock it cannot get. The client-side
/// deadline goes with it (keepalives still notice a dead server).
pub async fn allow_long_statements(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut *conn)
        .await?;
    crate::deadline::lift();
    Ok(())
}

/// Makes VACUUM on this connection pause as autovacuum does (cost-based
/// delay of 2 ms per 200 units of work), so that it shares the disk with
/// the workers; a manual VACUUM otherwise runs flat out.
pub async fn vacuum_like_autovacuum(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET vacuum_cost_delay = '2ms'")
        .execute(&mut *conn)
        .await?;
    sqlx::query("SET vacuum_cost_limit = 200")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// This connection's server process, to cancel its statement from another.
pub async fn backend_pid(conn: &mut PgConnection) -> Result<i32> {
    Ok(sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await?)
}

/// Cancels the statement the server process `pid` is running.
pub async fn cancel_backend(db: impl PgExecutor<'_>, pid: i32) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT pg_cancel_backend($1)")
        .bind(pid)
        .fetch_one(db)
        .await?)
}

/// `VACUUM (ANALYZE)` of absurd.tasks, which makes the space of deleted rows
/// reusable and refreshes the statistics without blocking the workers; with
/// `full`, `VACUUM (FULL, ANALYZE)`, which rewrites the table and its indexes
/// to their minimal size under an ACCESS EXCLUSIVE lock: no claim,
/// completion or heartbeat until it ends.
pub async fn vacuum(conn: &mut PgConnection, full: bool) -> Result<()> {
    let sql = if full {
        "VACUUM (FULL, ANALYZE) absurd.tasks"
    } else {
        "VACUUM (ANALYZE) absurd.tasks"
    };
    sqlx::query(sql).execute(&mut *conn).await?;
    Ok(())
}

/// `ANALYZE absurd.tasks`: fresh planner statistics (a sample of the
/// table), under a lock that only other ANALYZE, VACUUM and DDL wait for.
pub async fn analyze(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("ANALYZE absurd.tasks")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rebuilds one index of absurd.tasks without blocking writes. A failed or
/// cancelled rebuild leaves an invalid copy behind: [`drop_reindex_leftovers`].
pub async fn reindex_concurrently(conn: &mut PgConnection, index: &str) -> Result<()> {
    sqlx::query(&format!(
        "REINDEX INDEX CONCURRENTLY absurd.{}",
        quote_ident(index)
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Drops the invalid copies that failed or cancelled REINDEX CONCURRENTLY
/// runs left on absurd.tasks (`<index>_ccnew`, `<index>_ccold`, numbered
/// when repeated): never used, they still slow every write. Returns their
/// names.
pub async fn drop_reindex_leftovers(conn: &mut PgConnection) -> Result<Vec<String>> {
    let leftovers: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'absurd.tasks'::regclass AND NOT i.indisvalid
            AND c.relname ~ '_cc(new|old)[0-9]*$'
          ORDER BY c.relname",
    )
    .fetch_all(&mut *conn)
    .await?;
    for name in &leftovers {
        sqlx::query(&format!(
            "DROP INDEX CONCURRENTLY IF EXISTS absurd.{}",
            quote_ident(name)
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(leftovers)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_uuid_index_is_not_bloated_and_a_hollowed_one_is() {
        // 100k uuids: 16-byte keys, 28 bytes an entry, 262 a page at 90 %:
        // 382 leaf pages.
        let fresh = estimate_btree_bloat(390, 100_000.0, 16.0, 90.0, 8192.0).unwrap();
        assert!(fresh < 5.0, "{fresh}");
        let hollowed = estimate_btree_bloat(390, 10_000.0, 16.0, 90.0, 8192.0).unwrap();
        assert!((85.0..95.0).contains(&hollowed), "{hollowed}");
        assert_eq!(estimate_btree_bloat(1, 0.0, 16.0, 90.0, 8192.0), None);
        assert_eq!(estimate_btree_bloat(10, -1.0, 16.0, 90.0, 8192.0), None);
    }
}
