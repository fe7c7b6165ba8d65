//! Sample journals: a realistic demo for a first run, and large synthetic journals for
//! benchmarks. Both are dated relative to the `today` they are given.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::domain::entry::AtRisk;
use crate::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, CustomerDraft, CustomerId, Direction,
    EntryDraft, EntryKind, Feedback, Order, OrderStatus, Outcome, Payment, Problem, ProblemStatus,
    Promise, PromiseCategory, PromiseStatus, RootCause,
};
use crate::store::{BulkWriter, Result, Store};

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
}

fn days_ago(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn days_ahead(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_add_days(Days::new(days)).unwrap_or(today)
}

const DEMO_CUSTOMERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Maria Keller",
        "Keller Bakeries",
        "+49 30 5550 1182",
        "maria@kellerbakeries.de",
        "key account",
    ),
    (
        "Tomás Ortega",
        "Ortega Logistics",
        "+34 91 555 0143",
        "tomas@ortegalog.es",
        "north",
    ),
    (
        "Priya Raman",
        "Raman Textiles",
        "+91 80 5550 2231",
        "priya@ramantex.in",
        "key account",
    ),
    (
        "James O'Connor",
        "Harbour Marine",
        "+353 1 555 0190",
        "james@harbourmarine.ie",
        "marine",
    ),
    (
        "Aiko Tanaka",
        "Tanaka Precision",
        "+81 3 5550 7781",
        "aiko@tanaka-precision.jp",
        "manufacturing",
    ),
    (
        "Lena Fischer",
        "Fischer & Söhne",
        "+49 89 5550 3310",
        "lena@fischer-soehne.de",
        "family firm",
    ),
    (
        "Samuel Adeyemi",
        "Lagos Fresh Foods",
        "+234 1 555 0122",
        "samuel@lagosfresh.ng",
        "food",
    ),
    (
        "Chloé Martin",
        "Atelier Martin",
        "+33 1 5550 6644",
        "chloe@ateliermartin.fr",
        "design",
    ),
    (
        "Ben Carter",
        "Carter Hardware",
        "+1 312 555 0178",
        "ben@carterhardware.com",
        "retail",
    ),
    (
        "Sofia Rossi",
        "Rossi Vini",
        "+39 06 5550 8812",
        "sofia@rossivini.it",
        "wine",
    ),
    (
        "Noah Williams",
        "Williams Build Co",
        "+1 415 555 0134",
        "noah@williamsbuild.com",
        "construction",
    ),
    (
        "Ingrid Larsen",
        "Nordlys Hotels",
        "+47 22 55 50 91",
        "ingrid@nordlys.no",
        "hospitality",
    ),
    (
        "Omar Haddad",
        "Haddad Pharmacy",
        "+961 1 555 017",
        "omar@haddadpharma.lb",
        "health",
    ),
    (
        "Grace Kim",
        "Seoul Print House",
        "+82 2 5550 4410",
        "grace@seoulprint.kr",
        "print",
    ),
    (
        "Lucas Silva",
        "Silva Agro",
        "+55 11 5550 2290",
        "lucas@silvaagro.br",
        "agriculture",
    ),
    (
        "Emma Johansson",
        "Johansson Dental",
        "+46 8 555 012 34",
        "emma@jdental.se",
        "health",
    ),
    (
        "Daniel Novak",
        "Novak Auto Parts",
        "+420 2 5550 1177",
        "daniel@novakauto.cz",
        "automotive",
    ),
    (
        "Fatima Zahra",
        "Atlas Ceramics",
        "+212 5 2255 5011",
        "fatima@atlasceramics.ma",
        "manufacturing",
    ),
    (
        "Oliver Brown",
        "Brown's Garden Centre",
        "+44 20 5550 0187",
        "oliver@brownsgarden.co.uk",
        "retail",
    ),
    (
        "Yuki Sato",
        "Sato Electronics",
        "+81 6 5550 3321",
        "yuki@satoelec.jp",
        "electronics",
    ),
    (
        "Hannah Weber",
        "Weber Kliniken",
        "+49 40 5550 7765",
        "hannah@weber-kliniken.de",
        "health, key account",
    ),
    (
        "Mateo García",
        "García Muebles",
        "+52 55 5550 1234",
        "mateo@garciamuebles.mx",
        "furniture",
    ),
    (
        "Zoë de Vries",
        "De Vries Bloemen",
        "+31 20 555 0199",
        "zoe@devriesbloemen.nl",
        "florist",
    ),
    (
        "Arjun Mehta",
        "Mehta Solar",
        "+91 22 5550 6612",
        "arjun@mehtasolar.in",
        "energy",
    ),
    (
        "Claire Dubois",
        "Dubois Cafés",
        "+33 4 5550 3301",
        "claire@duboiscafes.fr",
        "food",
    ),
];

fn draft(customer: CustomerId, when: NaiveDateTime, summary: &str, kind: EntryKind) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: when,
        summary: summary.to_owned(),
        kind,
    }
}

fn call(direction: Direction, outcome: Outcome, minutes: Option<u32>) -> EntryKind {
    EntryKind::Contact(Contact {
        channel: Channel::Call,
        direction,
        outcome,
        duration_mins: minutes,
    })
}

/// Fills `store` with the demo journal: 25 customers and about four months of history,
/// dated so that today's "Call them first" list has something real to say.
pub fn write_demo(store: &mut Store, today: NaiveDate) -> Result<usize> {
    let now = at(today, 8, 0);
    store.bulk_write(now, |w| {
        let mut rng = SmallRng::seed_from_u64(2026);
        let mut ids = Vec::new();
        for (i, (name, company, phone, email, tags)) in DEMO_CUSTOMERS.iter().enumerate() {
            let mut customer = CustomerDraft::named(*name);
            customer.company = (*company).to_owned();
            customer.phone = (*phone).to_owned();
            customer.email = (*email).to_owned();
            customer.tags = crate::domain::customer::parse_tags(tags);
            customer.cadence_days = [14, 14, 21, 30, 7][i % 5];
            let created = at(days_ago(today, 130 + i as u64), 9, 0);
            ids.push(w.add_customer(customer, created)?);
        }
        for (i, id) in ids.iter().enumerate() {
            routine_history(w, *id, today, i, &mut rng)?;
        }
        story_entries(w, &ids, today)?;
        Ok(ids.len())
    })
}

/// A few months of ordinary contact, kept promises and paid invoices.
fn routine_history(
    w: &mut BulkWriter<'_, '_>,
    customer: CustomerId,
    today: NaiveDate,
    index: usize,
    rng: &mut SmallRng,
) -> Result<()> {
    let topics = [
        "Checked in on the spring order",
        "Talked through next quarter's volumes",
        "Went over the new price list",
        "Quick catch-up on deliveries",
        "Discussed the service contract renewal",
    ];
    let mut day = 120u64;
    while day > 12 {
        let when = at(days_ago(today, day), 9 + (day % 8) as u32, 15);
        let topic = topics[(day as usize + index) % topics.len()];
        w.add_entry(draft(
            customer,
            when,
            topic,
            call(
                Direction::Outbound,
                Outcome::Reached,
                Some(5 + (day % 20) as u32),
            ),
        ))?;
        if day.is_multiple_of(3) {
            let due = days_ago(today, day - 5);
            let mut promise = Promise::new(due, PromiseCategory::Information);
            promise.status = PromiseStatus::Kept(days_ago(today, day - 4));
            w.add_entry(draft(
                customer,
                at(days_ago(today, day), 11, 0),
                "Send the updated quote",
                EntryKind::Promise(promise),
            ))?;
        }
        if day.is_multiple_of(4) {
            let issued = days_ago(today, day);
            w.add_entry(draft(
                customer,
                at(issued, 16, 0),
                "Monthly supplies",
                EntryKind::Payment(Payment {
                    invoice_ref: format!(
                        "INV-{}-{:03}",
                        2026,
                        100 + index * 10 + day as usize % 10
                    ),
                    amount: Cents(rng.random_range(40_000..400_000)),
                    due: days_ahead(issued, 30),
                    paid_on: Some(days_ahead(issued, rng.random_range(10..30))),
                }),
            ))?;
        }
        day = day.saturating_sub(rng.random_range(10..25));
    }
    if index % 7 != 6 {
        let asked = days_ago(today, 30 + (index as u64 * 5) % 50);
        w.add_entry(draft(
            customer,
            at(asked, 14, 0),
            "Asked how we are doing",
            EntryKind::Feedback(Feedback {
                rating: Some(3 + (index % 3) as u8),
            }),
        ))?;
    }
    // Most customers were reached recently; a few drifted past their cadence.
    if index % 6 != 5 {
        let back = 2 + (index as u64 * 3) % 9;
        w.add_entry(draft(
            customer,
            at(days_ago(today, back), 10, 30),
            "Good conversation, all on track",
            call(Direction::Outbound, Outcome::Reached, Some(12)),
        ))?;
    }
    Ok(())
}

/// The situations the ranking exists for.
fn story_entries(w: &mut BulkWriter<'_, '_>, ids: &[CustomerId], today: NaiveDate) -> Result<()> {
    // Maria: delivery promised for the day after tomorrow, already known to slip, not told.
    let mut promise = Promise::new(days_ahead(today, 2), PromiseCategory::Delivery);
    promise.at_risk = Some(AtRisk {
        flagged_at: at(days_ago(today, 1), 15, 40),
        reason: "Oven parts held at customs".to_owned(),
    });
    w.add_entry(draft(
        ids[0],
        at(days_ago(today, 9), 10, 0),
        "Replacement oven parts delivered",
        EntryKind::Promise(promise),
    ))?;

    // Tomás: a delivery promise 4 days overdue, nobody called.
    let promise = Promise::new(days_ago(today, 4), PromiseCategory::Delivery);
    w.add_entry(draft(
        ids[1],
        at(days_ago(today, 20), 9, 30),
        "Pallet racking for the new warehouse",
        EntryKind::Promise(promise),
    ))?;

    // Priya: called twice, nobody called back.
    w.add_entry(draft(
        ids[2],
        at(days_ago(today, 3), 17, 5),
        "Left a voicemail about invoice discrepancy",
        call(Direction::Inbound, Outcome::Voicemail, None),
    ))?;
    w.add_entry(draft(
        ids[2],
        at(days_ago(today, 1), 12, 40),
        "Called again, missed",
        call(Direction::Inbound, Outcome::NoAnswer, None),
    ))?;

    // James: an open problem, silent for a week.
    w.add_entry(draft(
        ids[3],
        at(days_ago(today, 16), 11, 0),
        "Sensor readings drift on the new pumps",
        EntryKind::Problem(Problem::default()),
    ))?;

    // Aiko: back-ordered order, told proactively: still matters, far less.
    w.add_entry(draft(
        ids[4],
        at(days_ago(today, 14), 9, 0),
        "200 precision bearings, type K-40",
        EntryKind::Order(Order {
            amount: Some(Cents(1_240_000)),
            promised_delivery: days_ahead(today, 3),
            status: OrderStatus::BackOrdered,
            status_changed_at: Some(at(days_ago(today, 5), 10, 0)),
        }),
    ))?;
    w.add_entry(draft(
        ids[4],
        at(days_ago(today, 5), 10, 20),
        "Told Aiko the bearings are back-ordered until next month; offered a partial shipment",
        EntryKind::BadNews(BadNews {
            about: BadNewsKind::BackOrder,
            related: None,
            proactive: true,
        }),
    ))?;

    // Lena: problem resolved four days ago, nobody checked back.
    let resolved = days_ago(today, 4);
    w.add_entry(draft(
        ids[5],
        at(days_ago(today, 10), 14, 0),
        "Labels printed with the wrong batch numbers",
        EntryKind::Problem(Problem {
            owner: "me".to_owned(),
            status: ProblemStatus::Resolved {
                on: resolved,
                root_cause: RootCause::OurError,
                prevention: "Batch numbers now checked against the order before printing"
                    .to_owned(),
            },
        }),
    ))?;

    // Samuel: invoice 64 days overdue.
    let issued = days_ago(today, 94);
    w.add_entry(draft(
        ids[6],
        at(issued, 16, 0),
        "Cold-room panels",
        EntryKind::Payment(Payment {
            invoice_ref: "INV-2026-0412".to_owned(),
            amount: Cents(860_000),
            due: days_ahead(issued, 30),
            paid_on: None,
        }),
    ))?;

    // Chloé: a callback promise due today.
    w.add_entry(draft(
        ids[7],
        at(days_ago(today, 2), 15, 0),
        "Call back with fabric samples availability",
        EntryKind::Promise(Promise::new(today, PromiseCategory::Callback)),
    ))?;

    // Ben: broke a promise last month and renegotiated another late; now one is overdue.
    let mut broken = Promise::new(days_ago(today, 35), PromiseCategory::Fix);
    broken.status = PromiseStatus::Broken(days_ago(today, 33));
    w.add_entry(draft(
        ids[8],
        at(days_ago(today, 45), 10, 0),
        "Fix the paint-mixer calibration",
        EntryKind::Promise(broken),
    ))?;
    let mut late = Promise::new(days_ago(today, 25), PromiseCategory::Delivery);
    late.renegotiate(days_ago(today, 2), days_ago(today, 23), "Supplier strike")
        .ok();
    w.add_entry(draft(
        ids[8],
        at(days_ago(today, 40), 10, 0),
        "Shelving units for the garden aisle",
        EntryKind::Promise(late),
    ))?;

    // Sofia: bad news delivered (price increase), and a follow-up call done.
    w.add_entry(draft(
        ids[9],
        at(days_ago(today, 6), 11, 0),
        "Glass bottle prices up 8% from next month; explained why and offered to lock in the current price for one more order",
        EntryKind::BadNews(BadNews { about: BadNewsKind::PriceIncrease, related: None, proactive: true }),
    ))?;

    // Noah: order delivery due tomorrow, on track.
    w.add_entry(draft(
        ids[10],
        at(days_ago(today, 12), 9, 0),
        "Scaffolding clamps, 500 units",
        EntryKind::Order(Order {
            amount: Some(Cents(375_000)),
            promised_delivery: days_ahead(today, 1),
            status: OrderStatus::OnTrack,
            status_changed_at: None,
        }),
    ))?;

    // Ingrid: a reactive piece of bad news — she had to ask.
    w.add_entry(draft(
        ids[11],
        at(days_ago(today, 3), 13, 0),
        "Linen delivery moved a week; Ingrid heard it from her warehouse first",
        EntryKind::BadNews(BadNews {
            about: BadNewsKind::Delay,
            related: None,
            proactive: false,
        }),
    ))?;

    // Grace: asked for feedback, happy.
    w.add_entry(draft(
        ids[13],
        at(days_ago(today, 20), 10, 0),
        "Very happy with turnaround times",
        EntryKind::Feedback(Feedback { rating: Some(5) }),
    ))?;

    // Daniel: an email we have not answered.
    w.add_entry(draft(
        ids[16],
        at(days_ago(today, 2), 8, 10),
        "Asked whether the brake pads fit the 2019 models",
        EntryKind::Contact(Contact {
            channel: Channel::Email,
            direction: Direction::Inbound,
            outcome: Outcome::NoAnswer,
            duration_mins: None,
        }),
    ))?;

    // Hannah: order delayed two days ago, not told yet.
    w.add_entry(draft(
        ids[20],
        at(days_ago(today, 15), 9, 0),
        "Sterile glove boxes, 40 cartons",
        EntryKind::Order(Order {
            amount: Some(Cents(210_000)),
            promised_delivery: days_ahead(today, 4),
            status: OrderStatus::Delayed,
            status_changed_at: Some(at(days_ago(today, 2), 16, 30)),
        }),
    ))?;
    Ok(())
}

/// Options for a large synthetic journal.
#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    pub customers: usize,
    pub entries: usize,
    pub seed: u64,
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Chen", "Dara", "Eli", "Fatou", "Gus", "Hana", "Ivan", "Jo", "Kemal", "Lea",
    "Mo", "Nia", "Otto", "Pia", "Quinn", "Rui", "Sven", "Tara", "Uma", "Vik", "Wen", "Xavi",
];
const LAST_NAMES: &[&str] = &[
    "Abbott", "Berg", "Costa", "Dahl", "Evans", "Fux", "Gallo", "Holm", "Ito", "Jansen", "Kaur",
    "Lund", "Meyer", "Nagy", "Olsen", "Park", "Quist", "Roth", "Saar", "Toth", "Ueda", "Voss",
];

/// Writes a synthetic journal of `options.customers` customers and about
/// `options.entries` entries spread over the two years before `today`. Open items stay a
/// realistic few per customer; everything older is settled.
pub fn write_generated(
    store: &mut Store,
    options: GenerateOptions,
    today: NaiveDate,
) -> Result<()> {
    let now = at(today, 8, 0);
    store.bulk_write(now, |w| {
        let mut rng = SmallRng::seed_from_u64(options.seed);
        let mut ids = Vec::with_capacity(options.customers);
        for i in 0..options.customers {
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let mut customer = CustomerDraft::named(format!("{first} {last} {i}"));
            customer.company = format!("{last} {}", ["GmbH", "Ltd", "Inc", "SA", "AB"][i % 5]);
            customer.phone = format!("+1 555 {:04}", i % 10_000);
            customer.email = format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            customer.cadence_days = [7, 14, 14, 30, 60][i % 5];
            let created = at(days_ago(today, 730), 9, 0);
            ids.push(w.add_customer(customer, created)?);
        }
        if ids.is_empty() {
            return Ok(());
        }
        for n in 0..options.entries {
            let customer = ids[rng.random_range(0..ids.len())];
            let age_days = rng.random_range(0..730u64);
            let day = days_ago(today, age_days);
            let when = at(day, rng.random_range(8..18), rng.random_range(0..60));
            // Items from the last few weeks may still be open; older ones are settled.
            let recent = age_days < 21;
            let roll = rng.random_range(0..100);
            let (summary, kind) = match roll {
                0..=54 => {
                    let direction = if rng.random_bool(0.3) {
                        Direction::Inbound
                    } else {
                        Direction::Outbound
                    };
                    let outcome = match rng.random_range(0..10) {
                        0 => Outcome::NoAnswer,
                        1 => Outcome::Voicemail,
                        _ => Outcome::Reached,
                    };
                    (
                        "Call about current orders",
                        EntryKind::Contact(Contact {
                            channel: Channel::ALL[n % Channel::ALL.len()],
                            direction,
                            outcome,
                            duration_mins: Some(rng.random_range(1..40)),
                        }),
                    )
                }
                55..=66 => {
                    let due = days_ahead(day, rng.random_range(1..14));
                    let mut promise =
                        Promise::new(due, PromiseCategory::ALL[n % PromiseCategory::ALL.len()]);
                    if !(recent && rng.random_bool(0.5)) {
                        promise.status = if rng.random_bool(0.9) {
                            PromiseStatus::Kept(due)
                        } else {
                            PromiseStatus::Broken(due)
                        };
                    } else if rng.random_bool(0.2) {
                        promise.at_risk = Some(AtRisk {
                            flagged_at: when,
                            reason: "Supplier delay".to_owned(),
                        });
                    }
                    ("Send the revised quote", EntryKind::Promise(promise))
                }
                67..=72 => {
                    let status = if recent {
                        OrderStatus::ALL[rng.random_range(0..OrderStatus::ALL.len())]
                    } else {
                        OrderStatus::Delivered
                    };
                    (
                        "Order of spare parts",
                        EntryKind::Order(Order {
                            amount: Some(Cents(rng.random_range(10_000..5_000_000))),
                            promised_delivery: days_ahead(day, rng.random_range(3..30)),
                            status,
                            status_changed_at: Some(when),
                        }),
                    )
                }
                73..=78 => {
                    let due = days_ahead(day, 30);
                    let paid = !(age_days < 120 && rng.random_bool(0.2));
                    (
                        "Monthly invoice",
                        EntryKind::Payment(Payment {
                            invoice_ref: format!("INV-{n}"),
                            amount: Cents(rng.random_range(10_000..2_000_000)),
                            due,
                            paid_on: paid.then(|| days_ahead(day, rng.random_range(5..40))),
                        }),
                    )
                }
                79..=82 => (
                    "Told them about a delay",
                    EntryKind::BadNews(BadNews {
                        about: BadNewsKind::ALL[n % BadNewsKind::ALL.len()],
                        related: None,
                        proactive: rng.random_bool(0.7),
                    }),
                ),
                83..=86 => {
                    let status = if recent && rng.random_bool(0.5) {
                        ProblemStatus::Open
                    } else {
                        ProblemStatus::Resolved {
                            on: days_ahead(day, rng.random_range(0..10)).min(today),
                            root_cause: RootCause::ALL[n % RootCause::ALL.len()],
                            prevention: "Added a check to the packing list".to_owned(),
                        }
                    };
                    (
                        "Reported damaged packaging",
                        EntryKind::Problem(Problem {
                            owner: "me".to_owned(),
                            status,
                        }),
                    )
                }
                87..=89 => (
                    "Asked how we are doing",
                    EntryKind::Feedback(Feedback {
                        rating: Some(rng.random_range(1..=5)),
                    }),
                ),
                _ => ("Prefers calls after 2 pm", EntryKind::Note),
            };
            w.add_entry(draft(customer, when, summary, kind))?;
        }
        Ok(())
    })
}
