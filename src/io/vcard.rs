//! vCard 2.1, 3.0 and 4.0 address books (.vcf, one or many cards), mapped onto customer
//! fields.
//!
//! Candor reads content lines itself rather than through a vCard crate: `ical` (used
//! before) refuses what phones and Outlook still write in 2.1 (bare type parameters such
//! as `TEL;CELL;PREF:`, quoted-printable soft line breaks, `CHARSET=` on raw 8-bit values);
//! `calcard` reads 2.1 but brings a time-zone database and a mail parser along, and
//! `vcard-rs` was months old with a breaking release each month. A content line is a small
//! format; what matters is being forgiving about it and saying which card failed.
//!
//! Cards are read one at a time from a buffered reader ([`CardReader`]), so a file of a
//! million cards is never held whole; [`parse_vcard_bytes`] reads bytes already in memory
//! the same way.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// The customer fields found in one card, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VCardContact {
    /// The line of the card's `BEGIN:VCARD`, counting from 1.
    pub line: usize,
    /// `FN`, else the name built from `N`, else what [`VCardContact::named_from`] says.
    pub name: String,
    /// Set when the card has neither `FN` nor a usable `N` and the name was made from
    /// something else, so the import can say so.
    pub named_from: Option<NameSource>,
    /// The first component of the first `ORG`.
    pub company: String,
    /// Preferred number first.
    pub phones: Vec<String>,
    /// Preferred address first.
    pub emails: Vec<String>,
    /// Every `NOTE`, one per line.
    pub notes: String,
    /// `CATEGORIES`, in file order.
    pub categories: Vec<String>,
}

/// What a contact's name was made from when its card has no `FN` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSource {
    /// The first `NICKNAME`.
    Nickname,
    /// The company (`ORG`).
    Company,
    /// The part of the first e-mail address before the `@`.
    Email,
    /// The first phone number.
    Phone,
}

impl NameSource {
    /// How the import explains the made-up name to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Nickname => "nickname",
            Self::Company => "company",
            Self::Email => "e-mail address",
            Self::Phone => "phone number",
        }
    }
}

/// A card (or text outside any card) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProblem {
    /// The line where the card (or the stray text) starts, counting from 1.
    pub line: usize,
    /// Why, in words about vCards.
    pub reason: String,
}

/// True when the text looks like a vCard file (its first content line is `BEGIN:VCARD`).
pub fn looks_like_vcard(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|line| line.eq_ignore_ascii_case("BEGIN:VCARD"))
}

/// True when the bytes of a file look like a vCard file, in UTF-8, a legacy code page or
/// UTF-16 (with or without a byte-order mark).
pub fn looks_like_vcard_bytes(bytes: &[u8]) -> bool {
    let text = to_utf8(bytes);
    let head = &text[..text.len().min(4096)];
    looks_like_vcard(&String::from_utf8_lossy(head))
}

/// Reads every card of a vCard file that is already text: the contacts, and the cards
/// that could not be read.
pub fn parse_vcards(text: &str) -> (Vec<VCardContact>, Vec<CardProblem>) {
    // Raw values of a text are UTF-8; only a quoted-printable or base64 value without
    // CHARSET= can need the fallback, and Outlook writes those in Windows-1252.
    parse_vcard_bytes(text.as_bytes(), encoding_rs::WINDOWS_1252)
}

/// Reads every card of a vCard file from its bytes: the contacts, and the cards that could
/// not be read.
///
/// A UTF-16 file (with or without a byte-order mark) is decoded first. Each value is then
/// decoded on its own, as vCard 2.1 allows one file to mix character sets: by its
/// `CHARSET=`, as UTF-8 when it is valid UTF-8, else as `fallback` (the code page a
/// program without `CHARSET=` most likely wrote, e.g. Windows-1252). A file on disk is read
/// the same way a card at a time by [`CardReader`].
pub fn parse_vcard_bytes(
    bytes: &[u8],
    fallback: &'static Encoding,
) -> (Vec<VCardContact>, Vec<CardProblem>) {
    let bytes = to_utf8(bytes);
    let mut contacts = Vec::new();
    let mut problems = Vec::new();
    let mut reader = CardReader::new(&bytes[..], line_end_of(&bytes), fallback);
    // Reading from a slice cannot fail.
    while let Ok(Some(card)) = reader.next_card() {
        match card {
            Card::Contact(contact) => contacts.push(contact),
            Card::Problem(problem) => problems.push(problem),
        }
    }
    problems.sort_by_key(|p| p.line);
    (contacts, problems)
}

/// How the bytes of a vCard file that start with `start` (its first four bytes or more)
/// are read: UTF-16 when a byte-order mark or the first letters of "BEGIN" say so, UTF-8
/// otherwise; and how many bytes of byte-order mark to skip. Other code pages are read as
/// they are: their values are decoded one by one.
pub fn file_encoding(start: &[u8]) -> (&'static Encoding, usize) {
    match Encoding::for_bom(start) {
        Some((encoding, bom_length)) => (encoding, bom_length),
        // Without a byte-order mark, UTF-16 shows in the first letters of "BEGIN".
        None if start.starts_with(b"B\0E\0") => (UTF_16LE, 0),
        None if start.starts_with(b"\0B\0E") => (UTF_16BE, 0),
        None => (UTF_8, 0),
    }
}

/// The byte that ends a line of `bytes` (UTF-8 or another ASCII-compatible encoding): LF,
/// or CR for a file without any LF (classic Mac OS programs end lines with a lone CR).
pub fn line_end_of(bytes: &[u8]) -> u8 {
    if bytes.contains(&b'\n') { b'\n' } else { b'\r' }
}

/// The file as UTF-8 bytes when it is UTF-16, without a UTF-8 byte-order mark otherwise.
/// Other code pages stay as they are: their values are decoded one by one.
fn to_utf8(bytes: &[u8]) -> Cow<'_, [u8]> {
    let (encoding, bom_length) = file_encoding(bytes);
    let body = &bytes[bom_length..];
    if encoding == UTF_8 {
        Cow::Borrowed(body)
    } else {
        let (text, _) = encoding.decode_without_bom_handling(body);
        Cow::Owned(text.into_owned().into_bytes())
    }
}

/// One content line, `[group.]NAME;PARAM…:value`, with its folds and soft breaks joined.
#[derive(Debug)]
struct ContentLine {
    /// The physical line it starts on, counting from 1.
    line: usize,
    bytes: Vec<u8>,
    /// A 2.1 quoted-printable value: a trailing `=` is a soft line break.
    quoted_printable: bool,
    /// A 2.1 base64 value: unindented continuation lines until a blank line.
    base64: bool,
}

fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn is_card_boundary(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    line.eq_ignore_ascii_case(b"BEGIN:VCARD") || line.eq_ignore_ascii_case(b"END:VCARD")
}

/// The name and parameters of a content line: everything before the first colon outside
/// double quotes (a 4.0 parameter value may quote a colon).
fn head_of(line: &[u8]) -> &[u8] {
    let mut quoted = false;
    for (i, b) in line.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// One card of a file: the contact it holds, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Card {
    Contact(VCardContact),
    /// A card that could not be read, or text outside any card.
    Problem(CardProblem),
}

/// Reads the cards of a vCard file one at a time from a buffered reader, so a file of any
/// length is never held whole: only the content line being read and, of the card around
/// it, the fields Candor keeps (a photo is dropped as soon as its line is complete).
///
/// Reading goes in three steps, each as the lines arrive:
/// 1. Physical lines are joined into content lines: 3.0/4.0 folds (a line starting with a
///    space or tab continues the previous one), 2.1 quoted-printable soft breaks (a value
///    ending in `=` continues on the next line, which need not be indented) and 2.1 base64
///    blocks (continuation lines until a blank line). A content line is complete when the
///    next physical line does not continue it.
/// 2. Content lines are grouped into cards at `BEGIN:VCARD` / `END:VCARD`, so one
///    malformed card is reported with its line number and the others still import. Every
///    card becomes either a contact or a [`CardProblem`]; text outside cards is reported.
/// 3. Each value is decoded (quoted-printable or base64, then its `CHARSET=`) and mapped.
///    Photos, logos, sounds and keys are skipped without being decoded.
pub struct CardReader<R> {
    input: R,
    /// LF, or CR for a file without any LF (see [`line_end_of`]).
    line_end: u8,
    fallback: &'static Encoding,
    /// Physical lines read so far.
    lines_read: usize,
    /// The physical line being read, reused.
    physical: Vec<u8>,
    /// True when the last physical line ended with `line_end` (or none was read): the file
    /// then ends with one more, empty, line.
    ended_with_line_end: bool,
    /// The content line being read: the next physical line may continue it.
    pending: Option<ContentLine>,
    /// The card being read.
    card: Option<CardBuilder>,
    /// Stray text outside any card: its first line and how many content lines. Reported
    /// once per run of lines, not once per line.
    stray: Option<(usize, usize)>,
    /// Cards read and not yet handed out.
    ready: VecDeque<Card>,
    finished: bool,
}

impl<R: BufRead> CardReader<R> {
    /// Reads the cards of `input`, UTF-8 or an ASCII-compatible code page (a UTF-16 file is
    /// decoded first, see [`file_encoding`]), without a leading byte-order mark. Lines end
    /// at `line_end` (see [`line_end_of`]); values without `CHARSET=` that are not UTF-8
    /// are read as `fallback`.
    pub fn new(input: R, line_end: u8, fallback: &'static Encoding) -> Self {
        Self {
            input,
            line_end,
            fallback,
            lines_read: 0,
            physical: Vec::new(),
            ended_with_line_end: true,
            pending: None,
            card: None,
            stray: None,
            ready: VecDeque::new(),
            finished: false,
        }
    }

    /// The next card, in the file's order, or `None` at the end of the file.
    pub fn next_card(&mut self) -> std::io::Result<Option<Card>> {
        loop {
            if let Some(card) = self.ready.pop_front() {
                return Ok(Some(card));
            }
            if self.finished {
                return Ok(None);
            }
            let mut physical = std::mem::take(&mut self.physical);
            physical.clear();
            let read = self.input.read_until(self.line_end, &mut physical);
            let read = match read {
                Ok(read) => read,
                Err(e) => {
                    self.physical = physical;
                    return Err(e);
                }
            };
            if read == 0 {
                // The text after the last line end is one more line, empty or not.
                if self.ended_with_line_end {
                    self.lines_read += 1;
                    self.take_physical_line(&[]);
                }
                self.finish();
            } else {
                self.ended_with_line_end = physical.last() == Some(&self.line_end);
                if self.ended_with_line_end {
                    physical.pop();
                }
                self.lines_read += 1;
                self.take_physical_line(&physical);
            }
            self.physical = physical;
        }
    }

    /// Step 1: joins a physical line to the content line being read, or starts a new one.
    fn take_physical_line(&mut self, physical: &[u8]) {
        let physical = physical.strip_suffix(b"\r").unwrap_or(physical);
        // Files joined with `copy *.vcf all.vcf` keep each file's byte-order mark.
        let physical = physical.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(physical);
        if let Some(last) = self.pending.as_mut() {
            if last.quoted_printable && last.bytes.ends_with(b"=") && !is_card_boundary(physical) {
                // The continuation is taken as it is: a leading space is part of the text.
                last.bytes.pop();
                last.bytes.extend_from_slice(physical);
                return;
            }
            if let Some(rest) = physical
                .strip_prefix(b" ")
                .or_else(|| physical.strip_prefix(b"\t"))
            {
                last.bytes.extend_from_slice(rest);
                return;
            }
            // Base64 never contains a colon, so a line without one still belongs to it.
            if last.base64 && !physical.is_empty() && !physical.contains(&b':') {
                last.bytes.extend_from_slice(physical);
                return;
            }
            // A blank line or a new content line completes it.
            if let Some(complete) = self.pending.take() {
                self.take_content_line(complete);
            }
        }
        if physical.trim_ascii().is_empty() {
            return;
        }
        let physical = physical.trim_ascii_start();
        let head = head_of(physical);
        self.pending = Some(ContentLine {
            line: self.lines_read,
            bytes: physical.to_vec(),
            quoted_printable: contains_ignoring_case(head, b"QUOTED-PRINTABLE"),
            base64: contains_ignoring_case(head, b"BASE64"),
        });
    }

    /// Step 2: a complete content line begins or ends a card, belongs to one, or is stray.
    fn take_content_line(&mut self, content: ContentLine) {
        let text = content.bytes.trim_ascii();
        if text.eq_ignore_ascii_case(b"BEGIN:VCARD") {
            self.flush_stray();
            if let Some(cut) = self.card.take() {
                self.ready.push_back(Card::Problem(CardProblem {
                    line: cut.line,
                    reason: "the card has no END:VCARD before the next BEGIN:VCARD, so it is cut off: export it again".to_owned(),
                }));
            }
            self.card = Some(CardBuilder::new(content.line));
        } else if text.eq_ignore_ascii_case(b"END:VCARD") {
            match self.card.take() {
                Some(card) => {
                    let line = card.line;
                    self.ready.push_back(match card.finish() {
                        Ok(contact) => Card::Contact(contact),
                        Err(reason) => Card::Problem(CardProblem { line, reason }),
                    });
                }
                None => {
                    self.flush_stray();
                    self.ready.push_back(Card::Problem(CardProblem {
                        line: content.line,
                        reason: "END:VCARD without a BEGIN:VCARD before it".to_owned(),
                    }));
                }
            }
        } else if let Some(card) = self.card.as_mut() {
            card.add(&content.bytes, self.fallback);
        } else {
            match self.stray.as_mut() {
                Some((_, count)) => *count += 1,
                None => self.stray = Some((content.line, 1)),
            }
        }
    }

    fn flush_stray(&mut self) {
        if let Some((line, count)) = self.stray.take() {
            let what = if count == 1 {
                "a line".to_owned()
            } else {
                format!("{count} lines")
            };
            self.ready.push_back(Card::Problem(CardProblem {
                line,
                reason: format!(
                    "{what} of text outside any BEGIN:VCARD … END:VCARD card: it is not a contact and was not imported"
                ),
            }));
        }
    }

    /// The end of the file completes the last content line and cuts off an open card.
    fn finish(&mut self) {
        if let Some(complete) = self.pending.take() {
            self.take_content_line(complete);
        }
        self.flush_stray();
        if let Some(cut) = self.card.take() {
            self.ready.push_back(Card::Problem(CardProblem {
                line: cut.line,
                reason: "the card is cut off: the file ends before its END:VCARD".to_owned(),
            }));
        }
        self.finished = true;
    }
}

impl<R: BufRead> Iterator for CardReader<R> {
    type Item = std::io::Result<Card>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_card().transpose()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueEncoding {
    QuotedPrintable,
    Base64,
}

/// A property's name and the parameters Candor uses.
#[derive(Debug, Default)]
struct Property<'a> {
    /// Upper case, without an Apple group prefix (`item1.EMAIL` is `EMAIL`).
    name: String,
    /// Upper case; vCard 2.1's bare parameters (`TEL;CELL;PREF:`) land here too.
    types: Vec<String>,
    encoding: Option<ValueEncoding>,
    charset: Option<String>,
    /// vCard 4.0's `PREF=1` (1 is the most preferred).
    pref: Option<u32>,
    value: &'a [u8],
}

impl Property<'_> {
    /// Lower ranks sort first: `PREF=n` is n, a `PREF` type is 1, anything else last.
    fn preference_rank(&self) -> u32 {
        match self.pref {
            Some(rank) => rank,
            None if self.types.iter().any(|t| t == "PREF") => 1,
            None => u32::MAX,
        }
    }

    fn text(&self, fallback: &'static Encoding) -> String {
        let decoded: Cow<'_, [u8]> = match self.encoding {
            Some(ValueEncoding::QuotedPrintable) => Cow::Owned(decode_quoted_printable(self.value)),
            Some(ValueEncoding::Base64) => decode_base64(self.value)
                .map(Cow::Owned)
                .unwrap_or(Cow::Borrowed(self.value)),
            None => Cow::Borrowed(self.value),
        };
        let charset = self
            .charset
            .as_deref()
            .and_then(|label| Encoding::for_label(label.trim().as_bytes()));
        let text = match (self.encoding, charset, std::str::from_utf8(&decoded)) {
            // An encoded value's bytes are in its CHARSET, whatever they look like.
            (Some(_), Some(charset), _) => charset.decode_without_bom_handling(&decoded).0,
            // A raw value that is valid UTF-8 was written (or already decoded) as UTF-8.
            (_, _, Ok(text)) => Cow::Borrowed(text),
            (_, Some(charset), Err(_)) => charset.decode_without_bom_handling(&decoded).0,
            (_, None, Err(_)) => fallback.decode_without_bom_handling(&decoded).0,
        };
        // Quoted-printable notes carry Windows line ends (=0D=0A).
        if text.contains('\r') {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.into_owned()
        }
    }
}

fn parse_property(line: &[u8]) -> Option<Property<'_>> {
    let head = head_of(line);
    let value = line.get(head.len() + 1..)?;
    let mut parts = split_outside_quotes(head, b';').into_iter();
    let name = String::from_utf8_lossy(parts.next()?.trim_ascii()).to_ascii_uppercase();
    let name = name.rsplit('.').next().unwrap_or_default().to_owned();
    let mut property = Property {
        name,
        value,
        ..Property::default()
    };
    for parameter in parts {
        let parameter = String::from_utf8_lossy(parameter);
        let (key, values) = match parameter.split_once('=') {
            Some((key, values)) => (key.trim().to_ascii_uppercase(), values),
            // vCard 2.1 writes types and the encoding bare: `TEL;CELL;PREF`, `;BASE64`.
            None => (String::new(), parameter.as_ref()),
        };
        let mut values = values.split(',').map(|v| v.trim().trim_matches('"').trim());
        match key.as_str() {
            "" | "TYPE" => {
                for value in values {
                    let value = value.to_ascii_uppercase();
                    match (key.as_str(), value.as_str()) {
                        ("", "QUOTED-PRINTABLE") => {
                            property.encoding = Some(ValueEncoding::QuotedPrintable);
                        }
                        ("", "BASE64") => property.encoding = Some(ValueEncoding::Base64),
                        ("", "7BIT" | "8BIT") => {}
                        _ if !value.is_empty() => property.types.push(value),
                        _ => {}
                    }
                }
            }
            "ENCODING" => {
                for value in values {
                    property.encoding = match value.to_ascii_uppercase().as_str() {
                        "QUOTED-PRINTABLE" => Some(ValueEncoding::QuotedPrintable),
                        "BASE64" | "B" => Some(ValueEncoding::Base64),
                        _ => property.encoding,
                    };
                }
            }
            "CHARSET" => property.charset = values.next().map(str::to_owned),
            "PREF" => property.pref = values.filter_map(|v| v.parse().ok()).min(),
            _ => {}
        }
    }
    Some(property)
}

/// Splits at `separator`s outside double quotes.
fn split_outside_quotes(bytes: &[u8], separator: u8) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'"' {
            quoted = !quoted;
        } else if *b == separator && !quoted {
            parts.push(&bytes[start..i]);
            start = i + 1;
        }
    }
    parts.push(&bytes[start..]);
    parts
}

/// `=XX` becomes byte XX; an `=` not followed by two hex digits stays as it is (Outlook
/// writes such values), except a trailing soft break.
fn decode_quoted_printable(value: &[u8]) -> Vec<u8> {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'=' {
            if let (Some(high), Some(low)) = (hex(value.get(i + 1)), hex(value.get(i + 2))) {
                // Two hex digits are at most 0xFF.
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
                continue;
            }
            if i + 1 == value.len() {
                break;
            }
        }
        out.push(value[i]);
        i += 1;
    }
    out
}

fn decode_base64(value: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let compact: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .ok()
}

/// The properties a card is read for; the others (version, photos, keys, …) are never
/// parsed, which matters in a file of a million cards.
const PROPERTIES_KEPT: &[&[u8]] = &[
    b"FN",
    b"N",
    b"NICKNAME",
    b"ORG",
    b"TEL",
    b"EMAIL",
    b"NOTE",
    b"CATEGORIES",
];

/// True when the content line is a property of [`PROPERTIES_KEPT`]: its name (before the
/// first `;` outside quotes, without a group prefix) is one of them, in any case.
fn is_kept(content_line: &[u8]) -> bool {
    let head = head_of(content_line);
    let mut quoted = false;
    let end = head
        .iter()
        .position(|b| {
            if *b == b'"' {
                quoted = !quoted;
            }
            *b == b';' && !quoted
        })
        .unwrap_or(head.len());
    let name = head[..end].trim_ascii();
    let name = name.rsplit(|b| *b == b'.').next().unwrap_or_default();
    PROPERTIES_KEPT
        .iter()
        .any(|kept| name.eq_ignore_ascii_case(kept))
}

/// What one card holds so far, its properties taken one at a time (step 3 of
/// [`CardReader`]).
struct CardBuilder {
    /// The line of its `BEGIN:VCARD`.
    line: usize,
    formatted_name: String,
    structured_name: String,
    nickname: String,
    company: String,
    /// (preference rank, number), in file order.
    phones: Vec<(u32, String)>,
    emails: Vec<(u32, String)>,
    notes: Vec<String>,
    categories: Vec<String>,
}

impl CardBuilder {
    fn new(line: usize) -> Self {
        Self {
            line,
            formatted_name: String::new(),
            structured_name: String::new(),
            nickname: String::new(),
            company: String::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            notes: Vec::new(),
            categories: Vec::new(),
        }
    }

    /// Takes what Candor keeps of one content line of the card.
    fn add(&mut self, content_line: &[u8], fallback: &'static Encoding) {
        if !is_kept(content_line) {
            return;
        }
        let Some(property) = parse_property(content_line) else {
            // A line without a colon (a comment some phones write) holds nothing to import.
            return;
        };
        // Photos, logos, sounds and keys are large and not customer fields: never decoded.
        let text = || property.text(fallback);
        match property.name.as_str() {
            "FN" if self.formatted_name.is_empty() => {
                self.formatted_name = unescape(&text()).trim().to_owned()
            }
            "N" if self.structured_name.is_empty() => {
                self.structured_name = name_from_parts(&text())
            }
            "NICKNAME" if self.nickname.is_empty() => {
                self.nickname = first_of_list(&text());
            }
            "ORG" if self.company.is_empty() => {
                self.company = split_unescaped(&text(), ';')
                    .first()
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default();
            }
            "TEL" => {
                let number = unescape(&text());
                let number = number.trim();
                let number = number.strip_prefix("tel:").unwrap_or(number).trim();
                if !number.is_empty() {
                    self.phones
                        .push((property.preference_rank(), number.to_owned()));
                }
            }
            "EMAIL" => {
                let address = unescape(&text());
                let address = address.trim();
                let address = address.strip_prefix("mailto:").unwrap_or(address).trim();
                if !address.is_empty() {
                    self.emails
                        .push((property.preference_rank(), address.to_owned()));
                }
            }
            "NOTE" => self.notes.push(unescape(&text()).trim().to_owned()),
            "CATEGORIES" => self.categories.extend(
                split_unescaped(&text(), ',')
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            ),
            _ => {}
        }
    }

    /// The contact, once the card's `END:VCARD` came; or why the card holds none.
    fn finish(self) -> Result<VCardContact, String> {
        let Self {
            line,
            formatted_name,
            structured_name,
            nickname,
            company,
            mut phones,
            mut emails,
            notes,
            categories,
        } = self;
        let mut contact = VCardContact {
            line,
            company,
            categories,
            ..VCardContact::default()
        };
        // Stable: preferred first, otherwise file order.
        phones.sort_by_key(|(rank, _)| *rank);
        emails.sort_by_key(|(rank, _)| *rank);
        contact.phones = phones.into_iter().map(|(_, p)| p).collect();
        contact.emails = emails.into_iter().map(|(_, e)| e).collect();
        contact.notes = notes
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let email_name = contact
            .emails
            .first()
            .map(|e| e.split('@').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let phone_name = contact.phones.first().cloned().unwrap_or_default();
        let candidates = [
            (formatted_name, None),
            (structured_name, None),
            (nickname, Some(NameSource::Nickname)),
            (contact.company.clone(), Some(NameSource::Company)),
            (email_name, Some(NameSource::Email)),
            (phone_name, Some(NameSource::Phone)),
        ];
        let Some((name, source)) = candidates.into_iter().find(|(name, _)| !name.is_empty()) else {
            return Err(
                "the card has no name, company, e-mail address or phone number, so there is nothing to import it under"
                    .to_owned(),
            );
        };
        contact.name = name;
        contact.named_from = source;
        Ok(contact)
    }
}

/// `N` is Family; Given; Additional; Prefixes; Suffixes. A person is called
/// "Prefix Given Additional Family Suffix"; a component may list several names with commas.
fn name_from_parts(value: &str) -> String {
    let parts = split_unescaped_raw(value, ';');
    let part = |i: usize| {
        parts
            .get(i)
            .map(|p| {
                split_unescaped(p, ',')
                    .iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    [part(3), part(1), part(2), part(0), part(4)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_of_list(value: &str) -> String {
    split_unescaped(value, ',')
        .into_iter()
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// Undoes vCard text escapes: `\n`, `\,`, `\;`, `\\`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value at unescaped `separator`s and unescapes each part.
fn split_unescaped(value: &str, separator: char) -> Vec<String> {
    split_unescaped_raw(value, separator)
        .iter()
        .map(|part| unescape(part))
        .collect()
}

/// Splits at unescaped `separator`s, keeping the escapes so a part can be split again.
fn split_unescaped_raw(value: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if escaped {
        current.push('\\');
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_structured_values_are_read() {
        assert_eq!(unescape(r"a\, b\; c\nd\\e"), "a, b; c\nd\\e");
        assert_eq!(
            split_unescaped(r"Fischer & Söhne\; GmbH;Sales", ';'),
            vec!["Fischer & Söhne; GmbH", "Sales"]
        );
    }

    #[test]
    fn a_card_without_end_is_reported_and_the_next_still_reads() {
        let text =
            "BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\nBEGIN:VCARD\nVERSION:3.0\nFN:Whole\nEND:VCARD\n";
        let (contacts, problems) = parse_vcards(text);
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name, "Whole");
        assert_eq!(contacts[0].line, 4);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].reason.contains("END:VCARD"));
    }

    fn only_contact(text: &str) -> VCardContact {
        let (contacts, problems) = parse_vcards(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        contacts.into_iter().next().unwrap()
    }

    #[test]
    fn bare_2_1_parameters_pick_the_preferred_phone_and_email() {
        let contact = only_contact(
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Anna Berg\r\nTEL;HOME;VOICE:+46 8 555 0101\r\n\
             TEL;CELL;PREF:+46 70 555 0102\r\nEMAIL;INTERNET:anna@home.se\r\n\
             EMAIL;PREF;INTERNET:anna@berg-ab.se\r\nEND:VCARD\r\n",
        );
        assert_eq!(contact.phones, ["+46 70 555 0102", "+46 8 555 0101"]);
        assert_eq!(contact.emails, ["anna@berg-ab.se", "anna@home.se"]);
    }

    #[test]
    fn quoted_printable_with_soft_breaks_and_charset_is_decoded() {
        let contact = only_contact(
            "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg;;;\n\
             FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=B6rg M=\n=C3=BCller\n\
             ORG;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:B=E4ckerei Gr=FCn;Verkauf\n\
             NOTE;ENCODING=QUOTED-PRINTABLE:First line=0D=0A=\nsecond line\n\
             NOTE;ENCODING=QUOTED-PRINTABLE:Sch=F6ne Gr=FC=DFe\nEND:VCARD\n",
        );
        assert_eq!(contact.name, "Jörg Müller");
        assert_eq!(contact.named_from, None);
        assert_eq!(contact.company, "Bäckerei Grün");
        assert_eq!(contact.notes, "First line\nsecond line\nSchöne Grüße");
    }

    #[test]
    fn raw_values_are_decoded_by_their_charset_or_the_fallback() {
        let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:".to_vec();
        bytes.extend(encoding_rs::SHIFT_JIS.encode("安藤;ロイド").0.iter());
        bytes.extend(b";;;\r\nORG:".iter());
        bytes.extend(
            encoding_rs::WINDOWS_1252
                .encode("Société Générale")
                .0
                .iter(),
        );
        bytes.extend(b"\r\nEND:VCARD\r\n".iter());
        let (contacts, problems) = parse_vcard_bytes(&bytes, encoding_rs::WINDOWS_1252);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(contacts[0].name, "ロイド 安藤");
        assert_eq!(contacts[0].company, "Société Générale");
    }

    #[test]
    fn base64_text_values_are_decoded_and_photos_skipped() {
        let contact = only_contact(
            "BEGIN:VCARD\nVERSION:3.0\nFN;ENCODING=b;CHARSET=UTF-8:SsO2cmcgTcO8bGxlcg==\n\
             PHOTO;BASE64:\n  /9j/4AAQSkZJRgABAQAAAQABAAD/4QBARXhpZgAATU0AKgAA\n  AqACAAQAAAABAAABAKADAAQAAAAB\n\
             EMAIL:joerg@example.de\nEND:VCARD\n",
        );
        assert_eq!(contact.name, "Jörg Müller");
        assert_eq!(contact.emails, ["joerg@example.de"]);
    }

    #[test]
    fn a_2_1_base64_block_ends_at_a_blank_line() {
        let contact = only_contact(
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Kari Nordmann\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n\
             2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYF\r\nBgYGBwkIBgcJBwYGCAsICQoKCgoKBggL==\r\n\r\n\
             TEL;WORK:+47 22 55 50 00\r\nEND:VCARD\r\n",
        );
        assert_eq!(contact.name, "Kari Nordmann");
        assert_eq!(contact.phones, ["+47 22 55 50 00"]);
    }

    #[test]
    fn the_name_falls_back_to_nickname_company_email_then_phone() {
        let named = |body: &str| {
            let contact = only_contact(&format!("BEGIN:VCARD\nVERSION:3.0\n{body}END:VCARD\n"));
            (contact.name, contact.named_from)
        };
        assert_eq!(
            named("N:Okafor;Ngozi;Ada;Dr.;PhD\n"),
            ("Dr. Ngozi Ada Okafor PhD".to_owned(), None)
        );
        assert_eq!(
            named("NICKNAME:Nene,Ngo\nORG:Okafor Foods\n"),
            ("Nene".to_owned(), Some(NameSource::Nickname))
        );
        assert_eq!(
            named("ORG:Okafor Foods;Lagos\nEMAIL:ngozi@okafor.ng\n"),
            ("Okafor Foods".to_owned(), Some(NameSource::Company))
        );
        assert_eq!(
            named("EMAIL:ngozi.okafor@okafor.ng\n"),
            ("ngozi.okafor".to_owned(), Some(NameSource::Email))
        );
        assert_eq!(
            named("TEL:+234 1 555 0199\n"),
            ("+234 1 555 0199".to_owned(), Some(NameSource::Phone))
        );
    }

    #[test]
    fn every_card_is_a_contact_or_a_problem_with_its_line() {
        let text = "stray text\nmore stray text\n\
                    BEGIN:VCARD\nVERSION:3.0\nNOTE:nothing else\nEND:VCARD\n\
                    END:VCARD\n\
                    BEGIN:VCARD\nVERSION:3.0\nFN:Kept\nEND:VCARD\n\
                    BEGIN:VCARD\nVERSION:3.0\nFN:Cut at the end\n";
        let (contacts, problems) = parse_vcards(text);
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name, "Kept");
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 3, 7, 12], "{problems:?}");
        assert!(problems[0].reason.contains("2 lines of text outside"));
        assert!(
            problems[1]
                .reason
                .contains("no name, company, e-mail address or phone")
        );
        assert!(problems[2].reason.contains("without a BEGIN:VCARD"));
        assert!(problems[3].reason.contains("cut off"));
        assert!(problems.iter().all(|p| !p.reason.contains("CSV")));
    }

    #[test]
    fn utf_16_files_with_or_without_a_byte_order_mark_are_read() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Lefèvre\r\nEND:VCARD\r\n";
        let little_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&little_endian);
        let big_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [with_bom, little_endian, big_endian] {
            assert!(looks_like_vcard_bytes(&bytes));
            let (contacts, problems) = parse_vcard_bytes(&bytes, encoding_rs::WINDOWS_1252);
            assert!(problems.is_empty());
            assert_eq!(contacts[0].name, "Zoë Lefèvre");
        }
    }

    #[test]
    fn files_joined_with_their_byte_order_marks_lose_no_card() {
        let card = |name: &str| {
            format!("\u{feff}BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEND:VCARD\r\n")
        };
        let (contacts, problems) = parse_vcards(&(card("Ana Lima") + &card("Rui Costa")));
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = contacts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Ana Lima", "Rui Costa"]);
    }

    #[test]
    fn classic_mac_line_ends_are_read() {
        let contact = only_contact("BEGIN:VCARD\rVERSION:3.0\rFN:Élodie Roux\rEND:VCARD\r");
        assert_eq!(contact.name, "Élodie Roux");
    }

    /// Reads `bytes` a card at a time through a buffer of `capacity` bytes.
    fn read_through(bytes: &[u8], capacity: usize) -> (Vec<VCardContact>, Vec<CardProblem>) {
        let bytes = to_utf8(bytes);
        let input = std::io::BufReader::with_capacity(capacity, &bytes[..]);
        let reader = CardReader::new(input, line_end_of(&bytes), encoding_rs::WINDOWS_1252);
        let (mut contacts, mut problems) = (Vec::new(), Vec::new());
        for card in reader {
            match card.unwrap() {
                Card::Contact(contact) => contacts.push(contact),
                Card::Problem(problem) => problems.push(problem),
            }
        }
        (contacts, problems)
    }

    #[test]
    fn a_card_split_across_buffer_boundaries_reads_as_a_whole() {
        let text = "BEGIN:VCARD\r\nVERSION:2.1\r\n\
                    FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=B6rg M=\r\n=C3=BCller\r\n\
                    PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n\
                    2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYF\r\n\r\n\
                    NOTE:a folded\r\n  note\r\nTEL;CELL;PREF:+49 30 555 0101\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Lima\r\nEND:VCARD\r\n";
        let whole = parse_vcards(text);
        assert!(whole.1.is_empty(), "{:?}", whole.1);
        assert_eq!(whole.0[0].name, "Jörg Müller");
        assert_eq!(whole.0[0].notes, "a folded note");
        assert_eq!(whole.0[0].phones, ["+49 30 555 0101"]);
        assert_eq!(
            (whole.0[1].name.as_str(), whole.0[1].line),
            ("Ana Lima", 12)
        );
        // Every CR, LF, `=` and fold meets the end of a buffer at one capacity or another.
        for capacity in [1, 2, 3, 5, 8, 13, 64] {
            assert_eq!(read_through(text.as_bytes(), capacity), whole, "{capacity}");
        }
    }

    #[test]
    fn each_card_is_handed_out_before_the_rest_of_the_file_is_read() {
        // The first card, then a read that fails: the card comes before the failure.
        struct FailsAfter<'a>(&'a [u8]);
        impl std::io::Read for FailsAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("the disk went away"));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let text = b"BEGIN:VCARD\nFN:Ana Lima\nEND:VCARD\nBEGIN:VCARD\nFN:Rui";
        let input = std::io::BufReader::with_capacity(8, FailsAfter(text));
        let mut reader = CardReader::new(input, b'\n', encoding_rs::WINDOWS_1252);
        let Ok(Some(Card::Contact(first))) = reader.next_card() else {
            panic!("the first card is read before the failure");
        };
        assert_eq!(first.name, "Ana Lima");
        assert!(reader.next_card().is_err());
    }

    #[test]
    fn a_last_card_without_end_is_reported_after_the_cards_before_it() {
        let text = "BEGIN:VCARD\nFN:Ana Lima\nEND:VCARD\n\nBEGIN:VCARD\nFN:Rui Costa\nTEL:+351 21 555 0100";
        let cards: Vec<Card> = CardReader::new(text.as_bytes(), b'\n', encoding_rs::WINDOWS_1252)
            .map(Result::unwrap)
            .collect();
        assert_eq!(cards.len(), 2, "{cards:?}");
        assert!(matches!(&cards[0], Card::Contact(c) if c.name == "Ana Lima"));
        let Card::Problem(cut) = &cards[1] else {
            panic!("the last card is cut off: {cards:?}");
        };
        assert_eq!(cut.line, 5);
        assert!(cut.reason.contains("the file ends before its END:VCARD"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_are_read_without_panicking(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)
        ) {
            let _ = parse_vcard_bytes(&bytes, encoding_rs::WINDOWS_1252);
        }

        #[test]
        fn cards_read_through_any_buffer_are_the_cards_of_the_whole_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "BEGIN:VCARD", "END:VCARD", "\r\n", "\n", "\r", " ", "\t", "=", "=C3", "=9",
                    ";", ":", ",", "\"", "\\", "FN", "N", "TEL", "EMAIL", "ORG", "NOTE", "PHOTO",
                    "ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE", "BASE64", "ENCODING=b",
                    "CHARSET=SHIFT_JIS", "PREF", "PREF=2", "item1.", "ü", "\u{feff}", "\u{7}",
                    "Ana", "a@b.c", "+49 30 5550101", "<FC>",
                ]),
                0..120,
            ),
            capacity in 1usize..40,
        ) {
            // "<FC>" stands for a byte of a legacy code page.
            let bytes: Vec<u8> = pieces
                .iter()
                .flat_map(|p| if *p == "<FC>" { vec![0xFC] } else { p.as_bytes().to_vec() })
                .collect();
            let (contacts, mut problems) = read_through(&bytes, capacity);
            problems.sort_by_key(|p| p.line);
            proptest::prop_assert_eq!(
                (contacts, problems),
                parse_vcard_bytes(&bytes, encoding_rs::WINDOWS_1252)
            );
        }

        #[test]
        fn card_like_text_is_read_without_panicking(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "BEGIN:VCARD", "END:VCARD", "\r\n", "\n", " ", "\t", "=", "=C3", "=9", ";",
                    ":", ",", "\"", "\\", "FN", "N", "TEL", "EMAIL", "ORG", "PHOTO",
                    "ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE", "BASE64", "ENCODING=b",
                    "CHARSET=SHIFT_JIS", "CHARSET=bogus", "PREF", "PREF=x", "item1.", "ü", "\u{feff}",
                ]),
                0..80,
            )
        ) {
            let text = pieces.concat();
            let (contacts, problems) = parse_vcards(&text);
            // Nothing is invented: every contact and card problem starts at a real line.
            let lines = text.split('\n').count();
            proptest::prop_assert!(contacts.iter().all(|c| (1..=lines).contains(&c.line)));
            proptest::prop_assert!(problems.iter().all(|p| (1..=lines).contains(&p.line)));
        }
    }
}
