//! CSV exports and imports: every report reads back with a CSV reader, text cells never
//! start a formula, the bytes are exactly RFC 4180 with a BOM, Google / Outlook / vCard
//! files import, and a whole journal exported and imported again is the same journal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candor::domain::rank::{RankSettings, rank};
use candor::domain::{
    BadNews, BadNewsKind, Cents, CustomerDraft, EntryDraft, EntryKind, Payment, Promise,
    PromiseCategory,
};
use candor::io::export::{
    CUSTOMER_COLUMNS, ExportError, ExportOptions, PROMISE_COLUMNS, Report, TIMELINE_COLUMNS,
    export_report, write_report,
};
use candor::io::import::{
    CustomerField, ImportError, ImportOptions, SourceFormat, detect_mapping, import_file, preview,
};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

fn now() -> NaiveDateTime {
    at(2026, 11, 20, 8, 0)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The demo journal plus what the demo lacks: notes, an archived customer, a formula-like
/// name, bad news about a promise, and an unpaid invoice.
fn demo_journal(path: &Path) -> Store {
    let mut store = Store::open(path).unwrap();
    candor::sample::write_demo(&mut store, today()).unwrap();
    let mut draft = CustomerDraft::named("=HYPERLINK(\"http://evil\")");
    draft.company = "+Plus & Co, \"Quoted\"".into();
    draft.phone = "+49 30 1234567".into();
    draft.email = "evil@example.com".into();
    draft.notes = "Line one\nLine two, with a comma".into();
    draft.tags = vec!["-minus".into(), "@at".into()];
    draft.cadence_days = 45;
    draft.archived = true;
    let odd = store.add_customer(draft, at(2025, 1, 2, 10, 0)).unwrap();
    let promise = store
        .add_entry(
            EntryDraft {
                customer_id: odd.id,
                occurred_at: at(2026, 11, 1, 9, 0),
                summary: "-5% discount on the next order".into(),
                kind: EntryKind::Promise(Promise::new(
                    NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                    PromiseCategory::Information,
                )),
            },
            now(),
        )
        .unwrap();
    store
        .add_entry(
            EntryDraft {
                customer_id: odd.id,
                occurred_at: at(2026, 11, 9, 16, 30),
                summary: "Told them the discount needs sign-off".into(),
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::Delay,
                    related: Some(promise.id),
                    proactive: true,
                }),
            },
            now(),
        )
        .unwrap();
    store
        .add_entry(
            EntryDraft {
                customer_id: odd.id,
                occurred_at: at(2026, 10, 1, 12, 0),
                summary: "@invoice\t\"October\"".into(),
                kind: EntryKind::Payment(Payment {
                    invoice_ref: "=INV-77".into(),
                    amount: Cents(123_456),
                    due: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                    paid_on: None,
                }),
            },
            now(),
        )
        .unwrap();
    store
}

fn export_to_string(store: &Store, report: Report, options: &ExportOptions) -> (String, usize) {
    let mut out = Vec::new();
    let rows = write_report(store, report, options, today(), &mut out).unwrap();
    (String::from_utf8(out).unwrap(), rows)
}

fn read_csv(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader.records().map(Result::unwrap).collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap()
}

fn assert_no_formula_cells(rows: &[csv::StringRecord]) {
    for row in rows {
        for cell in row {
            assert!(
                !cell.starts_with(TRIGGERS),
                "a cell starts with a formula trigger: {cell:?}"
            );
        }
    }
}

#[test]
fn every_report_reads_back_with_a_csv_reader() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_journal(&dir.path().join("j.sqlite3"));
    let options = ExportOptions::default();

    let (text, rows) = export_to_string(&store, Report::Customers, &options);
    assert!(text.starts_with('\u{feff}'), "a BOM by default");
    let (headers, records) = read_csv(&text);
    assert_eq!(headers, CUSTOMER_COLUMNS);
    assert_eq!(records.len(), rows);
    assert_eq!(rows, store.customers().unwrap().len());
    assert_no_formula_cells(&records);
    let name = column(&headers, "name");
    let odd = records
        .iter()
        .find(|r| r[column(&headers, "email")] == *"evil@example.com")
        .unwrap();
    assert_eq!(&odd[name], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&odd[column(&headers, "archived")], "yes");
    assert_eq!(&odd[column(&headers, "cadence_days")], "45");
    assert_eq!(&odd[column(&headers, "overdue_amount")], "1234.56");
    assert_eq!(&odd[column(&headers, "open_promises")], "1");
    assert_eq!(
        &odd[column(&headers, "notes")],
        "Line one\nLine two, with a comma"
    );
    assert_eq!(&odd[column(&headers, "tags")], "'-minus, @at");

    let (text, rows) = export_to_string(&store, Report::Timeline, &options);
    let (headers, records) = read_csv(&text);
    assert_eq!(headers, TIMELINE_COLUMNS);
    assert_eq!(records.len(), rows);
    let entries: usize = store
        .customers()
        .unwrap()
        .iter()
        .map(|c| store.timeline(c.id).unwrap().len())
        .sum();
    assert_eq!(rows, entries);
    assert_no_formula_cells(&records);
    let times: Vec<&str> = records
        .iter()
        .map(|r| &r[column(&headers, "occurred_at")])
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let payment = records
        .iter()
        .find(|r| {
            &r[column(&headers, "kind")] == "payment"
                && r[column(&headers, "invoice_ref")].contains("INV-77")
        })
        .unwrap();
    assert_eq!(&payment[column(&headers, "amount")], "1234.56");
    assert_eq!(&payment[column(&headers, "invoice_ref")], "'=INV-77");
    assert_eq!(
        &payment[column(&headers, "summary")],
        "'@invoice\t\"October\""
    );

    let (text, rows) = export_to_string(&store, Report::Promises, &options);
    let (headers, records) = read_csv(&text);
    assert_eq!(headers, PROMISE_COLUMNS);
    assert_eq!(records.len(), rows);
    assert!(rows > 0);
    assert_no_formula_cells(&records);
    let discount = records
        .iter()
        .find(|r| r[column(&headers, "summary")].contains("discount"))
        .unwrap();
    // Due 2026-11-10, still open on 2026-11-20: 10 days late, and told on the 9th.
    assert_eq!(&discount[column(&headers, "days_late")], "10");
    assert_eq!(&discount[column(&headers, "slipped")], "yes");
    assert_eq!(&discount[column(&headers, "told_before_due")], "yes");
    assert_eq!(&discount[column(&headers, "outcome")], "open");

    let (text, rows) = export_to_string(&store, Report::CallFirst, &options);
    let (headers, records) = read_csv(&text);
    let ranked = rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    );
    assert_eq!(rows, ranked.len());
    assert_eq!(records.len(), ranked.len());
    assert_eq!(headers[0], "rank");
    assert_eq!(
        &records[0][column(&headers, "customer")],
        ranked[0].name.as_str()
    );
    assert_no_formula_cells(&records);
}

#[test]
fn the_period_limits_timeline_and_promises() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_journal(&dir.path().join("j.sqlite3"));
    let options = ExportOptions {
        from: NaiveDate::from_ymd_opt(2026, 11, 1),
        to: NaiveDate::from_ymd_opt(2026, 11, 9),
        bom: false,
    };
    let (text, _) = export_to_string(&store, Report::Timeline, &options);
    assert!(text.starts_with("entry_id,"), "no BOM when switched off");
    let (headers, records) = read_csv(&text);
    assert!(!records.is_empty());
    for r in &records {
        let when = &r[column(&headers, "occurred_at")];
        assert!(("2026-11-01".."2026-11-10").contains(&when), "{when}");
    }
    let reversed = ExportOptions {
        from: options.to,
        to: options.from,
        bom: true,
    };
    let err = write_report(&store, Report::Timeline, &reversed, today(), Vec::new()).unwrap_err();
    assert!(matches!(err, ExportError::ReversedPeriod { .. }), "{err}");
}

#[test]
fn a_small_export_has_exactly_these_bytes() {
    let mut store = Store::open_in_memory().unwrap();
    let mut draft = CustomerDraft::named("=SUM(A1) Zoë");
    draft.company = "Café \"Nord\", Ltd".into();
    draft.phone = "+49 30 1234".into();
    draft.email = "zoe@example.com".into();
    let customer = store.add_customer(draft, now()).unwrap();
    store
        .add_entry(
            EntryDraft {
                customer_id: customer.id,
                occurred_at: at(2026, 11, 2, 9, 30),
                summary: "Line one\nline two".into(),
                kind: EntryKind::Note,
            },
            now(),
        )
        .unwrap();
    store
        .add_entry(
            EntryDraft {
                customer_id: customer.id,
                occurred_at: at(2026, 11, 1, 14, 0),
                summary: "Invoice".into(),
                kind: EntryKind::Payment(Payment {
                    invoice_ref: "INV-1".into(),
                    amount: Cents(5_000_050),
                    due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    paid_on: None,
                }),
            },
            now(),
        )
        .unwrap();
    let (text, rows) = export_to_string(&store, Report::Timeline, &ExportOptions::default());
    assert_eq!(rows, 2);
    let expected = concat!(
        "\u{feff}",
        "entry_id,customer_id,customer,company,email,phone,kind,occurred_at,summary,due,status,",
        "closed_on,channel,direction,outcome,duration_mins,category,proactive,related_entry_id,",
        "owner,root_cause,prevention,amount,currency,invoice_ref,rating,snooze_until,at_risk_since,",
        "risk_reason,status_changed_at,renegotiations\r\n",
        "2,1,'=SUM(A1) Zoë,\"Café \"\"Nord\"\", Ltd\",zoe@example.com,'+49 30 1234,payment,",
        "2026-11-01T14:00:00,Invoice,2026-12-01,unpaid,,,,,,,,,,,,50000.50,,INV-1,,,,,,\r\n",
        "1,1,'=SUM(A1) Zoë,\"Café \"\"Nord\"\", Ltd\",zoe@example.com,'+49 30 1234,note,",
        "2026-11-02T09:30:00,\"Line one\nline two\",,,,,,,,,,,,,,,,,,,,,,\r\n",
    );
    assert_eq!(text, expected);
}

#[test]
fn an_export_replaces_the_file_only_when_complete() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_journal(&dir.path().join("j.sqlite3"));
    let target = dir.path().join("customers.csv");
    std::fs::write(&target, "the good old file").unwrap();
    let reversed = ExportOptions {
        from: NaiveDate::from_ymd_opt(2026, 5, 1),
        to: NaiveDate::from_ymd_opt(2026, 4, 1),
        bom: true,
    };
    assert!(export_report(&store, Report::Customers, &reversed, today(), &target).is_err());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "the good old file"
    );

    let missing_folder = dir.path().join("no such folder").join("out.csv");
    let err = export_report(
        &store,
        Report::Customers,
        &ExportOptions::default(),
        today(),
        &missing_folder,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no such folder does not exist"),
        "{err}"
    );

    let rows = export_report(
        &store,
        Report::Customers,
        &ExportOptions::default(),
        today(),
        &target,
    )
    .unwrap();
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(read_csv(&text).1.len(), rows);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A journal's content without ids: customers, and each one's timeline with the related
/// entry named by its summary.
type Snapshot = BTreeMap<String, (String, Vec<String>)>;

fn snapshot(store: &Store) -> Snapshot {
    let mut out = BTreeMap::new();
    for c in store.customers().unwrap() {
        let customer = format!(
            "{}|{}|{}|{}|{:?}|{:?}|{}|{}|{}",
            c.company,
            c.phone,
            c.email,
            c.notes,
            c.tags,
            c.cadence_days,
            c.archived,
            c.created_at,
            c.name
        );
        let mut entries = Vec::new();
        for e in store.timeline(c.id).unwrap() {
            let mut kind = e.kind.clone();
            let mut related = String::new();
            if let EntryKind::BadNews(news) = &mut kind
                && let Some(id) = news.related.take()
            {
                related = store.entry(id).unwrap().summary;
            }
            entries.push(format!(
                "{}|{}|{:?}|{related}",
                e.occurred_at, e.summary, kind
            ));
        }
        entries.sort();
        out.insert(c.name.clone(), (customer, entries));
    }
    out
}

fn ranking_text(store: &Store) -> Vec<String> {
    rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    )
    .iter()
    .map(|c| {
        let reasons: Vec<&str> = c.reasons.iter().map(|r| r.text.as_str()).collect();
        format!("{} {} {:?}", c.name, c.score, reasons)
    })
    .collect()
}

#[test]
fn a_whole_journal_exported_and_imported_again_is_the_same_journal() {
    let dir = tempfile::tempdir().unwrap();
    let original = demo_journal(&dir.path().join("a.sqlite3"));
    let customers_csv = dir.path().join("customers.csv");
    let timeline_csv = dir.path().join("timeline.csv");
    let options = ExportOptions::default();
    export_report(
        &original,
        Report::Customers,
        &options,
        today(),
        &customers_csv,
    )
    .unwrap();
    let entries = export_report(
        &original,
        Report::Timeline,
        &options,
        today(),
        &timeline_csv,
    )
    .unwrap();

    let mut copy = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let summary = import_file(&mut copy, &customers_csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.format, SourceFormat::CandorCustomers);
    assert!(summary.problems.is_empty(), "{summary}");
    assert_eq!(summary.customers_added, original.customers().unwrap().len());
    let summary = import_file(&mut copy, &timeline_csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.format, SourceFormat::CandorTimeline);
    assert!(summary.problems.is_empty(), "{summary}");
    assert_eq!(summary.customers_added, 0, "every customer matched");
    assert_eq!(summary.entries_added, entries);

    assert_eq!(snapshot(&copy), snapshot(&original));
    assert_eq!(ranking_text(&copy), ranking_text(&original));

    // Importing the same timeline again adds nothing: a merge is idempotent.
    let again = import_file(&mut copy, &timeline_csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(again.entries_added, 0);
    assert_eq!(again.entries_already_present, entries);
    assert_eq!(snapshot(&copy), snapshot(&original));
}

#[test]
fn a_timeline_alone_brings_its_customers_along() {
    let dir = tempfile::tempdir().unwrap();
    let original = demo_journal(&dir.path().join("a.sqlite3"));
    let timeline_csv = dir.path().join("timeline.csv");
    let rows = export_report(
        &original,
        Report::Timeline,
        &ExportOptions::default(),
        today(),
        &timeline_csv,
    )
    .unwrap();
    let mut copy = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let summary = import_file(&mut copy, &timeline_csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.entries_added, rows);
    let with_entries = original
        .customers()
        .unwrap()
        .iter()
        .filter(|c| !original.timeline(c.id).unwrap().is_empty())
        .count();
    assert_eq!(summary.customers_added, with_entries);
    let evil = copy
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.email == "evil@example.com")
        .unwrap();
    assert_eq!(evil.name, "=HYPERLINK(\"http://evil\")");
    assert_eq!(evil.phone, "+49 30 1234567");
}

#[test]
fn google_contacts_import_with_duplicates_reported() {
    let path = fixture("google_contacts.csv");
    let preview = preview(&path).unwrap();
    assert_eq!(preview.format, SourceFormat::GoogleContacts);
    assert_eq!(preview.total_rows, 5);
    assert_eq!(preview.rows[0][0], "Zoë");
    assert!(!preview.mapping.get(CustomerField::Email).is_empty());

    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 3, "{summary}");
    assert_eq!(summary.duplicates.len(), 1);
    let dup = &summary.duplicates[0];
    assert_eq!((dup.line, dup.matched_by, dup.merged), (6, "email", false));
    assert_eq!(dup.existing, "Zoë Müller (Müller Bäckerei GmbH)");
    assert_eq!(summary.problems.len(), 1);
    assert_eq!(summary.problems[0].line, 7);
    assert!(summary.problems[0].reason.contains("kim at leeimports.com"));

    let customers = store.customers().unwrap();
    let zoe = customers.iter().find(|c| c.name == "Zoë Müller").unwrap();
    assert_eq!(zoe.company, "Müller Bäckerei GmbH");
    assert_eq!(zoe.email, "zoe@mueller-baeckerei.de");
    assert_eq!(zoe.phone, "+49 171 5550123", "the first of several numbers");
    assert_eq!(zoe.tags, vec!["Key accounts"]);
    assert_eq!(
        zoe.notes,
        "Prefers calls before 10\nMobile phone: +49 30 5550100\nWork phone: +49 30 5550199",
        "the other numbers are kept, labelled as Google labels them"
    );
    let jose = customers
        .iter()
        .find(|c| c.name == "José Luis García")
        .unwrap();
    assert_eq!(jose.email, "jose@transportes-garcia.es");
    assert_eq!(jose.notes, "Home e-mail: jlg@example.com");
    assert!(jose.tags.is_empty(), "myContacts is not a tag");
    let nordic = customers
        .iter()
        .find(|c| c.name == "Nordic Fasteners AB")
        .unwrap();
    assert_eq!(
        nordic.company, "Nordic Fasteners AB",
        "a company without a person"
    );

    // Again, merging: every row is a duplicate now, and the second Zoë's notes join the first.
    let merge = ImportOptions {
        merge_duplicates: true,
        ..ImportOptions::default()
    };
    let summary = import_file(&mut store, &path, &merge, now()).unwrap();
    assert_eq!(summary.customers_added, 0);
    assert_eq!(summary.customers_merged, 4);
    assert_eq!(store.customers().unwrap().len(), 3);
    let zoe = store
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Zoë Müller")
        .unwrap();
    assert!(zoe.notes.contains("personal address book"), "{}", zoe.notes);
}

#[test]
fn outlook_contacts_import_and_formula_names_stay_text() {
    let path = fixture("outlook_contacts.csv");
    let headers: Vec<String> = {
        let mut reader = csv::Reader::from_path(&path).unwrap();
        reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect()
    };
    let mapping = detect_mapping(&headers);
    assert_eq!(mapping.format, SourceFormat::Outlook);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 3, "{summary}");
    assert_eq!(summary.problems.len(), 1);
    assert_eq!(
        summary.problems[0].line, 6,
        "the stray row after a two-line note"
    );
    assert!(summary.problems[0].reason.contains("no name"));
    let customers = store.customers().unwrap();
    let siobhan = customers
        .iter()
        .find(|c| c.name == "Siobhán O'Brien")
        .unwrap();
    assert_eq!(siobhan.phone, "+353 87 555 0101", "mobile before business");
    assert_eq!(siobhan.company, "Harbour Marine");
    assert_eq!(siobhan.tags, vec!["Key account", "Marine"]);
    assert!(siobhan.notes.contains("quarterly reviews"));
    // A formula-looking name is stored as typed and neutralised only on export.
    let mallory = customers
        .iter()
        .find(|c| c.email == "mallory@example.com")
        .unwrap();
    assert_eq!(mallory.name, "=cmd|' /C calc'!A0");
    let (text, _) = export_to_string(&store, Report::Customers, &ExportOptions::default());
    let (_, records) = read_csv(&text);
    assert_no_formula_cells(&records);
}

#[test]
fn vcard_3_and_4_import() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(
        &mut store,
        &fixture("contacts_v3.vcf"),
        &ImportOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!(summary.format, SourceFormat::VCard);
    assert_eq!(summary.customers_added, 3, "{summary}");
    assert_eq!(summary.problems.len(), 1);
    assert_eq!(summary.problems[0].line, 22, "the card without END:VCARD");
    let summary = import_file(
        &mut store,
        &fixture("contacts_v4.vcf"),
        &ImportOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!(summary.customers_added, 2, "{summary}");
    assert!(summary.problems.is_empty());

    let customers = store.customers().unwrap();
    let find = |name: &str| customers.iter().find(|c| c.name == name).unwrap();
    let priya = find("Dr. Priya Raman");
    assert_eq!(priya.company, "Raman Textiles");
    assert_eq!(priya.phone, "+91 98 5550 2232", "the preferred number");
    assert_eq!(priya.email, "priya@ramantex.in");
    assert_eq!(
        priya.notes,
        "Ships from Bengaluru, usually on Fridays.\nAsk about the monsoon schedule."
    );
    assert_eq!(priya.tags, vec!["key account", "textiles"]);
    assert_eq!(find("Tomás Ortega").email, "tomas@ortegalog.es");
    assert_eq!(find("Chloé Martin").company, "Atelier Martin");
    let samuel = find("Samuel Adeyemi");
    assert_eq!(samuel.phone, "+234-1-555-0122");
    assert_eq!(samuel.tags, vec!["food", "west africa"]);
    let lena = find("Lena Fischer");
    assert_eq!(lena.email, "lena@fischer-soehne.de");
    assert_eq!(lena.company, "Fischer & Söhne");
    assert_eq!(lena.notes, "Family firm; third generation.");
}

#[test]
fn malformed_rows_are_reported_by_line_and_the_rest_imports_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeline.csv");
    std::fs::write(
        &path,
        "entry_id,customer,company,email,phone,kind,occurred_at,summary,due,status,closed_on,category,amount\r\n\
         1,Ada,,ada@example.com,,note,2026-11-01T09:00:00,Remember the cake,,,,,\r\n\
         2,Ada,,ada@example.com,,promise,2026-11-02T09:00:00,Send quote,2026-13-01,open,,information,\r\n\
         3,Ada,,ada@example.com,,payment,2026-11-03T09:00:00,Invoice,2026-12-01,,,,-5\r\n\
         4,Ada,,ada@example.com,,teleport,2026-11-03T09:00:00,Beam,,,,,\r\n\
         5,,,,,note,2026-11-03T09:00:00,Nobody,,,,,\r\n\
         6,Ada,,ada@example.com\r\n\
         7,Ada,,ada@example.com,,payment,2026-11-04T09:00:00,Invoice 2,2026-12-01,,,,\"1,250.00\"\r\n",
    )
    .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    let lines: Vec<usize> = summary.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{summary}");
    assert!(summary.problems[0].reason.contains("2026-13-01"));
    assert!(summary.problems[1].reason.contains("negative"));
    assert!(summary.problems[2].reason.contains("teleport"));
    assert!(summary.problems[4].reason.contains("cells"));
    assert_eq!(summary.entries_added, 2);
    let ada = store.customers().unwrap();
    assert_eq!(ada.len(), 1);
    let timeline = store.timeline(ada[0].id).unwrap();
    assert_eq!(timeline.len(), 2);
    assert!(matches!(
        &timeline[0].kind,
        EntryKind::Payment(p) if p.amount == Cents(125_000)
    ));
}

#[test]
fn unreadable_files_are_refused_and_nothing_is_written() {
    // A Windows-1252 file used to be refused here as "not UTF-8"; issue 10 reads it in its
    // code page instead (see the encoding tests below).
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let no_name = dir.path().join("numbers.csv");
    std::fs::write(&no_name, "amount,date\r\n5,2026-01-01\r\n").unwrap();
    let err = import_file(&mut store, &no_name, &ImportOptions::default(), now()).unwrap_err();
    assert!(matches!(err, ImportError::NoNameColumn { .. }), "{err}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(matches!(
        import_file(&mut store, &empty, &ImportOptions::default(), now()),
        Err(ImportError::Empty { .. })
    ));
    assert_eq!(store.customers().unwrap().len(), 0);
}

#[test]
fn a_semicolon_csv_with_a_chosen_mapping_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.csv");
    std::fs::write(
        &path,
        "Kunde;Firma;Telefon\r\nJörg Weber;Weber KG;+49 40 555 123\r\n",
    )
    .unwrap();
    let preview = preview(&path).unwrap();
    assert_eq!(preview.headers, vec!["Kunde", "Firma", "Telefon"]);
    // German headers are known; "Kunde" (customer) is not a header any program writes.
    assert_eq!(preview.mapping.get(CustomerField::Company), [1]);
    assert_eq!(preview.mapping.get(CustomerField::Phone), [2]);
    assert!(preview.mapping.get(CustomerField::Name).is_empty());
    let mut mapping = preview.mapping.clone();
    mapping.set(CustomerField::Name, Some(0));
    mapping.set(CustomerField::Company, Some(1));
    mapping.set(CustomerField::Phone, Some(2));
    let shown = candor::io::import::mapped_customers(&preview.rows, &mapping, now());
    assert_eq!(shown[0].as_ref().unwrap().company, "Weber KG");
    let guessed = candor::io::import::mapped_customers(&preview.rows, &preview.mapping, now());
    assert_eq!(
        guessed[0].as_ref().unwrap().name,
        "Weber KG",
        "named after the company until a name column is chosen"
    );
    let mut store = Store::open_in_memory().unwrap();
    let options = ImportOptions {
        mapping: Some(mapping),
        ..ImportOptions::default()
    };
    let summary = import_file(&mut store, &path, &options, now()).unwrap();
    assert_eq!(summary.customers_added, 1);
    let c = &store.customers().unwrap()[0];
    assert_eq!(
        (c.name.as_str(), c.company.as_str(), c.phone.as_str()),
        ("Jörg Weber", "Weber KG", "+49 40 555 123")
    );
}

#[test]
fn the_command_line_exports_and_imports() {
    use candor::cli::{Command, run_command};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("j.sqlite3");
    drop(demo_journal(&db));
    let out = dir.path().join("timeline.csv");
    run_command(
        Some(db.clone()),
        Command::Export {
            report: Report::Timeline,
            from: Some("2026-11-01".into()),
            to: None,
            today: Some("2026-11-20".into()),
            no_bom: true,
            out: out.clone(),
        },
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("entry_id,"));
    assert!(read_csv(&text).1.len() > 3);
    let bad = run_command(
        Some(db.clone()),
        Command::Export {
            report: Report::Customers,
            from: Some("someday".into()),
            to: None,
            today: None,
            no_bom: false,
            out: dir.path().join("x.csv"),
        },
    )
    .unwrap_err();
    assert!(bad.to_string().contains("--from"), "{bad}");

    let other = dir.path().join("other.sqlite3");
    run_command(
        Some(other.clone()),
        Command::Import {
            file: fixture("contacts_v4.vcf"),
            merge_duplicates: false,
        },
    )
    .unwrap();
    assert_eq!(Store::open(&other).unwrap().customers().unwrap().len(), 2);
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof!["[=+\\-@\t\r'a-zA-Zäé😀,\"\n ]{1,12}", any::<String>(),]
        .prop_filter("non-blank", |s| !s.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_text_cell_starts_a_formula_and_every_value_round_trips(
        name in text_strategy(),
        company in text_strategy(),
        summary in text_strategy(),
        invoice in text_strategy(),
        cents in 1i64..1_000_000_000,
    ) {
        // One-line fields refuse control characters; free text keeps tab and newline.
        let line = |s: String| -> String {
            let clean: String = s.chars().filter(|c| !c.is_control()).collect();
            if clean.trim().is_empty() { "x".to_owned() } else { clean }
        };
        let (name, company, invoice) = (line(name), line(company), line(invoice));
        let summary: String = summary
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let mut store = Store::open_in_memory().unwrap();
        let mut draft = CustomerDraft::named(name);
        draft.company = company;
        let customer = store.add_customer(draft, now()).unwrap();
        let entry = store.add_entry(EntryDraft {
            customer_id: customer.id,
            occurred_at: at(2026, 11, 2, 9, 30),
            summary,
            kind: EntryKind::Payment(Payment {
                invoice_ref: invoice,
                amount: Cents(cents),
                due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                paid_on: None,
            }),
        }, now()).unwrap();
        let EntryKind::Payment(payment) = &entry.kind else { unreachable!() };
        for report in Report::ALL {
            let (text, _) = export_to_string(&store, *report, &ExportOptions::default());
            let (_, records) = read_csv(&text);
            for row in &records {
                for cell in row {
                    prop_assert!(!cell.starts_with(TRIGGERS), "{report:?}: {cell:?}");
                }
            }
        }
        let (text, _) = export_to_string(&store, Report::Timeline, &ExportOptions::default());
        let (headers, records) = read_csv(&text);
        prop_assert_eq!(records.len(), 1);
        let row = &records[0];
        let cell = |name: &str| candor::io::csv_text::unescape(&row[column(&headers, name)]).to_owned();
        prop_assert_eq!(cell("customer"), customer.name.clone());
        prop_assert_eq!(cell("company"), customer.company.clone());
        prop_assert_eq!(cell("summary"), entry.summary.clone());
        prop_assert_eq!(cell("invoice_ref"), payment.invoice_ref.clone());
        prop_assert_eq!(row[column(&headers, "amount")].to_owned(), Cents(cents).to_string());
        prop_assert_eq!(row[column(&headers, "entry_id")].to_owned(), entry.id.0.to_string());

        // And the file imports back to the same values.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let mut copy = Store::open_in_memory().unwrap();
        let summary = import_file(&mut copy, &path, &ImportOptions::default(), now()).unwrap();
        prop_assert!(summary.problems.is_empty(), "{}", summary);
        let customers = copy.customers().unwrap();
        prop_assert_eq!(&customers[0].name, &customer.name);
        prop_assert_eq!(&customers[0].company, &customer.company);
        let timeline = copy.timeline(customers[0].id).unwrap();
        prop_assert_eq!(&timeline[0].summary, &entry.summary);
        prop_assert_eq!(&timeline[0].kind, &entry.kind);
    }
}

#[test]
fn the_binary_writes_to_standard_output_and_reports_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("j.sqlite3");
    drop(demo_journal(&db));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args([
            "export",
            "--report",
            "call-first",
            "--today",
            "2026-11-20",
            "--out",
            "-",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("\u{feff}rank,customer_id,customer,"),
        "{text}"
    );
    assert!(text.contains("\r\n"));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["export", "--report", "everything", "--out", "-", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown report is a usage error"
    );

    // Issue 10: an import that leaves rows out exits 3 (it used to exit 0) and lists them
    // in a file next to the one imported, so the fixture is copied to a folder of its own.
    let contacts = dir.path().join("google_contacts.csv");
    std::fs::copy(fixture("google_contacts.csv"), &contacts).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("import")
        .arg(&contacts)
        .arg("--db")
        .arg(dir.path().join("new.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(
        report.starts_with(
            "Imported a Google Contacts CSV: 5 rows read: 3 customers added, 0 merged, 2 left out."
        ),
        "{report}"
    );
    assert!(
        report.contains("line 6: Zoe Mueller has the same email as Zoë Müller"),
        "{report}"
    );
    assert!(report.contains("line 7: "), "{report}");
    let list = dir.path().join("google_contacts-not-imported.csv");
    assert!(report.contains(&list.display().to_string()), "{report}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("2 rows were left out"), "{stderr}");
    let bytes = std::fs::read(&list).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a byte-order mark"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].starts_with("First Name,Middle Name,Last Name,"));
    assert!(lines[0].ends_with(",line,reason"), "{}", lines[0]);
    assert!(lines[1].starts_with("Zoe,,Mueller,"), "{}", lines[1]);
    assert!(lines[1].contains(",6,Zoe Mueller has the same email as Zoë Müller"));
    assert!(lines[2].starts_with("Kim,,Lee,"), "{}", lines[2]);
    assert!(lines[2].contains(",7,"), "{}", lines[2]);
    assert_eq!(lines.len(), 4, "two rows and a final line break: {text}");

    // The fixed list imports on its own; a second import never overwrites the first list.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("import")
        .arg(&contacts)
        .arg("--db")
        .arg(dir.path().join("new.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        std::fs::read(&list).unwrap(),
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()
    );
    assert!(
        dir.path()
            .join("google_contacts-not-imported-2.csv")
            .exists()
    );

    // Everything imported: exit 0 and no list.
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, "Name,Email\r\nAda Lovelace,ada@example.com\r\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("import")
        .arg(&clean)
        .arg("--db")
        .arg(dir.path().join("new.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!dir.path().join("clean-not-imported.csv").exists());
}

#[test]
fn twin_entries_stay_twins_and_a_second_import_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut original = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let customer = original
        .add_customer(CustomerDraft::named("Twin Calls"), now())
        .unwrap();
    for _ in 0..2 {
        original
            .add_entry(
                EntryDraft {
                    customer_id: customer.id,
                    occurred_at: at(2026, 11, 3, 10, 15),
                    summary: "Call about current orders".into(),
                    kind: EntryKind::Note,
                },
                now(),
            )
            .unwrap();
    }
    let csv = dir.path().join("timeline.csv");
    export_report(
        &original,
        Report::Timeline,
        &ExportOptions::default(),
        today(),
        &csv,
    )
    .unwrap();
    let mut copy = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let first = import_file(&mut copy, &csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!((first.entries_added, first.entries_already_present), (2, 0));
    let second = import_file(&mut copy, &csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(
        (second.entries_added, second.entries_already_present),
        (0, 2)
    );
    let twins = &copy.customers().unwrap()[0];
    assert_eq!(copy.timeline(twins.id).unwrap().len(), 2);
}

#[test]
fn the_period_counts_promises_made_in_it_with_their_outcomes() {
    let mut store = Store::open_in_memory().unwrap();
    let customer = store
        .add_customer(CustomerDraft::named("Record Keeper"), now())
        .unwrap();
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let mut add = |made: NaiveDate, summary: &str, promise: Promise| {
        store
            .add_entry(
                EntryDraft {
                    customer_id: customer.id,
                    occurred_at: made.and_hms_opt(9, 0, 0).unwrap(),
                    summary: summary.into(),
                    kind: EntryKind::Promise(promise),
                },
                now(),
            )
            .unwrap();
    };
    let mut kept = Promise::new(d(10, 5), PromiseCategory::Delivery);
    kept.keep(d(10, 5)).unwrap();
    add(d(10, 1), "On time", kept);
    let mut broken = Promise::new(d(10, 6), PromiseCategory::Fix);
    broken.break_on(d(10, 8)).unwrap();
    add(d(10, 2), "Broken", broken);
    let mut moved = Promise::new(d(10, 7), PromiseCategory::Delivery);
    moved.renegotiate(d(10, 12), d(10, 6), "Truck").unwrap();
    moved.keep(d(10, 12)).unwrap();
    add(d(10, 3), "Moved in time", moved);
    let mut earlier = Promise::new(d(8, 5), PromiseCategory::Callback);
    earlier.keep(d(8, 5)).unwrap();
    add(d(8, 1), "Before the period", earlier);

    let options = ExportOptions {
        from: Some(d(10, 1)),
        to: Some(d(10, 31)),
        bom: false,
    };
    let (text, _) = export_to_string(&store, Report::Customers, &options);
    let (headers, records) = read_csv(&text);
    let row = &records[0];
    let get = |name: &str| row[column(&headers, name)].to_owned();
    assert_eq!(get("promises_kept"), "2");
    assert_eq!(get("promises_broken"), "1");
    assert_eq!(get("promises_renegotiated"), "1");
    assert_eq!(get("promise_kept_rate"), "0.67");
    assert_eq!(get("slips_told_before_due"), "1");
    assert_eq!(get("open_promises"), "0");

    let (text, rows) = export_to_string(&store, Report::Promises, &options);
    assert_eq!(rows, 3, "the promise made in August is outside the period");
    let (headers, records) = read_csv(&text);
    let by_summary = |s: &str| {
        records
            .iter()
            .find(|r| &r[column(&headers, "summary")] == s)
            .unwrap()
            .clone()
    };
    let get = |r: &csv::StringRecord, name: &str| r[column(&headers, name)].to_owned();
    let on_time = by_summary("On time");
    assert_eq!(
        (
            get(&on_time, "days_late"),
            get(&on_time, "slipped"),
            get(&on_time, "told_before_due")
        ),
        ("0".into(), "no".into(), String::new())
    );
    let broken = by_summary("Broken");
    assert_eq!(
        (
            get(&broken, "outcome"),
            get(&broken, "days_late"),
            get(&broken, "told_before_due")
        ),
        ("broken".into(), "2".into(), "no".into())
    );
    let moved = by_summary("Moved in time");
    assert_eq!(get(&moved, "original_due"), "2026-10-07");
    assert_eq!(get(&moved, "due"), "2026-10-12");
    assert_eq!(get(&moved, "outcome"), "kept");
    assert_eq!(get(&moved, "renegotiations"), "1");
    assert_eq!(get(&moved, "days_late"), "0");
    assert_eq!(get(&moved, "told_before_due"), "yes");
}

/// Every import's counts add up: each row read was added, merged or left out.
fn assert_counts_add_up(summary: &candor::io::import::ImportSummary) {
    assert_eq!(
        summary.rows_read,
        summary.added() + summary.merged() + summary.left_out.len(),
        "{summary}"
    );
}

const PEOPLE: &str = "Name,Company,Email\r\nZoë Müller,Bäckerei Müller,zoe@example.com\r\nFrançois Léger,Café Crème,fl@example.com\r\nJosé García,Transportes García,jose@example.com\r\n";

#[test]
fn legacy_code_pages_and_utf16_files_import_with_their_names_intact() {
    // Generated from UTF-8 text with encoding_rs: no licensed real-world samples of these
    // encodings were found in time (see tests/fixtures/README.md).
    let dir = tempfile::tempdir().unwrap();
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(PEOPLE);
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(PEOPLE.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16be: Vec<u8> = PEOPLE.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let japanese = "Name,Company,Email\r\n山田太郎,株式会社山田商事,taro@example.jp\r\n佐藤花子,東京電機株式会社,hanako@example.jp\r\n鈴木一郎,大阪物産株式会社,ichiro@example.jp\r\n高橋美咲,名古屋食品株式会社,misaki@example.jp\r\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
    for (name, bytes, encoding, names) in [
        (
            "excel-windows.csv",
            cp1252.to_vec(),
            "windows-1252",
            ["Zoë Müller", "François Léger", "José García"].as_slice(),
        ),
        (
            "outlook-utf16le.csv",
            utf16le,
            "UTF-16LE",
            ["Zoë Müller", "François Léger", "José García"].as_slice(),
        ),
        (
            "utf16be-no-bom.csv",
            utf16be,
            "UTF-16BE",
            ["Zoë Müller", "François Léger", "José García"].as_slice(),
        ),
        (
            "excel-japan.csv",
            sjis.to_vec(),
            "Shift_JIS",
            ["山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲"].as_slice(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let shown = preview(&path).unwrap();
        assert_eq!(shown.encoding.name(), encoding, "{name}");
        assert_eq!(shown.undecodable, 0, "{name}");
        assert_eq!(shown.rows[0][0], names[0], "{name}");
        let mut store = Store::open_in_memory().unwrap();
        let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
        assert_counts_add_up(&summary);
        assert_eq!(summary.customers_added, names.len(), "{name}: {summary}");
        let mut stored: Vec<String> = store
            .customers()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        stored.sort();
        let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        expected.sort();
        assert_eq!(stored, expected, "{name}");
    }

    // A vCard in UTF-16 with a byte-order mark, as Outlook writes it.
    let card =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Müller\r\nORG:Bäckerei Müller\r\nEND:VCARD\r\n";
    let path = dir.path().join("outlook.vcf");
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(card.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 1, "{summary}");
    assert!(
        summary
            .to_string()
            .starts_with("Imported a vCard: 1 card read: 1 customer added, 0 merged, 0 left out."),
        "{summary}"
    );
    assert_eq!(store.customers().unwrap()[0].company, "Bäckerei Müller");
}

#[test]
fn a_wrongly_chosen_encoding_is_reported_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("excel-windows.csv");
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(PEOPLE);
    std::fs::write(&path, &cp1252).unwrap();
    let options = ImportOptions {
        encoding: Some(encoding_rs::UTF_8),
        ..ImportOptions::default()
    };
    let shown = candor::io::import::preview_with(&path, &options).unwrap();
    assert_eq!(shown.rows[0][0], "Zo\u{fffd} M\u{fffd}ller");
    assert_eq!(shown.undecodable, 11);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &options, now()).unwrap();
    assert_eq!(summary.undecodable, 11);
    assert!(
        summary
            .to_string()
            .contains("11 characters could not be read as UTF-8"),
        "{summary}"
    );
}

#[test]
fn excel_separator_lines_semicolons_and_tabs_are_detected_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    // Excel's "sep=;" line is not a row, but line numbers still count it.
    let path = dir.path().join("european.csv");
    std::fs::write(
        &path,
        "sep=;\r\nName;Company;Phone\r\nJörg Weber;Weber, Söhne & Co KG;+49 40 555 123\r\nAnna Berg;Berg AB\r\n\r\n;;\r\nLena Fischer;Fischer GmbH;+49 30 555 777\r\n",
    )
    .unwrap();
    let shown = preview(&path).unwrap();
    assert_eq!(shown.separator, Some(b';'));
    assert_eq!(shown.headers, ["Name", "Company", "Phone"]);
    assert_eq!(shown.empty_rows, 1, "the ;; row");
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_counts_add_up(&summary);
    assert_eq!(summary.rows_read, 3, "{summary}");
    assert_eq!(summary.customers_added, 2, "{summary}");
    assert_eq!(summary.left_out.len(), 1);
    assert_eq!(summary.left_out[0].line, 4, "{summary}");
    assert!(summary.to_string().contains("1 empty rows"), "{summary}");
    let customers = store.customers().unwrap();
    let weber = customers.iter().find(|c| c.name == "Jörg Weber").unwrap();
    assert_eq!(weber.company, "Weber, Söhne & Co KG");

    let tabs = dir.path().join("tabs.txt");
    std::fs::write(
        &tabs,
        "Name\tCompany\tE-mail Address\nIngrid Larsen\tNordlys Hotels, Tromsø\tingrid@nordlys.no\n",
    )
    .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &tabs, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 1, "{summary}");
    let ingrid = &store.customers().unwrap()[0];
    assert_eq!(
        (ingrid.company.as_str(), ingrid.email.as_str()),
        ("Nordlys Hotels, Tromsø", "ingrid@nordlys.no")
    );
}

/// A 10,000-row contacts file with a stray quote opening the name of data row 10 (line 11).
fn file_with_stray_quote(dir: &Path) -> PathBuf {
    let mut text = String::from("Name,Email\r\n");
    for i in 1..=10_000 {
        let quote = if i == 10 { "\"" } else { "" };
        text.push_str(&format!("{quote}Customer {i},c{i}@example.com\r\n"));
    }
    let path = dir.join("contacts.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_stray_quote_refuses_the_whole_file_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with_stray_quote(dir.path());
    let mut store = Store::open_in_memory().unwrap();
    let err = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::RunawayQuote {
                line: 11,
                row_line: 11,
                rows_before: 9,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Line 11 of contacts.csv opens a quoted field that never closes, so every row after it would be swallowed: fix the quote on line 11 (or remove it) and import again."
    );
    assert!(store.customers().unwrap().is_empty(), "nothing imported");

    // The preview says so and offers the rows before it; importing them takes agreement.
    let shown = preview(&path).unwrap();
    let runaway = shown.runaway_quote.unwrap();
    assert_eq!(
        (runaway.line, runaway.row_line, runaway.rows_before),
        (11, 11, 9)
    );
    assert_eq!(shown.total_rows, 9);
    let agreed = ImportOptions {
        stop_before_line: Some(runaway.row_line),
        ..ImportOptions::default()
    };
    let summary = import_file(&mut store, &path, &agreed, now()).unwrap();
    assert_counts_add_up(&summary);
    assert_eq!((summary.rows_read, summary.customers_added), (9, 9));
    assert_eq!(summary.stopped_before_line, Some(11));
    assert!(
        summary
            .to_string()
            .contains("only the rows before line 11 were read"),
        "{summary}"
    );
    assert_eq!(store.customers().unwrap().len(), 9);

    // A stray quote that a later quote closes swallows rows as surely.
    let wide = dir.path().join("wide.csv");
    let mut text = String::from("Name,Company,Email\r\n");
    for i in 1..=50 {
        let name = match i {
            5 => "\"Customer 5".to_owned(),
            40 => "\"Lee, Kim\"".to_owned(),
            _ => format!("Customer {i}"),
        };
        text.push_str(&format!("{name},Firm {i},c{i}@example.com\r\n"));
    }
    std::fs::write(&wide, text).unwrap();
    let err = import_file(&mut store, &wide, &ImportOptions::default(), now()).unwrap_err();
    assert!(
        matches!(err, ImportError::RunawayQuote { line: 6, .. }),
        "{err:?}"
    );
}

#[test]
fn the_cli_refuses_a_file_with_a_stray_quote_and_leaves_the_journal_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with_stray_quote(dir.path());
    let db = dir.path().join("j.sqlite3");
    drop(demo_journal(&db));
    let before = std::fs::read(&db).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("import")
        .arg(&path)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr
            .starts_with("candor: Line 11 of contacts.csv opens a quoted field that never closes"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the journal is unchanged"
    );
    assert!(!dir.path().join("contacts-not-imported.csv").exists());
}

#[test]
fn every_summary_adds_up_and_lists_each_row_left_out_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.csv");
    std::fs::write(
        &path,
        "Name,Email,Cadence\r\nAda Lovelace,ada@example.com,14\r\n,,\r\nBob Stone,bob@example.com,often\r\nAda L.,ADA@example.com,\r\nCy Young,cy@example.com\r\nDi Prince,di@example.com,7\r\n",
    )
    .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_counts_add_up(&summary);
    assert_eq!(
        (
            summary.rows_read,
            summary.customers_added,
            summary.empty_rows
        ),
        (5, 2, 1)
    );
    let lines: Vec<usize> = summary.left_out.iter().map(|p| p.line).collect();
    assert_eq!(lines, [4, 5, 6], "{summary}");
    assert!(summary.left_out[0].reason.contains("often"));
    assert!(
        summary.left_out[1]
            .reason
            .contains("same email as Ada Lovelace")
    );
    assert!(summary.left_out[2].reason.contains("cells"));
    assert!(
        summary
            .to_string()
            .starts_with("Imported a CSV: 5 rows read: 2 customers added, 0 merged, 3 left out."),
        "{summary}"
    );

    // The list of rows left out gives back each row's own cells, padded to the header.
    let list = dir.path().join("mixed-not-imported.csv");
    let written =
        candor::io::import::write_left_out(&path, &ImportOptions::default(), &summary, &list)
            .unwrap();
    assert_eq!(written, 3);
    assert_eq!(
        std::fs::read_to_string(&list).unwrap(),
        "\u{feff}Name,Email,Cadence,line,reason\r\n\
         Bob Stone,bob@example.com,often,4,\"the cadence \"\"often\"\" is not a whole number of days: write e.g. 14\"\r\n\
         Ada L.,ADA@example.com,,5,Ada L. has the same email as Ada Lovelace: import again merging duplicates to merge them\r\n\
         Cy Young,cy@example.com,,6,the row has 2 cells but the header has 3: check for a missing or extra comma or an unclosed quote\r\n"
    );

    // Merging moves the duplicate from "left out" to "merged".
    let merge = ImportOptions {
        merge_duplicates: true,
        ..ImportOptions::default()
    };
    let again = import_file(&mut store, &path, &merge, now()).unwrap();
    assert_counts_add_up(&again);
    assert_eq!((again.customers_added, again.customers_merged), (0, 3));

    // A timeline imported twice: the second time every entry is left out, already there.
    let db = dir.path().join("j.sqlite3");
    drop(demo_journal(&db));
    let timeline = dir.path().join("timeline.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["export", "--report", "timeline", "--out"])
        .arg(&timeline)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut fresh = Store::open_in_memory().unwrap();
    let first = import_file(&mut fresh, &timeline, &ImportOptions::default(), now()).unwrap();
    assert_counts_add_up(&first);
    assert!(first.left_out.is_empty(), "{first}");
    let second = import_file(&mut fresh, &timeline, &ImportOptions::default(), now()).unwrap();
    assert_counts_add_up(&second);
    assert_eq!(second.left_out.len(), second.rows_read);
    assert!(second.left_out[0].reason.contains("already in the journal"));
}

/// With the journal in euros the German way, the screen and the openers read "1.234,50 €"
/// while the CSV keeps a plain number a spreadsheet sums, with the currency code beside it;
/// a customer in the trash is in no report.
#[test]
fn reports_keep_plain_amounts_with_the_currency_and_leave_out_deleted_customers() {
    use candor::domain::{Currency, MoneyFormat, NumberLocale};
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("j.sqlite3")).unwrap();
    let ann = store
        .add_customer(CustomerDraft::named("Ann Keller"), at(2026, 1, 5, 9, 0))
        .unwrap();
    let bob = store
        .add_customer(CustomerDraft::named("Bob Marsh"), at(2026, 1, 5, 9, 0))
        .unwrap();
    for customer in [ann.id, bob.id] {
        store
            .add_entry(
                EntryDraft {
                    customer_id: customer,
                    occurred_at: at(2026, 10, 1, 12, 0),
                    summary: "October invoice".into(),
                    kind: EntryKind::Payment(Payment {
                        invoice_ref: "INV-10".into(),
                        amount: Cents(123_450),
                        due: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                        paid_on: None,
                    }),
                },
                now(),
            )
            .unwrap();
    }
    store
        .set_money_format(MoneyFormat::new(Some(Currency::Eur), NumberLocale::DeDe))
        .unwrap();
    store.delete_customer(bob.id, now()).unwrap();
    let options = ExportOptions::default();

    let (text, rows) = export_to_string(&store, Report::Customers, &options);
    assert_eq!(rows, 1, "Bob is in the trash");
    let (headers, records) = read_csv(&text);
    assert_eq!(&records[0][column(&headers, "name")], "Ann Keller");
    assert_eq!(&records[0][column(&headers, "overdue_amount")], "1234.50");
    assert_eq!(&records[0][column(&headers, "currency")], "EUR");

    let (text, rows) = export_to_string(&store, Report::Timeline, &options);
    assert_eq!(rows, 1, "only Ann's invoice");
    let (headers, records) = read_csv(&text);
    assert_eq!(&records[0][column(&headers, "customer")], "Ann Keller");
    assert_eq!(&records[0][column(&headers, "amount")], "1234.50");
    assert_eq!(&records[0][column(&headers, "currency")], "EUR");

    let (text, rows) = export_to_string(&store, Report::CallFirst, &options);
    assert_eq!(rows, 1);
    assert!(
        text.contains("Invoice INV-10 (1.234,50\u{a0}€) is"),
        "the reason reads as on screen: {text}"
    );
    assert!(!text.contains("Bob Marsh"));
}

/// A timeline exported from a journal in euros brings its amounts into another journal in
/// euros (or one with no currency yet); a journal kept in dollars leaves those rows out,
/// each with its line and reason, rather than taking euros for dollars.
#[test]
fn amounts_in_another_currency_are_left_out_of_a_timeline_import_with_the_reason() {
    use candor::domain::{Currency, MoneyFormat, NumberLocale};
    let dir = tempfile::tempdir().unwrap();
    let mut euros = Store::open(&dir.path().join("euros.sqlite3")).unwrap();
    let ann = euros
        .add_customer(CustomerDraft::named("Ann Keller"), at(2026, 1, 5, 9, 0))
        .unwrap();
    for (summary, kind) in [
        (
            "October invoice",
            EntryKind::Payment(Payment {
                invoice_ref: "INV-10".into(),
                amount: Cents(123_450),
                due: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                paid_on: None,
            }),
        ),
        ("Met at the fair", EntryKind::Note),
    ] {
        euros
            .add_entry(
                EntryDraft {
                    customer_id: ann.id,
                    occurred_at: at(2026, 10, 1, 12, 0),
                    summary: summary.into(),
                    kind,
                },
                now(),
            )
            .unwrap();
    }
    euros
        .set_money_format(MoneyFormat::new(Some(Currency::Eur), NumberLocale::FrFr))
        .unwrap();
    let csv = dir.path().join("timeline.csv");
    export_report(
        &euros,
        Report::Timeline,
        &ExportOptions::default(),
        today(),
        &csv,
    )
    .unwrap();

    let mut dollars = Store::open(&dir.path().join("dollars.sqlite3")).unwrap();
    dollars
        .set_money_format(MoneyFormat::new(Some(Currency::Usd), NumberLocale::EnUs))
        .unwrap();
    let summary = import_file(&mut dollars, &csv, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.entries_added, 1, "the note");
    assert_eq!(summary.left_out.len(), 1);
    assert_eq!(
        summary.left_out[0].reason,
        "the amount is in EUR but this journal keeps its amounts in USD: convert it first"
    );

    for other in ["also-euros.sqlite3", "no-currency.sqlite3"] {
        let mut store = Store::open(&dir.path().join(other)).unwrap();
        if other == "also-euros.sqlite3" {
            store
                .set_money_format(MoneyFormat::new(Some(Currency::Eur), NumberLocale::DeDe))
                .unwrap();
        }
        let summary = import_file(&mut store, &csv, &ImportOptions::default(), now()).unwrap();
        assert_eq!(summary.entries_added, 2, "{other}");
        assert!(summary.left_out.is_empty(), "{other}");
    }
}

#[test]
fn bad_news_anywhere_in_a_large_journal_counts_for_the_promise_it_is_about() {
    // The reports read the entries in two halves by id, at once, on two connections (a
    // journal in a file): the promise and its first bad news sit in different halves, and
    // a later bad news about it in the same half as the promise.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
    let customer = store
        .add_customer(CustomerDraft::named("Split Halves"), now())
        .unwrap();
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let mut add = |on: NaiveDate, summary: &str, kind: EntryKind| {
        store
            .add_entry(
                EntryDraft {
                    customer_id: customer.id,
                    occurred_at: on.and_hms_opt(9, 0, 0).unwrap(),
                    summary: summary.into(),
                    kind,
                },
                now(),
            )
            .unwrap()
    };
    let mut slipped = Promise::new(d(10, 10), PromiseCategory::Delivery);
    slipped.break_on(d(10, 12)).unwrap();
    let promise = add(d(10, 1), "Slipped", EntryKind::Promise(slipped)).id;
    let news = |related| {
        EntryKind::BadNews(BadNews {
            about: BadNewsKind::Delay,
            related: Some(related),
            proactive: true,
        })
    };
    add(d(10, 11), "Told late", news(promise));
    for n in 0..40 {
        add(
            d(9, 1),
            &format!("Call {n}"),
            EntryKind::Contact(Default::default()),
        );
    }
    add(d(10, 9), "Told before the day", news(promise));
    let mut kept = Promise::new(d(10, 20), PromiseCategory::Callback);
    kept.keep(d(10, 20)).unwrap();
    add(d(10, 2), "Kept", EntryKind::Promise(kept));

    let options = ExportOptions {
        from: Some(d(10, 1)),
        to: Some(d(10, 31)),
        bom: false,
    };
    let (text, rows) = export_to_string(&store, Report::Promises, &options);
    assert_eq!(rows, 2);
    let (headers, records) = read_csv(&text);
    let summaries: Vec<&str> = records
        .iter()
        .map(|r| &r[column(&headers, "summary")])
        .collect();
    assert_eq!(
        summaries,
        ["Slipped", "Kept"],
        "in the order they were made"
    );
    assert_eq!(&records[0][column(&headers, "told_before_due")], "yes");

    let (text, _) = export_to_string(&store, Report::Customers, &options);
    let (headers, records) = read_csv(&text);
    let get = |name: &str| records[0][column(&headers, name)].to_owned();
    assert_eq!(
        (
            get("promises_kept"),
            get("promises_broken"),
            get("slips_told_before_due")
        ),
        ("1".into(), "1".into(), "1".into())
    );
}
