-- The meta schema of every build: what ran, what was read, what was rejected, what was tested.
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists meta;

create table meta.runs (
    id varchar primary key,
    trigger varchar,
    started_at timestamptz,
    finished_at timestamptz,
    status varchar,
    reason varchar,
    baimo_version varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    stages varchar,
    inputs varchar,
    changed varchar,
    carried_over varchar,
    fingerprint varchar,
    changes varchar
);
comment on table meta.runs is 'Every build of this warehouse up to and including the one that made it (failed runs too); runs.jsonl beside the file goes on after it';

create table meta.changes (
    run_id varchar,
    "table" varchar,
    kind varchar,
    "key" varchar,
    "column" varchar,
    cell varchar,
    old varchar,
    new varchar,
    "rows" bigint
);
comment on table meta.changes is 'What the build that made this warehouse changed against the warehouse published before it: rows added, removed and changed per source (each changed value with its cell, old and new text), rows of models, schema changes';

create table meta.corrections (
    run_id varchar,
    id varchar,
    source varchar,
    "key" varchar,
    "column" varchar,
    cell varchar,
    expect varchar,
    value varchar,
    reason varchar,
    status varchar,
    applied varchar
);
comment on table meta.corrections is 'The report''s known slips (pipelines/corrections.toml), each with where it applied: the staged value is the corrected one, <column>_raw keeps the text as printed';

create table meta.files (
    run_id varchar,
    source varchar,
    file varchar,
    sheet varchar,
    sha256 varchar,
    bytes bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint
);
comment on table meta.files is 'Input files read by the build that made this warehouse, with their sha256';

create table meta.sources (
    source varchar primary key,
    description varchar,
    ref varchar,
    file varchar,
    sheet varchar,
    contract varchar,
    on_error varchar
);
comment on table meta.sources is 'One row per source contract: where staging.<source> comes from';

create table meta.source_columns (
    source varchar,
    "column" varchar,
    header varchar,
    type varchar,
    file_column varchar
);
comment on table meta.source_columns is 'Where each contract column sits in its file: the spreadsheet column letter of its cells (cell = file_column || _row)';

create table meta.rejects (
    run_id varchar,
    source varchar,
    file varchar,
    sheet varchar,
    cell varchar,
    "row" integer,
    "column" varchar,
    raw varchar,
    rule varchar,
    message varchar
);
comment on table meta.rejects is 'Cells rejected by validation (quarantined rows), with the rule and the text found';

create table meta.test_results (
    run_id varchar,
    test varchar,
    kind varchar,
    target varchar,
    column_name varchar,
    severity varchar,
    status varchar,
    failing_rows bigint,
    sample varchar,
    declared_in varchar,
    sql varchar
);
comment on table meta.test_results is 'Column tests and SQL audits of the build that made this warehouse';

create table meta.column_units (
    schema_name varchar,
    table_name varchar,
    column_name varchar,
    unit varchar,
    unit_column varchar
);
comment on table meta.column_units is 'The declared unit of each numeric column (a contract''s column type, a model sidecar''s unit): unit for the whole column (CNY, fraction, days; currency when unit_column names it per row), or unit_column, the column of the same table that gives each row''s unit';

create view meta.columns as
    select c.schema_name, c.table_name, c.column_name, c.data_type, c.comment as description, u.unit, u.unit_column
    from duckdb_columns() c
    left join meta.column_units u using (schema_name, table_name, column_name)
    where c.schema_name in ('staging', 'marts', 'meta')
    order by c.schema_name, c.table_name, c.column_index;
comment on view meta.columns is 'Every column of the warehouse with its description and declared unit';
