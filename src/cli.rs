//! The command line: `candor` opens the desktop app; subcommands work headless on the same
//! journal. Arguments are parsed loosely by clap, then checked into typed values.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::{Local, NaiveDate};
use clap::{Parser, Subcommand, ValueEnum};

use crate::domain::dates::parse_date;
use crate::domain::rank::{RankSettings, RankedCustomer, rank};
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
}

/// How `candor rank` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RankFormat {
    Table,
    Csv,
    Json,
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

/// Runs a headless subcommand.
pub fn run_command(db: Option<PathBuf>, command: Command) -> Result<()> {
    let path = journal_path(db)?;
    match command {
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
            let mut ranked = rank(&store.rank_facts(today)?, today, &RankSettings::default());
            if let Some(limit) = limit {
                ranked.truncate(limit);
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                RankFormat::Table => write_rank_table(&mut out, &ranked, today)?,
                RankFormat::Csv => crate::io::rank_report::write_csv(&mut out, &ranked, true)?,
                RankFormat::Json => crate::io::rank_report::write_json(&mut out, &ranked, today)?,
            }
            out.flush()?;
        }
        Command::Backup { out } => {
            let now = clock_now();
            let info = crate::backups::back_up_now(&path, out.as_deref(), now)?;
            let count = info.customer_count.unwrap_or(0);
            println!(
                "Backed up {} ({count} customers) to {}",
                path.display(),
                info.path.display()
            );
        }
        Command::Restore { file } => {
            let now = clock_now();
            let report = crate::backups::restore(&path, &file, now)?;
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
        Command::Import {
            file,
            merge_duplicates,
        } => {
            let now = clock_now();
            let summary = crate::io::import::run_cli(&path, &file, merge_duplicates, now)?;
            print!("{summary}");
        }
        Command::Calendar { out, today } => {
            let today = today_from(today.as_deref())?;
            if out.as_os_str() == "-" {
                let store = open_existing(&path)?;
                let items = store.due_items(today, crate::io::calendar::CANCELLED_KEPT_DAYS)?;
                let name = crate::io::calendar::calendar_name(&path);
                let text = crate::io::calendar::calendar_text(&items, &Local, &name);
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

fn write_rank_table(
    out: &mut impl std::io::Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
) -> Result<()> {
    writeln!(
        out,
        "Call them first — {}",
        crate::domain::dates::format_date(today)
    )?;
    if ranked.is_empty() {
        writeln!(out, "Nobody is waiting on you today.")?;
    }
    for customer in ranked {
        let who = if customer.company.is_empty() {
            customer.name.clone()
        } else {
            format!("{} ({})", customer.name, customer.company)
        };
        writeln!(
            out,
            "{:>3}. {who} — score {}",
            customer.rank, customer.score
        )?;
        for reason in &customer.reasons {
            writeln!(out, "       {:>4}  {}", reason.points, reason.text)?;
        }
        writeln!(out, "       Say: {}", customer.opener)?;
    }
    Ok(())
}
