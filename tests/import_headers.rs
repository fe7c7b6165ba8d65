//! Contact files from other programs arrive whole: localised Outlook, Thunderbird, Evolution
//! and iOS headers map like the English ones, contacts without a person's name are named
//! from what they have, cells with several values keep the rest in the notes, and columns
//! that are not imported or appear twice are said, never dropped silently.

use std::path::{Path, PathBuf};

use candor::domain::Customer;
use candor::io::import::{ImportOptions, ImportSummary, import_file, preview};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(path: &Path) -> (ImportSummary, Vec<Customer>) {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, path, &ImportOptions::default(), now()).unwrap();
    (summary, store.customers().unwrap())
}

#[test]
fn dump() {
    for f in ["outlook_de.csv", "outlook_fr.csv", "outlook_es.csv", "outlook_ja.csv", "evolution_contacts.csv", "ios_contacts.csv", "thunderbird_export.csv", "thunderbird_quote.csv", "outlook_contacts.csv", "google_contacts.csv"] {
        let p = preview(&fixture(f)).unwrap();
        println!("=== {f}: {:?} not imported {:?} dups {:?}", p.format, p.columns_not_imported().iter().filter(|c| c.values > 0).map(|c| (c.header.clone(), c.values)).collect::<Vec<_>>(), p.duplicate_headers());
        let (summary, customers) = import(&fixture(f));
        println!("{summary}");
        for c in customers {
            println!("  {:?} | {:?} | {:?} | {:?} | {:?} | {:?}", c.name, c.company, c.phone, c.email, c.notes, c.tags);
        }
    }
}
