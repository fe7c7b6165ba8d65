//! A customer: who they are and how often they should hear from you.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{ValidationError, limits};

/// How often a customer should hear from you when all is well, unless set otherwise.
pub const DEFAULT_CADENCE_DAYS: u32 = 14;

/// The longest contact cadence Candor accepts (five years).
pub const MAX_CADENCE_DAYS: u32 = 5 * 366;

/// A customer's row id in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub i64);

/// A customer as stored in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    /// Free-form labels ("key account", "north"), trimmed, without duplicates.
    pub tags: Vec<String>,
    /// How many days may pass without reaching them before they are overdue for contact.
    pub cadence_days: u32,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Customer {
    /// The fields a person can edit, for an edit form.
    pub fn to_draft(&self) -> CustomerDraft {
        CustomerDraft {
            name: self.name.clone(),
            company: self.company.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            notes: self.notes.clone(),
            tags: self.tags.clone(),
            cadence_days: self.cadence_days,
            archived: self.archived,
        }
    }

    /// "Name (Company)" or just the name.
    pub fn display_name(&self) -> String {
        if self.company.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.company)
        }
    }
}

/// A customer before it is saved (new) or the edited fields of an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDraft {
    pub name: String,
    pub company: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    pub tags: Vec<String>,
    pub cadence_days: u32,
    pub archived: bool,
}

impl Default for CustomerDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            company: String::new(),
            phone: String::new(),
            email: String::new(),
            notes: String::new(),
            tags: Vec::new(),
            cadence_days: DEFAULT_CADENCE_DAYS,
            archived: false,
        }
    }
}

impl CustomerDraft {
    /// A draft with just a name, everything else at its default.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Trims every field and checks the rules a customer must meet before it is saved:
    /// each field's length and characters ([`limits`]), a name, a cadence, an email's form.
    pub fn validated(mut self) -> Result<Self, ValidationError> {
        self.name = self.name.trim().to_owned();
        self.company = self.company.trim().to_owned();
        self.phone = self.phone.trim().to_owned();
        self.email = self.email.trim().to_owned();
        if self.name.is_empty() {
            return Err(ValidationError::new(
                "A customer needs a name: type at least one letter in the name field.",
            ));
        }
        limits::check_line("name", &self.name, limits::MAX_NAME_CHARS)?;
        limits::check_line("company", &self.company, limits::MAX_COMPANY_CHARS)?;
        limits::check_line("phone number", &self.phone, limits::MAX_PHONE_CHARS)?;
        limits::check_line("email address", &self.email, limits::MAX_EMAIL_CHARS)?;
        self.notes = limits::clean_text("notes field", &self.notes)?;
        if self.cadence_days == 0 || self.cadence_days > MAX_CADENCE_DAYS {
            return Err(ValidationError::new(format!(
                "The contact cadence must be between 1 and {MAX_CADENCE_DAYS} days (you entered {}).",
                self.cadence_days
            )));
        }
        if !self.email.is_empty() && !looks_like_email(&self.email) {
            return Err(ValidationError::new(format!(
                "\"{}\" does not look like an email address: use the form name@example.com or leave it empty.",
                self.email
            )));
        }
        self.tags = normalize_tags(self.tags.iter().map(String::as_str));
        for tag in &self.tags {
            limits::check_line("tag", tag, limits::MAX_TAG_CHARS)?;
        }
        if self.tags.len() > limits::MAX_TAGS {
            return Err(ValidationError::new(format!(
                "The customer has {} tags; the limit is {}: remove some.",
                self.tags.len(),
                limits::MAX_TAGS
            )));
        }
        Ok(self)
    }
}

/// Splits "a, b ,c" into tags the way the tag field and CSV imports write them.
pub fn parse_tags(text: &str) -> Vec<String> {
    normalize_tags(text.split([',', ';']))
}

/// Joins tags for display and for the tag field.
pub fn format_tags(tags: &[String]) -> String {
    tags.join(", ")
}

fn normalize_tags<'a>(tags: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if !tag.is_empty() && !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_owned());
        }
    }
    out
}

/// Whether `text` has the shape of an email address: something, an @, something, no spaces.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The details of `keep` after absorbing `other`, a second record of the same customer
/// (imports make them): what `keep` has wins, what it lacks comes from `other`, notes are
/// joined, tags united, the shorter cadence kept; archived only when both were.
pub fn merged_details(keep: &Customer, other: &Customer) -> CustomerDraft {
    let pick = |mine: &str, theirs: &str| {
        if mine.trim().is_empty() {
            theirs.to_owned()
        } else {
            mine.to_owned()
        }
    };
    let notes = match (keep.notes.trim(), other.notes.trim()) {
        ("", theirs) => theirs.to_owned(),
        (mine, "") => mine.to_owned(),
        (mine, theirs) if mine == theirs => mine.to_owned(),
        (mine, theirs) => format!("{mine}\n\n{theirs}"),
    };
    let mut tags = keep.tags.clone();
    for tag in &other.tags {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.clone());
        }
    }
    CustomerDraft {
        name: keep.name.clone(),
        company: pick(&keep.company, &other.company),
        phone: pick(&keep.phone, &other.phone),
        email: pick(&keep.email, &other.email),
        notes,
        tags,
        cadence_days: keep.cadence_days.min(other.cadence_days),
        archived: keep.archived && other.archived,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_blank_name_is_refused_with_a_sentence() {
        for name in ["", "   ", "\t\n"] {
            let err = CustomerDraft::named(name).validated().unwrap_err();
            assert!(err.0.contains("needs a name"), "{err}");
        }
    }

    #[test]
    fn names_are_trimmed_and_tags_deduplicated() {
        let mut draft = CustomerDraft::named("  Ada Lovelace ");
        draft.tags = parse_tags("key account, North,, north ; vip");
        let draft = draft.validated().unwrap();
        assert_eq!(draft.name, "Ada Lovelace");
        assert_eq!(draft.tags, vec!["key account", "North", "vip"]);
    }

    #[test]
    fn a_cadence_of_zero_is_refused() {
        let mut draft = CustomerDraft::named("Bo");
        draft.cadence_days = 0;
        let err = draft.validated().unwrap_err();
        assert!(err.0.contains("cadence"), "{err}");
    }

    #[test]
    fn a_malformed_email_is_refused_but_an_empty_one_is_fine() {
        let mut draft = CustomerDraft::named("Bo");
        draft.email = "bo at example.com".into();
        assert!(draft.clone().validated().is_err());
        draft.email = String::new();
        assert!(draft.validated().is_ok());
    }

    #[test]
    fn every_field_is_checked_for_length_and_control_characters_naming_the_field() {
        let err = CustomerDraft::named("a".repeat(10 * 1024 * 1024))
            .validated()
            .unwrap_err();
        assert_eq!(
            err.0,
            "The name is 10,485,760 characters long; the limit is 200: shorten it."
        );
        let err = CustomerDraft::named("\u{0}=HYPERLINK(\"http://x\")")
            .validated()
            .unwrap_err();
        assert!(
            err.0
                .starts_with("The name holds an invisible control character (U+0000, character 1)"),
            "{err}"
        );
        type Change = fn(&mut CustomerDraft);
        let cases: [(Change, &str); 6] = [
            (|d| d.company = "Acme\u{1}".into(), "The company holds"),
            (|d| d.phone = "+49\u{7}".into(), "The phone number holds"),
            (|d| d.email = "a@b.c\u{0}".into(), "The email address holds"),
            (
                |d| d.phone = "1".repeat(51),
                "The phone number is 51 characters long; the limit is 50",
            ),
            (
                |d| d.notes = "n".repeat(200 * 1024),
                "The notes field is 200 KB long; the limit is 100 KB",
            ),
            (|d| d.tags = vec!["t\u{1b}".into()], "The tag holds"),
        ];
        for (change, expected) in cases {
            let mut draft = CustomerDraft::named("Bo");
            change(&mut draft);
            let err = draft.validated().unwrap_err();
            assert!(err.0.starts_with(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn notes_keep_tabs_and_newlines_and_get_unix_line_ends() {
        let mut draft = CustomerDraft::named("Bo");
        draft.notes = "line 1\r\n\tline 2\r".into();
        assert_eq!(draft.validated().unwrap().notes, "line 1\n\tline 2\n");
    }
}
