//! `candor insights`: the Insights measures as a table, JSON, CSV, or an HTML report a
//! manager can mail (charts as inline SVG, no script, nothing fetched from the network).
//! Every format prints the numbers of one [`Insights`] value, which the Insights view of
//! the app shows too.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::csv_text::SafeText;
use crate::domain::dates::format_date;
use crate::domain::insights::{Chart, Insights, Measure, RepCustomers, Unit};
use crate::domain::{Cents, CustomerId, MoneyFormat};

/// How `candor insights` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InsightsFormat {
    /// Plain text tables, for a terminal.
    Table,
    /// One object per measure with its series of `{"period": …, "value": …}`.
    Json,
    /// One row per measure and period.
    Csv,
    /// A self-contained HTML page with charts (needs --out).
    Html,
}

/// Customer names by id, for the customers behind a point.
pub type Names = HashMap<CustomerId, String>;

fn format_value(unit: Unit, value: Option<f64>, money: MoneyFormat) -> String {
    match (unit, value) {
        (_, None) => "–".to_owned(),
        (Unit::Share, Some(v)) => format!("{:.0}%", v * 100.0),
        // Sums of whole cents, so rounding to cents loses nothing.
        (Unit::Money, Some(v)) => money.format(Cents((v * 100.0).round() as i64)),
        (Unit::Days, Some(v)) if v.fract() != 0.0 => format!("{v:.1}"),
        (_, Some(v)) => format!("{v:.0}"),
    }
}

/// A measure that is not a time series: its code, label, and (bucket or cause, count).
type Distribution = (&'static str, &'static str, Vec<(String, f64)>);

/// The extra measures of the JSON and CSV formats: the days-late distribution and the
/// root causes, as series whose "period" is the bucket or the cause.
fn distribution_measures(insights: &Insights) -> Vec<Distribution> {
    vec![
        (
            "days_late_distribution",
            "Slipped promises by days late",
            insights
                .days_late_histogram
                .iter()
                .map(|b| (b.label.to_owned(), f64::from(b.count)))
                .collect(),
        ),
        (
            "root_causes",
            "Problems resolved, by root cause",
            insights
                .root_causes
                .iter()
                .map(|c| (c.cause.code().to_owned(), f64::from(c.count)))
                .collect(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Table

/// Writes the whole team's tables, then each rep's under their name.
pub fn write_table_per_rep(
    mut out: impl Write,
    team: &Insights,
    per_rep: &[(RepCustomers, Insights)],
    money: MoneyFormat,
) -> io::Result<()> {
    writeln!(out, "== The whole team ==")?;
    write_table(&mut out, team, money)?;
    for (rep, insights) in per_rep {
        writeln!(
            out,
            "\n== {} ({}), {} customers ==",
            rep.name,
            rep.login,
            rep.customers.len()
        )?;
        write_table(&mut out, insights, money)?;
    }
    Ok(())
}

/// Writes the measures as plain text tables.
pub fn write_table(mut out: impl Write, insights: &Insights, money: MoneyFormat) -> io::Result<()> {
    writeln!(
        out,
        "Insights from {} to {} (as of {})",
        format_date(insights.from),
        format_date(insights.to),
        format_date(insights.today)
    )?;
    let groups: [(&str, &[&str]); 4] = [
        (
            "Promises",
            &[
                "promises_due",
                "kept_on_time",
                "renegotiated_before_due",
                "late",
                "broken",
                "kept_rate",
                "days_late_median",
                "days_late_p90",
                "days_late_max",
            ],
        ),
        ("Bad news", &["bad_news", "told_first_share"]),
        ("Problems", &["open_problems", "days_to_resolve_median"]),
        (
            "Late payers",
            &[
                "overdue_1_30",
                "overdue_31_60",
                "overdue_61_90",
                "overdue_over_90",
            ],
        ),
    ];
    for (title, codes) in groups {
        let measures: Vec<&Measure> = codes.iter().filter_map(|c| insights.measure(c)).collect();
        let Some(first) = measures.first() else {
            continue;
        };
        writeln!(out)?;
        writeln!(out, "{title}")?;
        let width = measures
            .iter()
            .map(|m| m.label.chars().count())
            .max()
            .unwrap_or(0);
        write!(out, "  {:width$}", "")?;
        for point in &first.series {
            write!(out, " {:>10}", point.period)?;
        }
        writeln!(out)?;
        for measure in measures {
            write!(out, "  {:width$}", measure.label)?;
            for point in &measure.series {
                write!(
                    out,
                    " {:>10}",
                    format_value(measure.unit, point.value, money)
                )?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Slipped promises by days late")?;
    for bucket in &insights.days_late_histogram {
        writeln!(out, "  {:14} {:>6}", bucket.label, bucket.count)?;
    }
    writeln!(out)?;
    writeln!(out, "Problems resolved, by root cause")?;
    if insights.root_causes.is_empty() {
        writeln!(out, "  No problem was resolved in the period.")?;
    }
    for cause in &insights.root_causes {
        writeln!(
            out,
            "  {:28} {:>6} {:>5.0}%  {}",
            cause.cause.label(),
            cause.count,
            cause.cumulative_share * 100.0,
            cause.preventions.join("; ")
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Each morning: customers at risk (* above the line of {}), owed a call, called that day",
        insights.threshold
    )?;
    if let (Some(at_risk), Some(owed), Some(called)) = (
        insights.measure("at_risk_customers"),
        insights.measure("owed_a_call"),
        insights.measure("called_that_day"),
    ) {
        for ((risk, owed), called) in at_risk.series.iter().zip(&owed.series).zip(&called.series) {
            let over = risk
                .value
                .is_some_and(|v| v > f64::from(insights.threshold));
            writeln!(
                out,
                "  {} {:>6}{} {:>6} {:>6}",
                risk.period,
                format_value(Unit::Count, risk.value, money),
                if over { "*" } else { " " },
                format_value(Unit::Count, owed.value, money),
                format_value(Unit::Count, called.value, money)
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonDocument<'a> {
    format: &'static str,
    from: String,
    to: String,
    today: String,
    granularity: &'static str,
    threshold: u32,
    days_over_threshold: Vec<String>,
    measures: Vec<JsonMeasure<'a>>,
    root_causes: Vec<JsonRootCause<'a>>,
}

#[derive(Serialize)]
struct JsonMeasure<'a> {
    measure: &'a str,
    label: &'a str,
    unit: Unit,
    series: Vec<JsonPoint>,
}

#[derive(Serialize)]
struct JsonPoint {
    period: String,
    value: Option<f64>,
}

#[derive(Serialize)]
struct JsonRootCause<'a> {
    cause: &'static str,
    count: u32,
    cumulative_share: f64,
    preventions: &'a [String],
}

/// Writes the measures as JSON (format `candor.insights.v1`, docs/formats.md).
pub fn write_json(out: impl Write, insights: &Insights) -> serde_json::Result<()> {
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &json_document(insights))?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

#[derive(Serialize)]
struct JsonRep<'a> {
    rep: &'a str,
    name: &'a str,
    customers: usize,
    insights: JsonDocument<'a>,
}

#[derive(Serialize)]
struct JsonPerRep<'a> {
    format: &'static str,
    team: JsonDocument<'a>,
    reps: Vec<JsonRep<'a>>,
}

/// Writes the whole team's measures and each rep's as JSON (format
/// `candor.insights.per_rep.v1`): `team` and each of `reps[].insights` is a
/// `candor.insights.v1` document.
pub fn write_json_per_rep(
    out: impl Write,
    team: &Insights,
    per_rep: &[(RepCustomers, Insights)],
) -> serde_json::Result<()> {
    let document = JsonPerRep {
        format: "candor.insights.per_rep.v1",
        team: json_document(team),
        reps: per_rep
            .iter()
            .map(|(rep, insights)| JsonRep {
                rep: &rep.login,
                name: &rep.name,
                customers: rep.customers.len(),
                insights: json_document(insights),
            })
            .collect(),
    };
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

fn json_document(insights: &Insights) -> JsonDocument<'_> {
    let extra = distribution_measures(insights);
    let mut measures: Vec<JsonMeasure<'_>> = insights
        .measures
        .iter()
        .map(|m| JsonMeasure {
            measure: m.code,
            label: m.label,
            unit: m.unit,
            series: m
                .series
                .iter()
                .map(|p| JsonPoint {
                    period: p.period.clone(),
                    value: p.value,
                })
                .collect(),
        })
        .collect();
    for (code, label, series) in extra {
        measures.push(JsonMeasure {
            measure: code,
            label,
            unit: Unit::Count,
            series: series
                .into_iter()
                .map(|(period, value)| JsonPoint {
                    period,
                    value: Some(value),
                })
                .collect(),
        });
    }
    JsonDocument {
        format: "candor.insights.v1",
        from: format_date(insights.from),
        to: format_date(insights.to),
        today: format_date(insights.today),
        granularity: match insights.granularity {
            crate::domain::insights::Granularity::Week => "week",
            crate::domain::insights::Granularity::Month => "month",
        },
        threshold: insights.threshold,
        days_over_threshold: insights
            .days_over_threshold
            .iter()
            .map(|d| format_date(*d))
            .collect(),
        measures,
        root_causes: insights
            .root_causes
            .iter()
            .map(|c| JsonRootCause {
                cause: c.cause.code(),
                count: c.count,
                cumulative_share: c.cumulative_share,
                preventions: &c.preventions,
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// CSV

#[derive(Serialize)]
struct CsvRow<'a> {
    measure: &'a str,
    label: &'a str,
    period: SafeText,
    value: Option<f64>,
}

/// Writes the measures as CSV: `measure,label,period,value`, one row per point; an empty
/// value when there was nothing to measure.
pub fn write_csv(out: impl Write, insights: &Insights, bom: bool) -> csv::Result<()> {
    let mut out = out;
    if bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let mut writer = super::csv_writer_without_header(out);
    writer.write_record(["measure", "label", "period", "value"])?;
    for row in csv_rows(insights) {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct CsvRepRow<'a> {
    rep: SafeText,
    measure: &'a str,
    label: &'a str,
    period: SafeText,
    value: Option<f64>,
}

/// Writes the whole team's measures, then each rep's, as CSV: `rep,measure,label,period,
/// value`, the whole team's rows with an empty rep.
pub fn write_csv_per_rep(
    out: impl Write,
    team: &Insights,
    per_rep: &[(RepCustomers, Insights)],
    bom: bool,
) -> csv::Result<()> {
    let mut out = out;
    if bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let mut writer = super::csv_writer_without_header(out);
    writer.write_record(["rep", "measure", "label", "period", "value"])?;
    let everyone = std::iter::once(("", team)).chain(
        per_rep
            .iter()
            .map(|(rep, insights)| (rep.login.as_str(), insights)),
    );
    for (rep, insights) in everyone {
        for row in csv_rows(insights) {
            writer.serialize(CsvRepRow {
                rep: rep.into(),
                measure: row.measure,
                label: row.label,
                period: row.period,
                value: row.value,
            })?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// One row per point of every measure, then the distributions.
fn csv_rows(insights: &Insights) -> Vec<CsvRow<'_>> {
    let mut rows = Vec::new();
    for m in &insights.measures {
        for p in &m.series {
            rows.push(CsvRow {
                measure: m.code,
                label: m.label,
                period: p.period.as_str().into(),
                value: p.value,
            });
        }
    }
    for (code, label, series) in distribution_measures(insights) {
        for (period, value) in series {
            rows.push(CsvRow {
                measure: code,
                label,
                period: period.as_str().into(),
                value: Some(value),
            });
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------
// HTML

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Series colours, readable on white and told apart in grey print by their order.
const COLOURS: [&str; 6] = [
    "#1f6fb2", "#d9822b", "#2e9e5b", "#c0392b", "#7d5ba6", "#6b6b6b",
];

const CHART_WIDTH: f64 = 760.0;
const CHART_HEIGHT: f64 = 220.0;
const MARGIN_LEFT: f64 = 56.0;
const MARGIN_BOTTOM: f64 = 28.0;
const MARGIN_TOP: f64 = 10.0;

/// The top of a y axis of four steps for values up to `max`: each step a round multiple
/// of a power of ten, so the grid reads 0, 2, 4, 6, 8 rather than 0, 1.9, 3.9…
fn nice_top(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 4.0;
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|f| f * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    (step * 4.0).max(4.0)
}

/// One chart as inline SVG: each measure a line (with dots), an optional horizontal line
/// (the threshold), and points above that line marked red.
fn svg_chart(measures: &[&Measure], line: Option<f64>, money: MoneyFormat) -> String {
    // One unit per chart: measures in another unit are in the table under it.
    let unit = measures.first().map(|m| m.unit);
    let measures: Vec<&Measure> = measures
        .iter()
        .copied()
        .filter(|m| Some(m.unit) == unit)
        .collect();
    let measures = measures.as_slice();
    let mut svg = String::new();
    let count = measures.iter().map(|m| m.series.len()).max().unwrap_or(0);
    let mut top = measures
        .iter()
        .flat_map(|m| m.series.iter().filter_map(|p| p.value))
        .fold(0.0_f64, f64::max);
    if let Some(line) = line {
        top = top.max(line);
    }
    let share = measures.iter().all(|m| m.unit == Unit::Share);
    top = if share { 1.0 } else { nice_top(top) };
    let plot_w = CHART_WIDTH - MARGIN_LEFT - 10.0;
    let plot_h = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let x = |i: usize| {
        if count <= 1 {
            MARGIN_LEFT + plot_w / 2.0
        } else {
            MARGIN_LEFT + plot_w * i as f64 / (count - 1) as f64
        }
    };
    let y = |v: f64| MARGIN_TOP + plot_h - plot_h * (v / top);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" role="img">"#
    );
    // Axes and four grid lines with their values.
    for step in 0..=4 {
        let v = top * f64::from(step) / 4.0;
        let label = if share {
            format!("{:.0}%", v * 100.0)
        } else if v.fract() != 0.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        };
        let _ = write!(
            svg,
            r##"<line x1="{MARGIN_LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#555">{label}</text>"##,
            CHART_WIDTH - 10.0,
            MARGIN_LEFT - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
    }
    // Period labels: at most about ten, evenly spread.
    if let Some(first) = measures.first() {
        let every = (count / 10).max(1);
        for (i, point) in first.series.iter().enumerate() {
            if i % every == 0 || i + 1 == count {
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle" fill="#555">{}</text>"##,
                    x(i),
                    CHART_HEIGHT - 8.0,
                    escape(&point.period)
                );
            }
        }
    }
    if let Some(line) = line {
        let _ = write!(
            svg,
            r##"<line x1="{MARGIN_LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#c0392b" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#c0392b">line: {line}</text>"##,
            CHART_WIDTH - 10.0,
            CHART_WIDTH - 12.0,
            y(line) - 4.0,
            y = y(line)
        );
    }
    for (index, measure) in measures.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        // A gap where there is no value, rather than a line through zero.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, point) in measure.series.iter().enumerate() {
            match point.value {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            path.trim_end()
        );
        if count <= 60 {
            for (i, point) in measure.series.iter().enumerate() {
                if let Some(v) = point.value {
                    let _ = write!(
                        svg,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{}: {} {}</title></circle>"#,
                        x(i),
                        y(v),
                        escape(measure.label),
                        escape(&point.period),
                        format_value(measure.unit, Some(v), money)
                    );
                }
            }
        }
        if let Some(line) = line {
            for (i, point) in measure.series.iter().enumerate() {
                if let Some(v) = point.value.filter(|v| *v > line) {
                    let _ = write!(
                        svg,
                        r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#c0392b"><title>{}: {} over the line</title></circle>"##,
                        x(i),
                        y(v),
                        escape(&point.period),
                        format_value(measure.unit, Some(v), money)
                    );
                }
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn legend(measures: &[&Measure]) -> String {
    let mut html = String::from(r#"<p class="legend">"#);
    for (index, measure) in measures.iter().enumerate() {
        let _ = write!(
            html,
            r#"<span><i style="background:{}"></i>{}</span> "#,
            COLOURS[index % COLOURS.len()],
            escape(measure.label)
        );
    }
    html.push_str("</p>");
    html
}

fn data_table(measures: &[&Measure], money: MoneyFormat) -> String {
    let mut html = String::from("<details><summary>Numbers</summary><table><tr><th>Period</th>");
    for m in measures {
        let _ = write!(html, "<th>{}</th>", escape(m.label));
    }
    html.push_str("</tr>");
    if let Some(first) = measures.first() {
        for (i, point) in first.series.iter().enumerate() {
            let _ = write!(html, "<tr><td>{}</td>", escape(&point.period));
            for m in measures {
                let value = m.series.get(i).and_then(|p| p.value);
                let _ = write!(html, "<td>{}</td>", format_value(m.unit, value, money));
            }
            html.push_str("</tr>");
        }
    }
    html.push_str("</table></details>");
    html
}

/// The HTML report: every chart of the Insights view, its numbers, the days over the line
/// with the customers at risk, and the root causes with their preventions. One file with
/// nothing to fetch: it opens from a mail attachment, offline.
pub fn html_report(insights: &Insights, names: &Names, money: MoneyFormat) -> String {
    let mut html = String::new();
    let title = format!(
        "Candor insights, {} to {}",
        format_date(insights.from),
        format_date(insights.to)
    );
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 820px; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.1em; margin-top: 2em; }}
.legend span {{ margin-right: 1.2em; font-size: .9em; }}
.legend i {{ display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -.1em; }}
table {{ border-collapse: collapse; font-size: .85em; margin-top: .5em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .2em .6em; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
.over {{ color: #c0392b; }}
</style></head><body>
<h1>{title}</h1>
<p>As of {today}. Made by Candor from the journal; the numbers are the same as in the app's Insights view and <code>candor insights</code>.</p>
"#,
        title = escape(&title),
        today = format_date(insights.today)
    );
    for chart in Chart::ALL {
        let measures: Vec<&Measure> = insights
            .measures
            .iter()
            .filter(|m| m.chart == *chart)
            .collect();
        if measures.is_empty() {
            continue;
        }
        let _ = write!(html, "<h2>{}</h2>", escape(chart.title()));
        let line = (*chart == Chart::Threshold).then_some(f64::from(insights.threshold));
        html.push_str(&svg_chart(&measures, line, money));
        let unit = measures.first().map(|m| m.unit);
        let drawn: Vec<&Measure> = measures
            .iter()
            .copied()
            .filter(|m| Some(m.unit) == unit)
            .collect();
        html.push_str(&legend(&drawn));
        if *chart == Chart::Threshold {
            html.push_str(&over_threshold_list(insights, names));
        }
        if *chart == Chart::DaysLate {
            html.push_str("<table><tr><th>Days late</th><th>Promises</th></tr>");
            for bucket in &insights.days_late_histogram {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(bucket.label),
                    bucket.count
                );
            }
            html.push_str("</table>");
        }
        if *chart == Chart::DaysToResolve {
            html.push_str(&root_cause_table(insights));
        }
        html.push_str(&data_table(&measures, money));
    }
    html.push_str("</body></html>\n");
    html
}

fn over_threshold_list(insights: &Insights, names: &Names) -> String {
    let mut html = String::new();
    if insights.days_over_threshold.is_empty() {
        let _ = write!(
            html,
            "<p>No day had more than {} customers at risk.</p>",
            insights.threshold
        );
        return html;
    }
    let _ = write!(
        html,
        r#"<p class="over">{} days above the line of {}:</p><ul>"#,
        insights.days_over_threshold.len(),
        insights.threshold
    );
    let Some(at_risk) = insights.measure("at_risk_customers") else {
        return html;
    };
    for point in at_risk
        .series
        .iter()
        .filter(|p| insights.days_over_threshold.contains(&p.start))
    {
        let mut who: Vec<&str> = point
            .customers
            .iter()
            .filter_map(|id| names.get(id).map(String::as_str))
            .collect();
        who.sort_unstable();
        let shown = who.len().min(12);
        let more = who.len() - shown;
        let _ = write!(
            html,
            "<li>{}: {} — {}{}</li>",
            escape(&point.period),
            format_value(Unit::Count, point.value, MoneyFormat::default()),
            escape(&who[..shown].join(", ")),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    html.push_str("</ul>");
    html
}

fn root_cause_table(insights: &Insights) -> String {
    let mut html = String::from(
        "<h2>Root causes of the problems resolved (Pareto)</h2><table><tr><th>Cause</th><th>Problems</th><th>Cumulative</th><th>Prevention noted</th></tr>",
    );
    for cause in &insights.root_causes {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{:.0}%</td><td style=\"text-align:left\">{}</td></tr>",
            escape(cause.cause.label()),
            cause.count,
            cause.cumulative_share * 100.0,
            escape(&cause.preventions.join("; "))
        );
    }
    if insights.root_causes.is_empty() {
        html.push_str("<tr><td colspan=\"4\">No problem was resolved in the period.</td></tr>");
    }
    html.push_str("</table>");
    html
}

/// Writes `contents` to `out` as a new file readable by its owner only (it names
/// customers), through a temporary file renamed into place: an earlier report is replaced
/// only once the new one is complete.
pub fn write_private_file(out: &Path, contents: &[u8]) -> io::Result<()> {
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.html".to_owned());
    let temp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&temp);
    let result = (|| {
        let mut file = crate::store::private_files::create_new_file(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, out)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// The period `candor insights` looks at by default: the 12 weeks up to `today`.
pub fn default_from(to: NaiveDate) -> NaiveDate {
    to.checked_sub_days(chrono::Days::new(7 * 12 - 1))
        .unwrap_or(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_axes_end_on_round_numbers() {
        assert_eq!(nice_top(7.0), 8.0);
        assert_eq!(nice_top(3.0), 4.0);
        assert_eq!(nice_top(0.0), 4.0);
        assert_eq!(nice_top(8600.0), 10_000.0);
        assert_eq!(nice_top(41.0), 60.0);
    }

    #[test]
    fn text_in_the_report_is_escaped() {
        assert_eq!(
            escape("<b>O'Connor & \"Sons\"</b>"),
            "&lt;b&gt;O&#39;Connor &amp; &quot;Sons&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn late_payers_read_in_the_journals_currency_in_the_table_and_the_html() {
        use crate::domain::{Currency, NumberLocale};
        let mut store = crate::store::Store::open_in_memory().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        crate::sample::write_demo(&mut store, today).unwrap();
        let insights = store
            .insights(&crate::domain::insights::InsightOptions::last_weeks(today))
            .unwrap();
        let owed = insights
            .measures
            .iter()
            .filter(|m| m.unit == Unit::Money)
            .flat_map(|m| m.series.iter().filter_map(|p| p.value))
            .find(|v| *v > 0.0)
            .expect("the demo journal has an overdue invoice");
        let euros = MoneyFormat::new(Some(Currency::Eur), NumberLocale::DeDe);
        let shown = euros.format(Cents((owed * 100.0).round() as i64));
        assert!(shown.ends_with("\u{a0}€"), "{shown}");

        let mut table = Vec::new();
        write_table(&mut table, &insights, euros).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains(&shown), "{table}");
        let html = html_report(&insights, &Names::new(), euros);
        assert!(html.contains(&shown));
        // Without a currency, as before: the number alone.
        let mut plain = Vec::new();
        write_table(&mut plain, &insights, MoneyFormat::default()).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains('€'));
    }
}
