//! File → Currency and number format…: the journal's currency and how its amounts are
//! written. Kept in the journal, so every window and the command line agree.

use super::widgets::{FormOutcome, save_cancel_ui};
use crate::domain::{Cents, Currency, MoneyFormat, NumberLocale, ValidationError};

/// The dialog's fields: the currency stays text until saved, so a typo loses nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyDialog {
    /// The ISO 4217 code as typed ("EUR"); empty for numbers without a symbol.
    pub currency: String,
    pub locale: NumberLocale,
    pub error: Option<String>,
}

/// The amount every choice is shown with.
const EXAMPLE: Cents = Cents(123_450);

impl MoneyDialog {
    /// The dialog showing the journal's current `format`.
    pub fn new(format: MoneyFormat) -> Self {
        Self {
            currency: format.code().to_owned(),
            locale: format.locale,
            error: None,
        }
    }

    /// The currency typed, checked.
    fn currency(&self) -> Result<Option<Currency>, ValidationError> {
        let code = self.currency.trim();
        if code.is_empty() {
            return Ok(None);
        }
        Currency::from_code(code).map(Some).ok_or_else(|| {
            let known: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
            ValidationError::new(format!(
                "\"{code}\" is not a currency Candor knows: type one of {}, or leave it empty.",
                known.join(", ")
            ))
        })
    }

    /// The format to save, or what is wrong with the typed currency.
    pub fn to_format(&self) -> Result<MoneyFormat, ValidationError> {
        Ok(MoneyFormat::new(self.currency()?, self.locale))
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<FormOutcome> {
        let currency = self.currency().ok().flatten();
        egui::Grid::new("money_settings")
            .num_columns(2)
            .show(ui, |ui| {
                super::widgets::field(ui, "Currency (ISO code)", &mut self.currency, true);
                ui.label("");
                ui.weak(match currency {
                    Some(currency) => currency.name().to_owned(),
                    None if self.currency.trim().is_empty() => {
                        "None: amounts show without a symbol".to_owned()
                    }
                    None => "Not a currency Candor knows".to_owned(),
                });
                ui.end_row();
            });
        ui.add_space(4.0);
        ui.label("Number format");
        for locale in NumberLocale::ALL {
            let example = MoneyFormat::new(currency, locale).format(EXAMPLE);
            ui.radio_value(
                &mut self.locale,
                locale,
                format!("{}: {example}", locale.name()),
            );
        }
        ui.add_space(4.0);
        ui.weak(
            "Typed amounts are read this way too. CSV reports keep plain numbers \
             (1234.50) with the currency code in a column of its own.",
        );
        save_cancel_ui(ui, "Save", self.error.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_currency_is_refused_with_the_known_codes() {
        let mut dialog = MoneyDialog::new(MoneyFormat::default());
        assert_eq!(dialog.currency, "");
        assert_eq!(dialog.to_format(), Ok(MoneyFormat::default()));
        dialog.currency = " chf ".into();
        dialog.locale = NumberLocale::DeCh;
        assert_eq!(
            dialog.to_format(),
            Ok(MoneyFormat::new(Some(Currency::Chf), NumberLocale::DeCh))
        );
        dialog.currency = "EUX".into();
        let error = dialog.to_format().unwrap_err().0;
        assert!(error.starts_with("\"EUX\" is not a currency Candor knows: type one of EUR, USD"));
    }
}
