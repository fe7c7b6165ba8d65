//! Reads the preview of an import file as the import dialog does (the encoding, the mapping,
//! the first rows and every row counted) and prints its counts: for measuring the preview
//! of a large file as a whole process, e.g. its peak memory with `/usr/bin/time -v`.
//!
//!     cargo run --release --example import_preview -- contacts-1m.vcf

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("Usage: import_preview FILE");
        return ExitCode::FAILURE;
    };
    match candor::io::import::preview(std::path::Path::new(&path)) {
        Ok(preview) => {
            println!(
                "{}: {} rows, {} not readable, {} shown, read as {}",
                preview.format.label(),
                preview.total_rows,
                preview.problems.len(),
                preview.rows.len(),
                preview.encoding.name()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
