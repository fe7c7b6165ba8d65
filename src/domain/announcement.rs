//! Announcements: bad news that is not about one customer (prices rise on 1 March, a new
//! carrier, a new representative) and must reach every affected customer in person before
//! it takes effect.
//!
//! Who is affected is decided here, as of the moment it is asked:
//! - **all**, **by tag** and **by company** are resolved live: a customer tagged "north"
//!   next week is affected by a "north" announcement made today, because that is what a
//!   salesperson means by "everyone in the north";
//! - **picked** customers are the ones chosen, no more;
//! - an archived customer is never affected (you no longer serve them), nor is one created
//!   after the effective day (they signed up under the new terms).
//!
//! Everything here works on one journal's customers. In a team, an announcement syncs to
//! its author's other devices, and a manager's to every rep's journal, where [`progress`]
//! and the ranking do the rest for that rep's own customers (see
//! `store::announcement_sync`).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::customer::{Customer, CustomerId};
use super::dates::{check_range, days_between};
use super::entry::{BadNewsKind, EntryId, coded_enum};
use super::{ValidationError, limits};

coded_enum!(
    /// What an announcement is about.
    AnnouncementKind {
        PriceIncrease => "price_increase", "Price increase";
        ChangeOfTerms => "change_of_terms", "Change of terms";
        ChangeOfRepresentative => "change_of_representative", "Change of representative";
        DiscontinuedProduct => "discontinued_product", "Discontinued product";
        Other => "other", "Other";
    }
);

impl AnnouncementKind {
    /// The kind of bad news recorded on a customer's timeline when they are told.
    pub fn bad_news_kind(self) -> BadNewsKind {
        match self {
            Self::PriceIncrease => BadNewsKind::PriceIncrease,
            Self::ChangeOfTerms => BadNewsKind::ChangeOfTerms,
            Self::ChangeOfRepresentative => BadNewsKind::ChangeOfRepresentative,
            Self::DiscontinuedProduct => BadNewsKind::DiscontinuedProduct,
            Self::Other => BadNewsKind::Other,
        }
    }
}

coded_enum!(
    /// How a customer took the news.
    Reaction {
        Well => "well", "Took it well";
        Neutral => "neutral", "Neutral";
        Badly => "badly", "Took it badly";
    }
);

/// An announcement's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AnnouncementId(pub i64);

/// Which customers an announcement affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// Every customer (live).
    All,
    /// Every customer with this tag, ignoring case (live).
    Tag(String),
    /// Every customer of this company, ignoring case (live).
    Company(String),
    /// These customers only.
    Picked(Vec<CustomerId>),
}

impl Audience {
    /// The stable code stored in the journal: all, tag, company or picked.
    pub fn code(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Tag(_) => "tag",
            Self::Company(_) => "company",
            Self::Picked(_) => "picked",
        }
    }

    /// "all customers", "tag north", "company Acme", "3 picked customers".
    pub fn describe(&self) -> String {
        match self {
            Self::All => "all customers".to_owned(),
            Self::Tag(tag) => format!("customers tagged \"{tag}\""),
            Self::Company(company) => format!("customers of {company}"),
            Self::Picked(ids) if ids.len() == 1 => "1 picked customer".to_owned(),
            Self::Picked(ids) => format!("{} picked customers", ids.len()),
        }
    }
}

/// An announcement before it is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementDraft {
    pub kind: AnnouncementKind,
    /// What changes, in a few words ("Prices rise 4%").
    pub title: String,
    /// The reason to give ("our distributor raised its prices").
    pub reason: String,
    /// The day it takes effect.
    pub effective: NaiveDate,
    pub audience: Audience,
}

/// The longest title Candor keeps: it is a headline, the reason carries the detail.
pub const MAX_TITLE_CHARS: usize = 200;

impl AnnouncementDraft {
    /// Trims the text and checks what an announcement needs before it is saved.
    pub fn validated(mut self) -> Result<Self, ValidationError> {
        self.title = self.title.trim().to_owned();
        self.reason = self.reason.trim().to_owned();
        if self.title.is_empty() {
            return Err(ValidationError::new(
                "An announcement needs a title: say what changes in a few words, e.g. \"Prices rise 4%\".",
            ));
        }
        // The same rules as every other field: a length limit, no control characters.
        limits::check_line("title", &self.title, MAX_TITLE_CHARS)?;
        self.reason = limits::clean_text("reason", &self.reason)?;
        check_range(self.effective)?;
        match &mut self.audience {
            Audience::All => {}
            Audience::Tag(tag) => {
                *tag = tag.trim().to_owned();
                limits::check_line("tag", tag, limits::MAX_TAG_CHARS)?;
                if tag.is_empty() {
                    return Err(ValidationError::new(
                        "Name the tag of the customers it affects, e.g. north.",
                    ));
                }
            }
            Audience::Company(company) => {
                *company = company.trim().to_owned();
                limits::check_line("company", company, limits::MAX_COMPANY_CHARS)?;
                if company.is_empty() {
                    return Err(ValidationError::new(
                        "Name the company whose customers it affects.",
                    ));
                }
            }
            Audience::Picked(ids) => {
                ids.sort();
                ids.dedup();
                if ids.is_empty() {
                    return Err(ValidationError::new(
                        "Pick at least one customer it affects (or choose all, a tag or a company).",
                    ));
                }
            }
        }
        Ok(self)
    }
}

/// An announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: AnnouncementId,
    pub kind: AnnouncementKind,
    pub title: String,
    pub reason: String,
    pub effective: NaiveDate,
    pub audience: Audience,
    pub created_at: NaiveDateTime,
}

impl Announcement {
    /// Whether `customer` is affected, as of now (see the module notes).
    pub fn affects(&self, customer: &Customer) -> bool {
        self.affects_parts(
            customer.archived,
            customer.created_at,
            &customer.company,
            &customer.tags,
            |ids| ids.binary_search(&customer.id).is_ok(),
        )
    }

    /// [`Self::affects`] from the parts of a customer it looks at, for a copy that holds
    /// customers in another form (the team database): `picked` says whether the customer is
    /// among the picked ones (given the ids this announcement holds, if any).
    pub fn affects_parts(
        &self,
        archived: bool,
        created_at: NaiveDateTime,
        company: &str,
        tags: &[String],
        picked: impl FnOnce(&[CustomerId]) -> bool,
    ) -> bool {
        if archived || created_at.date() > self.effective {
            return false;
        }
        match &self.audience {
            Audience::All => true,
            Audience::Tag(tag) => tags.iter().any(|t| same_text(t, tag)),
            Audience::Company(wanted) => same_text(company, wanted),
            Audience::Picked(ids) => picked(ids),
        }
    }

    /// Whether hearing it at `told_at` is late: after the day it took effect.
    pub fn is_late(&self, told_at: NaiveDateTime) -> bool {
        told_at.date() > self.effective
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// One customer told about an announcement: the bad news entry that records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Telling {
    pub announcement_id: AnnouncementId,
    pub customer_id: CustomerId,
    pub entry_id: EntryId,
    pub told_at: NaiveDateTime,
    pub reaction: Reaction,
}

/// Where one affected customer stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedCustomer {
    pub customer_id: CustomerId,
    pub name: String,
    pub company: String,
    /// The first time they were told, if they were.
    pub told: Option<Telling>,
    /// Told after the effective day: they may have found out from the invoice first.
    pub told_late: bool,
}

/// An announcement's progress as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub announcement: Announcement,
    /// Every affected customer, not told first, then by name.
    pub affected: Vec<AffectedCustomer>,
    /// Told on or before the effective day.
    pub told: usize,
    /// Told, but after the effective day.
    pub told_late: usize,
    pub not_told: usize,
    /// Days until the effective day (0 on the day, negative after it).
    pub days_left: i64,
}

impl Progress {
    /// The affected customers not told yet.
    pub fn not_told_customers(&self) -> impl Iterator<Item = &AffectedCustomer> {
        self.affected.iter().filter(|a| a.told.is_none())
    }

    /// "9 days left", "takes effect today", "in effect for 3 days".
    pub fn days_left_text(&self) -> String {
        match self.days_left {
            0 => "takes effect today".to_owned(),
            1 => "1 day left".to_owned(),
            n if n > 1 => format!("{n} days left"),
            -1 => "in effect since yesterday".to_owned(),
            n => format!("in effect for {} days", -n),
        }
    }
}

/// Works out who `announcement` affects among `customers` and which of them were told,
/// from `tellings` (of any announcement; only its own count, and only the first per
/// customer).
pub fn progress(
    announcement: &Announcement,
    customers: &[Customer],
    tellings: &[Telling],
    today: NaiveDate,
) -> Progress {
    let mut affected: Vec<AffectedCustomer> = customers
        .iter()
        .filter(|c| announcement.affects(c))
        .map(|c| {
            let told = tellings
                .iter()
                .filter(|t| t.announcement_id == announcement.id && t.customer_id == c.id)
                .min_by_key(|t| (t.told_at, t.entry_id))
                .cloned();
            let told_late = told
                .as_ref()
                .is_some_and(|t| announcement.is_late(t.told_at));
            AffectedCustomer {
                customer_id: c.id,
                name: c.name.clone(),
                company: c.company.clone(),
                told,
                told_late,
            }
        })
        .collect();
    affected.sort_by(|a, b| {
        a.told
            .is_some()
            .cmp(&b.told.is_some())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    let told_late = affected.iter().filter(|a| a.told_late).count();
    let not_told = affected.iter().filter(|a| a.told.is_none()).count();
    Progress {
        announcement: announcement.clone(),
        told: affected.len() - told_late - not_told,
        told_late,
        not_told,
        days_left: days_between(today, announcement.effective),
        affected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn customer(id: i64, tags: &[&str], created: NaiveDate) -> Customer {
        Customer {
            id: CustomerId(id),
            name: format!("C{id}"),
            company: "Acme".into(),
            phone: String::new(),
            email: String::new(),
            notes: String::new(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            cadence_days: 14,
            archived: false,
            created_at: created.and_hms_opt(9, 0, 0).unwrap(),
            updated_at: created.and_hms_opt(9, 0, 0).unwrap(),
        }
    }

    fn announcement(audience: Audience) -> Announcement {
        Announcement {
            id: AnnouncementId(1),
            kind: AnnouncementKind::PriceIncrease,
            title: "Prices rise 4%".into(),
            reason: String::new(),
            effective: day(10),
            audience,
            created_at: day(1).and_hms_opt(9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn tags_and_companies_match_ignoring_case_and_late_customers_are_not_affected() {
        let by_tag = announcement(Audience::Tag("North".into()));
        assert!(by_tag.affects(&customer(1, &["north"], day(1))));
        assert!(!by_tag.affects(&customer(2, &["south"], day(1))));
        assert!(by_tag.affects(&customer(3, &["north"], day(10))));
        assert!(!by_tag.affects(&customer(4, &["north"], day(11))));
        let by_company = announcement(Audience::Company(" acme ".into()));
        assert!(by_company.affects(&customer(5, &[], day(1))));
        let mut archived = customer(6, &[], day(1));
        archived.archived = true;
        assert!(!announcement(Audience::All).affects(&archived));
    }

    #[test]
    fn the_first_telling_counts_and_after_the_effective_day_it_is_late() {
        let a = announcement(Audience::All);
        let customers = [customer(1, &[], day(1)), customer(2, &[], day(1))];
        let telling = |customer: i64, entry: i64, d: u32| Telling {
            announcement_id: AnnouncementId(1),
            customer_id: CustomerId(customer),
            entry_id: EntryId(entry),
            told_at: day(d).and_hms_opt(10, 0, 0).unwrap(),
            reaction: Reaction::Neutral,
        };
        let p = progress(
            &a,
            &customers,
            &[telling(1, 7, 11), telling(1, 5, 9)],
            day(5),
        );
        assert_eq!((p.told, p.told_late, p.not_told, p.days_left), (1, 0, 1, 5));
        assert_eq!(p.affected[0].customer_id, CustomerId(2), "not told first");
        let p = progress(&a, &customers, &[telling(2, 8, 11)], day(12));
        assert_eq!(
            (p.told, p.told_late, p.not_told, p.days_left),
            (0, 1, 1, -2)
        );
    }

    #[test]
    fn a_draft_needs_a_title_and_a_named_audience() {
        let draft = |title: &str, audience| AnnouncementDraft {
            kind: AnnouncementKind::Other,
            title: title.into(),
            reason: String::new(),
            effective: day(1),
            audience,
        };
        assert!(draft("  ", Audience::All).validated().is_err());
        assert!(
            draft("New carrier", Audience::Tag(" ".into()))
                .validated()
                .is_err()
        );
        assert!(
            draft("New carrier", Audience::Picked(vec![]))
                .validated()
                .is_err()
        );
        let ok = draft(
            " New carrier ",
            Audience::Picked(vec![CustomerId(2), CustomerId(1), CustomerId(2)]),
        )
        .validated()
        .unwrap();
        assert_eq!(ok.title, "New carrier");
        assert_eq!(
            ok.audience,
            Audience::Picked(vec![CustomerId(1), CustomerId(2)])
        );
    }

    #[test]
    fn a_title_or_reason_with_a_control_character_or_over_its_limit_is_refused() {
        let draft = |title: &str, reason: &str| AnnouncementDraft {
            kind: AnnouncementKind::PriceIncrease,
            title: title.to_owned(),
            reason: reason.to_owned(),
            effective: day(1),
            audience: Audience::All,
        };
        let error = draft("\u{0}=HYPERLINK(1)", "").validated().unwrap_err();
        assert!(
            error
                .0
                .starts_with("The title holds an invisible control character"),
            "{error}"
        );
        let error = draft(&"x".repeat(201), "").validated().unwrap_err();
        assert_eq!(
            error.0,
            "The title is 201 characters long; the limit is 200: shorten it."
        );
        let error = draft("Prices rise", "bell\u{7}").validated().unwrap_err();
        assert!(
            error
                .0
                .starts_with("The reason holds an invisible control character"),
            "{error}"
        );
        let ok = draft("Prices rise", "line one\r\nline two")
            .validated()
            .unwrap();
        assert_eq!(ok.reason, "line one\nline two");
    }
}
