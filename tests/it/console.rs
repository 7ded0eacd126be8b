//! `baimo sql` for scripts (issue 12 §3, §4): piped input honours --format, every statement of a
//! script prints, an empty query says so, and exit codes follow the README's table.

use crate::common::Project;

fn built() -> Project {
    Project::built("good")
}

#[test]
fn piped_sql_prints_in_the_format_asked_for() {
    let p = built();
    let run = p.baimo_stdin(&["sql", "--format", "csv"], "select 5 as five;\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, "five\n5\n"), "{}", run.stderr);
    // A last statement without `;` runs too.
    let run = p.baimo_stdin(&["sql", "--format", "csv"], "select 1 as a;\nselect 2 as b");
    assert_eq!((run.code, run.stdout.as_str()), (0, "a\n1\n\nb\n2\n"), "{}", run.stderr);
}

#[test]
fn every_statement_of_a_script_prints_in_order() {
    let p = built();
    let run = p.baimo(&["sql", "--format", "csv", "select 1 as one; select 'x;y' as two"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "one\n1\n\ntwo\nx;y\n"), "{}", run.stderr);
    p.write("two.sql", "-- two results\nselect 3 as three;\nselect 4 as four;\n");
    let run = p.baimo(&["sql", "--format", "csv", "-f", &p.file("two.sql").display().to_string()]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "three\n3\n\nfour\n4\n"), "{}", run.stderr);
}

#[test]
fn an_empty_query_says_so_without_internals() {
    let p = built();
    for empty in ["", "   ", ";", "-- only a comment"] {
        let run = p.baimo(&["sql", "--", empty]);
        assert_eq!(run.code, 2, "{empty:?}: {}", run.stderr);
        run.assert_stderr_has(&["no SQL statement"]);
        assert!(!run.stderr.contains("Unknown error code"), "{empty:?}: {}", run.stderr);
    }
}

#[test]
fn exit_codes_tell_a_typo_from_a_failure() {
    let p = built();
    // A statement that names what does not exist is to be fixed: 2, with DuckDB's message once.
    for typo in ["select nosuch from marts.training_run_cost", "select * from marts.nosuch", "selec 1"] {
        let run = p.baimo(&["sql", typo]);
        assert_eq!(run.code, 2, "{typo}: {}", run.stderr);
        assert!(!run.stderr.contains("Unknown error code"), "{typo}: {}", run.stderr);
    }
    // A statement that fails on the data is a failed run: 1.
    let run = p.baimo(&["sql", "select 'x'::integer"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A refused write stays what it was: read-only, 1, with the hint.
    let run = p.baimo(&["sql", "create table t (i integer)"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["read-only"]);
}

#[test]
fn help_shows_each_example_on_its_own_line() {
    let p = Project::new("good");
    let run = p.baimo(&["refresh", "--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().map(str::trim).collect();
    assert!(lines.iter().any(|l| l.starts_with("baimo refresh --full")), "{}", run.stdout);
    assert!(lines.iter().any(|l| l.starts_with("baimo refresh ") && l.contains("up to date")), "{}", run.stdout);
    let run = p.baimo(&["sql", "--help"]);
    assert!(run.stdout.lines().any(|l| l.trim() == "baimo sql -f query.sql --format json"), "{}", run.stdout);
}

#[test]
fn dot_commands_work_one_shot_and_in_scripts() {
    let p = built();
    let run = p.baimo(&["sql", "--format", "csv", ".schema staging.market"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("column_name,data_type,description\n") && run.stdout.contains("\nvalue_raw,"),
        "{}",
        run.stdout
    );
    let run = p.baimo(&["sql", ".schema nosuch.table"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["no table nosuch.table"]);
    // `.tables` lists what `baimo ls` lists.
    let tables = p.baimo(&["sql", "--format", "csv", ".tables"]);
    let ls = p.baimo(&["ls", "--format", "csv"]);
    assert_eq!((tables.code, ls.code), (0, 0), "{}{}", tables.stderr, ls.stderr);
    assert_eq!(tables.stdout, ls.stdout);
    // A script switches mode and says which mode it is in.
    let run = p.baimo_stdin(&["sql"], ".mode csv\n.mode\nselect 7 as seven;\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, "csv\nseven\n7\n"), "{}", run.stderr);
    // A failing statement in a piped script fails the run.
    let run = p.baimo_stdin(&["sql", "--format", "csv"], "select 1 as a;\nselect nosuch;\nselect 3 as c;\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "a\n1\n");
}

#[test]
fn json_keeps_the_column_order_and_types() {
    let p = built();
    let run = p.baimo(&[
        "sql",
        "--format",
        "json",
        "select 2 as zeta, 'x' as alpha, null as mid, 'nan'::double as n, 1.5 as beta",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "[\n  {\"zeta\": 2, \"alpha\": \"x\", \"mid\": null, \"n\": null, \"beta\": 1.5}\n]\n");
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(v[0]["zeta"], 2);
    let run = p.baimo(&["sql", "--format", "json", "select 1 as a where false"]);
    assert_eq!(run.stdout, "[]\n");
}

#[test]
fn null_reads_null_in_a_table() {
    let p = built();
    let run = p.baimo(&["sql", "select null as a, '' as b"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row = run.stdout.lines().find(|l| l.contains("NULL")).unwrap_or_default().to_string();
    assert!(row.contains("NULL") && row.matches("NULL").count() == 1, "{}", run.stdout);
}

#[test]
fn runs_list_newest_first_in_every_format() {
    let p = built();
    let run = p.baimo(&["build", "--select", "market"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&p.baimo(&["runs", "--format", "json"]).stdout).expect("json");
    let json_ids: Vec<String> =
        json.as_array().expect("array").iter().map(|r| r["id"].as_str().unwrap_or_default().to_string()).collect();
    let csv = p.baimo(&["runs", "--format", "csv"]).stdout;
    let csv_ids: Vec<String> =
        csv.lines().skip(1).map(|l| l.split(',').next().unwrap_or_default().to_string()).collect();
    assert_eq!(json_ids.len(), 2);
    assert_eq!(json_ids, csv_ids);
    assert!(json_ids[0] > json_ids[1], "newest first: {json_ids:?}");
}

#[test]
fn a_statement_over_its_time_limit_is_stopped() {
    let p = built();
    let started = std::time::Instant::now();
    let run = p.baimo(&["sql", "--timeout", "1s", "select sum(i) from range(300000000000) t(i)"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["ran longer than 1s", "stopped"]);
    assert!(started.elapsed().as_secs() < 30, "the interrupt did not stop it");
    // The shell's .timeout does the same inside a script, and the next statement still runs.
    let run = p.baimo_stdin(&["sql", "--format", "csv"], ".timeout 1s\nselect 1 as one;\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, "one\n1\n"), "{}", run.stderr);
}

#[test]
fn ctrl_c_stops_the_running_statement_and_keeps_the_shell() {
    let p = built();
    let term = crate::common::Terminal::baimo_shell(&p);
    term.line("select sum(i) from range(300000000000) t(i);");
    std::thread::sleep(std::time::Duration::from_millis(800));
    term.send(&["C-c"]);
    term.wait_for("interrupted", 1);
    term.line("select 6 * 7 as answer;");
    term.wait_for("42", 1);
    assert!(term.alive());
    term.line(".quit");
    term.wait_for("shell-exited-0", 1);
}

#[test]
fn on_a_terminal_results_fit_the_window_and_piped_they_are_whole() {
    let p = built();
    let term = crate::common::Terminal::baimo_shell(&p);
    // 200 columns wide: 30 columns of 9-digit numbers do not fit.
    let wide: Vec<String> = (0..30).map(|i| format!("{} + {i} as column_{i}", 100_000_000)).collect();
    term.line(&format!("select {} from range(3);", wide.join(", ")));
    let screen = term.wait_for("30 columns (", 1);
    // The table's lines (not the typed query, which the terminal wraps) fit the window.
    let drawn: Vec<&str> = screen.lines().filter(|l| l.contains('│') || l.contains('─')).collect();
    assert!(!drawn.is_empty() && drawn.iter().all(|l| l.chars().count() <= 200), "{screen}");
    assert!(screen.contains("column_0") && screen.contains("column_29") && !screen.contains("column_15 "));
    assert!(screen.contains("100000029"), "numbers whole");
    term.line("select i from range(1000) t(i);");
    let screen = term.wait_for("1000 rows (40 shown)", 1);
    assert!(screen.contains("│ 999 │") && !screen.contains("│ 500 │"), "first and last rows: {screen}");
    term.line(".mode line");
    term.line("select 1 as a, 'x' as long_name;");
    term.wait_for("long_name = x", 1);
    term.line(".quit");
    term.wait_for("shell-exited-0", 1);
    // Piped: every row.
    let run = p.baimo_stdin(&["sql"], "select i from range(1000) t(i);");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("│ 500 │") && run.stdout.contains("(1000 rows)"),
        "{}",
        crate::common::head(&run.stdout, 300)
    );
}

#[test]
fn rejects_show_each_rule_with_its_count_and_first_cells() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = dir.path().to_str().expect("utf-8");
    let gen = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
        .args(["gen", "--rows", "3000", "--bad-fraction", "0.05", "--out", g])
        .output()
        .expect("gen");
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    let p = Project { dir };
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = p.db();
    let (cells, rules): (i64, i64) = db
        .query_row("select count(*), count(distinct rule) from meta.rejects", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert!(cells > 3 * rules, "the generated project rejects several cells per rule ({cells} cells, {rules} rules)");
    let grouped = p.baimo(&["rejects", "--format", "csv"]);
    assert_eq!(grouped.code, 0, "{}", grouped.stderr);
    let lines: Vec<&str> = grouped.stdout.lines().skip(1).collect();
    assert!(lines.len() as i64 <= 3 * rules && lines.len() as i64 >= rules, "{}", grouped.stdout);
    // Each line carries its rule's full count.
    let counted: i64 = db
        .query_row("select count(*) from meta.rejects where rule = (select min(rule) from meta.rejects)", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(lines[0].split(',').nth(1) == Some(counted.to_string().as_str()), "{}", lines[0]);
    let all = p.baimo(&["rejects", "--all", "--format", "csv"]);
    assert_eq!(all.stdout.lines().count() as i64, cells + 1, "--all: every cell and the header");
}

#[test]
fn claims_on_a_project_without_them_says_what_is_missing() {
    let p = built();
    let run = p.baimo(&["claims"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["this warehouse has no meta.claims", "pipelines/models/meta/claims.sql"]);
    // The report, likewise: what is missing, not a catalog error.
    let run = p.baimo(&["report"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["baimo report charts the report's marts", "marts.compute_capacity"]);
    assert!(!run.stderr.contains("Catalog Error"), "{}", run.stderr);
}

#[test]
fn tab_completes_table_names_in_the_shell() {
    let p = built();
    let table: String = p
        .db()
        .query_row("select table_name from duckdb_tables() where schema_name = 'marts' order by 1 limit 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let term = crate::common::Terminal::baimo_shell(&p);
    // Half the table's name, then Tab: the shell writes the rest.
    let half = &table[..table.len() / 2];
    term.send(&["-l", &format!("select count(*) as n from marts.{half}")]);
    term.send(&["Tab"]);
    term.wait_for(&format!("marts.{table}"), 1);
    term.line("");
    // Keys typed before the continuation prompt is drawn can be lost (the line editor starts
    // a new line): wait for it.
    term.wait_for("...> ", 1);
    term.line(";");
    term.wait_for("(1 row)", 1);
    term.send(&["-l", ".sch"]);
    term.send(&["Tab"]);
    term.wait_for(".schema", 1);
    term.send(&["C-u"]);
    term.line(".quit");
    term.wait_for("shell-exited-0", 1);
}

#[test]
fn lines_typed_while_a_statement_runs_all_run_in_order() {
    // What the DuckDB CLI does with type-ahead and pasted lines: none is lost. The keys arrive
    // while the shell is busy and are read together, in one read, with the Enter that ends the
    // first of them; the line editor must keep what it read past that Enter for the next line.
    let p = built();
    let term = crate::common::Terminal::baimo_shell(&p);
    term.line(".timeout 1s");
    term.wait_for("baimo> ", 2);
    term.line("select sum(i) from range(300000000000) t(i);");
    term.line(".mode line");
    term.line("select 1 as a, 'x' as long_name;");
    term.line("select 2 as b;");
    let screen = term.wait_for("b = 2", 1);
    let order: Vec<usize> =
        ["ran longer than 1s", "long_name = x", "b = 2"].iter().filter_map(|n| screen.find(n)).collect();
    assert!(order.len() == 3 && order.is_sorted(), "each line ran, in the order typed: {screen}");
    term.line(".quit");
    term.wait_for("shell-exited-0", 1);
}

#[test]
fn sigterm_ends_the_shell_even_while_a_statement_runs() {
    let p = built();
    let term = crate::common::Terminal::baimo_shell(&p);
    term.line("select sum(i) from range(300000000000) t(i);");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // The shell's own process: its command line names the project, and it is baimo (tmux's
    // server holds the same text in its command line and must be left alone).
    let pattern = format!("{} -C {} sql", env!("CARGO_BIN_EXE_baimo"), p.path().display());
    let listed = std::process::Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep");
    let shells: Vec<i32> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "baimo"))
        .collect();
    assert_eq!(shells.len(), 1, "one shell process matches {pattern}: {shells:?}");
    // SAFETY: kill(2) with a pid of a process this test started.
    unsafe { libc::kill(shells[0], libc::SIGTERM) };
    // The shell ends (128 + SIGTERM), it does not merely interrupt the statement.
    term.wait_for("shell-exited-143", 1);
}

#[test]
fn a_huge_result_streams_in_bounded_memory() {
    use std::io::Read;
    let p = built();
    // 10M rows of ~110 bytes: about 1.1 GB of CSV, which collected would need several GB.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
        .arg("-C")
        .arg(p.path())
        .args(["sql", "--format", "csv", "select i, repeat('x', 100) as s from range(10000000) t(i)"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("baimo sql");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let (mut bytes, mut lines, mut buf) = (0usize, 0usize, vec![0u8; 1 << 16]);
        loop {
            let n = stdout.read(&mut buf).expect("read");
            if n == 0 {
                break (bytes, lines);
            }
            bytes += n;
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        }
    });
    // This child's own peak RSS, from wait4 (RUSAGE_CHILDREN would mix in other tests' children).
    let (mut status, mut usage) = (0i32, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waiting for our own child; status and usage are written by the kernel.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    let (bytes, lines) = reader.join().expect("reader");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status}");
    assert_eq!(lines, 10_000_001, "header and every row");
    assert!(bytes > 1_000_000_000, "{bytes} bytes");
    let peak_mb = usage.ru_maxrss / 1024;
    // Measured: 59 MB streamed; 1228 MB when the result was collected first.
    assert!(peak_mb < 300, "peak RSS {peak_mb} MB for a {} MB result", bytes >> 20);
}

#[test]
fn counts_read_right_in_the_build_summary() {
    let p = Project::new("good");
    // One source: the market facts alone.
    for f in ["pipelines/sources/training_runs.toml", "pipelines/audits/gpus_positive.sql"] {
        std::fs::remove_file(p.file(f)).expect("remove");
    }
    for f in std::fs::read_dir(p.file("pipelines/models/marts")).expect("models").flatten() {
        if std::fs::read_to_string(f.path()).unwrap_or_default().contains("training_run")
            || f.file_name().to_string_lossy().starts_with("training_run")
        {
            std::fs::remove_file(f.path()).expect("remove");
        }
    }
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(": 1 source, "), "{}", run.stderr);
    assert!(!run.stderr.contains("(s)"), "{}", run.stderr);
}

/// `.yi`, `.wan` and percent follow the units the contracts and sidecars declare (issue 12 §6),
/// and the same declarations reach meta.columns and the export's datapackage.json.
#[test]
fn money_and_shares_follow_each_columns_declared_unit() {
    let p = Project::new("good");
    p.write(
        "pipelines/models/marts/market_growth.toml",
        "description = \"Market growth\"\n\n\
         [[columns]]\nname = \"start_value\"\nunit = \"CNY\"\n\n\
         [[columns]]\nname = \"end_value\"\nunit = \"CNY\"\n\n\
         [[columns]]\nname = \"stated_cagr\"\nunit = \"fraction\"\n",
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.csv("select column_name, unit, unit_column from meta.columns where table_name = 'market_growth' order by column_name"),
        "column_name,unit,unit_column\nend_value,CNY,\nimplied_cagr,,\nstart_value,CNY,\nstated_cagr,fraction,\n"
    );
    // A contract's column type declares its staged columns' units: a bound's unit is per row.
    assert_eq!(
        p.csv("select unit, unit_column from meta.columns where table_name = 'market' and column_name = 'value_low'"),
        "unit,unit_column\n,value_unit\n"
    );

    // 亿 and 万 are the digits shifted, exactly; a column of the same value with an undeclared
    // name is left alone, and so is the implied CAGR, which declares no unit.
    let query = "select start_value, start_value as undeclared, stated_cagr, implied_cagr from marts.market_growth;";
    let run = p.baimo_stdin(&["sql", "--format", "csv"], &format!(".yi on\n{query}\n.wan on\n{query}"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "start_value (亿 CNY),undeclared,stated_cagr,implied_cagr", "{}", run.stdout);
    assert!(lines[1].starts_with("132.3,13230000000,0.506,"), "{}", run.stdout);
    assert_eq!(lines[3], "start_value (万 CNY),undeclared,stated_cagr,implied_cagr", "{}", run.stdout);
    assert!(lines[4].starts_with("1323000,13230000000,"), "{}", run.stdout);

    // A table shows a share as percent (the digits shifted: 50.6, not 50.599999999999994);
    // CSV keeps the fraction, and `.percent off` turns it off.
    let run = p.baimo_stdin(&["sql"], "select stated_cagr from marts.market_growth;");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("stated_cagr (%)") && run.stdout.contains("50.6"), "{}", run.stdout);
    let run = p.baimo_stdin(&["sql"], ".percent off\nselect stated_cagr from marts.market_growth;");
    assert!(!run.stdout.contains('%') && run.stdout.contains("0.506"), "{}", run.stdout);

    // The export's package says the same.
    let out = p.file("exports");
    let run = p.baimo(&["export", "marts.market_growth", "--out", &out.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let package: serde_json::Value =
        serde_json::from_str(&p.read("exports/datapackage.json")).expect("datapackage.json");
    let fields = &package["resources"][0]["schema"]["fields"];
    let field =
        |name: &str| fields.as_array().and_then(|f| f.iter().find(|f| f["name"] == name)).cloned().unwrap_or_default();
    assert_eq!(field("start_value")["baimo:unit"], "CNY", "{fields}");
    assert_eq!(field("stated_cagr")["baimo:unit"], "fraction", "{fields}");
    assert!(field("implied_cagr").get("baimo:unit").is_none(), "{fields}");

    // A declaration about a column the model does not make is a spec error naming the sidecar.
    p.edit("pipelines/models/marts/market_growth.toml", "name = \"end_value\"", "name = \"end_valu\"");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&[
        "pipelines/models/marts/market_growth.toml",
        "`end_valu` is not a column of marts.market_growth",
    ]);
}

/// A reader that leaves early (`| head -1`) ends the run quietly with 0, in every format and on
/// every listing verb (issue 12 §3): the CSV and JSON writers wrap the pipe's error in theirs.
#[test]
fn a_closed_pipe_exits_quietly_with_zero() {
    use std::io::Read;
    let p = built();
    let runs: &[&[&str]] = &[
        &["sql", "--format", "csv", "select * from range(300000)"],
        &["sql", "--format", "json", "select * from range(300000)"],
        &["sql", "--format", "markdown", "select * from range(300000)"],
        &["sql", "select * from range(300000)"],
        &["rejects", "--format", "csv"],
        &["ls", "--format", "json"],
        &["runs", "--format", "csv"],
    ];
    for args in runs {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(p.path())
            .args(*args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run baimo");
        let mut first = [0u8; 1];
        let mut stdout = child.stdout.take().expect("stdout");
        let _ = stdout.read(&mut first);
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

/// `--log-format json`: every line on stderr is a JSON object, the summary of a build, an
/// up-to-date refresh and an error included (issue 12 §3).
#[test]
fn log_format_json_makes_every_stderr_line_json() {
    let p = Project::new("good");
    let check = |run: &crate::common::Run, needle: &str| {
        assert!(!run.stderr.trim().is_empty(), "nothing on stderr");
        for line in run.stderr.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", run.stderr));
            assert!(v["level"].is_string() && v["fields"]["message"].is_string(), "{line}");
        }
        assert!(run.stderr.contains(needle), "{needle:?} in {}", run.stderr);
    };
    let run = p.baimo(&["--log-format", "json", "build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check(&run, "published warehouse/baimo.duckdb");
    let run = p.baimo(&["--log-format", "json", "refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check(&run, "up to date");
    let run = p.baimo(&["--log-format", "json", "sql", "select nosuch"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    check(&run, "\"level\":\"ERROR\"");
    p.edit("raw/market.csv", "132.3亿元", "lots");
    let run = p.baimo(&["--log-format", "json", "build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    check(&run, "raw/market.csv");
}
