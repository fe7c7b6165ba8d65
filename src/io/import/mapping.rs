//! Column mappings: which column of a contacts CSV (Candor's own reports, Google, Outlook,
//! Thunderbird or any other) fills which customer field, which columns fill none, and which
//! headers appear twice. The per-program, per-language header tables live in
//! [`super::header_maps`].

use std::collections::{BTreeMap, BTreeSet};

pub use super::header_maps::CustomerField;
use super::header_maps::{
    OUTLOOK_MARKERS, TECHNICAL_HEADERS, THUNDERBIRD_MARKERS, header_key, is_placeholder,
    known_headers, numbered_google_field,
};
use super::{ImportPreview, SourceFormat};

/// Which CSV columns (0-based) fill which customer field. Several columns for one field are
/// tried in order and the first value wins (Outlook's several phone columns); the values of
/// the others are kept in the customer's notes, labelled with their column's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    pub format: SourceFormat,
    pub columns: BTreeMap<CustomerField, Vec<usize>>,
    /// The file's headers, in column order: they label values kept in the notes.
    pub headers: Vec<String>,
    /// Columns that fill no field but whose values are added to the notes, one
    /// "Header: value" line each. The user chooses them in the mapping step.
    pub to_notes: BTreeSet<usize>,
}

/// A column that fills no customer field, with how many of its cells hold something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedColumn {
    /// 0-based.
    pub column: usize,
    pub header: String,
    /// Non-empty cells in the whole file (Outlook's "0/0/00" for no date is empty).
    pub values: usize,
    /// One of the columns Outlook fills for every contact with a default or a copy of
    /// another column ("E-mail Type": "SMTP"); worth a mention, not a line each.
    pub technical: bool,
}

impl UnmappedColumn {
    /// "Fax Number (12 values)".
    pub fn describe(&self) -> String {
        match self.values {
            1 => format!("{} (1 value)", self.header),
            n => format!("{} ({n} values)", self.header),
        }
    }
}

/// Several columns with the same header (compared as [`detect_mapping`] compares them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateHeader {
    /// The header as the first of the columns spells it.
    pub header: String,
    /// 0-based, in file order.
    pub columns: Vec<usize>,
}

impl ColumnMapping {
    /// A mapping of `columns` for a file whose headers are `headers`, with nothing added to
    /// the notes.
    pub fn new(
        format: SourceFormat,
        headers: Vec<String>,
        columns: BTreeMap<CustomerField, Vec<usize>>,
    ) -> Self {
        Self {
            format,
            columns,
            headers,
            to_notes: BTreeSet::new(),
        }
    }

    /// The columns mapped to `field` (empty when none).
    pub fn get(&self, field: CustomerField) -> &[usize] {
        self.columns.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Every column a customer read from a row under this mapping depends on: the mapped
    /// columns, those added to the notes and those whose header says what kind of value
    /// another column holds (Google's "E-mail 1 - Label"). Two rows with the same cells in
    /// these columns give the same customer.
    pub fn customer_columns(&self) -> Vec<usize> {
        let labels = self.headers.iter().enumerate().filter(|(_, h)| {
            let key = super::header_maps::header_key(h);
            key.ends_with("label") || key.ends_with("type")
        });
        let mut columns: Vec<usize> = self
            .columns
            .values()
            .flatten()
            .copied()
            .chain(self.to_notes.iter().copied())
            .chain(labels.map(|(i, _)| i))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }

    /// Maps `field` to one column, or to none. A column chosen for a field is no longer
    /// added to the notes as an extra column.
    pub fn set(&mut self, field: CustomerField, column: Option<usize>) {
        match column {
            Some(column) => {
                self.to_notes.remove(&column);
                self.columns.insert(field, vec![column]);
            }
            None => {
                self.columns.remove(&field);
            }
        }
    }

    /// Adds the values of an unmapped `column` to the notes, or stops doing so.
    pub fn set_to_notes(&mut self, column: usize, add: bool) {
        if add {
            self.to_notes.insert(column);
        } else {
            self.to_notes.remove(&column);
        }
    }

    /// The field `column` fills, if any.
    pub fn field_of(&self, column: usize) -> Option<CustomerField> {
        self.columns
            .iter()
            .find(|(_, columns)| columns.contains(&column))
            .map(|(field, _)| *field)
    }

    /// Whether the mapping can produce a name: from a name, first or last name, nickname,
    /// company, email or phone column.
    pub fn can_name_customers(&self) -> bool {
        [
            CustomerField::Name,
            CustomerField::FirstName,
            CustomerField::LastName,
            CustomerField::Nickname,
            CustomerField::Company,
            CustomerField::Email,
            CustomerField::Phone,
        ]
        .iter()
        .any(|f| !self.get(*f).is_empty())
    }

    /// The columns that fill no field, are not added to the notes, and are not Google's
    /// "E-mail 1 - Label" beside a mapped value column (those label the notes instead).
    pub fn unmapped_columns(&self) -> Vec<usize> {
        (0..self.headers.len())
            .filter(|c| self.field_of(*c).is_none() && !self.to_notes.contains(c))
            .filter(|c| !self.is_label_column(*c))
            .collect()
    }

    /// Whether `column` is Google's label ("Work", "Mobile") of a mapped value column.
    fn is_label_column(&self, column: usize) -> bool {
        let Some(key) = self.headers.get(column).map(|h| header_key(h)) else {
            return false;
        };
        let Some(stem) = key
            .strip_suffix("label")
            .or_else(|| key.strip_suffix("type"))
        else {
            return false;
        };
        self.headers.iter().enumerate().any(|(i, h)| {
            header_key(h)
                .strip_prefix(stem)
                .is_some_and(|rest| rest == "value")
                && self.field_of(i).is_some()
        })
    }

    /// The label of a value from `column` in the notes: the header, or for Google's
    /// "Phone 2 - Value" the row's own label ("Work phone"), or "Column 7" when the header
    /// is empty.
    pub fn label(&self, column: usize, cells: &csv::StringRecord) -> String {
        let header = self.headers.get(column).map_or("", |h| h.trim());
        let header = header.trim_start_matches('\u{feff}');
        if header.is_empty() {
            return format!("Column {}", column + 1);
        }
        let key = header_key(header);
        if let Some((field, _)) = numbered_google_field(&key)
            && let Some(stem) = key.strip_suffix("value")
        {
            let own_label = self
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    let k = header_key(h);
                    k.strip_prefix(stem)
                        .is_some_and(|rest| rest == "label" || rest == "type")
                })
                .filter_map(|(i, _)| cells.get(i))
                .map(|l| l.trim().trim_start_matches('*').trim())
                .find(|l| !l.is_empty());
            let kind = match field {
                CustomerField::Email => "e-mail",
                CustomerField::Phone => "phone",
                _ => "",
            };
            let number = header
                .rsplit_once(" - ")
                .map_or(header, |(number, _)| number)
                .trim();
            return match own_label {
                Some(label) if !kind.is_empty() => format!("{label} {kind}"),
                _ => number.to_owned(),
            };
        }
        header.to_owned()
    }

    /// Headers that appear more than once (compared as detection compares them). Columns
    /// without a header are not counted.
    pub fn duplicate_headers(&self) -> Vec<DuplicateHeader> {
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, header) in self.headers.iter().enumerate() {
            let key = header_key(header);
            if !key.is_empty() {
                by_key.entry(key).or_default().push(i);
            }
        }
        let mut duplicates: Vec<DuplicateHeader> = by_key
            .into_values()
            .filter(|columns| columns.len() > 1)
            .map(|columns| DuplicateHeader {
                header: self.headers[columns[0]].trim().to_owned(),
                columns,
            })
            .collect();
        duplicates.sort_by_key(|d| d.columns[0]);
        duplicates
    }
}

impl ColumnMapping {
    /// The unmapped columns (see [`Self::unmapped_columns`]) with how many cells each
    /// fills, `filled` counting per column. Candor's own reports have none: their other
    /// columns (scores, counts) are worked out again from the journal.
    pub fn columns_not_imported(&self, filled: &[usize]) -> Vec<UnmappedColumn> {
        if matches!(
            self.format,
            SourceFormat::CandorCustomers | SourceFormat::CandorTimeline | SourceFormat::VCard
        ) {
            return Vec::new();
        }
        self.unmapped_columns()
            .into_iter()
            .map(|column| UnmappedColumn {
                column,
                header: match self.headers[column].trim() {
                    "" => format!("Column {}", column + 1),
                    header => header.trim_start_matches('\u{feff}').to_owned(),
                },
                values: filled.get(column).copied().unwrap_or_default(),
                technical: {
                    let key = header_key(&self.headers[column]);
                    TECHNICAL_HEADERS.iter().any(|h| header_key(h) == key)
                },
            })
            .collect()
    }

    /// One sentence on what happens to the columns of a duplicate header.
    pub fn describe_duplicate(&self, duplicate: &DuplicateHeader) -> String {
        let numbers: Vec<String> = duplicate
            .columns
            .iter()
            .map(|c| (c + 1).to_string())
            .collect();
        let numbers = match numbers.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => numbers.join(""),
        };
        let fields: Vec<CustomerField> = duplicate
            .columns
            .iter()
            .filter_map(|c| self.field_of(*c))
            .collect();
        let start = format!("Columns {numbers} are all called \"{}\"", duplicate.header);
        let start = if duplicate.columns.len() == 2 {
            start.replace("are all called", "are both called")
        } else {
            start
        };
        match fields.first() {
            Some(CustomerField::Notes) => format!("{start}: all go to the notes."),
            Some(CustomerField::Tags) => format!("{start}: all become tags."),
            Some(field) => format!(
                "{start}: the first with a value fills the {}, the others go to the notes.",
                field.label().to_lowercase()
            ),
            None if duplicate.columns.iter().any(|c| self.to_notes.contains(c)) => {
                format!("{start}: those you chose go to the notes.")
            }
            None => format!("{start}: none is imported unless you add it to the notes."),
        }
    }
}

impl ImportPreview {
    /// The columns the current mapping leaves out (neither a field nor added to the notes),
    /// with how many values each holds, for the mapping step to show.
    pub fn columns_not_imported(&self) -> Vec<UnmappedColumn> {
        self.mapping.columns_not_imported(&self.filled_cells)
    }

    /// The columns that fill no field and hold something, each with whether it goes to the
    /// notes: the mapping step's "add to the notes" choices. Outlook's bookkeeping columns
    /// ([`UnmappedColumn::technical`]) are left out; [`Self::columns_not_imported`] has them.
    pub fn note_choices(&self) -> Vec<(UnmappedColumn, bool)> {
        let mut choices: Vec<(UnmappedColumn, bool)> = self
            .columns_not_imported()
            .into_iter()
            .filter(|c| c.values > 0 && !c.technical)
            .map(|c| (c, false))
            .collect();
        for column in &self.mapping.to_notes {
            let Some(header) = self.headers.get(*column) else {
                continue;
            };
            let header = match header.trim() {
                "" => format!("Column {}", column + 1),
                header => header.to_owned(),
            };
            let values = self.filled_cells.get(*column).copied().unwrap_or_default();
            let column = UnmappedColumn {
                column: *column,
                header,
                values,
                technical: false,
            };
            choices.push((column, true));
        }
        choices.sort_by_key(|(c, _)| c.column);
        choices
    }

    /// Headers the file has more than once, each with what happens to its columns under the
    /// current mapping.
    pub fn duplicate_headers(&self) -> Vec<String> {
        self.mapping
            .duplicate_headers()
            .iter()
            .map(|d| self.mapping.describe_duplicate(d))
            .collect()
    }
}

/// How many non-empty cells each of `width` columns has.
pub(super) fn filled_cells<'a>(
    rows: impl Iterator<Item = &'a csv::StringRecord>,
    width: usize,
) -> Vec<usize> {
    let mut filled = vec![0; width];
    for row in rows {
        tally_filled(&mut filled, row);
    }
    filled
}

/// Adds the non-empty cells of `row` to `filled` (see [`filled_cells`]).
pub(super) fn tally_filled(filled: &mut [usize], row: &csv::StringRecord) {
    for (count, cell) in filled.iter_mut().zip(row.iter()) {
        if !cell.trim().is_empty() && !is_placeholder(cell) {
            *count += 1;
        }
    }
}

pub(super) fn normalise_header(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase()
}

/// Recognises the headers of Candor's reports, Outlook (in eight languages), Google
/// Contacts, Thunderbird, Apple and Evolution exports, and guesses the columns of any other
/// CSV. Every column with a known header is mapped, duplicates included: the first with a
/// value fills the field and the rest go to the notes.
pub fn detect_mapping(headers: &[String]) -> ColumnMapping {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let has = |name: &str| {
        let wanted = header_key(name);
        keys.contains(&wanted)
    };
    let format = if has("entry_id") && has("kind") && has("occurred_at") {
        SourceFormat::CandorTimeline
    } else if has("customer_id") && has("name") && has("cadence_days") {
        SourceFormat::CandorCustomers
    } else if keys.iter().any(|k| numbered_google_field(k).is_some()) || has("group membership") {
        SourceFormat::GoogleContacts
    } else if THUNDERBIRD_MARKERS.iter().any(|(a, b)| has(a) && has(b)) {
        SourceFormat::Thunderbird
    } else if OUTLOOK_MARKERS.iter().any(|m| has(m)) {
        SourceFormat::Outlook
    } else {
        SourceFormat::GenericCsv
    };
    let mut columns: BTreeMap<CustomerField, Vec<usize>> = BTreeMap::new();
    for field in CustomerField::ALL {
        let mut found: Vec<usize> = Vec::new();
        for wanted in known_headers(*field).iter().map(|h| header_key(h)) {
            for (i, _) in keys.iter().enumerate().filter(|(_, k)| **k == wanted) {
                if !found.contains(&i) {
                    found.push(i);
                }
            }
        }
        let mut numbered: Vec<(u32, usize)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| match numbered_google_field(k) {
                Some((f, n)) if f == *field => Some((n, i)),
                _ => None,
            })
            .collect();
        numbered.sort_unstable();
        found.extend(numbered.into_iter().map(|(_, i)| i));
        if !found.is_empty() {
            columns.insert(*field, found);
        }
    }
    if format == SourceFormat::CandorTimeline {
        // The timeline's customer columns: "customer" is the name.
        columns.remove(&CustomerField::Name);
        if let Some(i) = keys.iter().position(|k| k == "customer") {
            columns.insert(CustomerField::Name, vec![i]);
        }
    }
    ColumnMapping::new(format, headers.to_vec(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(line: &str) -> Vec<String> {
        line.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn no_header_is_known_for_two_fields() {
        let mut seen: BTreeMap<String, CustomerField> = BTreeMap::new();
        for field in CustomerField::ALL {
            for header in known_headers(*field) {
                let key = header_key(header);
                if let Some(other) = seen.insert(key.clone(), *field) {
                    assert_eq!(
                        other, *field,
                        "{header} is listed for {other:?} and {field:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_ignore_case_spacing_punctuation_and_unicode_form() {
        assert_eq!(header_key("E-Mail-Adresse"), header_key("e-mail adresse"));
        assert_eq!(
            header_key("\u{feff}Telefon (privat)"),
            header_key("Telefon privat")
        );
        assert_eq!(header_key("Société "), header_key("Société"));
        // "é" written as "e" and a combining accent, as macOS files sometimes do.
        assert_eq!(header_key("Pre\u{301}nom"), header_key("Prénom"));
        assert_ne!(header_key("Societe"), header_key("Société"));
        // Full-width letters and the ideographic space of Japanese Windows.
        assert_eq!(
            header_key("電子メール\u{3000}アドレス"),
            header_key("電子メール アドレス")
        );
    }

    #[test]
    fn localised_outlook_headers_map_like_english_ones() {
        for (line, format) in [
            (
                "Vorname,Weitere Vornamen,Nachname,Firma,Telefon geschäftlich,Mobiltelefon,E-Mail-Adresse,Notizen,Kategorien",
                SourceFormat::Outlook,
            ),
            (
                "Prénom,Deuxième prénom,Nom,Société ,Téléphone (bureau),Tél. mobile,Adresse de messagerie,Notes,Catégories",
                SourceFormat::Outlook,
            ),
            (
                "Nombre,Segundo nombre,Apellidos,Organización,Teléfono del trabajo,Móvil,Dirección de correo electrónico,Notas,Categorías",
                SourceFormat::Outlook,
            ),
            (
                "名,ミドル ネーム,姓,会社名,会社電話,携帯電話,電子メール アドレス,メモ,分類",
                SourceFormat::Outlook,
            ),
        ] {
            let mapping = detect_mapping(&headers(line));
            assert_eq!(mapping.format, format, "{line}");
            assert_eq!(mapping.get(CustomerField::FirstName), [0], "{line}");
            assert_eq!(mapping.get(CustomerField::MiddleName), [1], "{line}");
            assert_eq!(mapping.get(CustomerField::LastName), [2], "{line}");
            assert_eq!(mapping.get(CustomerField::Company), [3], "{line}");
            assert_eq!(
                mapping.get(CustomerField::Phone),
                [5, 4],
                "mobile first: {line}"
            );
            assert_eq!(mapping.get(CustomerField::Email), [6], "{line}");
            assert_eq!(mapping.get(CustomerField::Notes), [7], "{line}");
            assert_eq!(mapping.get(CustomerField::Tags), [8], "{line}");
            assert!(mapping.unmapped_columns().is_empty(), "{line}");
        }
    }

    #[test]
    fn thunderbird_columns_map_and_unknown_ones_are_listed() {
        let mapping = detect_mapping(&headers(
            "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Organization,Notes",
        ));
        assert_eq!(mapping.format, SourceFormat::Thunderbird);
        assert_eq!(mapping.get(CustomerField::Name), [2]);
        assert_eq!(mapping.get(CustomerField::Nickname), [3]);
        assert_eq!(mapping.get(CustomerField::Email), [4, 5]);
        assert_eq!(mapping.get(CustomerField::Phone), [11, 7, 8]);
        assert_eq!(mapping.get(CustomerField::Company), [12]);
        assert_eq!(mapping.unmapped_columns(), [6, 9, 10]);
    }

    #[test]
    fn google_numbered_columns_map_in_number_order_and_their_labels_are_used() {
        let mapping = detect_mapping(&headers(
            "Name,Phone 2 - Type,Phone 2 - Value,Phone 1 - Type,Phone 1 - Value,E-mail 1 - Type,E-mail 1 - Value,Organization 1 - Name,Birthday",
        ));
        assert_eq!(mapping.format, SourceFormat::GoogleContacts);
        assert_eq!(mapping.get(CustomerField::Phone), [4, 2]);
        assert_eq!(mapping.get(CustomerField::Email), [6]);
        assert_eq!(mapping.get(CustomerField::Company), [7]);
        assert_eq!(
            mapping.unmapped_columns(),
            [8],
            "the type columns label values"
        );
        let row = csv::StringRecord::from(vec!["", "* Work", "1", "", "2", "", "", "", ""]);
        assert_eq!(mapping.label(2, &row), "Work phone");
        assert_eq!(mapping.label(4, &row), "Phone 1");
        assert_eq!(mapping.label(8, &row), "Birthday");
    }

    #[test]
    fn duplicate_headers_are_found_and_all_their_columns_mapped() {
        let mut mapping = detect_mapping(&headers("Name,Phone,Email,phone ,Remark,Remark,,"));
        assert_eq!(
            mapping.duplicate_headers(),
            [
                DuplicateHeader {
                    header: "Phone".to_owned(),
                    columns: vec![1, 3]
                },
                DuplicateHeader {
                    header: "Remark".to_owned(),
                    columns: vec![4, 5]
                },
            ]
        );
        assert_eq!(mapping.get(CustomerField::Phone), [1, 3]);
        assert_eq!(mapping.unmapped_columns(), [4, 5, 6, 7]);
        mapping.set_to_notes(5, true);
        assert_eq!(mapping.unmapped_columns(), [4, 6, 7]);
        mapping.set(CustomerField::Notes, Some(5));
        assert!(
            mapping.to_notes.is_empty(),
            "a mapped column is not an extra note"
        );
        let row = csv::StringRecord::from(vec![""; 8]);
        assert_eq!(mapping.label(6, &row), "Column 7");
    }
}
