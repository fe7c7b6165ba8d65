//! Right-to-left text in reading order. egui lays text out left to right, one character
//! after another; a Hebrew or Arabic name would come out backwards. Before drawing, each
//! line is reordered with the Unicode bidirectional algorithm (`unicode-bidi`), so "שרה
//! כהן" and "شركة النور" read right to left while numbers and Latin inside them keep their
//! order. The journal always keeps the text as typed; only what is drawn is reordered.
//!
//! What remains: egui does not shape, so Arabic letters show in their isolated forms, not
//! joined; text fields show and edit the typed (logical) order; a line that mixes scripts
//! is reordered as one paragraph whose direction comes from its first strong letter.

use std::borrow::Cow;

/// The text in the order to draw it (unchanged, and not copied, without right-to-left).
pub fn display(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_rtl) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let info = unicode_bidi::BidiInfo::new(line, None);
        for paragraph in &info.paragraphs {
            out.push_str(&info.reorder_line(paragraph, paragraph.range.clone()));
        }
    }
    Cow::Owned(out)
}

/// Hebrew, Arabic, Syriac, Thaana, NKo and their presentation forms.
fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_to_right_text_is_untouched_and_not_copied() {
        assert!(matches!(display("Maria Keller 株式会社"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_hebrew_name_is_drawn_right_to_left_with_latin_and_digits_kept_in_order() {
        // Typed (logical) order: shin, resh, he, space, kaf, he, nun.
        assert_eq!(display("שרה כהן"), "ןהכ הרש");
        assert_eq!(display("שרה ABC 12"), "ABC 12 הרש");
    }

    #[test]
    fn a_latin_line_with_an_arabic_company_keeps_the_latin_first() {
        assert_eq!(display("Ali (شركة)"), "Ali (ةكرش)");
    }
}
