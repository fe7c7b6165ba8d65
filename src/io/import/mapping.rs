//! Header maps: which column of a contacts CSV (Candor's own reports, Google, Outlook or any
//! other) fills which customer field.

use std::collections::BTreeMap;

use super::SourceFormat;

/// A customer field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomerField {
    Name,
    FirstName,
    MiddleName,
    LastName,
    Company,
    Phone,
    Email,
    Notes,
    Tags,
    CadenceDays,
    Archived,
    CreatedAt,
}

impl CustomerField {
    /// Every field, in form order.
    pub const ALL: &'static [Self] = &[
        Self::Name,
        Self::FirstName,
        Self::MiddleName,
        Self::LastName,
        Self::Company,
        Self::Phone,
        Self::Email,
        Self::Notes,
        Self::Tags,
        Self::CadenceDays,
        Self::Archived,
        Self::CreatedAt,
    ];

    /// A label for the mapping step.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Full name",
            Self::FirstName => "First name",
            Self::MiddleName => "Middle name",
            Self::LastName => "Last name",
            Self::Company => "Company",
            Self::Phone => "Phone",
            Self::Email => "Email",
            Self::Notes => "Notes",
            Self::Tags => "Tags",
            Self::CadenceDays => "Contact cadence (days)",
            Self::Archived => "Archived",
            Self::CreatedAt => "Customer since",
        }
    }

    /// Headers (lowercase) that fill this field, best first.
    pub(super) fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Name => &[
                "name",
                "full name",
                "display name",
                "contact name",
                "customer",
                "contact",
            ],
            Self::FirstName => &["first name", "given name", "firstname"],
            Self::MiddleName => &["middle name", "additional name"],
            Self::LastName => &["last name", "family name", "surname", "lastname"],
            Self::Company => &[
                "company",
                "organization name",
                "organization 1 - name",
                "organisation",
                "organization",
                "company name",
            ],
            Self::Phone => &[
                "phone",
                "telephone",
                "phone number",
                "primary phone",
                "mobile phone",
                "business phone",
                "company main phone",
                "home phone",
                "business phone 2",
                "home phone 2",
                "other phone",
                "mobile",
                "phone 1 - value",
                "phone 2 - value",
                "phone 3 - value",
            ],
            Self::Email => &[
                "email",
                "e-mail",
                "email address",
                "e-mail address",
                "e-mail 1 - value",
                "e-mail 2 address",
                "e-mail 2 - value",
                "e-mail 3 address",
                "e-mail 3 - value",
            ],
            Self::Notes => &["notes", "note"],
            Self::Tags => &["tags", "labels", "group membership", "categories"],
            Self::CadenceDays => &["cadence_days", "cadence"],
            Self::Archived => &["archived"],
            Self::CreatedAt => &["created_at"],
        }
    }
}

/// Which CSV columns (0-based) fill which customer field. Several columns for one field are
/// tried in order and the first non-empty cell wins (Outlook's several phone columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    pub format: SourceFormat,
    pub columns: BTreeMap<CustomerField, Vec<usize>>,
}

impl ColumnMapping {
    /// The columns mapped to `field` (empty when none).
    pub fn get(&self, field: CustomerField) -> &[usize] {
        self.columns.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Maps `field` to one column, or to none.
    pub fn set(&mut self, field: CustomerField, column: Option<usize>) {
        match column {
            Some(column) => {
                self.columns.insert(field, vec![column]);
            }
            None => {
                self.columns.remove(&field);
            }
        }
    }

    /// Whether the mapping can produce a name (a name, first/last name or company column).
    pub fn can_name_customers(&self) -> bool {
        [
            CustomerField::Name,
            CustomerField::FirstName,
            CustomerField::LastName,
            CustomerField::Company,
        ]
        .iter()
        .any(|f| !self.get(*f).is_empty())
    }
}

pub(super) fn normalise_header(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase()
}

/// Recognises the headers of Candor's reports, Google Contacts and Outlook exports, and
/// guesses the columns of any other CSV.
pub fn detect_mapping(headers: &[String]) -> ColumnMapping {
    let normal: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let has = |name: &str| normal.iter().any(|h| h == name);
    let format = if has("entry_id") && has("kind") && has("occurred_at") {
        SourceFormat::CandorTimeline
    } else if has("customer_id") && has("name") && has("cadence_days") {
        SourceFormat::CandorCustomers
    } else if normal
        .iter()
        .any(|h| h.starts_with("e-mail 1 - ") || h.starts_with("phone 1 - "))
        || has("group membership")
    {
        SourceFormat::GoogleContacts
    } else if has("e-mail address") || has("business phone") || has("mobile phone") {
        SourceFormat::Outlook
    } else {
        SourceFormat::GenericCsv
    };
    let mut columns = BTreeMap::new();
    for field in CustomerField::ALL {
        let found: Vec<usize> = field
            .headers()
            .iter()
            .filter_map(|wanted| normal.iter().position(|h| h == wanted))
            .collect();
        if !found.is_empty() {
            columns.insert(*field, found);
        }
    }
    if format == SourceFormat::CandorTimeline {
        // The timeline's customer columns: "customer" is the name.
        columns.remove(&CustomerField::Name);
        if let Some(i) = normal.iter().position(|h| h == "customer") {
            columns.insert(CustomerField::Name, vec![i]);
        }
    }
    ColumnMapping { format, columns }
}
