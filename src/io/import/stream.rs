//! A large CSV imported as it is read, so memory stays bounded however long the file is:
//! a first pass checks the whole file (valid UTF-8, no runaway quoted field) before
//! anything is written, the second reads it a record at a time and writes each row inside
//! the import's one transaction.
//!
//! Only what this path reads exactly as [`super::table::read_table`] would takes it: a UTF-8
//! CSV (with or without byte-order mark, or a UTF-8 copy of one in another encoding),
//! without a runaway quote, that is a Candor timeline or a contacts file with a column to
//! name customers from. Small CSV files and those with a runaway quote are read whole, so
//! the summary of an import never depends on which path read the file. vCard files of any
//! length are read here, a card at a time (`vcards.rs`): each card is a row of a contacts
//! file, or a row that cannot be read.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use encoding_rs::{Encoding, UTF_8};

use super::contacts::{CustomerImporter, read_row};
use super::mapping::tally_filled;
use super::mapping::{ColumnMapping, detect_mapping, normalise_header};
use super::row_writer::RowWriter;
use super::table::wrong_width;
use super::timeline::TimelineImporter;
use super::vcards::{PlannedCards, VCARD_HEADERS, card_row, vcard_mapping};
use super::{
    ImportError, ImportOptions, ImportPreview, ImportSummary, PREVIEW_ROWS, RowProblem,
    SourceFormat,
};
use crate::io::text::{
    Detection, RunawayScanner, detect_separator, first_record_fields, sniffs_alike,
    utf16_by_zero_bytes,
};
use crate::io::vcard::{Card, CardReader};
use crate::store::{BulkWriter, Store, StoreError};

/// Files at least this long are imported as they are read; smaller ones are read whole
/// (holding them costs little, and their preview reads them whole anyway).
pub(super) const STREAM_FROM_BYTES: u64 = 8 << 20;

/// How much of the file is read to find its encoding, separator and headers.
const PREFIX_BYTES: u64 = 1 << 20;

/// How much is read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// A timeline or contacts file checked whole and ready to be imported as it is read.
pub(super) struct StreamPlan {
    path: PathBuf,
    pub(super) headers: Vec<String>,
    pub(super) mapping: ColumnMapping,
    /// Every entry id bad news in the file may relate to (`None`: keep every id).
    referenced: Option<HashSet<i64>>,
    /// Bytes before the CSV text: byte-order marks and a `sep=` line.
    skip: u64,
    separator: u8,
    /// 1 when a `sep=` line comes first (it counts in line numbers), else 0.
    line_offset: usize,
    /// The file's encoding, and how it was found.
    pub(super) encoding: &'static Encoding,
    how_detected: Detection,
    /// Bytes not valid in `encoding`, read as U+FFFD.
    pub(super) undecodable: usize,
    /// The file read: `path`, or its UTF-8 copy when it is in another encoding.
    read_from: PathBuf,
    /// The UTF-8 copy, removed with the plan.
    copy: Option<tempfile::NamedTempFile>,
    /// Set for a vCard file: its cards are read instead of CSV records.
    cards: Option<PlannedCards>,
}

/// Checks whether `path` is a file to import as it is read (see the module's doc), and if
/// so, checks all of it. `None` sends it the way of [`super::table::read_table`].
pub(super) fn plan(
    path: &Path,
    options: &ImportOptions,
    from_bytes: u64,
) -> Result<Option<StreamPlan>, ImportError> {
    if let Some(cards) = super::vcards::plan(path, options.encoding)? {
        return plan_cards(path, options, cards).map(Some);
    }
    match plan_utf8(path, options, from_bytes)? {
        Planned::Plan(plan) => Ok(Some(*plan)),
        Planned::Whole => Ok(None),
        Planned::NotUtf8 => {
            // Copied as UTF-8 first, then planned as any UTF-8 file, reading the copy.
            let Some(copy) = super::transcode::transcode(path, options.encoding)? else {
                return Ok(None);
            };
            let utf8 = ImportOptions {
                encoding: Some(UTF_8),
                ..options.clone()
            };
            let Planned::Plan(mut plan) = plan_utf8(copy.copy.path(), &utf8, 0)? else {
                return Ok(None);
            };
            plan.path = path.to_path_buf();
            plan.encoding = copy.encoding;
            plan.how_detected = copy.how_detected;
            plan.undecodable = copy.undecodable;
            plan.copy = Some(copy.copy);
            Ok(Some(*plan))
        }
    }
}

/// The plan of a vCard file of any length: its cards are read as rows of [`VCARD_HEADERS`].
fn plan_cards(
    path: &Path,
    options: &ImportOptions,
    cards: PlannedCards,
) -> Result<StreamPlan, ImportError> {
    let mapping = options.mapping.clone().unwrap_or_else(vcard_mapping);
    if mapping.format != SourceFormat::CandorTimeline && !mapping.can_name_customers() {
        return Err(ImportError::NoNameColumn {
            path: path.to_path_buf(),
        });
    }
    Ok(StreamPlan {
        path: path.to_path_buf(),
        headers: VCARD_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        mapping,
        referenced: None,
        // The CSV reader's settings, unused: the cards are read as `cards` says.
        skip: 0,
        separator: b',',
        line_offset: 0,
        encoding: cards.encoding,
        how_detected: cards.how_detected,
        // As the whole-file reading of a vCard said: each value is decoded on its own.
        undecodable: 0,
        read_from: path.to_path_buf(),
        copy: None,
        cards: Some(cards),
    })
}

/// What [`plan_utf8`] found.
enum Planned {
    Plan(Box<StreamPlan>),
    /// The file is read whole.
    Whole,
    /// The file would be read as it is imported, but it is not UTF-8.
    NotUtf8,
}

/// [`plan`] for a UTF-8 file.
fn plan_utf8(
    path: &Path,
    options: &ImportOptions,
    from_bytes: u64,
) -> Result<Planned, ImportError> {
    let read_error = |source: std::io::Error| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    if options.stop_before_line.is_some() {
        return Ok(Planned::Whole);
    }
    let (chosen, chosen_other) = match options.encoding {
        None => (false, false),
        Some(encoding) => (encoding == UTF_8, encoding != UTF_8),
    };
    let mut file = File::open(path).map_err(read_error)?;
    let length = file.metadata().map_err(read_error)?.len();
    if length < from_bytes.max(1) {
        return Ok(Planned::Whole);
    }
    let mut prefix = Vec::new();
    (&mut file)
        .take(PREFIX_BYTES)
        .read_to_end(&mut prefix)
        .map_err(read_error)?;
    if chosen_other {
        return Ok(Planned::NotUtf8);
    }
    let mut bom_len = 0;
    while prefix[bom_len..].starts_with(crate::io::UTF8_BOM) {
        bom_len += crate::io::UTF8_BOM.len();
    }
    let utf16_bom = prefix.starts_with(&[0xff, 0xfe]) || prefix.starts_with(&[0xfe, 0xff]);
    // Without a chosen encoding or a byte-order mark, a file must be UTF-8 through and
    // through to be read as such; the first pass checks the rest.
    if !chosen && bom_len == 0 && (utf16_bom || utf16_by_zero_bytes(&prefix).is_some()) {
        return Ok(Planned::NotUtf8);
    }
    // The prefix up to its last line end: whole characters, whole lines.
    let Some(last_line_end) = prefix.iter().rposition(|b| *b == b'\n') else {
        return Ok(Planned::Whole);
    };
    let Ok(text) = std::str::from_utf8(&prefix[bom_len..=last_line_end]) else {
        return Ok(Planned::NotUtf8);
    };
    if text.trim().is_empty() {
        return Ok(Planned::Whole);
    }
    let separator = detect_separator(text);
    let body = &text[separator.skip..];
    if !sniffs_alike(text) || !sniffs_alike(body) {
        return Ok(Planned::Whole);
    }
    let columns = first_record_fields(body, separator.byte);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte)
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let Ok(headers) = reader.headers() else {
        return Ok(Planned::Whole);
    };
    let headers: Vec<String> = headers.iter().map(str::to_owned).collect();
    let mapping = options
        .mapping
        .clone()
        .unwrap_or_else(|| detect_mapping(&headers));
    // A timeline, or contacts that name their customers (else the whole-file reading
    // explains what is wrong), as the file's headers and the chosen mapping agree.
    let timeline = mapping.format == SourceFormat::CandorTimeline;
    let detected_timeline = detect_mapping(&headers).format == SourceFormat::CandorTimeline;
    if timeline != detected_timeline || (!timeline && !mapping.can_name_customers()) {
        return Ok(Planned::Whole);
    }
    let skip = (bom_len + separator.skip) as u64;
    // The column the timeline import reads a row's related entry from (the last of that
    // name, as there).
    let related_column = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| timeline && normalise_header(h) == "related_entry_id")
        .map(|(i, _)| i)
        .next_back();
    let Some(referenced) = first_pass(
        path,
        &mut file,
        skip,
        separator.byte,
        columns,
        related_column,
    )
    .map_err(read_error)?
    else {
        return Ok(Planned::Whole);
    };
    Ok(Planned::Plan(Box::new(StreamPlan {
        path: path.to_path_buf(),
        read_from: path.to_path_buf(),
        copy: None,
        cards: None,
        encoding: UTF_8,
        undecodable: 0,
        headers,
        mapping,
        referenced,
        skip,
        separator: separator.byte,
        line_offset: usize::from(separator.from_sep_line),
        how_detected: if chosen {
            Detection::Chosen
        } else if bom_len > 0 {
            Detection::ByteOrderMark
        } else {
            Detection::ValidUtf8
        },
    })))
}

/// The first pass: `None` unless the text from byte `skip` on is valid UTF-8 and holds no
/// runaway quoted field (either is left to the whole-file reading, which explains it).
/// Else the entry ids named in `related_column`, so only those entries' new ids need be
/// remembered while importing (`Some(None)`: remember them all).
///
/// The ids are collected on a second thread reading the file on its own: the two halves
/// take about as long, and nothing can be written before both are done.
fn first_pass(
    path: &Path,
    file: &mut File,
    skip: u64,
    separator: u8,
    columns: usize,
    related_column: Option<usize>,
) -> std::io::Result<Option<Option<HashSet<i64>>>> {
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| {
        let helper = related_column.map(|column| {
            let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
                related_ids_in(path, skip, separator, column, stop)
            });
            (column, helper)
        });
        let checked = checked_text(file, skip, separator, columns);
        if !matches!(checked, Ok(true)) {
            stop.store(true, Ordering::Relaxed);
        }
        let ids = match helper {
            None => Some(HashSet::new()),
            Some((_, Ok(helper))) => helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            // No second thread to be had: read here, after the check.
            Some((column, Err(_))) => related_ids_in(path, skip, separator, column, stop)?,
        };
        Ok(checked?.then_some(ids))
    })
}

/// The ids [`RelatedIds`] finds in `column` of the file at `path` from byte `skip` on,
/// unless `stop` is set before the end.
fn related_ids_in(
    path: &Path,
    skip: u64,
    separator: u8,
    column: usize,
    stop: &AtomicBool,
) -> std::io::Result<Option<HashSet<i64>>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(skip))?;
    let mut related = RelatedIds::new(separator, column);
    let mut buffer = vec![0u8; CHUNK_BYTES];
    while !stop.load(Ordering::Relaxed) {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        related.feed(&buffer[..read]);
    }
    related.feed(&[]);
    Ok(related.ids)
}

/// Whether the text from byte `skip` on is valid UTF-8 and holds no runaway quoted field.
fn checked_text(
    file: &mut File,
    skip: u64,
    separator: u8,
    columns: usize,
) -> std::io::Result<bool> {
    file.seek(SeekFrom::Start(skip))?;
    let mut scanner = RunawayScanner::new(separator, columns);
    let mut buffer = vec![0u8; CHUNK_BYTES + 4];
    // Bytes of a character cut by the end of the last chunk.
    let mut carried = 0usize;
    // The last byte of the last chunk, fed once the byte after it is known.
    let mut held: Option<(usize, u8)> = None;
    let mut offset = 0usize;
    loop {
        let read = file.read(&mut buffer[carried..])?;
        if read == 0 {
            break;
        }
        let chunk = &buffer[carried..carried + read];
        if let Some((at, byte)) = held.take()
            && scanner.push(at, byte, Some(chunk[0])).is_some()
        {
            return Ok(false);
        }
        if scanner
            .push_bytes(offset, &chunk[..read - 1], Some(chunk[read - 1]))
            .is_some()
        {
            return Ok(false);
        }
        held = Some((offset + read - 1, chunk[read - 1]));
        offset += read;
        let whole = &buffer[..carried + read];
        carried = match std::str::from_utf8(whole) {
            Ok(_) => 0,
            Err(e) if e.error_len().is_none() => whole.len() - e.valid_up_to(),
            Err(_) => return Ok(false),
        };
        let from = whole.len() - carried;
        buffer.copy_within(from..from + carried, 0);
    }
    if carried > 0 {
        return Ok(false);
    }
    if let Some((at, byte)) = held
        && scanner.push(at, byte, None).is_some()
    {
        return Ok(false);
    }
    Ok(scanner.finish().is_none())
}

/// Collects every whole number in one column of CSV text fed in pieces: more than the ids
/// bad news relates to (every cell that reads as a number), never fewer.
struct RelatedIds {
    reader: csv_core::Reader,
    column: usize,
    field: Vec<u8>,
    field_len: usize,
    /// The field does not fit `field`: it is no id, unless padded beyond reason.
    overflow: bool,
    index: usize,
    /// `None` once a cell in the column was too long to read: every id is then kept.
    ids: Option<HashSet<i64>>,
}

impl RelatedIds {
    fn new(separator: u8, column: usize) -> Self {
        Self {
            reader: csv_core::ReaderBuilder::new().delimiter(separator).build(),
            column,
            field: vec![0; 256],
            field_len: 0,
            overflow: false,
            index: 0,
            ids: Some(HashSet::new()),
        }
    }

    /// Reads `input`; an empty `input` ends the text.
    fn feed(&mut self, mut input: &[u8]) {
        use csv_core::ReadFieldResult;
        let ending = input.is_empty();
        loop {
            // An empty input tells the reader the text has ended: only when it has.
            if input.is_empty() && !ending {
                return;
            }
            let (result, read, written) = self
                .reader
                .read_field(input, &mut self.field[self.field_len..]);
            input = &input[read..];
            self.field_len += written;
            match result {
                ReadFieldResult::InputEmpty if ending => return,
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::OutputFull => {
                    if self.index == self.column {
                        self.ids = None;
                    }
                    self.overflow = true;
                    self.field_len = 0;
                }
                ReadFieldResult::Field { record_end } => {
                    if self.index == self.column && !self.overflow {
                        let id = std::str::from_utf8(&self.field[..self.field_len])
                            .ok()
                            .map(|cell| cell.trim().trim_start_matches('\'').trim())
                            .and_then(|cell| cell.parse::<i64>().ok());
                        if let (Some(id), Some(ids)) = (id, &mut self.ids) {
                            ids.insert(id);
                        }
                    }
                    self.field_len = 0;
                    self.overflow = false;
                    self.index = if record_end { 0 } else { self.index + 1 };
                }
                ReadFieldResult::End => return,
            }
        }
    }
}

/// The second pass of a timeline: its entries' indexes are built once at the end, and its
/// insert triggers set aside, when the journal allows (see [`BulkWriter`]).
pub(super) fn import_timeline_stream(
    store: &mut Store,
    plan: &StreamPlan,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let (mut importer, mut row_reader) =
        TimelineImporter::new(store, &plan.headers, &plan.mapping, now)?;
    importer.remember_only(plan.referenced.clone());
    import_rows(
        store,
        plan,
        now,
        summary,
        |line, record| row_reader.read(line, record),
        |w| {
            w.defer_entry_indexes()?;
            w.defer_entry_triggers()?;
            Ok(importer)
        },
    )?;
    Ok(())
}

/// The second pass of a contacts file. Returns how many non-empty cells each column has.
pub(super) fn import_contacts_stream(
    store: &mut Store,
    plan: &StreamPlan,
    options: &ImportOptions,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<Vec<usize>, ImportError> {
    let mut filled = vec![0; plan.headers.len()];
    let filled_by_reader = &mut filled;
    import_rows(
        store,
        plan,
        now,
        summary,
        |line, record| {
            tally_filled(filled_by_reader, record);
            read_row(&plan.mapping, now, line, record)
        },
        |w| CustomerImporter::start(w, options),
    )?;
    Ok(filled)
}

/// Rows handed from the reading thread to the writing one at a time.
const BATCH_ROWS: usize = 1024;

/// Batches read ahead of the writer at most.
const BATCHES_IN_FLIGHT: usize = 4;

/// One record of the file, read on the reading thread.
enum Record<R> {
    /// Every cell is empty: not counted as a row.
    Empty,
    /// A row with more or fewer cells than the header, or a card that cannot be read:
    /// left out.
    Unreadable(RowProblem),
    /// A row, read and checked.
    Read(R),
}

/// The second pass: reads the rows of the file planned in `plan` one at a time, turns each
/// into what is written with `read`, and hands them to the writer `start` makes, in one
/// transaction; returns the writer when it finished. Rows that cannot be read are counted
/// and reported as [`super::table::read_table`] reports them.
///
/// Two threads, so an import uses both cores of a small machine: this one writes into
/// SQLite (inserts, then the index sorts), the other reads the file and turns each row
/// into what is written (CSV, dates, checks: about a third of the work). The channel holds
/// a few batches, so memory stays flat however long the file is; rows arrive in the file's
/// order, so the journal and the summary are the same as read on one thread.
fn import_rows<W: RowWriter>(
    store: &mut Store,
    plan: &StreamPlan,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
    mut read: impl FnMut(usize, &csv::StringRecord) -> W::Row + Send,
    start: impl FnOnce(&mut BulkWriter<'_, '_>) -> Result<W, StoreError>,
) -> Result<W, ImportError> {
    let mut records = Records::open(plan)?;
    let width = plan.headers.len();
    let mut failure = None;
    let written = std::thread::scope(|scope| {
        let (sender, batches) = std::sync::mpsc::sync_channel::<
            Result<Vec<Record<W::Row>>, ReadFailure>,
        >(BATCHES_IN_FLIGHT);
        scope.spawn(move || {
            let mut record = csv::StringRecord::new();
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            loop {
                match records.next(&mut record) {
                    Ok(None) => break,
                    Ok(Some(next)) => {
                        batch.push(match next {
                            Next::Unreadable(problem) => Record::Unreadable(problem),
                            Next::Row(_) if record.iter().all(|cell| cell.trim().is_empty()) => {
                                Record::Empty
                            }
                            Next::Row(line) if record.len() != width => {
                                Record::Unreadable(wrong_width(line, record.len(), width))
                            }
                            Next::Row(line) => Record::Read(read(line, &record)),
                        });
                        if batch.len() == BATCH_ROWS {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                            // The writer stopped (it failed): nothing more to read.
                            if sender.send(Ok(full)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = sender.send(Ok(batch));
                        let _ = sender.send(Err(e));
                        return;
                    }
                }
            }
            let _ = sender.send(Ok(batch));
        });
        store.bulk_write(now, |w: &mut BulkWriter<'_, '_>| {
            let mut writer = start(w)?;
            for batch in &batches {
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => {
                        failure = Some(e);
                        // Undoes the transaction; the error itself is given below.
                        return Err(StoreError::NotFound {
                            what: "the rest of the file",
                        });
                    }
                };
                for record in batch {
                    match record {
                        Record::Empty => summary.empty_rows += 1,
                        Record::Unreadable(problem) => {
                            summary.rows_read += 1;
                            summary.problems.push(problem);
                        }
                        Record::Read(row) => {
                            summary.rows_read += 1;
                            writer.apply(w, row, summary)?;
                        }
                    }
                }
            }
            writer.finish(w, summary)?;
            Ok(writer)
        })
    });
    if let Some(e) = failure {
        return Err(read_failure(plan, e));
    }
    Ok(written?)
}

/// The preview of the file planned in `plan`, read as the import will read it: the first
/// rows kept, the others only counted.
pub(super) fn preview(plan: &StreamPlan) -> Result<ImportPreview, ImportError> {
    let mut records = Records::open(plan)?;
    let width = plan.headers.len();
    let (mut rows, mut total_rows, mut problems, mut empty_rows) = (Vec::new(), 0, Vec::new(), 0);
    let mut filled_cells = vec![0; width];
    let mut record = csv::StringRecord::new();
    loop {
        match records.next(&mut record) {
            Ok(None) => break,
            Ok(Some(Next::Unreadable(problem))) => problems.push(problem),
            Ok(Some(_)) if record.iter().all(|cell| cell.trim().is_empty()) => empty_rows += 1,
            Ok(Some(Next::Row(line))) if record.len() != width => {
                problems.push(wrong_width(line, record.len(), width));
            }
            Ok(Some(Next::Row(_))) => {
                total_rows += 1;
                tally_filled(&mut filled_cells, &record);
                if rows.len() < PREVIEW_ROWS {
                    rows.push(record.iter().map(str::to_owned).collect());
                }
            }
            Err(e) => return Err(read_failure(plan, e)),
        }
    }
    Ok(ImportPreview {
        format: plan.mapping.format,
        headers: plan.headers.clone(),
        mapping: plan.mapping.clone(),
        rows,
        total_rows,
        problems,
        encoding: plan.encoding,
        how_detected: plan.how_detected,
        undecodable: plan.undecodable,
        separator: plan.cards.is_none().then_some(plan.separator),
        empty_rows,
        runaway_quote: None,
        filled_cells,
    })
}

/// The records of the file planned in `plan` at `lines`, read as the import read them.
pub(super) fn records_at_lines(
    plan: &StreamPlan,
    lines: &HashSet<usize>,
) -> Result<HashMap<usize, csv::StringRecord>, ImportError> {
    let mut records = Records::open(plan)?;
    let mut found = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match records.next(&mut record) {
            Ok(None) => return Ok(found),
            Ok(Some(Next::Row(line))) if lines.contains(&line) => {
                found.insert(line, record.clone());
            }
            Ok(Some(_)) => {}
            Err(e) => return Err(read_failure(plan, e)),
        }
    }
}

/// What [`Records::next`] read.
enum Next {
    /// A row, at this line, read into the record.
    Row(usize),
    /// A card that cannot be read, or text outside any card.
    Unreadable(RowProblem),
}

/// Why the rest of a planned file could not be read.
enum ReadFailure {
    Csv(csv::Error),
    Io(std::io::Error),
}

/// The records of a planned file after its header, or its cards, one at a time, each with
/// its line.
struct Records<'p> {
    plan: &'p StreamPlan,
    reader: Reader<'p>,
}

enum Reader<'p> {
    Csv(csv::Reader<LineCounter<File>>),
    Cards(CardReader<Box<dyn std::io::BufRead + Send + 'p>>),
}

impl<'p> Records<'p> {
    fn open(plan: &'p StreamPlan) -> Result<Self, ImportError> {
        let read_error = |source: std::io::Error| ImportError::Read {
            path: plan.path.clone(),
            source,
        };
        if let Some(cards) = &plan.cards {
            let reader = Reader::Cards(cards.cards().map_err(read_error)?);
            return Ok(Self { plan, reader });
        }
        let mut file = File::open(&plan.read_from).map_err(read_error)?;
        file.seek(SeekFrom::Start(plan.skip)).map_err(read_error)?;
        let reader = csv::ReaderBuilder::new()
            .delimiter(plan.separator)
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(CHUNK_BYTES)
            .from_reader(LineCounter::new(file));
        let mut records = Self {
            plan,
            reader: Reader::Csv(reader),
        };
        if let Reader::Csv(reader) = &mut records.reader
            && let Err(e) = reader.headers()
        {
            return Err(read_failure(plan, ReadFailure::Csv(e)));
        }
        Ok(records)
    }

    /// Reads the next record (or card) into `record`: the line it starts on, or `None` at
    /// the end.
    fn next(&mut self, record: &mut csv::StringRecord) -> Result<Option<Next>, ReadFailure> {
        let reader = match &mut self.reader {
            Reader::Csv(reader) => reader,
            Reader::Cards(cards) => {
                return Ok(match cards.next_card().map_err(ReadFailure::Io)? {
                    None => None,
                    Some(Card::Contact(contact)) => {
                        let (line, cells) = card_row(contact);
                        *record = cells;
                        Some(Next::Row(line))
                    }
                    Some(Card::Problem(problem)) => Some(Next::Unreadable(RowProblem {
                        line: problem.line,
                        reason: problem.reason,
                    })),
                });
            }
        };
        if !reader.read_record(record).map_err(ReadFailure::Csv)? {
            return Ok(None);
        }
        Ok(Some(Next::Row(record.position().map_or(0, |p| {
            reader.get_mut().line_ends_before(p.byte()) + 1 + self.plan.line_offset
        }))))
    }
}

/// What a failure to read the file planned in `plan` means for the person importing it.
fn read_failure(plan: &StreamPlan, e: ReadFailure) -> ImportError {
    let path = plan.path.clone();
    let e = match e {
        ReadFailure::Csv(e) => e,
        ReadFailure::Io(source) => return ImportError::Read { path, source },
    };
    match e.kind() {
        csv::ErrorKind::Io(_) => ImportError::Read {
            path,
            source: std::io::Error::from(e),
        },
        _ => ImportError::Malformed {
            path,
            line: e.position().map_or(1, |p| p.line() as usize) + plan.line_offset,
            detail: e.to_string(),
        },
    }
}

/// Hands the file to the CSV reader and remembers where its lines end, so each record's
/// line number is known without holding the file: lines end at LF or at a CR alone.
struct LineCounter<R> {
    inner: R,
    /// Bytes handed out so far.
    offset: u64,
    /// Every CR and LF handed out that no record has passed yet: (offset, ends a line).
    breaks: VecDeque<(u64, bool)>,
    /// Line ends before the first of `breaks`.
    lines_before: usize,
    /// The offset of a CR that ended the last read: it ends a line unless an LF follows.
    pending_cr: Option<u64>,
}

impl<R: Read> LineCounter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            lines_before: 0,
            pending_cr: None,
        }
    }

    /// How many lines end before the record at byte `byte` (a record's position may fall
    /// on the line breaks before it: those count too). Records must be asked in order.
    fn line_ends_before(&mut self, byte: u64) -> usize {
        while let Some(&(at, ends)) = self.breaks.front() {
            if at >= byte {
                break;
            }
            self.lines_before += usize::from(ends);
            self.breaks.pop_front();
        }
        let mut start = byte;
        while let Some(&(at, ends)) = self.breaks.front() {
            if at != start {
                break;
            }
            self.lines_before += usize::from(ends);
            self.breaks.pop_front();
            start += 1;
        }
        self.lines_before
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        if let Some(cr) = self.pending_cr.take()
            && bytes.first() == Some(&b'\n')
        {
            // The CR was counted as a line end; it is the first half of a CRLF.
            match self.breaks.back_mut() {
                Some(last) if last.0 == cr => last.1 = false,
                _ => self.lines_before -= 1,
            }
        }
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                let ends = b == b'\n' || bytes.get(i + 1) != Some(&b'\n');
                self.breaks.push_back((self.offset + i as u64, ends));
            }
        }
        if bytes.last() == Some(&b'\r') {
            self.pending_cr = Some(self.offset + n as u64 - 1);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, checked_source, import_source, preview_from, write_left_out_from};
    use super::*;
    use crate::io::export::{ExportOptions, Report, write_report};
    use crate::sample::{GenerateOptions, write_generated};
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    fn now() -> NaiveDateTime {
        today().and_hms_opt(10, 0, 0).unwrap()
    }

    fn timeline(store: &Store) -> String {
        let mut out = Vec::new();
        write_report(
            store,
            Report::Timeline,
            &ExportOptions::default(),
            today(),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Imports `path` into `store` read whole (`streamed` false) or as it is read.
    fn import(store: &mut Store, path: &Path, streamed: bool) -> ImportSummary {
        let options = ImportOptions::default();
        let from_bytes = if streamed { 0 } else { u64::MAX };
        let source = checked_source(path, &options, from_bytes).unwrap();
        assert_eq!(matches!(source, Source::Stream(_)), streamed);
        import_source(store, source, &options, now()).unwrap()
    }

    #[test]
    fn a_timeline_read_as_it_is_imported_gives_the_same_journal_and_summary() {
        let mut source = Store::open_in_memory().unwrap();
        let generate = GenerateOptions {
            customers: 40,
            entries: 600,
            seed: 3,
        };
        write_generated(&mut source, generate, today()).unwrap();
        let exported = timeline(&source);
        let mut reader =
            csv::Reader::from_reader(exported.trim_start_matches('\u{feff}').as_bytes());
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (kind, id, related) = (
            column("kind"),
            column("entry_id"),
            column("related_entry_id"),
        );
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        // Bad news about an entry further down the file, one further up, one not in it.
        let news: Vec<usize> = (0..rows.len())
            .filter(|i| rows[*i][kind] == "bad_news")
            .collect();
        assert!(news.len() >= 3, "the sample has bad news");
        let (first, last) = (rows[0][id].clone(), rows[rows.len() - 1][id].clone());
        rows[news[0]][related] = last;
        rows[news[1]][related] = first;
        rows[news[2]][related] = "999999".to_owned();
        // A kind Candor does not know, an empty row, rows with the wrong number of cells
        // (one with a quoted line break): lines are counted across CRLF and quoted breaks.
        let odd = (5..rows.len()).find(|i| !news.contains(i)).unwrap();
        rows[odd][kind] = "sonnet".to_owned();
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer.write_record(&headers).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        writer.write_record(vec![""; headers.len()]).unwrap();
        let mut text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        text.insert(0, '\u{feff}');
        text.push_str("1,2,3\r\n\"quoted\nline\",x\r\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.csv");
        std::fs::write(&path, &text).unwrap();

        let preview = preview_from(&path, &ImportOptions::default(), 0).unwrap();
        assert_eq!(
            preview,
            preview_from(&path, &ImportOptions::default(), u64::MAX).unwrap()
        );
        assert_eq!(preview.how_detected, Detection::ByteOrderMark);
        let mut whole = Store::open_in_memory().unwrap();
        let mut streamed = Store::open_in_memory().unwrap();
        let expected = import(&mut whole, &path, false);
        let found = import(&mut streamed, &path, true);
        assert_eq!(found, expected);
        assert_eq!(found.entries_added, rows.len() - 1);
        assert_eq!(found.problems.len(), 3, "{:?}", found.problems);
        assert_eq!(found.empty_rows, 1);
        let again = timeline(&streamed);
        assert_eq!(again, timeline(&whole));
        let mut reader = csv::Reader::from_reader(again.trim_start_matches('\u{feff}').as_bytes());
        let related_found = reader
            .records()
            .filter(|r| !r.as_ref().unwrap()[related].is_empty())
            .count();
        assert_eq!(
            related_found, 2,
            "the news about entries in the file found them"
        );

        // Again: every entry is already present, in either way of reading.
        let expected = import(&mut whole, &path, false);
        let found = import(&mut streamed, &path, true);
        assert_eq!(found, expected);
        assert_eq!(found.entries_already_present, rows.len() - 1);
        assert_eq!(found.entries_added, 0);
    }

    /// The customers of `store`, every field but the times, by id.
    fn customers(store: &Store) -> Vec<String> {
        let mut all: Vec<String> = store
            .customers()
            .unwrap()
            .into_iter()
            .map(|c| {
                format!(
                    "{} {:?} {:?} {:?} {:?} {:?} {:?} {} {}",
                    c.id.0,
                    c.name,
                    c.company,
                    c.phone,
                    c.email,
                    c.notes,
                    c.tags,
                    c.cadence_days,
                    c.archived
                )
            })
            .collect();
        all.sort();
        all
    }

    #[test]
    fn contacts_read_as_they_are_imported_give_the_same_journal_and_summary() {
        let mut text = String::from("\u{feff}Name,E-mail,Phone,Company,Notes,Favourite colour\r\n");
        for i in 0..300 {
            text.push_str(&format!(
                "Person {i},p{i}@example.com,+49 30 {:06},Firm {},\"note\r\nline\",blue\r\n",
                1000 + i,
                i % 7
            ));
        }
        // Twins in the file by e-mail (other case) and by phone, one matching the journal,
        // a row without any name, a nameless row named from its e-mail, an empty row and
        // rows with the wrong number of cells.
        text.push_str("Twin,P5@EXAMPLE.COM,,,more notes,\r\n");
        text.push_str("Phone twin,,+49 30 001010,Other,,green\r\n");
        text.push_str("Known again,known@example.com,,,,\r\n");
        text.push_str(",,,,only notes,red\r\n");
        text.push_str(",anna.berg@example.com,,,,\r\n");
        text.push_str(",,,,,\r\n");
        text.push_str("Short,row\r\n");
        text.push_str("Long,row,1,2,3,4,5\r\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        std::fs::write(&path, &text).unwrap();

        let preview = preview_from(&path, &ImportOptions::default(), 0).unwrap();
        assert_eq!(
            preview,
            preview_from(&path, &ImportOptions::default(), u64::MAX).unwrap()
        );
        assert_eq!((preview.total_rows, preview.rows.len()), (305, 10));

        for merge_duplicates in [false, true] {
            let options = ImportOptions {
                merge_duplicates,
                ..ImportOptions::default()
            };
            let run = |from_bytes: u64| {
                let mut store = Store::open_in_memory().unwrap();
                let known = crate::domain::CustomerDraft {
                    name: "Known".to_owned(),
                    email: "Known@Example.com".to_owned(),
                    ..Default::default()
                };
                store.add_customer(known, now()).unwrap();
                let source = checked_source(&path, &options, from_bytes).unwrap();
                assert_eq!(matches!(source, Source::Stream(_)), from_bytes == 0);
                let summary = import_source(&mut store, source, &options, now()).unwrap();
                (summary, customers(&store))
            };
            let (whole, whole_customers) = run(u64::MAX);
            let (streamed, streamed_customers) = run(0);
            assert_eq!(streamed, whole);
            assert_eq!(streamed_customers, whole_customers);
            // The list of rows left out is the same read either way.
            let list = |from_bytes: u64| {
                let out = dir.path().join(format!("left-out-{from_bytes}.csv"));
                let written =
                    write_left_out_from(&path, &options, &streamed, &out, from_bytes).unwrap();
                assert_eq!(written, streamed.left_out.len());
                std::fs::read_to_string(out).unwrap()
            };
            let left_out = list(0);
            assert_eq!(left_out, list(u64::MAX));
            assert!(left_out.contains("Long,row,1,2,3,4,5,"), "{left_out}");
            assert_eq!(
                left_out.contains("Twin,P5@EXAMPLE.COM"),
                !merge_duplicates,
                "{left_out}"
            );
            assert_eq!(streamed.rows_read, 307);
            assert_eq!(streamed.customers_added, 301, "{streamed}");
            assert_eq!(streamed.duplicates.len(), 3, "{streamed}");
            let merged = if merge_duplicates { 3 } else { 0 };
            assert_eq!(streamed.customers_merged, merged);
            assert_eq!(streamed.problems.len(), 3, "{streamed}");
            assert_eq!(streamed.empty_rows, 1);
            assert_eq!(streamed.named.len(), 1);
            assert_eq!(
                streamed.rows_read,
                streamed.added() + streamed.merged() + streamed.left_out.len()
            );
            assert_eq!(streamed.columns_not_imported.len(), 1);
            assert_eq!(streamed.columns_not_imported[0].values, 302);
            let twin = &streamed.duplicates[0];
            assert_eq!((twin.line, twin.matched_by), (602, "email"));
            assert_eq!(twin.existing, "Person 5 (Firm 5)");
            let phone_twin = &streamed.duplicates[1];
            assert_eq!(
                (phone_twin.matched_by, phone_twin.existing.as_str()),
                ("phone", "Person 10 (Firm 3)")
            );
            assert_eq!(streamed.duplicates[2].existing, "Known");
            let person5 = streamed_customers
                .iter()
                .find(|c| c.contains("\"Person 5\""))
                .unwrap();
            assert_eq!(
                person5.contains("more notes"),
                merge_duplicates,
                "{person5}"
            );
        }
    }

    /// Imports `path` read whole and as it is read, each into a journal of its own, checks
    /// that the previews, summaries and customers are the same, and returns the summary.
    fn same_either_way(path: &Path, options: &ImportOptions) -> ImportSummary {
        let preview = preview_from(path, options, 0).unwrap();
        assert_eq!(preview, preview_from(path, options, u64::MAX).unwrap());
        let run = |from_bytes: u64| {
            let mut store = Store::open_in_memory().unwrap();
            let source = checked_source(path, options, from_bytes).unwrap();
            assert_eq!(matches!(source, Source::Stream(_)), from_bytes == 0);
            let summary = import_source(&mut store, source, options, now()).unwrap();
            (summary, customers(&store))
        };
        let (whole, whole_customers) = run(u64::MAX);
        let (streamed, streamed_customers) = run(0);
        assert_eq!(streamed, whole);
        assert_eq!(streamed_customers, whole_customers);
        streamed
    }

    #[test]
    fn a_file_in_another_encoding_is_read_through_a_utf8_copy() {
        let mut text = String::from("Name;E-mail;Notes\r\n");
        for i in 0..50 {
            text.push_str(&format!("J\u{fc}rgen M\u{fc}ller {i};j{i}@example.de;\"Gr\u{fc}\u{df}e\r\n\u{e9}t\u{e9}\"\r\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        std::fs::write(&path, &bytes).unwrap();
        let summary = same_either_way(&path, &ImportOptions::default());
        assert_eq!(summary.customers_added, 50);
        assert_eq!(summary.encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(summary.undecodable, 0);
        // Chosen by the person: the same bytes read as another code page.
        let chosen = ImportOptions {
            encoding: Some(encoding_rs::WINDOWS_1250),
            ..ImportOptions::default()
        };
        assert_eq!(
            same_either_way(&path, &chosen).encoding,
            encoding_rs::WINDOWS_1250
        );

        // UTF-16 with its byte-order mark, and one unpaired surrogate that cannot be read.
        let mut utf16: Vec<u8> = vec![0xff, 0xfe];
        for unit in text.encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let at = utf16.len() - 8;
        utf16.splice(at..at, [0x00, 0xd8]);
        std::fs::write(&path, &utf16).unwrap();
        let summary = same_either_way(&path, &ImportOptions::default());
        assert_eq!(summary.encoding, encoding_rs::UTF_16LE);
        assert_eq!(summary.undecodable, 1);
        assert_eq!(summary.customers_added, 50);
    }

    #[test]
    fn the_related_column_is_read_across_pieces() {
        let text =
            b"entry_id,related_entry_id,summary\r\n1,,\"a, b\"\r\n2, 7 ,x\r\n3,'-4,\"y\ny\"\r\n4,9";
        let mut related = RelatedIds::new(b',', 1);
        for byte in text {
            related.feed(std::slice::from_ref(byte));
        }
        related.feed(&[]);
        let mut ids: Vec<i64> = related.ids.unwrap().into_iter().collect();
        ids.sort();
        assert_eq!(ids, [-4, 7, 9]);
    }

    #[test]
    fn line_ends_are_counted_across_reads() {
        // One byte per read: every CR and LF meets the end of a read.
        struct ByteAtATime<'a>(&'a [u8]);
        impl Read for ByteAtATime<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let text = b"a\r\nb\rc\n\r\nd";
        let mut counter = LineCounter::new(ByteAtATime(text));
        std::io::copy(&mut counter, &mut std::io::sink()).unwrap();
        // "d" starts on line 5: CRLF, CR, LF and CRLF end four lines before it.
        assert_eq!(counter.line_ends_before(9), 4);
    }
}
