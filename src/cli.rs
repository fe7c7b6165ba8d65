//! The command line: `candor` opens the desktop app; subcommands work headless on the same
//! journal. Arguments are parsed loosely by clap, then checked into typed values.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::{Local, NaiveDate};
use clap::{Parser, Subcommand, ValueEnum};

use crate::domain::dates::parse_date;
use crate::domain::rank::{CustomerFacts, RankSettings, RankedCustomer, join_ranked, score_part};
use crate::sample::{GenerateOptions, write_demo, write_generated};
use crate::store::{Store, default_journal_path};

/// Candor: a customer-relationship journal that says who to call first today, and why.
#[derive(Debug, Parser)]
#[command(name = "candor", version, about)]
pub struct Cli {
    /// The journal file (default: journal.sqlite3 in your data folder).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; without one, the desktop app opens.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a realistic sample journal (about 25 customers, four months) to a new file.
    Demo {
        /// The day the sample is dated around (YYYY-MM-DD, "today", "+3d"…).
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
    /// Write a large synthetic journal, for benchmarks.
    Generate {
        /// How many customers.
        #[arg(long)]
        customers: usize,
        /// How many timeline entries.
        #[arg(long)]
        entries: usize,
        /// The random seed (the same seed gives the same journal).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day the journal is dated around.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
    /// Print today's "Call them first" list.
    Rank {
        /// Rank as of this day instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Print at most this many customers.
        #[arg(long)]
        limit: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RankFormat::Table)]
        format: RankFormat,
    },
    /// Show or set the journal's currency and how its amounts are written (every window
    /// and every report reads it from the journal).
    Currency {
        /// An ISO 4217 code (EUR, USD, GBP, CHF, JPY…), or "none" for amounts without a
        /// symbol.
        #[arg(long, value_name = "CODE")]
        set: Option<String>,
        /// How numbers are written: en-US, en-GB, de-DE, de-CH, fr-FR or ja-JP.
        #[arg(long, value_name = "LOCALE")]
        number_format: Option<String>,
    },
    /// Back up the journal: a consistent copy, taken even while the app is writing.
    Backup {
        /// Write the backup to this new file (default: the journal's backups/ folder).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Replace the journal with a backup (the journal as it was is backed up first).
    Restore {
        /// The backup to restore (see the journal's backups/ folder).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Export a CSV report (columns: docs/formats.md).
    Export {
        /// Which report.
        #[arg(long, value_enum)]
        report: crate::io::export::Report,
        /// The first day of the period (default: the start of the journal).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// The last day of the period (default: the end of the journal).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Report as of this day instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Leave out the UTF-8 byte-order mark (Excel needs it; some tools do not want it).
        #[arg(long)]
        no_bom: bool,
        /// The file to write, or - for standard output.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Make an announcement (a price increase, new terms, a new representative…) that every
    /// affected customer should hear from you in person before it takes effect.
    /// `candor announce status` shows who has heard it.
    Announce {
        #[command(subcommand)]
        action: Option<AnnounceCommand>,
        #[command(flatten)]
        new: AnnounceArgs,
    },
    /// Is our honesty working? Kept rate, told first, days late, problems, customers at
    /// risk each day, "Call them first" history and late payers, over a period.
    Insights {
        /// The first day of the period (default: 12 weeks before --to).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// The last day of the period (default: today).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Measure as of this day instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Per week or per month.
        #[arg(long, value_enum, default_value_t = InsightsPer::Week)]
        per: InsightsPer,
        /// Warn about days with more customers at risk than this.
        #[arg(long, default_value_t = 10, value_name = "N")]
        threshold: u32,
        /// Only the customers of this rep (a manager's journal); repeat it for several.
        #[arg(long, value_name = "LOGIN")]
        rep: Vec<String>,
        /// The whole team, then each rep (table, json or csv; in CSV the whole team's rows
        /// have an empty rep).
        #[arg(long, conflicts_with = "rep")]
        per_rep: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::io::insights_report::InsightsFormat::Table)]
        format: crate::io::insights_report::InsightsFormat,
        /// Write to this file (readable by you only) instead of standard output; needed
        /// for --format html.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Import customers (CSV, Google or Outlook CSV, vCard) or a Candor timeline CSV.
    Import {
        /// The file to import.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Merge customers who share an email or phone with one already in the journal.
        #[arg(long)]
        merge_duplicates: bool,
    },
    /// Write an iCalendar (.ics) file of what is due: open promises, orders, invoices,
    /// callbacks owed and snoozes ending, each with an alarm the morning before.
    Calendar {
        /// The .ics file to write (replaced atomically), or - for standard output.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Write as of this day instead of today (decides which closed items still show,
        /// cancelled).
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
    /// Set up the team database (PostgreSQL): schema and reps.
    Team {
        #[command(subcommand)]
        action: TeamCommand,
    },
    /// List the changes to a customer (and their entries) that lost to a later change
    /// made elsewhere: the field, the losing value, who made it and when, and what won.
    History {
        /// The customer: their id or exact name.
        #[arg(long, value_name = "NAME_OR_ID")]
        customer: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::io::history_report::HistoryFormat::Table)]
        format: crate::io::history_report::HistoryFormat,
    },
    /// Runs the app's background sync once, as the window does, and waits for it to end
    /// (tests kill it mid-sync as they would kill the app).
    #[command(hide = true)]
    BackgroundSync,
    /// Send this journal's changes to the team database, then receive everyone else's.
    Sync {
        /// The team database, e.g. postgresql://LOGIN@HOST/DATABASE?sslmode=verify-full
        /// (remembered in the journal without any password; default: the one used last).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
}

/// `candor team …`: administration of the team database.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create or upgrade the team schema (as the database's administrator); running it
    /// again changes nothing.
    Init {
        /// The team database, connecting as its administrator.
        #[arg(long, value_name = "URL")]
        server: String,
    },
    /// Add a rep (their own login); the password is read from standard input or a prompt.
    AddRep {
        /// The team database, connecting as its administrator.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The rep's login (lower-case letters, digits, underscores).
        #[arg(long)]
        login: String,
        /// The rep's full name.
        #[arg(long)]
        name: String,
        /// A manager reads the whole team's customers.
        #[arg(long)]
        manager: bool,
    },
    /// Save your team password in the system keychain (or ~/.pgpass where none runs); it is
    /// read from standard input or a prompt.
    SavePassword {
        /// The team database, with your login.
        #[arg(long, value_name = "URL")]
        server: String,
    },
    /// Hand customers over to another rep (managers only): one customer, or with --from
    /// every customer of a rep who leaves, in one step. The new rep's next sync brings each
    /// customer's whole history; the former rep's copy becomes read-only.
    Handover {
        /// The team database, with your (a manager's) login.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The customer: its id (as in the team database) or its exact name.
        #[arg(
            long,
            value_name = "ID_OR_NAME",
            required_unless_present = "from",
            conflicts_with = "from"
        )]
        customer: Option<String>,
        /// Every customer of this rep.
        #[arg(long, value_name = "LOGIN")]
        from: Option<String>,
        /// The rep who takes them over.
        #[arg(long, value_name = "LOGIN")]
        to: String,
        /// Why, or what the new rep should know (goes on each customer's timeline).
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// When, for the timeline (YYYY-MM-DD HH:MM; default: now).
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
    },
    /// Share a customer with a colleague, who may then log calls and problems on it (its
    /// rep or a manager may share).
    Share {
        /// The team database, with your login.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The customer: its id (as in the team database) or its exact name.
        #[arg(long, value_name = "ID_OR_NAME")]
        customer: String,
        /// The colleague's login.
        #[arg(long, value_name = "LOGIN")]
        with: String,
    },
    /// Show or set the team's currency and number format, which the team reports and the
    /// team ranking write amounts with (setting it: a manager or the administrator).
    Currency {
        /// The team database, with your login.
        #[arg(long, value_name = "URL")]
        server: String,
        /// An ISO 4217 code (EUR, USD, GBP, CHF, JPY…), or "none" for amounts without a
        /// currency.
        #[arg(long, value_name = "CODE")]
        set: Option<String>,
        /// How numbers are written: en-US, en-GB, de-DE, de-CH, fr-FR or ja-JP.
        #[arg(long, value_name = "LOCALE")]
        number_format: Option<String>,
    },
    /// The whole team's "Call them first" list (a rep sees their own and shared customers,
    /// a manager everyone's), each customer naming its rep.
    Rank {
        /// The team database, with your login.
        #[arg(long, value_name = "URL")]
        server: String,
        /// Rank as of this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TeamRankFormat::Table)]
        format: TeamRankFormat,
        /// Only this rep's customers.
        #[arg(long, value_name = "LOGIN")]
        rep: Option<String>,
        /// Print at most this many customers.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Export a team-wide CSV report (the same columns as `candor export`, after a `rep`
    /// column; a rep gets their own and shared customers, a manager everyone's).
    Export {
        /// The team database, with your login.
        #[arg(long, value_name = "URL")]
        server: String,
        /// Which report: customers, timeline, promises or call-list.
        #[arg(long, value_name = "REPORT")]
        report: String,
        /// The first day of the period (default: the start of the data).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// The last day of the period (default: the end of the data).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Report as of this day instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Leave out the UTF-8 byte-order mark (Excel needs it; some tools do not want it).
        #[arg(long)]
        no_bom: bool,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// How `candor team rank` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TeamRankFormat {
    Table,
    Json,
}

/// What `candor announce` does besides making a new announcement.
#[derive(Debug, Subcommand)]
pub enum AnnounceCommand {
    /// Print every announcement's progress: told, told late, not told, days left.
    Status {
        /// Report as of this day instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
        format: StatusFormat,
    },
}

/// The announcement `candor announce` makes.
#[derive(Debug, clap::Args)]
pub struct AnnounceArgs {
    /// What it is about: price-increase, change-of-terms, change-of-representative,
    /// discontinued-product or other.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// What changes, in a few words ("Prices rise 4%").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The day it takes effect (YYYY-MM-DD, "+30d"…).
    #[arg(long, value_name = "DATE")]
    pub effective: Option<String>,
    /// The reason to give the customer.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// It affects every customer.
    #[arg(long)]
    pub all: bool,
    /// It affects every customer with this tag (including ones tagged later).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// It affects every customer of this company.
    #[arg(long, value_name = "NAME")]
    pub company: Option<String>,
    /// It affects these customers (by name or id; repeat, or list several).
    #[arg(long = "customer", value_name = "NAME_OR_ID", num_args = 1..)]
    pub customers: Vec<String>,
}

impl AnnounceArgs {
    /// True when none of a new announcement's arguments were given.
    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.title.is_none()
            && self.effective.is_none()
            && self.reason.is_none()
            && !self.all
            && self.tag.is_none()
            && self.company.is_none()
            && self.customers.is_empty()
    }
}

/// How `candor announce status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

/// How `candor rank` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RankFormat {
    Table,
    Csv,
    Json,
}

/// How `candor insights` cuts the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InsightsPer {
    Week,
    Month,
}

/// The journal named by `--db`, or the default one.
pub fn journal_path(db: Option<PathBuf>) -> Result<PathBuf> {
    match db {
        Some(path) => Ok(path),
        None => default_journal_path()
            .context("no home folder was found for the journal; pass --db PATH"),
    }
}

/// Now on this computer's clock, to the second; with [`clock_today`], the only place the
/// CLI reads the clock.
pub fn clock_now() -> chrono::NaiveDateTime {
    let now = Local::now().naive_local();
    chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now)
}

/// Today on this computer's clock.
pub fn clock_today() -> NaiveDate {
    clock_now().date()
}

fn today_from(arg: Option<&str>) -> Result<NaiveDate> {
    let today = clock_today();
    match arg {
        Some(text) => Ok(parse_date(text, today).map_err(|e| anyhow::anyhow!("--today: {e}"))?),
        None => Ok(today),
    }
}

/// Refuses arguments that hold control characters (a pasted NUL, an escape sequence, a
/// line break), before anything is opened or created: every other entrance refuses them
/// too, and a path or date with one in it is never what was meant.
pub fn check_arguments(cli: &Cli) -> Result<()> {
    use std::ffi::OsStr;
    let mut arguments: Vec<(&str, &OsStr)> = Vec::new();
    if let Some(db) = &cli.db {
        arguments.push(("--db", db.as_os_str()));
    }
    if let Some(command) = &cli.command {
        for (flag, text) in date_arguments(command) {
            if let Some(text) = text {
                arguments.push((flag, OsStr::new(text.as_str())));
            }
        }
    }
    match &cli.command {
        Some(Command::Backup { out: Some(out) }) => arguments.push(("--out", out.as_os_str())),
        Some(Command::Export { out, .. }) => arguments.push(("--out", out.as_os_str())),
        Some(Command::Insights { out: Some(out), .. }) => {
            arguments.push(("--out", out.as_os_str()));
        }
        Some(Command::Restore { file } | Command::Import { file, .. }) => {
            arguments.push(("FILE", file.as_os_str()));
        }
        _ => {}
    }
    for (name, value) in arguments {
        let text = value.to_string_lossy();
        if let Some((position, c)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
            bail!(
                "{name} holds an invisible control character (U+{:04X}, character {}): type it again without it",
                u32::from(c),
                position + 1
            );
        }
    }
    Ok(())
}

/// The date arguments of `command`, by flag.
fn date_arguments(command: &Command) -> Vec<(&'static str, Option<&String>)> {
    match command {
        Command::Demo { today } | Command::Generate { today, .. } | Command::Rank { today, .. } => {
            vec![("--today", today.as_ref())]
        }
        Command::Export {
            from, to, today, ..
        }
        | Command::Insights {
            from, to, today, ..
        } => vec![
            ("--from", from.as_ref()),
            ("--to", to.as_ref()),
            ("--today", today.as_ref()),
        ],
        _ => Vec::new(),
    }
}

/// An error and its causes as one line, each cause's text once: a message that already
/// quotes its cause (as "… (disk I/O error) …") does not repeat it.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain().map(ToString::to_string) {
        if line.contains(&cause) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&cause);
    }
    line.replace(['\n', '\r'], " ")
}

/// Reads a password from standard input (one line) or, at a terminal, a prompt that does
/// not echo: never from the command line, where other users and the shell history see it.
fn read_password(prompt: &str) -> Result<String> {
    use std::io::IsTerminal as _;
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("the password cannot be read")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("the password cannot be read from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.is_empty() {
        bail!("the password is empty: type it at the prompt or pipe it on standard input");
    }
    Ok(password)
}

mod team_reports;

/// `format` with `--set CODE|none` and `--number-format LOCALE` applied (`candor currency`
/// and `candor team currency`).
fn money_args(
    mut format: crate::domain::MoneyFormat,
    set: Option<&str>,
    number_format: Option<&str>,
) -> Result<crate::domain::MoneyFormat> {
    if let Some(code) = set {
        format.currency = match code.trim() {
            none if none.eq_ignore_ascii_case("none") => None,
            code => Some(crate::domain::Currency::from_code(code).ok_or_else(|| {
                let known: Vec<&str> = crate::domain::Currency::ALL
                    .iter()
                    .map(|c| c.code())
                    .collect();
                anyhow::anyhow!(
                    "\"{code}\" is not a currency Candor knows: use one of {}, or none",
                    known.join(", ")
                )
            })?),
        };
    }
    if let Some(tag) = number_format {
        format.locale = crate::domain::NumberLocale::from_tag(tag).ok_or_else(|| {
            let known: Vec<&str> = crate::domain::NumberLocale::ALL
                .iter()
                .map(|l| l.tag())
                .collect();
            anyhow::anyhow!(
                "\"{tag}\" is not a number format Candor knows: use one of {}",
                known.join(", ")
            )
        })?;
    }
    Ok(format)
}

/// "Currency: EUR (Euro); number format: de-DE (German (Germany)), e.g. 1.234,50 €".
fn describe_money(format: crate::domain::MoneyFormat) -> String {
    let currency = format.currency.map_or_else(
        || "none set".to_owned(),
        |c| format!("{} ({})", c.code(), c.name()),
    );
    format!(
        "Currency: {currency}; number format: {} ({}), e.g. {}",
        format.locale.tag(),
        format.locale.name(),
        format.format(crate::domain::Cents(123_450))
    )
}

/// `candor team …`.
fn run_team(action: TeamCommand) -> Result<()> {
    use crate::team::{TeamAddress, TeamConnection, roles::RepOutcome, schema::InitOutcome};
    match action {
        TeamCommand::Init { server } => {
            let address = TeamAddress::parse(&server)?;
            let password = std::env::var("PGPASSWORD").ok();
            let mut team = TeamConnection::open(&address, password.as_deref())?;
            let message = match team.init()? {
                InitOutcome::Created => "created".to_owned(),
                InitOutcome::Upgraded { from } => format!("upgraded from version {from}"),
                InitOutcome::AlreadyCurrent => "already current: nothing changed".to_owned(),
            };
            println!("Team schema at {}: {message}", address.server());
        }
        TeamCommand::AddRep {
            server,
            login,
            name,
            manager,
        } => {
            let address = TeamAddress::parse(&server)?;
            if !crate::team::roles::is_valid_login(&login) {
                return Err(crate::team::TeamError::BadLogin { login }.into());
            }
            let password = read_password(&format!("Password for {login}: "))?;
            let admin_password = std::env::var("PGPASSWORD").ok();
            let mut team = TeamConnection::open(&address, admin_password.as_deref())?;
            let role = if manager { "manager" } else { "rep" };
            match team.add_rep(&login, &name, &password, manager)? {
                RepOutcome::Created => println!("Added {name} ({login}) as a {role}"),
                RepOutcome::Updated => {
                    println!("{name} ({login}) already existed: password reset, now a {role}")
                }
            }
        }
        TeamCommand::SavePassword { server } => {
            let address = TeamAddress::parse(&server)?;
            let password = read_password(&format!("Password for {}: ", address.login()))?;
            // Tested before saving: a mistyped password is not kept.
            TeamConnection::open(&address, Some(&password))?.check()?;
            let place = crate::team::save_password(&address, &password)?;
            println!("Password for {} saved in {place}", address.login());
        }
        TeamCommand::Handover {
            server,
            customer,
            from,
            to,
            note,
            at,
        } => {
            use crate::team::HandoverScope;
            let note = crate::domain::limits::clean_text("note", note.trim())?;
            let now = clock_now();
            let at_local = match at {
                Some(text) => {
                    crate::domain::dates::parse_datetime(&text, now.date(), chrono::NaiveTime::MIN)?
                }
                None => now,
            };
            let scope = match (customer, from) {
                (Some(customer), _) => HandoverScope::Customer(customer),
                (None, Some(from)) => HandoverScope::AllOf(from),
                (None, None) => bail!("say which customers: --customer ID_OR_NAME or --from LOGIN"),
            };
            let address = TeamAddress::parse(&server)?;
            let password = std::env::var("PGPASSWORD").ok();
            let mut team = TeamConnection::open(&address, password.as_deref())?;
            let now_ms = chrono::Utc::now().timestamp_millis();
            let moved = team.hand_over(&scope, &to, &note, at_local, now_ms)?;
            match (&scope, moved.as_slice()) {
                (HandoverScope::Customer(what), []) => {
                    println!("{what} is already {to}'s: nothing changed")
                }
                (HandoverScope::AllOf(from), []) => {
                    println!("{from} has no customers: nothing changed")
                }
                (_, [one]) => {
                    println!("Handed {} over from {} to {to}", one.name, one.former_owner)
                }
                (_, many) => {
                    println!("Handed {} customers over to {to}:", many.len());
                    for one in many {
                        println!("  {} (from {})", one.name, one.former_owner);
                    }
                }
            }
        }
        TeamCommand::Share {
            server,
            customer,
            with,
        } => {
            let address = TeamAddress::parse(&server)?;
            let password = std::env::var("PGPASSWORD").ok();
            let mut team = TeamConnection::open(&address, password.as_deref())?;
            let now_ms = chrono::Utc::now().timestamp_millis();
            let (found, added) = team.share(&customer, &with, now_ms)?;
            if added {
                println!("Shared {} with {with}", found.name);
            } else {
                println!(
                    "{} was already shared with {with} (or is theirs): nothing changed",
                    found.name
                );
            }
        }
        TeamCommand::Currency {
            server,
            set,
            number_format,
        } => {
            let address = TeamAddress::parse(&server)?;
            let password = std::env::var("PGPASSWORD").ok();
            let mut team = TeamConnection::open(&address, password.as_deref())?;
            team.check()?;
            let format = money_args(
                team.money_format()?,
                set.as_deref(),
                number_format.as_deref(),
            )?;
            if set.is_some() || number_format.is_some() {
                team.set_money_format(format)?;
            }
            println!(
                "Team {}",
                describe_money(format).replacen("Currency", "currency", 1)
            );
        }
        TeamCommand::Rank {
            server,
            today,
            format,
            rep,
            limit,
        } => team_reports::rank(&server, today.as_deref(), format, rep.as_deref(), limit)?,
        TeamCommand::Export {
            server,
            report,
            from,
            to,
            today,
            no_bom,
            out,
        } => team_reports::export(
            &server,
            &report,
            (from.as_deref(), to.as_deref()),
            today.as_deref(),
            !no_bom,
            &out,
        )?,
    }
    Ok(())
}

/// `candor sync`: connects and checks the server before opening the journal, so a server
/// that is unreachable, a wrong password or a missing schema leave the journal untouched.
fn run_sync(path: &std::path::Path, server: Option<String>) -> Result<()> {
    use crate::team::{SERVER_SETTING, SyncProgress, TeamAddress, TeamConnection};
    let remembered = if server.is_none() && path.exists() {
        Store::open(path)?.team_setting(SERVER_SETTING)?
    } else {
        None
    };
    let Some(text) = server.or(remembered) else {
        bail!(
            "no team database is set for this journal: pass --server URL once (it is remembered)"
        );
    };
    let address = TeamAddress::parse(&text)?;
    let password = std::env::var("PGPASSWORD").ok();
    let mut team = TeamConnection::open(&address, password.as_deref())?;
    team.check()?;
    // A damaged journal must not send its damage to the team, nor take changes into it.
    if path.exists() {
        crate::backup_policy::check_journal(path, "nothing was synced")?;
    }
    let mut store = Store::open(path)?;
    if store.team_setting(SERVER_SETTING)?.as_deref() != Some(address.saved_text()) {
        store.set_team_setting(SERVER_SETTING, address.saved_text())?;
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut last_shown = std::time::Instant::now();
    let report = team.sync(&mut store, now_ms, &mut |progress| {
        // A first sync of a big journal takes a while: say how far it got, now and then.
        if last_shown.elapsed() < std::time::Duration::from_secs(1) {
            return;
        }
        last_shown = std::time::Instant::now();
        match progress {
            SyncProgress::Sending { done, total } => eprintln!("Sent {done} of {total} changes…"),
            SyncProgress::Receiving { done } => eprintln!("Received {done} changes…"),
        }
    })?;
    println!("{report}");
    Ok(())
}

/// The app's background sync ([`crate::team::SyncHandle`]) run once, without a window.
fn run_background_sync(path: &std::path::Path) -> Result<()> {
    use crate::team::{SERVER_SETTING, SyncHandle, SyncState, TeamAddress};
    let Some(text) = open_existing(path)?.team_setting(SERVER_SETTING)? else {
        bail!(
            "this journal has no team: connect it with File → Team… or `candor sync --server URL`"
        );
    };
    let address = TeamAddress::parse(&text)?;
    let handle = SyncHandle::start(path.to_path_buf(), address, || {});
    loop {
        match handle.state() {
            SyncState::Starting | SyncState::Syncing => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            SyncState::Synced { .. } => return Ok(()),
            other => bail!("{}", other.describe(std::time::Instant::now())),
        }
    }
}

/// `candor history`: one customer's changes that lost to a later one.
fn run_history(
    path: &std::path::Path,
    wanted: &str,
    format: crate::io::history_report::HistoryFormat,
) -> Result<()> {
    use crate::io::history_report::{HistoryFormat, write_json, write_table};
    let store = open_existing(path)?;
    let customers = store.customers()?;
    let wanted = wanted.trim();
    let by_id = wanted
        .parse::<i64>()
        .ok()
        .and_then(|id| customers.iter().find(|c| c.id.0 == id));
    let matches: Vec<_> = match by_id {
        Some(customer) => vec![customer],
        None => customers
            .iter()
            .filter(|c| c.name.trim().to_lowercase() == wanted.to_lowercase())
            .collect(),
    };
    let customer = match matches.as_slice() {
        [customer] => *customer,
        [] => bail!(
            "--customer: there is no customer named \"{wanted}\": check the spelling, or give their id (first column of `candor export --report customers`)"
        ),
        several => bail!(
            "--customer: {} customers are named \"{wanted}\" (ids {}): give the id of the one you mean",
            several.len(),
            several
                .iter()
                .map(|c| c.id.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let changes = store.lost_changes(customer.id)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        HistoryFormat::Table => write_table(&mut out, customer, &changes)?,
        HistoryFormat::Json => write_json(&mut out, &changes)?,
    }
    Ok(())
}

/// Runs a headless subcommand.
pub fn run_command(db: Option<PathBuf>, command: Command) -> Result<()> {
    // Team administration needs no journal (nor a home folder for one).
    if let Command::Team { action } = command {
        return run_team(action);
    }
    let path = journal_path(db)?;
    match command {
        Command::Sync { server } => run_sync(&path, server)?,
        Command::History { customer, format } => run_history(&path, &customer, format)?,
        Command::BackgroundSync => run_background_sync(&path)?,
        Command::Team { action } => run_team(action)?,
        Command::Demo { today } => {
            let today = today_from(today.as_deref())?;
            let mut store = open_new_or_empty(&path)?;
            let count = write_demo(&mut store, today)?;
            println!(
                "Wrote a demo journal with {count} customers to {}",
                path.display()
            );
        }
        Command::Generate {
            customers,
            entries,
            seed,
            today,
        } => {
            let today = today_from(today.as_deref())?;
            if customers == 0 && entries > 0 {
                bail!("--entries needs at least one customer: pass --customers 1 or more");
            }
            let mut store = open_new_or_empty(&path)?;
            let started = std::time::Instant::now();
            write_generated(
                &mut store,
                GenerateOptions {
                    customers,
                    entries,
                    seed,
                },
                today,
            )?;
            println!(
                "Wrote {customers} customers and {entries} entries to {} in {:.1} s",
                path.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Rank {
            today,
            limit,
            format,
        } => {
            let today = today_from(today.as_deref())?;
            let store = open_existing(&path)?;
            store.read_through_memory_map()?;
            store.cache_for_one_read()?;
            let settings = RankSettings::with_money(store.money_format()?);
            // Each half of the customers is read and scored on its own core, on two
            // connections in one snapshot; the halves are then sorted as one list.
            type Part = (Vec<CustomerFacts>, Vec<RankedCustomer>);
            let part = |store: &Store, ids| -> crate::store::Result<Part> {
                let facts = store.rank_facts_in(today, ids)?;
                let ranked = score_part(&facts, today, &settings);
                Ok((facts, ranked))
            };
            let [first, second] = store.customer_id_halves()?;
            let ((first_facts, first), (second_facts, second)) = store
                .read_on_two_connections(|store| part(store, first), |store| part(store, second))?;
            // The journal is not needed any more: closed on another thread while the list
            // is joined and written (unmapping it and freeing its caches took 2 ms). Where
            // no thread is to be had, it closes here.
            let closing = std::thread::Builder::new().spawn(move || drop(store));
            let facts = [first_facts, second_facts];
            let mut ranked = join_ranked(vec![first, second]);
            if let Some(limit) = limit {
                ranked.truncate(limit);
            }
            // Written straight out through a buffer: the whole report held in memory first
            // (7 MB of JSON for 10,000 customers) cost its pages' faults.
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let written = match format {
                RankFormat::Table => write_rank_table(&mut out, &ranked, today),
                RankFormat::Csv => crate::io::rank_report::write_csv(&mut out, &ranked, true)
                    .map_err(std::io::Error::from),
                RankFormat::Json => crate::io::rank_report::write_json(&mut out, &ranked, today)
                    .map_err(std::io::Error::from),
            }
            .and_then(|()| out.flush());
            // The report is out (or failed) and nothing is left to do but end the process:
            // freeing the facts and the list one allocation at a time cost about a tenth of
            // `candor rank`'s time (issue 14), and the operating system takes the whole
            // heap back at exit anyway. The journal is closed before the process ends, even
            // when the report failed.
            std::mem::forget(facts);
            std::mem::forget(ranked);
            if let Ok(closing) = closing
                && let Err(panic) = closing.join()
            {
                std::panic::resume_unwind(panic);
            }
            written.map_err(|e| {
                anyhow::anyhow!(
                    "cannot write the ranking to standard output: {}",
                    crate::store::write_problem(std::path::Path::new("-"), &e)
                )
            })?;
        }
        Command::Currency { set, number_format } => {
            let mut store = open_existing(&path)?;
            let format = money_args(
                store.money_format()?,
                set.as_deref(),
                number_format.as_deref(),
            )?;
            if set.is_some() || number_format.is_some() {
                store.set_money_format(format)?;
            }
            println!("{}", describe_money(format));
        }
        Command::Backup { out } => {
            let now = clock_now();
            let info = crate::backup_policy::back_up_now(&path, out.as_deref(), now)?;
            let count = info.customer_count.unwrap_or(0);
            println!(
                "Backed up {} ({count} customers) to {}",
                path.display(),
                info.path.display()
            );
        }
        Command::Restore { file } => {
            let now = clock_now();
            let report = crate::backup_policy::restore(&path, &file, now)?;
            println!(
                "Restored {} from {} ({} customers)",
                path.display(),
                file.display(),
                report.customer_count
            );
            if let Some(previous) = report.previous {
                println!("The journal as it was is saved in {}", previous.display());
            }
        }
        Command::Export {
            report,
            from,
            to,
            today,
            no_bom,
            out,
        } => {
            let today = today_from(today.as_deref())?;
            let (from, to) = (from.as_deref(), to.as_deref());
            let rows = crate::io::export::run_cli(&path, report, from, to, today, !no_bom, &out)?;
            if out.as_os_str() != "-" {
                println!("Wrote {rows} rows to {}", out.display());
            }
        }
        Command::Announce { action, new } => match action {
            Some(AnnounceCommand::Status { today, format }) => {
                if !new.is_empty() {
                    bail!(
                        "`announce status` only reports: make the announcement first with `candor announce --kind … --title … --effective … --all`, then ask for its status"
                    );
                }
                let today = today_from(today.as_deref())?;
                let store = open_existing(&path)?;
                let progress = store.announcement_progress(today)?;
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                match format {
                    StatusFormat::Table => {
                        crate::io::announce_report::write_table(&mut out, &progress, today)?
                    }
                    StatusFormat::Json => {
                        crate::io::announce_report::write_json(&mut out, &progress)?
                    }
                }
                out.flush()?;
            }
            None => {
                let now = clock_now();
                let mut store = open_existing(&path)?;
                let draft = announcement_draft(&store, new, now.date())?;
                let announcement = store.add_announcement(draft, now)?;
                let progress = crate::domain::announcement::progress(
                    &announcement,
                    &store.customers()?,
                    &store.announcement_tellings()?,
                    now.date(),
                );
                println!(
                    "Announced #{} \"{}\" ({}, effective {}) to {}: {} affected, none told yet. `candor announce status` shows who has heard it.",
                    announcement.id.0,
                    announcement.title,
                    announcement.kind.label().to_lowercase(),
                    crate::domain::dates::format_date(announcement.effective),
                    announcement.audience.describe(),
                    progress.affected.len()
                );
            }
        },
        Command::Insights {
            from,
            to,
            today,
            per,
            threshold,
            rep,
            per_rep,
            format,
            out,
        } => run_insights(
            &path,
            [from.as_deref(), to.as_deref(), today.as_deref()],
            per,
            threshold,
            InsightsReps {
                only: &rep,
                per_rep,
            },
            format,
            out.as_deref(),
        )?,
        Command::Import {
            file,
            merge_duplicates,
        } => {
            let now = clock_now();
            // Writing into a damaged journal can spread the damage.
            if path.exists() {
                crate::backup_policy::check_journal(&path, "nothing was imported into it")?;
            }
            // The list of rows left out gets its place before anything is imported, so an
            // import never happens without a way to say what it left out.
            let list = LeftOutList::reserve(&file, &path)?;
            let summary = match crate::io::import::run_cli(&path, &file, merge_duplicates, now) {
                Ok(summary) => summary,
                Err(error) => {
                    list.discard();
                    return Err(error.into());
                }
            };
            print!("{summary}");
            if summary.left_out.is_empty() {
                list.discard();
            } else {
                let options = crate::io::import::ImportOptions {
                    merge_duplicates,
                    ..Default::default()
                };
                crate::io::import::write_left_out(&file, &options, &summary, &list.path)?;
                println!(
                    "The rows left out are in {}: fix them there and import that file.",
                    list.path.display()
                );
                return Err(RowsLeftOut {
                    count: summary.left_out.len(),
                    path: list.path,
                }
                .into());
            }
        }
        Command::Calendar { out, today } => {
            let today = today_from(today.as_deref())?;
            if out.as_os_str() == "-" {
                let store = open_existing(&path)?;
                let items = store.due_items(today, crate::io::calendar::CANCELLED_KEPT_DAYS)?;
                let name = crate::io::calendar::calendar_name(&path);
                let text = crate::io::calendar::calendar_text_in(
                    &items,
                    &Local,
                    &name,
                    store.money_format()?,
                );
                let stdout = std::io::stdout();
                let mut stdout = stdout.lock();
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            } else {
                open_existing(&path)?;
                let events = crate::io::calendar::write_for_journal(&path, &out, today)?;
                println!("Wrote {events} events to {}", out.display());
            }
        }
    }
    Ok(())
}

/// `candor import` left rows out: the import itself was written, but a script must notice.
/// `main` turns it into exit status [`RowsLeftOut::EXIT_CODE`].
#[derive(Debug, thiserror::Error)]
#[error("{count} rows were left out; they are listed in {}", path.display())]
pub struct RowsLeftOut {
    pub count: usize,
    pub path: PathBuf,
}

impl RowsLeftOut {
    /// The exit status of an import that left rows out (documented in the README).
    pub const EXIT_CODE: u8 = 3;
}

/// Where `candor import` lists the rows it left out: `<stem>-not-imported.csv` next to the
/// imported file (`-2`, `-3`… rather than overwrite one), or in the journal's folder when
/// the file's folder cannot be written to.
#[derive(Debug)]
struct LeftOutList {
    path: PathBuf,
}

impl LeftOutList {
    fn reserve(file: &std::path::Path, journal: &std::path::Path) -> Result<Self> {
        let stem = file
            .file_stem()
            .map_or_else(|| "import".to_owned(), |s| s.to_string_lossy().into_owned());
        let beside = file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let journal_folder = journal
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let mut last_error = None;
        for folder in [&beside, &journal_folder] {
            for n in 1..1000 {
                let name = if n == 1 {
                    format!("{stem}-not-imported.csv")
                } else {
                    format!("{stem}-not-imported-{n}.csv")
                };
                let path = folder.join(name);
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                {
                    Ok(_) => return Ok(Self { path }),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => {
                        last_error = Some(e);
                        break;
                    }
                }
            }
        }
        let reason =
            last_error.map_or_else(|| "too many earlier lists".to_owned(), |e| e.to_string());
        bail!(
            "cannot write the list of rows left out next to {} or in {} ({reason}): copy the file to a folder you may write to and import it from there; nothing was imported",
            file.display(),
            journal_folder.display()
        )
    }

    /// Removes the reserved file when nothing was left out (or nothing imported).
    fn discard(&self) {
        // A leftover empty file is harmless; failing to remove it is not worth an error.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Checks `candor announce`'s arguments into an announcement, resolving customers named
/// by id or name.
fn announcement_draft(
    store: &Store,
    args: AnnounceArgs,
    today: NaiveDate,
) -> Result<crate::domain::announcement::AnnouncementDraft> {
    use crate::domain::announcement::{AnnouncementDraft, AnnouncementKind, Audience};
    let kinds = || {
        AnnouncementKind::ALL
            .iter()
            .map(|k| k.code().replace('_', "-"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(kind_text) = args.kind else {
        bail!(
            "--kind is missing: say what the announcement is about ({})",
            kinds()
        );
    };
    let Some(kind) = AnnouncementKind::from_code(&kind_text.replace('-', "_")) else {
        bail!(
            "--kind: \"{kind_text}\" is not a kind of announcement: use one of {}",
            kinds()
        );
    };
    let Some(title) = args.title else {
        bail!(
            "--title is missing: say what changes in a few words, e.g. --title \"Prices rise 4%\""
        );
    };
    let Some(effective) = args.effective else {
        bail!("--effective is missing: give the day it takes effect, e.g. --effective 2026-03-01");
    };
    let effective =
        parse_date(&effective, today).map_err(|e| anyhow::anyhow!("--effective: {e}"))?;
    let chosen = usize::from(args.all)
        + usize::from(args.tag.is_some())
        + usize::from(args.company.is_some())
        + usize::from(!args.customers.is_empty());
    if chosen != 1 {
        bail!(
            "say who it affects with exactly one of --all, --tag TAG, --company NAME or --customer NAME_OR_ID"
        );
    }
    let audience = if args.all {
        Audience::All
    } else if let Some(tag) = args.tag {
        Audience::Tag(tag)
    } else if let Some(company) = args.company {
        Audience::Company(company)
    } else {
        let customers = store.customers()?;
        let mut ids = Vec::new();
        for wanted in &args.customers {
            let wanted = wanted.trim();
            let by_id = wanted
                .parse::<i64>()
                .ok()
                .and_then(|id| customers.iter().find(|c| c.id.0 == id));
            let matches: Vec<_> = match by_id {
                Some(customer) => vec![customer],
                None => customers
                    .iter()
                    .filter(|c| c.name.trim().to_lowercase() == wanted.to_lowercase())
                    .collect(),
            };
            match matches.as_slice() {
                [customer] => ids.push(customer.id),
                [] => bail!(
                    "--customer: there is no customer named \"{wanted}\": check the spelling, or give their id (first column of `candor export --report customers`)"
                ),
                several => bail!(
                    "--customer: {} customers are named \"{wanted}\" (ids {}): give the id of the one you mean",
                    several.len(),
                    several
                        .iter()
                        .map(|c| c.id.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        Audience::Picked(ids)
    };
    Ok(AnnouncementDraft {
        kind,
        title,
        reason: args.reason.unwrap_or_default(),
        effective,
        audience,
    }
    .validated()?)
}

/// Opens a journal that must already exist.
pub fn open_existing(path: &std::path::Path) -> Result<Store> {
    if !path.exists() {
        bail!(
            "there is no journal at {}: check the path, or create one with `candor demo --db {}`",
            path.display(),
            path.display()
        );
    }
    Ok(Store::open(path)?)
}

fn open_new_or_empty(path: &std::path::Path) -> Result<Store> {
    let store = Store::open(path)?;
    let count = store.customer_count()?;
    if count > 0 {
        bail!(
            "{} already holds {count} customers: choose a new file name so nothing is mixed into your journal",
            path.display()
        );
    }
    Ok(store)
}

/// Whose customers `candor insights` measures: everyone, the reps in `only`, or the whole
/// team and then each rep.
struct InsightsReps<'a> {
    only: &'a [String],
    per_rep: bool,
}

/// The customers of the reps `logins`, or a sentence saying which login is unknown.
fn customers_of_reps(
    store: &crate::store::Store,
    logins: &[String],
) -> Result<Vec<crate::domain::CustomerId>> {
    let reps = store.insight_reps()?;
    if reps.is_empty() {
        bail!(
            "this journal has no team reps: --rep and --per-rep need a manager's journal synced with the team"
        );
    }
    let mut customers = Vec::new();
    for login in logins {
        let Some(rep) = reps.iter().find(|r| r.login == *login) else {
            let known: Vec<&str> = reps.iter().map(|r| r.login.as_str()).collect();
            bail!(
                "no customer in this journal belongs to rep \"{login}\": the reps here are {}",
                known.join(", ")
            );
        };
        customers.extend(rep.customers.iter().copied());
    }
    Ok(customers)
}

/// `candor insights`: the measures over `--from..--to`, in `format`, to standard output or
/// to the file `out`.
fn run_insights(
    path: &std::path::Path,
    [from, to, today]: [Option<&str>; 3],
    per: InsightsPer,
    threshold: u32,
    reps: InsightsReps<'_>,
    format: crate::io::insights_report::InsightsFormat,
    out: Option<&std::path::Path>,
) -> Result<()> {
    use crate::domain::insights::{Granularity, InsightOptions};
    use crate::io::insights_report::{self as report, InsightsFormat};
    let today = today_from(today)?;
    let date = |flag: &str, text: Option<&str>| -> Result<Option<NaiveDate>> {
        text.map(|t| parse_date(t, today).map_err(|e| anyhow::anyhow!("--{flag}: {e}")))
            .transpose()
    };
    let to = date("to", to)?.unwrap_or(today);
    let from = date("from", from)?.unwrap_or_else(|| report::default_from(to));
    if from > to {
        bail!(
            "the period starts on {} but ends on {}: pick a --from on or before --to",
            crate::domain::dates::format_date(from),
            crate::domain::dates::format_date(to)
        );
    }
    if format == InsightsFormat::Html && out.is_none() {
        bail!("--format html writes a file: add --out FILE (for example --out report.html)");
    }
    let store = open_existing(path)?;
    let options = InsightOptions {
        from,
        to,
        today,
        granularity: match per {
            InsightsPer::Week => Granularity::Week,
            InsightsPer::Month => Granularity::Month,
        },
        threshold,
        problem_update_days: RankSettings::default().problem_update_days,
    };
    if reps.per_rep {
        if format == InsightsFormat::Html {
            bail!(
                "--per-rep writes table, json or csv: drop --format html, or use --rep LOGIN for one rep's report"
            );
        }
        // Checks there are reps at all.
        customers_of_reps(&store, &[])?;
        let (team, per_rep) = store.insights_per_rep(&options)?;
        let mut bytes = Vec::new();
        match format {
            InsightsFormat::Json => report::write_json_per_rep(&mut bytes, &team, &per_rep)?,
            InsightsFormat::Csv => {
                report::write_csv_per_rep(&mut bytes, &team, &per_rep, out.is_some())?;
            }
            _ => report::write_table_per_rep(&mut bytes, &team, &per_rep, store.money_format()?)?,
        }
        return write_insights_output(out, &bytes);
    }
    let only = if reps.only.is_empty() {
        None
    } else {
        Some(customers_of_reps(&store, reps.only)?)
    };
    // The mornings rebuilt are kept only once the output is written: a command that fails
    // changes no file.
    let (insights, keep) = store.insights_and_mornings(&options, only.as_deref())?;
    let mut bytes = Vec::new();
    match format {
        InsightsFormat::Table => report::write_table(&mut bytes, &insights, store.money_format()?)?,
        InsightsFormat::Json => report::write_json(&mut bytes, &insights)?,
        InsightsFormat::Csv => report::write_csv(&mut bytes, &insights, out.is_some())?,
        InsightsFormat::Html => {
            let names: report::Names = store
                .customers()?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            bytes = report::html_report(&insights, &names, store.money_format()?).into_bytes();
        }
    }
    write_insights_output(out, &bytes)?;
    if let Some(keep) = keep {
        // Only saves time at the next opening: a journal that cannot be written is fine.
        let _ = store.keep_insight_mornings_read_here(&keep);
    }
    Ok(())
}

/// Writes `bytes` to the file `out` (readable by its owner only) or to standard output.
fn write_insights_output(out: Option<&std::path::Path>, bytes: &[u8]) -> Result<()> {
    use crate::io::insights_report as report;
    match out {
        Some(out) => {
            report::write_private_file(out, bytes).map_err(|e| {
                anyhow::anyhow!(
                    "cannot write the insights report to {}: {}; choose another file or folder",
                    out.display(),
                    crate::store::write_problem(out, &e)
                )
            })?;
            println!("Wrote the insights report to {}", out.display());
        }
        None => {
            let stdout = std::io::stdout();
            let mut stdout = stdout.lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot write the insights to standard output: {}",
                        crate::store::write_problem(std::path::Path::new("-"), &e)
                    )
                })?;
        }
    }
    Ok(())
}

fn write_rank_table(
    out: &mut impl std::io::Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Call them first — {}",
        crate::domain::dates::format_date(today)
    )?;
    if ranked.is_empty() {
        writeln!(out, "Nobody is waiting on you today.")?;
    }
    // Written piece by piece, not with `writeln!`: 35,000 lines for 10,000 customers, and
    // the padding of `{:>4}` through `core::fmt` cost more than the rest of the line.
    for customer in ranked {
        write_padded(out, customer.rank as i64, 3)?;
        out.write_all(b". ")?;
        out.write_all(customer.name.as_bytes())?;
        if !customer.company.is_empty() {
            out.write_all(b" (")?;
            out.write_all(customer.company.as_bytes())?;
            out.write_all(b")")?;
        }
        out.write_all(" — score ".as_bytes())?;
        out.write_all(itoa::Buffer::new().format(customer.score).as_bytes())?;
        out.write_all(b"\n")?;
        for reason in &customer.reasons {
            out.write_all(b"       ")?;
            write_padded(out, reason.points, 4)?;
            out.write_all(b"  ")?;
            out.write_all(reason.text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.write_all(b"       Say: ")?;
        out.write_all(customer.opener.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `number` right-aligned in `width` characters, as `{:>width$}` does.
fn write_padded(out: &mut impl std::io::Write, number: i64, width: usize) -> std::io::Result<()> {
    const SPACES: &[u8] = b"                    ";
    let mut digits = itoa::Buffer::new();
    let text = digits.format(number);
    let pad = width.saturating_sub(text.len()).min(SPACES.len());
    out.write_all(&SPACES[..pad])?;
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_that_quotes_its_cause_prints_the_cause_once() {
        let os = std::io::Error::from_raw_os_error(28);
        let os_text = os.to_string();
        let error = anyhow::Error::new(os).context(format!("Cannot write the export ({os_text})"));
        let line = one_line(&error);
        assert_eq!(line.matches(&os_text).count(), 1, "{line}");
        let error = anyhow::anyhow!("first").context("second\nline");
        assert_eq!(one_line(&error), "second line: first");
    }
}

#[cfg(test)]
mod left_out_list_tests {
    use super::LeftOutList;

    #[test]
    fn the_list_goes_next_to_the_file_never_over_an_earlier_one_else_beside_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("contacts.csv");
        let journal = dir.path().join("journal").join("j.sqlite3");
        let first = LeftOutList::reserve(&file, &journal).unwrap();
        assert_eq!(first.path, dir.path().join("contacts-not-imported.csv"));
        let second = LeftOutList::reserve(&file, &journal).unwrap();
        assert_eq!(second.path, dir.path().join("contacts-not-imported-2.csv"));
        second.discard();
        assert!(!second.path.exists());

        // A folder that cannot be written to (here: one that is not there) falls back to
        // the journal's folder; when neither can be written, nothing is imported.
        std::fs::create_dir(dir.path().join("journal")).unwrap();
        let elsewhere = dir.path().join("gone").join("contacts.csv");
        let fallback = LeftOutList::reserve(&elsewhere, &journal).unwrap();
        assert_eq!(
            fallback.path,
            dir.path().join("journal").join("contacts-not-imported.csv")
        );
        let nowhere = dir.path().join("missing").join("j.sqlite3");
        let error = LeftOutList::reserve(&elsewhere, &nowhere).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot write the list of rows left out next to"),
            "{error}"
        );
        assert!(
            error.to_string().ends_with("nothing was imported"),
            "{error}"
        );
    }
}
