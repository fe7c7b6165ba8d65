//! Real vCard exports (Android, Outlook 2003/2007, Apple Address Book, BlackBerry, Japanese
//! phones; vCard 2.1 and 3.0) import with their names, companies, first phones and first
//! e-mails decoded, and every card in a file is either a customer or reported with its
//! line: none is lost without a word. The fixtures' sources are in tests/fixtures/README.md.

use std::path::{Path, PathBuf};

use candor::io::import::{ImportOptions, ImportSummary, SourceFormat, import_file, preview};
use candor::io::vcard::{NameSource, parse_vcard_bytes};
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
        .join("tests/fixtures/vcard")
        .join(name)
}

/// (name, company, phone, email) of a customer.
type Arrived = (String, String, String, String);

fn arrived(name: &str, company: &str, phone: &str, email: &str) -> Arrived {
    (name.into(), company.into(), phone.into(), email.into())
}

/// Imports a fixture into an empty journal: the summary and the customers, sorted by name.
fn import(name: &str) -> (ImportSummary, Vec<Arrived>, Store) {
    let path = fixture(name);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.format, SourceFormat::VCard);
    let mut customers: Vec<Arrived> = store
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.company, c.phone, c.email))
        .collect();
    customers.sort();
    assert_every_card_accounted_for(&path, &summary);
    (summary, customers, store)
}

/// Every BEGIN:VCARD in the file is a customer added or merged, a duplicate left out, or a
/// problem with its line.
fn assert_every_card_accounted_for(path: &Path, summary: &ImportSummary) {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).to_ascii_uppercase();
    let cards = text.matches("BEGIN:VCARD").count();
    let left_out = summary.duplicates.iter().filter(|d| !d.merged).count();
    assert_eq!(
        summary.customers_added + summary.customers_merged + left_out + summary.problems.len(),
        cards,
        "{summary}"
    );
}

fn sorted(mut customers: Vec<Arrived>) -> Vec<Arrived> {
    customers.sort();
    customers
}

#[test]
fn an_android_2_1_export_with_quoted_printable_utf8_names_arrives_whole() {
    let (summary, customers, store) = import("ez-vcard/John_Doe_ANDROID.vcf");
    let n = |count: usize, separator: &str| vec!["Ñ"; count].join(separator);
    assert_eq!(
        customers,
        sorted(vec![
            // Named from the e-mail address as a CSV row without a name would be.
            arrived("John Doe", "", "", "john.doe@company.com"),
            arrived("Jane Doe", "", "", "jane.doe@company.com"),
            arrived(&n(5, " "), "", "123456789", ""),
            arrived(&n(11, " "), "", "123456", ""),
            arrived(&n(4, ""), &n(44, ""), "55556666", "henry@company.com"),
        ]),
        "{summary}"
    );
    // The fifth card shares its preferred number with the fourth: a duplicate, reported.
    assert_eq!(summary.customers_added, 5);
    assert_eq!(summary.duplicates.len(), 1, "{summary}");
    assert_eq!(summary.duplicates[0].name, n(4, " "));
    assert_eq!(summary.duplicates[0].line, 36);
    assert!(summary.problems.is_empty(), "{summary}");
    // The made-up names are flagged in the summary, to check afterwards.
    let named: Vec<(usize, &str, &str)> = summary
        .named
        .iter()
        .map(|n| (n.line, n.name.as_str(), n.named_from))
        .collect();
    assert_eq!(
        named,
        [
            (1, "John Doe", "e-mail address"),
            (6, "Jane Doe", "e-mail address")
        ]
    );
    let long_name = store
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.phone == "123456")
        .unwrap();
    // Two notes, each three quoted-printable lines whose soft breaks fall between letters.
    let note = "Ñ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ";
    assert_eq!(long_name.notes, format!("{note}\n{note}"));
    assert_eq!(long_name.tags, ["My Contacts"]);

    // The cards without a name are named from their e-mail address, and say so.
    let (contacts, _) = parse_vcard_bytes(
        &std::fs::read(fixture("ez-vcard/John_Doe_ANDROID.vcf")).unwrap(),
        encoding_rs::WINDOWS_1252,
    );
    let named_from: Vec<Option<NameSource>> = contacts.iter().map(|c| c.named_from).collect();
    assert_eq!(
        named_from,
        [
            Some(NameSource::Email),
            Some(NameSource::Email),
            None,
            None,
            None,
            None
        ]
    );
}

#[test]
fn an_outlook_2003_card_with_bare_parameters_and_a_certificate_arrives() {
    let (summary, customers, store) = import("ez-vcard/outlook-2003.vcf");
    assert_eq!(
        customers,
        [arrived(
            "John Doe III",
            "Company, The",
            "BusinessPhone",
            "jdoe@hotmail.com"
        )],
        "{summary}"
    );
    assert_eq!(
        store.customers().unwrap()[0].notes,
        "This is the note field!!\nSecond line\n\nThird line is empty"
    );
}

#[test]
fn an_outlook_2007_card_with_soft_line_breaks_arrives() {
    let (summary, customers, store) = import("ez-vcard/outlook-2007.vcf");
    assert_eq!(
        customers,
        [arrived(
            "Mr. Michael Angstadt Jr.",
            "TheCompany",
            "(111) 555-1111",
            "mike.angstadt@gmail.com"
        )],
        "{summary}"
    );
    assert_eq!(
        store.customers().unwrap()[0].notes,
        "This is the NOTE field\t\nI assume it encodes this text inside a NOTE vCard type.\n\
         But I'm not sure because there's text formatting going on here.\n\
         It does not preserve the formatting"
    );
}

#[test]
fn an_apple_address_book_card_with_a_base64_photo_arrives() {
    let (summary, customers, _) = import("ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf");
    assert_eq!(
        customers,
        [arrived(
            "Mr. John Richter,James Doe Sr.",
            "IBM",
            "905-777-1234",
            "john.doe@ibm.com"
        )],
        "{summary}"
    );
}

#[test]
fn a_blackberry_card_with_an_unindented_photo_arrives() {
    let (summary, customers, _) = import("ez-vcard/John_Doe_BLACK_BERRY.vcf");
    assert_eq!(
        customers,
        [arrived("John Doe", "Acme Solutions", "+96123456789", "")],
        "{summary}"
    );
}

#[test]
fn a_card_with_n_but_no_fn_is_named_from_n() {
    let (summary, customers, _) = import("aosp/v21_simple_1.vcf");
    assert_eq!(customers, [arrived("Roid Ando", "", "", "")], "{summary}");
}

#[test]
fn japanese_phone_cards_in_shift_jis_arrive_in_japanese() {
    let (summary, customers, _) = import("aosp/v21_japanese_1.vcf");
    assert_eq!(
        customers,
        [arrived("安藤ロイド", "", "0300000000", "")],
        "{summary}"
    );

    let (summary, customers, store) = import("aosp/v21_japanese_2.vcf");
    assert_eq!(
        customers,
        [arrived("安藤 ロイド 1", "", "", "")],
        "{summary}"
    );
    assert_eq!(store.customers().unwrap()[0].notes, "メモ");
}

#[test]
fn a_complicated_android_card_arrives_with_its_preferred_email() {
    let (summary, customers, store) = import("aosp/v21_complicated.vcf");
    assert_eq!(
        customers,
        [arrived(
            "Joe Due",
            "Gump Shrimp Co.",
            "(111) 555-1212",
            "forrestgump@walladalla.com"
        )],
        "{summary}"
    );
    assert_eq!(
        store.customers().unwrap()[0].notes,
        "The following note is the example from RFC 2045.\n\
         Now's the time for all folk to come to the aid of their country."
    );
}

#[test]
fn the_preferred_phone_and_email_and_the_first_company_are_taken() {
    let (summary, customers, _) = import("aosp/v21_pref_handling.vcf");
    assert_eq!(
        customers,
        [arrived("Smith", "Company", "2", "test@example.com")],
        "{summary}"
    );
}

#[test]
fn comment_lines_inside_a_card_do_not_lose_it() {
    let (summary, customers, store) = import("aosp/v21_invalid_comment_line.vcf");
    assert_eq!(
        customers,
        [arrived("Conference Call", "", "", "")],
        "{summary}"
    );
    assert_eq!(
        store.customers().unwrap()[0].notes,
        "This is an (sharp ->#<- sharp) example. This message must NOT be ignored."
    );
}

#[test]
fn a_vcard_in_a_legacy_code_page_is_read_not_refused_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outlook.vcf");
    let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:".to_vec();
    bytes.extend(encoding_rs::WINDOWS_1252.encode("Müller;Jörg").0.iter());
    bytes.extend(b"\r\nEMAIL;PREF;INTERNET:joerg@mueller.de\r\nEND:VCARD\r\n".iter());
    std::fs::write(&path, &bytes).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 1, "{summary}");
    assert_eq!(store.customers().unwrap()[0].name, "Jörg Müller");
}

#[test]
fn unreadable_cards_are_reported_in_vcard_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.vcf");
    std::fs::write(
        &path,
        "BEGIN:VCARD\nVERSION:3.0\nNOTE:only a note\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Cut\n",
    )
    .unwrap();
    let found = preview(&path).unwrap();
    assert_eq!(found.total_rows, 0);
    let lines: Vec<usize> = found.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 5]);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 0);
    let text = summary.to_string();
    assert!(
        text.contains("Nothing was imported: not one card in the file could be read"),
        "{text}"
    );
    assert!(
        text.contains("line 1: the card has no name, company, e-mail address or phone number"),
        "{text}"
    );
    assert!(text.contains("line 5: the card is cut off"), "{text}");
    assert!(!text.contains("CSV"), "{text}");
    assert_every_card_accounted_for(&path, &summary);
}

/// Writes `text` as `name` in a new folder.
fn written(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn a_10_mb_photo_is_skipped_and_a_10_mb_note_leaves_only_its_card_out() {
    let photo_line = "A".repeat(74);
    let mut text = String::from(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Lima\r\nPHOTO;ENCODING=b;TYPE=JPEG:\r\n",
    );
    for _ in 0..(10 << 20) / 74 {
        text.push(' ');
        text.push_str(&photo_line);
        text.push_str("\r\n");
    }
    text.push_str("EMAIL:ana@lima.pt\r\nEND:VCARD\r\n");
    let rui_line = text.matches("\r\n").count() + 1;
    text.push_str("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Rui Costa\r\nNOTE:");
    text.push_str(&"x".repeat(10 << 20));
    text.push_str("\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva Nunes\r\nEND:VCARD\r\n");
    let (_dir, path) = written("big.vcf", text.as_bytes());

    let shown = preview(&path).unwrap();
    assert_eq!(shown.total_rows, 3);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    let mut names: Vec<String> = store
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Ana Lima", "Eva Nunes"], "{summary}");
    assert_eq!(summary.rows_read, 3);
    assert_eq!(summary.left_out.len(), 1, "{summary}");
    assert_eq!(summary.left_out[0].line, rui_line);
    assert!(
        summary.left_out[0]
            .reason
            .contains("The notes field is 10,240 KB long"),
        "{summary}"
    );
    assert_every_card_accounted_for(&path, &summary);
}

#[test]
fn a_card_with_a_control_character_is_left_out_with_its_line_and_the_others_arrive() {
    let (_dir, path) = written(
        "bell.vcf",
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ana Lima\nEND:VCARD\n\
          BEGIN:VCARD\nVERSION:3.0\nFN:Rui\x07 Costa\nEND:VCARD\n\
          BEGIN:VCARD\nVERSION:3.0\nFN:Eva Nunes\nNOTE:tab\\tand\\nline are fine\tthere\nEND:VCARD\n",
    );
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(summary.customers_added, 2, "{summary}");
    assert_eq!(summary.left_out.len(), 1, "{summary}");
    assert_eq!(summary.left_out[0].line, 5);
    assert!(
        summary.left_out[0]
            .reason
            .contains("invisible control character (U+0007"),
        "{summary}"
    );
    assert!(
        summary.to_string().contains("1 card was not imported"),
        "{summary}"
    );
    assert_every_card_accounted_for(&path, &summary);
}

#[test]
fn a_file_whose_last_card_has_no_end_imports_the_cards_before_it() {
    let (_dir, path) = written(
        "cut.vcf",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Lima\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Rui Costa\r\nTEL:+351 21 555 0100",
    );
    let shown = preview(&path).unwrap();
    assert_eq!((shown.total_rows, shown.problems.len()), (1, 1));
    assert_eq!(shown.separator, None);
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &ImportOptions::default(), now()).unwrap();
    assert_eq!(
        summary.counts_line(),
        "Imported a vCard: 2 cards read: 1 customer added, 0 merged, 1 left out."
    );
    assert_eq!(summary.left_out[0].line, 5);
    assert!(
        summary.left_out[0]
            .reason
            .contains("the file ends before its END:VCARD")
    );
}

#[test]
fn a_refused_vcard_import_leaves_no_journal_behind() {
    let (dir, path) = written("empty.vcf", b"\xEF\xBB\xBF\r\n  \r\n");
    let journal = dir.path().join("new.sqlite3");
    let error = candor::io::import::run_cli(&journal, &path, false, now()).unwrap_err();
    assert!(error.to_string().contains("is empty"), "{error}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("empty.vcf")]);
}

#[test]
fn a_chosen_encoding_reads_the_vcard_in_it_and_duplicates_are_listed_with_their_cells() {
    let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Müller;Jörg\r\nEMAIL:joerg@mueller.de\r\nEND:VCARD\r\n\
                BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jörg M.\r\nEMAIL:JOERG@mueller.de\r\nEND:VCARD\r\n";
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let (dir, path) = written("outlook.vcf", &cp1252);
    let options = ImportOptions {
        encoding: Some(encoding_rs::WINDOWS_1250),
        ..ImportOptions::default()
    };
    let shown = candor::io::import::preview_with(&path, &options).unwrap();
    assert_eq!(shown.encoding, encoding_rs::WINDOWS_1250);
    assert_eq!(shown.how_detected, candor::io::import::Detection::Chosen);
    assert_eq!(shown.rows[0][0], "Jörg Müller");
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, &path, &options, now()).unwrap();
    assert_eq!(summary.customers_added, 1, "{summary}");
    assert_eq!(summary.duplicates[0].line, 6);
    let list = dir.path().join("left-out.csv");
    let written = candor::io::import::write_left_out(&path, &options, &summary, &list).unwrap();
    assert_eq!(written, 1);
    let listed = std::fs::read_to_string(&list).unwrap();
    assert!(
        listed.contains("Jörg M.,,,JOERG@mueller.de,,,,6,"),
        "{listed}"
    );
}
