//! A vCard file imported as it is read, a card at a time (see [`CardReader`]), through the
//! same reading and writing passes as a large contacts CSV (`stream.rs`): each card becomes
//! a row of [`VCARD_HEADERS`] that the contacts import writes, so the preview and the
//! summary are those of any contacts file, in vCard words.
//!
//! Values are decoded one by one (vCard 2.1 lets each carry its own `CHARSET=`), so the
//! file is read as it is, except a UTF-16 file or one whose encoding the person chose: those
//! are read through a UTF-8 copy, as a contacts CSV is (`transcode.rs`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::mapping::{ColumnMapping, CustomerField};
use super::transcode::{copy_as_utf8, guess};
use super::{ImportError, SourceFormat};
use crate::io::text::{Detection, utf16_by_zero_bytes};
use crate::io::vcard::{
    CardReader, NameSource, VCardContact, file_encoding, line_end_of, looks_like_vcard_bytes,
};

/// The columns a card is read into.
pub(super) const VCARD_HEADERS: &[&str] = &[
    "name", "company", "phone", "email", "notes", "tags", "nickname",
];

/// How much of the file is read to tell a vCard and its encoding.
const START_BYTES: u64 = 64 << 10;

/// How much is read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// How the cards of a vCard file are read, found before anything is read.
pub(super) struct VCardLayout {
    /// Values without `CHARSET=` that are not UTF-8 are read in this code page.
    fallback: &'static Encoding,
    /// LF, or CR for a file without any LF.
    line_end: u8,
    /// The file decoded whole, when no UTF-8 copy of it could be written.
    in_memory: Option<Vec<u8>>,
}

/// A vCard file checked and ready to be read a card at a time.
pub(super) struct PlannedCards {
    pub(super) layout: VCardLayout,
    /// The file read: the file itself, or its UTF-8 copy.
    pub(super) read_from: PathBuf,
    /// The UTF-8 copy, removed with the plan.
    pub(super) copy: Option<tempfile::NamedTempFile>,
    /// Bytes before the text of the first card: a byte-order mark.
    pub(super) skip: u64,
    /// The file's encoding, and how it was found.
    pub(super) encoding: &'static Encoding,
    pub(super) how_detected: Detection,
}

/// The fixed mapping of the columns a card is read into.
pub(super) fn vcard_mapping() -> ColumnMapping {
    ColumnMapping::new(
        SourceFormat::VCard,
        VCARD_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        [
            (CustomerField::Name, vec![0]),
            (CustomerField::Company, vec![1]),
            (CustomerField::Phone, vec![2]),
            (CustomerField::Email, vec![3]),
            (CustomerField::Notes, vec![4]),
            (CustomerField::Tags, vec![5]),
            (CustomerField::Nickname, vec![6]),
        ]
        .into_iter()
        .collect(),
    )
}

/// The line of a card and its row of [`VCARD_HEADERS`].
pub(super) fn card_row(contact: VCardContact) -> (usize, csv::StringRecord) {
    // A card without FN or N leaves its name empty, so the contacts import names it from
    // the nickname, company, e-mail or phone like any other row, and flags names made up
    // from a nickname, e-mail or phone in the preview and summary.
    let (name, nickname) = match contact.named_from {
        None | Some(NameSource::Company) => (contact.name, String::new()),
        Some(NameSource::Nickname) => (String::new(), contact.name),
        Some(NameSource::Email | NameSource::Phone) => (String::new(), String::new()),
    };
    let first = |values: &[String]| values.first().cloned().unwrap_or_default();
    let row = csv::StringRecord::from(vec![
        name,
        contact.company,
        first(&contact.phones),
        first(&contact.emails),
        contact.notes,
        contact.categories.join(", "),
        nickname,
    ]);
    (contact.line, row)
}

/// Checks whether `path` is a vCard file (by its name or its first line) and if so, how its
/// cards are read: values without `CHARSET=` that are not UTF-8 are read in the chosen
/// encoding, else in the one detected for the whole file, else in Windows-1252 (what Outlook
/// and The Bat! write); a chosen encoding decodes the whole file first. `None`: not a vCard.
pub(super) fn plan(
    path: &Path,
    chosen: Option<&'static Encoding>,
) -> Result<Option<PlannedCards>, ImportError> {
    let read_error = |source: std::io::Error| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let mut start = Vec::new();
    (&mut file)
        .take(START_BYTES)
        .read_to_end(&mut start)
        .map_err(read_error)?;
    let is_vcard_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("vcf") || e.eq_ignore_ascii_case("vcard"));
    if !is_vcard_name && !looks_like_vcard_bytes(&start) {
        return Ok(None);
    }
    // The encoding shown for the file, found as for any file read whole.
    let (encoding, how_detected) = match chosen {
        Some(encoding) => (encoding, Detection::Chosen),
        None => match Encoding::for_bom(&start) {
            Some((encoding, _)) => (encoding, Detection::ByteOrderMark),
            None => match utf16_by_zero_bytes(&start) {
                Some(encoding) => (encoding, Detection::ZeroBytePattern),
                None => match guess(&mut file).map_err(read_error)? {
                    Some(encoding) => (encoding, Detection::Guessed),
                    None => (UTF_8, Detection::ValidUtf8),
                },
            },
        },
    };
    let fallback = if [UTF_8, UTF_16LE, UTF_16BE].contains(&encoding) {
        WINDOWS_1252
    } else {
        encoding
    };
    // What is decoded before the cards are read, and the byte-order mark it starts with.
    let decoded_first = match chosen {
        // A chosen encoding still drops its own byte-order mark.
        Some(encoding) => Some(match Encoding::for_bom(&start) {
            Some((bom, length)) if bom == encoding => (encoding, length),
            _ => (encoding, 0),
        }),
        None => Some(file_encoding(&start)).filter(|(encoding, _)| *encoding != UTF_8),
    };
    let mut planned = PlannedCards {
        layout: VCardLayout {
            fallback,
            line_end: b'\n',
            in_memory: None,
        },
        read_from: path.to_path_buf(),
        copy: None,
        skip: file_encoding(&start).1 as u64,
        encoding,
        how_detected,
    };
    if let Some((decode_as, bom_length)) = decoded_first {
        match copy_as_utf8(path, decode_as, how_detected, bom_length)? {
            Some(copy) => {
                planned.read_from = copy.copy.path().to_path_buf();
                planned.copy = Some(copy.copy);
            }
            None => {
                // No copy could be written: the file is decoded whole, as it always was.
                let bytes = std::fs::read(path).map_err(read_error)?;
                let body = bytes.get(bom_length..).unwrap_or_default();
                let (text, _) = decode_as.decode_without_bom_handling(body);
                planned.layout.in_memory = Some(text.into_owned().into_bytes());
            }
        }
        // The decoded text drops a UTF-8 byte-order mark it starts with, as any file does.
        let mut text_start = Vec::new();
        planned
            .open_input()
            .and_then(|input| input.take(4).read_to_end(&mut text_start))
            .map_err(read_error)?;
        planned.skip = match file_encoding(&text_start) {
            (encoding, length) if encoding == UTF_8 => length as u64,
            _ => 0,
        };
    }
    planned.layout.line_end = planned.line_end().map_err(read_error)?;
    // A file without a single card or line of text is empty, not a file of nothing.
    if planned
        .cards()
        .map_err(read_error)?
        .next_card()
        .map_err(read_error)?
        .is_none()
    {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(planned))
}

impl PlannedCards {
    /// The text the cards are read from, from its start (before `skip`).
    fn open_input(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>> {
        Ok(match &self.layout.in_memory {
            Some(bytes) => Box::new(&bytes[..]),
            None => Box::new(BufReader::with_capacity(
                CHUNK_BYTES,
                File::open(&self.read_from)?,
            )),
        })
    }

    /// LF when the text has one, else CR (read only as far as the first LF).
    fn line_end(&self) -> std::io::Result<u8> {
        let mut input = self.open_input()?;
        loop {
            let buffer = input.fill_buf()?;
            if buffer.is_empty() {
                return Ok(b'\r');
            }
            if line_end_of(buffer) == b'\n' {
                return Ok(b'\n');
            }
            let length = buffer.len();
            input.consume(length);
        }
    }

    /// The cards of the file, read from its start.
    pub(super) fn cards(&self) -> std::io::Result<CardReader<Box<dyn BufRead + Send + '_>>> {
        let mut input = self.open_input()?;
        std::io::copy(&mut (&mut input).take(self.skip), &mut std::io::sink())?;
        Ok(CardReader::new(
            input,
            self.layout.line_end,
            self.layout.fallback,
        ))
    }
}
