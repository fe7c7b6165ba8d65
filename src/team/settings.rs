//! Team-wide settings (team schema 9): the currency and number format of the team's money,
//! set once for the whole team by a manager or the database's administrator, so every
//! team report and the team ranking write amounts the same way whoever exports them. Each
//! rep's journal keeps its own setting for their own screens and reports.

use postgres::Client;

use crate::domain::{Currency, MoneyFormat, NumberLocale};

const CURRENCY: &str = "currency";
const NUMBER_LOCALE: &str = "number_locale";

/// The team's money format. A value this Candor does not know (written by a newer one)
/// reads as unset, as the journal's own setting does.
pub(super) fn money_format(client: &mut Client) -> Result<MoneyFormat, postgres::Error> {
    let rows = client.query(
        "SELECT key, value FROM candor.team_settings WHERE key IN ($1, $2)",
        &[&CURRENCY, &NUMBER_LOCALE],
    )?;
    let mut format = MoneyFormat::default();
    for row in rows {
        let (key, value): (&str, &str) = (row.get(0), row.get(1));
        match key {
            CURRENCY => format.currency = Currency::from_code(value),
            NUMBER_LOCALE => format.locale = NumberLocale::from_tag(value).unwrap_or_default(),
            _ => {}
        }
    }
    Ok(format)
}

/// Whether the connected login may change the team's settings (a manager, or the
/// administrator who owns the schema).
pub(super) fn may_set(client: &mut Client) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one(
            "SELECT has_table_privilege('candor.team_settings', 'INSERT, UPDATE')",
            &[],
        )?
        .get(0))
}

/// Sets the team's currency (`None`: amounts without one) and number format, in one
/// transaction.
pub(super) fn set_money_format(
    client: &mut Client,
    format: MoneyFormat,
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    match format.currency {
        Some(currency) => tx.execute(
            "INSERT INTO candor.team_settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&CURRENCY, &currency.code()],
        )?,
        None => tx.execute(
            "DELETE FROM candor.team_settings WHERE key = $1",
            &[&CURRENCY],
        )?,
    };
    tx.execute(
        "INSERT INTO candor.team_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&NUMBER_LOCALE, &format.locale.tag()],
    )?;
    tx.commit()
}
