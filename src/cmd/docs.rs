//! `baimo docs`: the data dictionary ([`crate::dictionary`]) written as `index.md` and a static
//! `index.html` (no scripts, no external assets) to `warehouse/docs/`.

use crate::dictionary::{document, html, markdown};
use crate::error::{Error, Result};
use crate::project::{Paths, Project};
use crate::warehouse::open_read_only;
use std::path::Path;

pub fn run(root: &Path, out: Option<&Path>) -> Result<()> {
    let project = Project::load(root)?;
    let conn = open_read_only(root)?;
    let paths = Paths::new(root);
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| paths.dir.join("docs"));
    let doc = document(&project, &conn)?;
    std::fs::create_dir_all(&out).map_err(Error::io(&out))?;
    let md_path = out.join("index.md");
    std::fs::write(&md_path, markdown(&doc)).map_err(Error::io(&md_path))?;
    let html_path = out.join("index.html");
    std::fs::write(&html_path, html(&doc)).map_err(Error::io(&html_path))?;
    crate::say::info(format!("wrote {} and {}", md_path.display(), html_path.display()));
    Ok(())
}
