//! `baimo ls`: the warehouse's tables with row counts and descriptions.

use crate::error::Result;
use crate::render::{self, Format, TextTable};
use std::path::Path;

pub fn run(root: &Path, format: Format) -> Result<()> {
    let conn = super::sql::open_read_only(root)?;
    let tables = render::query(
        &conn,
        "select schema_name, table_name, 'table' as kind, comment from duckdb_tables() \
         where schema_name in ('staging', 'marts', 'meta') \
         union all \
         select schema_name, view_name, 'view', comment from duckdb_views() \
         where schema_name in ('staging', 'marts', 'meta') and not internal \
         order by 1, 2",
    )?;
    let mut out = TextTable {
        headers: ["table", "kind", "rows", "description"].map(String::from).to_vec(),
        numeric: vec![false, false, true, false],
        rows: Vec::new(),
    };
    for row in tables.rows {
        let (schema, name) = (row[0].clone().unwrap_or_default(), row[1].clone().unwrap_or_default());
        let count = render::query(
            &conn,
            &format!("select count(*) from {}.{}", crate::spec::quote(&schema), crate::spec::quote(&name)),
        )?;
        let rows = count.rows.first().and_then(|r| r[0].clone());
        out.rows.push(vec![Some(format!("{schema}.{name}")), row[2].clone(), rows, row[3].clone()]);
    }
    out.write(format, &mut std::io::stdout().lock()).map_err(crate::error::Error::io("stdout"))
}
