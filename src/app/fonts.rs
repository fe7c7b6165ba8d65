//! Fonts for every script a customer's name may be written in. egui's built-in fonts cover
//! Latin, Greek and Cyrillic; Arabic, Hebrew, Chinese, Japanese, Korean, Devanagari, Thai
//! and more come from the fonts the system already has, found off the UI thread (scanning a
//! system's fonts takes a moment) and added as fallbacks when ready.
//!
//! What egui does not do, and this does not fake: Arabic letters are shown in their isolated
//! forms (egui has no text shaping, so they are not joined), and Indic conjuncts are not
//! formed. Right-to-left runs are put in reading order by [`super::bidi::display`].

use std::sync::mpsc::{Receiver, channel};

/// One face found on the system, to add as a fallback.
pub struct FoundFace {
    /// A name for egui's font table.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The face's index in a collection (.ttc).
    pub index: u32,
}

/// A sample letter per script, and the families that usually carry it on Windows, macOS
/// and Linux, best first.
const SCRIPTS: &[(&str, char, &[&str])] = &[
    (
        "Arabic",
        'ب',
        &[
            "Noto Sans Arabic",
            "Noto Naskh Arabic",
            "Segoe UI",
            "Geeza Pro",
            "DejaVu Sans",
            "Arial",
        ],
    ),
    (
        "Hebrew",
        'ש',
        &[
            "Noto Sans Hebrew",
            "Segoe UI",
            "Arial Hebrew",
            "DejaVu Sans",
            "Arial",
        ],
    ),
    (
        "Chinese",
        '中',
        &[
            "Noto Sans CJK SC",
            "Noto Sans SC",
            "Microsoft YaHei",
            "PingFang SC",
            "WenQuanYi Micro Hei",
            "Source Han Sans SC",
        ],
    ),
    (
        "Japanese",
        'あ',
        &[
            "Noto Sans CJK JP",
            "Noto Sans JP",
            "Yu Gothic",
            "Meiryo",
            "Hiragino Sans",
        ],
    ),
    (
        "Korean",
        '한',
        &[
            "Noto Sans CJK KR",
            "Noto Sans KR",
            "Malgun Gothic",
            "Apple SD Gothic Neo",
        ],
    ),
    (
        "Devanagari",
        'क',
        &[
            "Noto Sans Devanagari",
            "Nirmala UI",
            "Kohinoor Devanagari",
            "Mangal",
        ],
    ),
    (
        "Thai",
        'ก',
        &["Noto Sans Thai", "Leelawadee UI", "Thonburi", "Tahoma"],
    ),
    (
        "Armenian and Georgian",
        'ა',
        &["Noto Sans Georgian", "Sylfaen", "DejaVu Sans"],
    ),
];

/// Whether a face has a glyph for `letter`.
fn covers(bytes: &[u8], index: u32, letter: char) -> bool {
    use skrifa::MetadataProvider as _;
    skrifa::FontRef::from_index(bytes, index).is_ok_and(|font| font.charmap().map(letter).is_some())
}

/// Finds a system face for every script egui's own fonts lack. Slow (it reads the
/// system's font list): run it off the UI thread.
pub fn find_fallbacks(has_glyph: impl Fn(char) -> bool) -> Vec<FoundFace> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let mut found: Vec<FoundFace> = Vec::new();
    for (script, letter, families) in SCRIPTS {
        if has_glyph(*letter)
            || found
                .iter()
                .any(|face| covers(&face.bytes, face.index, *letter))
        {
            continue;
        }
        let regular = |info: &&fontdb::FaceInfo| {
            info.style == fontdb::Style::Normal && info.weight == fontdb::Weight::NORMAL
        };
        // The usual families first, then any regular face that has the letter.
        let by_name = families.iter().find_map(|family| {
            db.faces()
                .filter(regular)
                .find(|info| info.families.iter().any(|(name, _)| name == family))
                .map(|info| info.id)
        });
        let candidates = by_name
            .into_iter()
            .chain(db.faces().filter(regular).map(|i| i.id));
        for id in candidates {
            let face = db.with_face_data(id, |bytes, index| {
                covers(bytes, index, *letter).then(|| FoundFace {
                    name: format!("system {script}"),
                    bytes: bytes.to_vec(),
                    index,
                })
            });
            if let Some(Some(face)) = face {
                found.push(face);
                break;
            }
        }
    }
    found
}

/// The search for fallback fonts, running on its own thread.
pub struct FallbackSearch {
    receiver: Receiver<Vec<FoundFace>>,
}

impl FallbackSearch {
    /// Starts looking; `has_glyph` says what egui's fonts already cover.
    pub fn start(has_glyph: impl Fn(char) -> bool + Send + 'static) -> Self {
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            // Nobody listening any more (the window closed) is fine.
            let _ = sender.send(find_fallbacks(has_glyph));
        });
        Self { receiver }
    }

    /// The faces, once found.
    pub fn poll(&self) -> Option<Vec<FoundFace>> {
        self.receiver.try_recv().ok()
    }
}

/// egui's default fonts plus `faces` as fallbacks for every family.
pub fn definitions_with(faces: Vec<FoundFace>) -> egui::FontDefinitions {
    let mut fonts = base_definitions();
    for face in faces {
        let mut data = egui::FontData::from_owned(face.bytes);
        data.index = face.index;
        fonts
            .font_data
            .insert(face.name.clone(), std::sync::Arc::new(data));
        for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
            if let Some(list) = fonts.families.get_mut(&family) {
                list.push(face.name.clone());
            }
        }
    }
    fonts
}

/// egui's fonts, with Hack (which has arrows, check marks and box symbols) as a fallback
/// for proportional text, so messages like "File → Back up now…" never draw boxes.
pub fn base_definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    if fonts.font_data.contains_key("Hack")
        && let Some(proportional) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !proportional.iter().any(|name| name == "Hack")
    {
        proportional.push("Hack".to_owned());
    }
    fonts
}

/// Whether egui's default fonts have a glyph for `letter` (checked once, before the search).
pub fn default_fonts_cover() -> impl Fn(char) -> bool + Send + 'static {
    let fonts = base_definitions();
    let faces: Vec<(Vec<u8>, u32)> = fonts
        .font_data
        .values()
        .map(|data| (data.font.as_ref().as_ref().to_vec(), data.index))
        .collect();
    move |letter| {
        faces
            .iter()
            .any(|(bytes, index)| covers(bytes, *index, letter))
    }
}
