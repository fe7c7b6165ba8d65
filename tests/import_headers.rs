//! Contact files from other programs arrive whole: localised Outlook, Thunderbird, Evolution
//! and iOS headers map like the English ones, contacts without a person's name are named
//! from what they have, cells with several values keep the rest in the notes, and columns
//! that are not imported or appear twice are said, never dropped silently.

use std::path::{Path, PathBuf};

use candor::domain::Customer;
use candor::io::import::{
    CustomerField, ImportOptions, ImportSummary, SourceFormat, import_file, preview,
    preview_customers,
};
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

fn import_with(path: &Path, options: &ImportOptions) -> (ImportSummary, Vec<Customer>) {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import_file(&mut store, path, options, now()).unwrap();
    let mut customers = store.customers().unwrap();
    customers.sort_by(|a, b| a.name.cmp(&b.name));
    (summary, customers)
}

fn import(path: &Path) -> (ImportSummary, Vec<Customer>) {
    import_with(path, &ImportOptions::default())
}

/// Name, company, phone and email of each customer, by name.
fn cards(customers: &[Customer]) -> Vec<[&str; 4]> {
    customers
        .iter()
        .map(|c| {
            [
                c.name.as_str(),
                c.company.as_str(),
                c.phone.as_str(),
                c.email.as_str(),
            ]
        })
        .collect()
}

fn notes_of<'a>(customers: &'a [Customer], name: &str) -> &'a str {
    &customers
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} was imported"))
        .notes
}

fn not_imported(summary: &ImportSummary, technical: bool) -> Vec<String> {
    summary
        .columns_not_imported
        .iter()
        .filter(|c| c.technical == technical)
        .map(|c| c.describe())
        .collect()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_german_outlook_export_imports_like_an_english_one() {
    let path = fixture("outlook_de.csv");
    assert_eq!(preview(&path).unwrap().format, SourceFormat::Outlook);
    let (summary, customers) = import(&path);
    assert_eq!(summary.customers_added, 3, "{summary}");
    assert!(summary.problems.is_empty(), "{summary}");
    assert_eq!(
        cards(&customers),
        [
            ["Anna Berg", "", "", "anna.berg@beispiel.de"],
            [
                "Jörg Weber",
                "Weber KG",
                "+49 171 555 0456",
                "joerg@weber-kg.de"
            ],
            [
                "Ulrike Maria Sommer",
                "Bäckerei Sommer",
                "+49 89 555 0190",
                "ulrike@baeckerei-sommer.de"
            ],
        ]
    );
    assert_eq!(
        notes_of(&customers, "Jörg Weber"),
        "Liefert dienstags.\nTelefon geschäftlich: +49 40 555 123\nE-Mail 2: Adresse: j.weber@example.de"
    );
    assert_eq!(customers[1].tags, ["Lieferant"]);
    assert_eq!(
        notes_of(&customers, "Ulrike Maria Sommer"),
        "Telefon (privat): +49 89 555 0191"
    );
    assert_eq!(
        not_imported(&summary, false),
        [
            "Position (1 value)",
            "Geburtstag (1 value)",
            "Initialen (2 values)"
        ],
        "Outlook's 0.0.00 for no date is no value"
    );
    assert_eq!(
        not_imported(&summary, true),
        [
            "E-Mail-Typ (3 values)",
            "E-Mail: Angezeigter Name (3 values)",
            "E-Mail 2: Typ (1 value)",
            "E-Mail 2: Angezeigter Name (1 value)",
            "Geschlecht (3 values)",
            "Priorität (3 values)",
            "Privat (3 values)",
            "Vertraulichkeit (3 values)",
        ]
    );
    let text = summary.to_string();
    assert!(
        text.contains("1 customer had no name and was named from their e-mail address"),
        "{text}"
    );
    assert!(text.contains("line 4: Anna Berg"), "{text}");
    assert!(
        text.contains(
            "Columns not imported: Position (1 value), Geburtstag (1 value), Initialen (2 values)."
        ),
        "{text}"
    );
    assert!(text.contains("bookkeeping columns"), "{text}");
}

#[test]
fn french_spanish_and_japanese_outlook_exports_import_like_english_ones() {
    let (summary, customers) = import(&fixture("outlook_fr.csv"));
    assert_eq!(
        cards(&customers),
        [
            [
                "Chloé Martin",
                "Atelier Martin",
                "+33 6 55 50 98 76",
                "chloe@atelier-martin.fr"
            ],
            ["Nono", "", "+33 4 55 50 22 22", ""],
        ],
        "{summary}"
    );
    assert_eq!(
        notes_of(&customers, "Chloé Martin"),
        "Préfère être appelée le matin.\nTéléphone (bureau): +33 1 55 50 12 34"
    );
    assert_eq!(customers[0].tags, ["Clients"]);
    assert_eq!(summary.named.len(), 1);
    assert_eq!(
        (summary.named[0].line, summary.named[0].named_from),
        (3, "nickname")
    );
    // French Outlook calls both the courtesy title and the job title "Titre".
    assert_eq!(
        summary.duplicate_headers,
        [
            "Columns 1 and 9 are both called \"Titre\": none is imported unless you add it to the notes."
        ]
    );

    let (summary, customers) = import(&fixture("outlook_es.csv"));
    assert_eq!(
        cards(&customers),
        [
            [
                "Frutas del Sur S.L.",
                "Frutas del Sur S.L.",
                "+34 954 555 012",
                "pedidos@frutasdelsur.es"
            ],
            [
                "Tomás Ortega Ruiz",
                "Ortega Logística",
                "+34 655 550 143",
                "tomas@ortegalog.es"
            ],
        ],
        "{summary}"
    );
    assert_eq!(
        notes_of(&customers, "Tomás Ortega Ruiz"),
        "Pedidos grandes en marzo.\nTeléfono del trabajo: +34 91 555 0143"
    );
    assert_eq!(
        not_imported(&summary, false),
        ["Puesto (1 value)", "Fax del trabajo (1 value)"]
    );

    let (summary, customers) = import(&fixture("outlook_ja.csv"));
    assert_eq!(
        cards(&customers),
        [
            [
                "Aiko Tanaka",
                "Tanaka Precision",
                "+81 90 5550 7781",
                "aiko@tanaka-precision.jp"
            ],
            [
                "山田 太郎",
                "山田精密工業",
                "090-5555-0102",
                "yamada@yamada-seimitsu.co.jp"
            ],
        ],
        "family name first for a Japanese name: {summary}"
    );
    assert_eq!(
        notes_of(&customers, "山田 太郎"),
        "毎月第一月曜日に発注。\n会社電話: 03-5555-0101"
    );
    assert_eq!(customers[1].tags, ["仕入先"]);
    assert_eq!(
        notes_of(&customers, "Aiko Tanaka"),
        "電子メール アドレス: a.tanaka@example.jp",
        "the second address of the cell"
    );
}

#[test]
fn thunderbird_exports_keep_work_phones_and_second_addresses() {
    let path = fixture("thunderbird_quote.csv");
    assert_eq!(preview(&path).unwrap().format, SourceFormat::Thunderbird);
    let (summary, customers) = import(&path);
    assert_eq!(
        cards(&customers),
        [["Acer America", "Acer America", "(800) 000-0000", ""]],
        "{summary}"
    );

    let (summary, customers) = import(&fixture("thunderbird_export.csv"));
    assert_eq!(
        cards(&customers),
        [
            ["contact number one", "", "", "contact1@invalid"],
            ["contact number two", "", "", "contact2@invalid"],
        ],
        "{summary}"
    );
    assert_eq!(
        notes_of(&customers, "contact number two"),
        "here's some unicode text…"
    );
    assert_eq!(
        not_imported(&summary, false),
        [
            "Job Title (1 value)",
            "Custom 1 (1 value)",
            "Custom 2 (1 value)",
            "Custom 3 (1 value)",
            "Custom 4 (1 value)",
        ]
    );

    // Primary Email, Secondary Email, Work Phone, Home Phone and Mobile Number all arrive.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "tb.csv",
        "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Organization,Notes\r\n\
         Mia,Koch,Mia Koch,,mia@koch.de,mia.koch@example.de,,+49 40 555 10,+49 40 555 11,+49 40 555 12,,+49 170 555 13,Koch GmbH,\r\n",
    );
    let (_, customers) = import(&path);
    assert_eq!(
        cards(&customers),
        [["Mia Koch", "Koch GmbH", "+49 170 555 13", "mia@koch.de"]]
    );
    assert_eq!(
        customers[0].notes,
        "Work Phone: +49 40 555 10\nHome Phone: +49 40 555 11\nSecondary Email: mia.koch@example.de"
    );
}

#[test]
fn evolution_and_ios_exports_import() {
    let (summary, customers) = import(&fixture("evolution_contacts.csv"));
    assert_eq!(
        cards(&customers),
        [
            ["Bjørn the fixer", "", "+47 926 55 011", ""],
            [
                "Ingrid Larsen",
                "Nordlys Hotels",
                "+47 415 55 010",
                "ingrid@nordlys.no"
            ],
        ],
        "{summary}"
    );
    assert_eq!(
        notes_of(&customers, "Ingrid Larsen"),
        "Business phone: +47 22 55 50 10"
    );
    assert_eq!(not_imported(&summary, false), ["Birthday (1 value)"]);

    let (summary, customers) = import(&fixture("ios_contacts.csv"));
    assert_eq!(
        cards(&customers),
        [
            ["+44 20 7946 0958", "", "+44 20 7946 0958", ""],
            [
                "Lena Fischer",
                "Fischer & Söhne",
                "+49 30 555 0177",
                "lena@fischer-soehne.de"
            ],
        ],
        "{summary}"
    );
    assert_eq!(
        notes_of(&customers, "Lena Fischer"),
        "iPhone: +49 151 555 0178\nHome email: lena.fischer@example.de"
    );
    assert_eq!(summary.named[0].named_from, "phone number");
    assert!(summary.columns_not_imported.is_empty(), "{summary}");
}

#[test]
fn contacts_without_a_name_are_named_from_what_they_have_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "book.csv",
        "Name,Nickname,Company,Email,Phone\n\
         ,,,anna.berg@example.se,\n\
         ,Kalle,,,\n\
         ,,,,+46 8 555 0100\n\
         ,,Holm AB,info@holm.se,\n\
         ,,,,\n\
         Eva Lind,Evi,,,\n",
    );
    let preview = preview(&path).unwrap();
    let shown: Vec<(String, Option<&str>)> = preview_customers(&preview.rows, &preview.mapping)
        .into_iter()
        .map(|r| match r {
            Ok(c) => (c.customer.name, c.named_from),
            Err(reason) => (reason, None),
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Anna Berg".to_owned(), Some("e-mail address")),
            ("Kalle".to_owned(), Some("nickname")),
            ("+46 8 555 0100".to_owned(), Some("phone number")),
            ("Holm AB".to_owned(), None),
            ("Eva Lind".to_owned(), None),
        ],
        "the empty row is no row at all"
    );
    let (summary, customers) = import(&path);
    assert_eq!(summary.customers_added, 5, "{summary}");
    assert!(summary.problems.is_empty(), "{summary}");
    let named: Vec<(usize, &str, &str)> = summary
        .named
        .iter()
        .map(|n| (n.line, n.name.as_str(), n.named_from))
        .collect();
    assert_eq!(
        named,
        [
            (2, "Anna Berg", "e-mail address"),
            (3, "Kalle", "nickname"),
            (4, "+46 8 555 0100", "phone number"),
        ]
    );
    let text = summary.to_string();
    assert!(
        text.contains("1 customer had no name and was named from their e-mail address"),
        "{text}"
    );
    assert!(text.contains("line 3: Kalle"), "{text}");
    assert_eq!(
        notes_of(&customers, "Eva Lind"),
        "Nickname: Evi",
        "a nickname not used as the name is kept"
    );
    assert_eq!(notes_of(&customers, "Kalle"), "");

    // Before, a file of e-mail addresses alone had "no column Candor can take a name from".
    let emails = write(
        &dir,
        "emails.csv",
        "E-mail\nsam@example.com\nkim_lee@example.com\n",
    );
    let (summary, customers) = import(&emails);
    assert_eq!(summary.customers_added, 2, "{summary}");
    assert_eq!(
        cards(&customers),
        [
            ["Kim Lee", "", "", "kim_lee@example.com"],
            ["Sam", "", "", "sam@example.com"],
        ]
    );
}

#[test]
fn a_cell_with_several_values_keeps_the_first_and_the_rest_in_the_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "multi.csv",
        "Name,Email,Phone,Email 2\n\
         Per Holm,\"per@holm.se, per.holm@example.se\",\"+46 8 555 0200; +46 70 555 0201\",\n\
         Eva Lind,eva at lind.se; eva@lind.se,\"+46 8 555 0300, ext. 12\",eva.lind@example.se\n\
         Bo Ek,bo@ek.se,\"+46 8 555 0400\n+46 70 555 0401\",BO@EK.SE\n",
    );
    let (summary, customers) = import(&path);
    assert!(summary.problems.is_empty(), "{summary}");
    assert_eq!(
        cards(&customers),
        [
            ["Bo Ek", "", "+46 8 555 0400", "bo@ek.se"],
            ["Eva Lind", "", "+46 8 555 0300, ext. 12", "eva@lind.se"],
            ["Per Holm", "", "+46 8 555 0200", "per@holm.se"],
        ]
    );
    assert_eq!(
        notes_of(&customers, "Per Holm"),
        "Phone: +46 70 555 0201\nEmail: per.holm@example.se"
    );
    assert_eq!(
        notes_of(&customers, "Eva Lind"),
        "Email: eva at lind.se\nEmail 2: eva.lind@example.se",
        "an odd address beside a good one does not refuse the row"
    );
    assert_eq!(
        notes_of(&customers, "Bo Ek"),
        "Phone: +46 70 555 0401",
        "the same address twice is kept once"
    );
}

#[test]
fn duplicate_headers_are_reported_and_their_values_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "dup.csv",
        "Name,Phone,Remark,Phone,Remark\n\
         Ada Moss,,first,+44 20 555 0101,second\n\
         Ben Ray,+44 20 555 0202,,+44 7700 555 0203,\n",
    );
    let preview = preview(&path).unwrap();
    assert_eq!(
        preview.duplicate_headers(),
        [
            "Columns 2 and 4 are both called \"Phone\": the first with a value fills the phone, the others go to the notes.",
            "Columns 3 and 5 are both called \"Remark\": none is imported unless you add it to the notes.",
        ]
    );
    let remarks: Vec<String> = preview
        .columns_not_imported()
        .iter()
        .map(|c| format!("{} {}", c.column, c.describe()))
        .collect();
    assert_eq!(remarks, ["2 Remark (1 value)", "4 Remark (1 value)"]);

    let mut mapping = preview.mapping.clone();
    mapping.set_to_notes(2, true);
    mapping.set_to_notes(4, true);
    let options = ImportOptions {
        merge_duplicates: false,
        mapping: Some(mapping),
        ..ImportOptions::default()
    };
    let (summary, customers) = import_with(&path, &options);
    assert_eq!(
        cards(&customers),
        [
            ["Ada Moss", "", "+44 20 555 0101", ""],
            ["Ben Ray", "", "+44 20 555 0202", ""],
        ]
    );
    assert_eq!(
        notes_of(&customers, "Ada Moss"),
        "Remark: first\nRemark: second"
    );
    assert_eq!(notes_of(&customers, "Ben Ray"), "Phone: +44 7700 555 0203");
    assert!(summary.columns_not_imported.is_empty(), "{summary}");
    assert_eq!(
        summary.duplicate_headers,
        [
            "Columns 2 and 4 are both called \"Phone\": the first with a value fills the phone, the others go to the notes.",
            "Columns 3 and 5 are both called \"Remark\": those you chose go to the notes.",
        ]
    );
}

#[test]
fn unknown_columns_are_listed_and_can_be_added_to_the_notes() {
    let path = fixture("thunderbird_export.csv");
    let preview = preview(&path).unwrap();
    let listed: Vec<String> = preview
        .columns_not_imported()
        .iter()
        .filter(|c| c.values > 0)
        .map(|c| c.describe())
        .collect();
    assert_eq!(
        listed,
        [
            "Job Title (1 value)",
            "Custom 1 (1 value)",
            "Custom 2 (1 value)",
            "Custom 3 (1 value)",
            "Custom 4 (1 value)"
        ]
    );
    let empty = preview
        .columns_not_imported()
        .iter()
        .filter(|c| c.values == 0)
        .count();
    assert_eq!(empty, 21, "empty columns are counted, not listed");
    let mut mapping = preview.mapping.clone();
    let job_title = preview
        .headers
        .iter()
        .position(|h| h == "Job Title")
        .unwrap();
    mapping.set_to_notes(job_title, true);
    let (summary, customers) = import_with(
        &path,
        &ImportOptions {
            merge_duplicates: false,
            mapping: Some(mapping),
            ..ImportOptions::default()
        },
    );
    assert_eq!(
        notes_of(&customers, "contact number two"),
        "here's some unicode text…\nJob Title: \"worker\""
    );
    assert_eq!(summary.columns_not_imported.len(), 4, "{summary}");

    // Or mapped to a field, as before: the nickname field is new.
    let mut mapping = preview.mapping.clone();
    mapping.set(CustomerField::Nickname, Some(job_title));
    assert!(
        mapping
            .columns_not_imported(&preview.filled_cells)
            .iter()
            .all(|c| c.column != job_title)
    );
}

#[test]
fn candors_own_reports_read_back_without_notes_or_column_warnings() {
    use candor::domain::CustomerDraft;
    use candor::io::export::{ExportOptions, Report, export_report};
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let mut draft = CustomerDraft::named("Ada Moss");
    draft.phone = "+44 20 555 0101; +44 7700 555 0102".into();
    draft.notes = "Two numbers in one field, as typed.".into();
    store.add_customer(draft, now()).unwrap();
    let path = dir.path().join("customers.csv");
    export_report(
        &store,
        Report::Customers,
        &ExportOptions::default(),
        now().date(),
        &path,
    )
    .unwrap();
    let (summary, customers) = import(&path);
    assert_eq!(summary.format, SourceFormat::CandorCustomers);
    assert!(summary.columns_not_imported.is_empty(), "{summary}");
    assert!(summary.named.is_empty(), "{summary}");
    assert_eq!(
        (customers[0].phone.as_str(), customers[0].notes.as_str()),
        (
            "+44 20 555 0101; +44 7700 555 0102",
            "Two numbers in one field, as typed."
        ),
        "Candor's own cells are never split"
    );
}
