//! Journal settings: what every window and the command line must agree on (the currency
//! and number format), kept in the journal rather than in one window's preferences.

use rusqlite::OptionalExtension;

use super::{Result, Store};
use crate::domain::{Currency, MoneyFormat, NumberLocale};

const CURRENCY: &str = "currency";
const NUMBER_LOCALE: &str = "number_locale";

impl Store {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM journal_settings WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |row| row.get(0)).optional())
            .map_err(self.fail())
    }

    /// How this journal writes money. A value this Candor does not know (written by a newer
    /// one) reads as unset rather than failing: it only changes how amounts look.
    pub fn money_format(&self) -> Result<MoneyFormat> {
        let currency = self
            .setting(CURRENCY)?
            .and_then(|code| Currency::from_code(&code));
        let locale = self
            .setting(NUMBER_LOCALE)?
            .and_then(|tag| NumberLocale::from_tag(&tag))
            .unwrap_or_default();
        Ok(MoneyFormat::new(currency, locale))
    }

    /// Sets the journal's currency (`None`: numbers without a symbol) and number format.
    pub fn set_money_format(&mut self, format: MoneyFormat) -> Result<()> {
        self.write(|tx| {
            match format.currency {
                Some(currency) => tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO journal_settings (key, value) VALUES (?1, ?2)",
                    )?
                    .execute([CURRENCY, currency.code()])?,
                None => tx
                    .prepare_cached("DELETE FROM journal_settings WHERE key = ?1")?
                    .execute([CURRENCY])?,
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO journal_settings (key, value) VALUES (?1, ?2)",
            )?
            .execute([NUMBER_LOCALE, format.locale.tag()])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_money_format_is_kept_in_the_journal_and_unknown_values_read_as_unset() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.money_format().unwrap(), MoneyFormat::default());
        let euro = MoneyFormat::new(Some(Currency::Eur), NumberLocale::DeDe);
        store.set_money_format(euro).unwrap();
        assert_eq!(store.money_format().unwrap(), euro);
        let plain = MoneyFormat::new(None, NumberLocale::FrFr);
        store.set_money_format(plain).unwrap();
        assert_eq!(store.money_format().unwrap(), plain);
        store
            .execute_batch_for_tests(
                "UPDATE journal_settings SET value = 'xx-XX' WHERE key = 'number_locale';
                 INSERT INTO journal_settings (key, value) VALUES ('currency', 'XAU');",
            )
            .unwrap();
        assert_eq!(store.money_format().unwrap(), MoneyFormat::default());
    }
}
