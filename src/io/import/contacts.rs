//! Customers from a contacts file: a row becomes a customer, duplicates are found by email
//! or phone, and all are written in one transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::mapping::{ColumnMapping, CustomerField};
use super::table::Table;
use super::{
    DuplicateCustomer, ImportError, ImportOptions, ImportSummary, RowProblem, SourceFormat,
};
use crate::domain::customer::parse_tags;
use crate::domain::dates::parse_stored_datetime;
use crate::domain::{Customer, CustomerDraft, CustomerId};
use crate::io::csv_text::unescape;
use crate::store::Store;

fn cell<'a>(cells: &'a csv::StringRecord, columns: &[usize], unescaped: bool) -> &'a str {
    columns
        .iter()
        .filter_map(|i| cells.get(*i))
        .map(|c| {
            // Google joins several values with " ::: ".
            let first = c.split(":::").next().unwrap_or_default().trim();
            if unescaped { unescape(first) } else { first }
        })
        .find(|c| !c.is_empty())
        .unwrap_or_default()
}

pub(super) fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// A customer from one row, with its created-at time.
pub(super) fn customer_from_row(
    cells: &csv::StringRecord,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
) -> Result<(CustomerDraft, NaiveDateTime), String> {
    let own = matches!(
        mapping.format,
        SourceFormat::CandorCustomers | SourceFormat::CandorTimeline
    );
    let get = |field| cell(cells, mapping.get(field), own);
    let mut draft = CustomerDraft {
        name: get(CustomerField::Name).to_owned(),
        company: get(CustomerField::Company).to_owned(),
        phone: get(CustomerField::Phone).to_owned(),
        email: get(CustomerField::Email).to_owned(),
        ..CustomerDraft::default()
    };
    if draft.name.is_empty() {
        draft.name = [
            CustomerField::FirstName,
            CustomerField::MiddleName,
            CustomerField::LastName,
        ]
        .iter()
        .map(|f| get(*f))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    }
    if draft.name.is_empty() {
        draft.name = draft.company.clone();
    }
    if draft.name.is_empty() {
        return Err("the row has no name and no company: fill in at least one".to_owned());
    }
    // Notes may span lines; take the whole cell.
    draft.notes = mapping
        .get(CustomerField::Notes)
        .iter()
        .filter_map(|i| cells.get(*i))
        .map(|c| if own { unescape(c) } else { c }.trim())
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_owned();
    let tags_text: Vec<String> = mapping
        .get(CustomerField::Tags)
        .iter()
        .filter_map(|i| cells.get(*i))
        .flat_map(|c| {
            let c = if own { unescape(c) } else { c };
            c.split(":::")
                .map(|t| t.trim().trim_start_matches("* ").trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("myContacts"))
        .collect();
    draft.tags = parse_tags(&tags_text.join(","));
    let cadence = get(CustomerField::CadenceDays);
    if !cadence.is_empty() {
        draft.cadence_days = cadence.parse().map_err(|_| {
            format!("the cadence \"{cadence}\" is not a whole number of days: write e.g. 14")
        })?;
    }
    let archived = get(CustomerField::Archived);
    draft.archived = parse_yes_no(archived)
        .ok_or_else(|| format!("\"{archived}\" in the archived column is neither yes nor no"))?;
    let created = get(CustomerField::CreatedAt);
    let created_at = if created.is_empty() {
        now
    } else {
        parse_stored_datetime(created).ok_or_else(|| {
            format!("the created_at time \"{created}\" is not of the form 2026-03-01T09:30:00")
        })?
    };
    let draft = draft.validated().map_err(|e| e.0)?;
    Ok((draft, created_at))
}

/// Email (lowercased) and phone (digits only, at least 6) of a customer, for matching.
fn email_key(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then_some(digits)
}

/// The journal's customers, findable by email, phone and exact name.
#[derive(Default)]
pub(super) struct CustomerIndex {
    customers: HashMap<CustomerId, Customer>,
    by_email: HashMap<String, CustomerId>,
    by_phone: HashMap<String, CustomerId>,
    by_name: HashMap<String, CustomerId>,
}

impl CustomerIndex {
    pub(super) fn new(customers: Vec<Customer>) -> Self {
        let mut index = Self::default();
        for customer in customers {
            index.insert(customer);
        }
        index
    }

    pub(super) fn insert(&mut self, customer: Customer) {
        let id = customer.id;
        if let Some(key) = email_key(&customer.email) {
            self.by_email.entry(key).or_insert(id);
        }
        if let Some(key) = phone_key(&customer.phone) {
            self.by_phone.entry(key).or_insert(id);
        }
        self.by_name.entry(customer.name.clone()).or_insert(id);
        self.customers.insert(id, customer);
    }

    /// The customer with the same email, else the same phone.
    fn duplicate_of(&self, draft: &CustomerDraft) -> Option<(CustomerId, &'static str)> {
        if let Some(id) = email_key(&draft.email).and_then(|k| self.by_email.get(&k)) {
            return Some((*id, "email"));
        }
        phone_key(&draft.phone)
            .and_then(|k| self.by_phone.get(&k))
            .map(|id| (*id, "phone"))
    }

    /// The customer matched by email, then phone, then exact name.
    pub(super) fn find(&self, draft: &CustomerDraft) -> Option<CustomerId> {
        self.duplicate_of(draft)
            .map(|(id, _)| id)
            .or_else(|| self.by_name.get(&draft.name).copied())
    }
}

/// `existing` with its empty fields filled from `incoming`, tags added and new notes appended.
fn merged(existing: &Customer, incoming: &CustomerDraft) -> CustomerDraft {
    let mut draft = existing.to_draft();
    for (field, value) in [
        (&mut draft.company, &incoming.company),
        (&mut draft.phone, &incoming.phone),
        (&mut draft.email, &incoming.email),
    ] {
        if field.is_empty() {
            field.clone_from(value);
        }
    }
    if !incoming.notes.is_empty() && !draft.notes.contains(&incoming.notes) {
        if draft.notes.is_empty() {
            draft.notes.clone_from(&incoming.notes);
        } else {
            draft.notes = format!("{}\n{}", draft.notes, incoming.notes);
        }
    }
    draft.tags.extend(incoming.tags.iter().cloned());
    draft
}

pub(super) fn saved(id: CustomerId, draft: &CustomerDraft, created_at: NaiveDateTime) -> Customer {
    Customer {
        id,
        name: draft.name.clone(),
        company: draft.company.clone(),
        phone: draft.phone.clone(),
        email: draft.email.clone(),
        notes: draft.notes.clone(),
        tags: draft.tags.clone(),
        cadence_days: draft.cadence_days,
        archived: draft.archived,
        created_at,
        updated_at: created_at,
    }
}

pub(super) fn import_customers(
    store: &mut Store,
    table: &Table,
    mapping: &ColumnMapping,
    options: &ImportOptions,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let mut index = CustomerIndex::new(store.customers()?);
    // Everything is decided before writing, so the transaction only writes. Customers added
    // by this file carry temporary negative ids until they are saved.
    enum Action {
        Add(CustomerId, CustomerDraft, NaiveDateTime),
        Update(CustomerId, CustomerDraft),
    }
    let mut actions: Vec<Action> = Vec::new();
    let mut next_temp_id = -1i64;
    for (line, cells) in &table.rows {
        let (draft, created_at) = match customer_from_row(cells, mapping, now) {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(RowProblem {
                    line: *line,
                    reason,
                });
                continue;
            }
        };
        let Some((id, matched_by)) = index.duplicate_of(&draft) else {
            let temp = CustomerId(next_temp_id);
            next_temp_id -= 1;
            index.insert(saved(temp, &draft, created_at));
            actions.push(Action::Add(temp, draft, created_at));
            summary.customers_added += 1;
            continue;
        };
        let Some(existing) = index.customers.get(&id) else {
            // The index always holds the customers it finds; say so rather than lose a row.
            summary.problems.push(RowProblem {
                line: *line,
                reason: "the customer it matches could not be found: import it again".to_owned(),
            });
            continue;
        };
        summary.duplicates.push(DuplicateCustomer {
            line: *line,
            name: draft.name.clone(),
            existing: existing.display_name(),
            matched_by,
            merged: options.merge_duplicates,
        });
        if !options.merge_duplicates {
            continue;
        }
        let created_at = existing.created_at;
        let merged = match merged(existing, &draft).validated() {
            Ok(merged) => merged,
            Err(e) => {
                summary.problems.push(RowProblem {
                    line: *line,
                    reason: e.0,
                });
                continue;
            }
        };
        index.insert(saved(id, &merged, created_at));
        let pending = actions.iter_mut().find_map(|a| match a {
            Action::Add(temp, draft, _) | Action::Update(temp, draft) if *temp == id => Some(draft),
            _ => None,
        });
        match pending {
            Some(draft) => *draft = merged,
            None => actions.push(Action::Update(id, merged)),
        }
        summary.customers_merged += 1;
    }
    store.bulk_write(now, |w| {
        for action in actions {
            match action {
                Action::Add(_, draft, created_at) => {
                    w.add_customer(draft, created_at)?;
                }
                Action::Update(id, draft) => w.update_customer(id, draft)?,
            }
        }
        Ok(())
    })?;
    Ok(())
}
