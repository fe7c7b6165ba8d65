//! The Insights view: is our honesty working? One chart per measure over a chosen period,
//! per week or per month. The numbers come from [`crate::store::Store::insights`] — the
//! same call `candor insights` makes — run on a thread of its own with its own connection,
//! so a 10k-customer, 1M-entry journal never freezes the window. The result is kept with
//! its plot points prepared once, and each frame only draws them; it is computed again
//! when the period changes or the journal does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use chrono::NaiveDate;
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoint, PlotPoints, Points};

use super::action::Action;
use super::date_field::date_field_ui;
use super::file_picker::{FilePicker, PickKind};
use crate::domain::CustomerId;
use crate::domain::dates::{format_date, parse_date};
use crate::domain::insights::{
    Chart, Granularity, InsightOptions, Insights, Measure, Unit, days_over,
};

/// One measure prepared for drawing: its points split where there is no value, so a line
/// never runs through a week with nothing to measure.
struct SeriesData {
    label: &'static str,
    unit: Unit,
    segments: Vec<Vec<PlotPoint>>,
    /// Every point, for the markers of short series.
    points: Vec<PlotPoint>,
}

/// One chart prepared for drawing.
struct ChartData {
    chart: Chart,
    /// The period of each x position.
    periods: Vec<String>,
    series: Vec<SeriesData>,
    /// Every measure's value and customers, per x position, for hover and click.
    values: Vec<Vec<Option<f64>>>,
    customers: Vec<Vec<CustomerId>>,
}

impl ChartData {
    fn new(chart: Chart, measures: &[&Measure]) -> Self {
        let periods = measures
            .first()
            .map(|m| m.series.iter().map(|p| p.period.clone()).collect())
            .unwrap_or_default();
        let count = measures.first().map_or(0, |m| m.series.len());
        let mut values = vec![Vec::new(); count];
        let mut customers: Vec<Vec<CustomerId>> = vec![Vec::new(); count];
        let mut series = Vec::new();
        for measure in measures {
            let mut segments = Vec::new();
            let mut current = Vec::new();
            let mut points = Vec::new();
            for (i, point) in measure.series.iter().enumerate() {
                if let Some(slot) = values.get_mut(i) {
                    slot.push(point.value);
                }
                if let Some(slot) = customers.get_mut(i) {
                    slot.extend(point.customers.iter().copied());
                }
                match point.value {
                    Some(v) => {
                        current.push(PlotPoint::new(i as f64, v));
                        points.push(PlotPoint::new(i as f64, v));
                    }
                    None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
                    None => {}
                }
            }
            if !current.is_empty() {
                segments.push(current);
            }
            series.push(SeriesData {
                label: measure.label,
                unit: measure.unit,
                segments,
                points,
            });
        }
        for list in &mut customers {
            list.sort();
            list.dedup();
        }
        Self {
            chart,
            periods,
            series,
            values,
            customers,
        }
    }
}

/// A finished computation, ready to draw.
struct Computed {
    insights: Insights,
    charts: Vec<ChartData>,
    /// The days above the line, for the threshold the view shows now.
    over: Vec<PlotPoint>,
    over_threshold: u32,
}

impl Computed {
    fn new(insights: Insights) -> Self {
        let charts = Chart::ALL
            .iter()
            .filter_map(|chart| {
                let measures: Vec<&Measure> = insights
                    .measures
                    .iter()
                    .filter(|m| m.chart == *chart)
                    .collect();
                (!measures.is_empty()).then(|| ChartData::new(*chart, &measures))
            })
            .collect();
        let mut computed = Self {
            insights,
            charts,
            over: Vec::new(),
            over_threshold: u32::MAX,
        };
        computed.set_threshold(computed.insights.threshold);
        computed
    }

    /// Marks the days above `threshold` (no query: the daily counts are kept).
    fn set_threshold(&mut self, threshold: u32) {
        if self.over_threshold == threshold {
            return;
        }
        self.over_threshold = threshold;
        let Some(measure) = self.insights.measure("at_risk_customers") else {
            return;
        };
        let days = days_over(measure, threshold);
        self.over = measure
            .series
            .iter()
            .enumerate()
            .filter(|(_, p)| days.contains(&p.start))
            .filter_map(|(i, p)| p.value.map(|v| PlotPoint::new(i as f64, v)))
            .collect();
    }
}

/// What the background thread sends back: the measures, the reps of the journal (login,
/// name) for the "Rep" choice, and the mornings it rebuilt, to keep in the journal.
type Reply = Result<
    (
        Insights,
        Vec<(String, String)>,
        Option<crate::store::MorningsToKeep>,
    ),
    String,
>;

/// A computation under way.
struct Pending {
    options: InsightOptions,
    /// The rep it is for (`None`: everyone).
    rep: Option<String>,
    receiver: Receiver<Reply>,
    started: std::time::Instant,
}

/// The Insights view's state: the period asked for, and the last result.
pub struct InsightsView {
    /// True while the view replaces the timeline.
    pub open: bool,
    from: String,
    to: String,
    granularity: Granularity,
    /// "Warn me above this many customers at risk."
    pub threshold: u32,
    /// How the journal writes money, for the late payers' amounts.
    pub money: crate::domain::MoneyFormat,
    computed: Option<Computed>,
    /// The options of [`Self::computed`].
    computed_for: Option<InsightOptions>,
    /// The rep chosen (login; `None`: the whole journal).
    rep: Option<String>,
    /// The rep of [`Self::computed`].
    computed_rep: Option<String>,
    /// The reps who own customers in the journal (login, name): a manager's journal; empty
    /// otherwise, and the "Rep" choice is not shown.
    reps: Vec<(String, String)>,
    pending: Option<Pending>,
    error: Option<String>,
    /// The journal changed since the result was computed.
    stale: bool,
    /// The point clicked in each chart, whose customers are listed under it.
    pinned: HashMap<Chart, usize>,
    /// How long the last computation took, for the status line.
    took_ms: u128,
    /// Where "Save report" writes the HTML report.
    report_path: String,
    /// What the last "Save report" did: (is an error, sentence).
    report_said: Option<(bool, String)>,
    picker: FilePicker,
}

impl Default for InsightsView {
    fn default() -> Self {
        Self {
            open: false,
            // Filled with the default period (InsightOptions::last_weeks) on first draw.
            from: String::new(),
            to: "today".to_owned(),
            granularity: Granularity::Week,
            threshold: 10,
            money: crate::domain::MoneyFormat::default(),
            computed: None,
            computed_for: None,
            rep: None,
            computed_rep: None,
            reps: Vec::new(),
            pending: None,
            error: None,
            stale: false,
            pinned: HashMap::new(),
            took_ms: 0,
            report_path: String::new(),
            report_said: None,
            picker: FilePicker::default(),
        }
    }
}

impl InsightsView {
    /// The journal changed: compute again next time the view is drawn.
    pub fn invalidate(&mut self) {
        self.stale = true;
    }

    /// The journal was switched: forget everything about the old one.
    pub fn reset(&mut self) {
        let open = self.open;
        let threshold = self.threshold;
        *self = Self {
            open,
            threshold,
            ..Self::default()
        };
    }

    /// True when the journal changed since the result on screen (or under way) was
    /// computed.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// True once a result is on screen and nothing is being computed (tests wait for it).
    pub fn is_ready(&self) -> bool {
        self.computed.is_some() && self.pending.is_none()
    }

    /// The result on screen, if any.
    pub fn insights(&self) -> Option<&Insights> {
        self.computed.as_ref().map(|c| &c.insights)
    }

    fn options(&self, today: NaiveDate) -> Result<InsightOptions, String> {
        let from = parse_date(&self.from, today).map_err(|e| format!("From: {e}"))?;
        let to = parse_date(&self.to, today).map_err(|e| format!("To: {e}"))?;
        if from > to {
            return Err(format!(
                "The period starts on {} but ends on {}: pick a \"from\" date on or before the \"to\" date.",
                format_date(from),
                format_date(to)
            ));
        }
        Ok(InsightOptions {
            from,
            to,
            today,
            granularity: self.granularity,
            threshold: self.threshold,
            ..InsightOptions::last_weeks(today)
        })
    }

    /// The rep whose customers are shown (login), if one is chosen.
    pub fn rep(&self) -> Option<&str> {
        self.computed_rep.as_deref()
    }

    fn start(&mut self, ctx: &egui::Context, journal_path: &Path, options: InsightOptions) {
        let (sender, receiver) = channel();
        let path: PathBuf = journal_path.to_path_buf();
        let ctx = ctx.clone();
        let rep = self.rep.clone();
        let chosen = rep.clone();
        let spawned = std::thread::Builder::new()
            .name("candor-insights".into())
            .spawn(move || {
                let result = crate::store::Store::open(&path)
                    .and_then(|store| {
                        let reps = store.insight_reps()?;
                        // A rep no longer in the journal: everyone.
                        let only = chosen
                            .as_deref()
                            .and_then(|login| reps.iter().find(|r| r.login == login))
                            .map(|r| r.customers.as_slice());
                        // The mornings are kept by the window's own connection (see
                        // `poll`), so that writing them is not taken for a change made
                        // by another window.
                        let (insights, keep) = store.insights_and_mornings(&options, only)?;
                        Ok((
                            insights,
                            reps.into_iter().map(|r| (r.login, r.name)).collect(),
                            keep,
                        ))
                    })
                    .map_err(|e| e.to_string());
                let _ = sender.send(result);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.stale = false;
                self.pending = Some(Pending {
                    options,
                    rep,
                    receiver,
                    started: std::time::Instant::now(),
                });
            }
            Err(e) => {
                self.error = Some(format!(
                    "The insights could not be computed ({e}); try again."
                ))
            }
        }
    }

    /// Takes the result of the computation under way, if it arrived. Its mornings are
    /// handed to the app to keep only if the journal did not change since it started
    /// (nothing marked the view stale): the app checks for writes it has not seen yet.
    fn poll(&mut self, actions: &mut Vec<Action>) {
        let Some(pending) = self.pending.as_ref() else {
            return;
        };
        let result = match pending.receiver.try_recv() {
            Ok(result) => result,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => Err(
                "Computing the insights stopped unexpectedly; nothing was changed: try again."
                    .to_owned(),
            ),
        };
        let options = pending.options;
        let rep = pending.rep.clone();
        self.took_ms = pending.started.elapsed().as_millis();
        self.pending = None;
        match result {
            Ok((insights, reps, keep)) => {
                if let Some(keep) = keep.filter(|_| !self.stale) {
                    actions.push(Action::KeepInsightMornings(Box::new(keep)));
                }
                // A rep no longer in the journal was computed as everyone.
                let known = |login: &String| reps.iter().any(|(l, _)| l == login);
                self.computed_rep = rep.filter(known);
                if self.rep.as_ref().is_some_and(|login| !known(login)) {
                    self.rep = None;
                }
                self.reps = reps;
                let mut computed = Computed::new(insights);
                computed.set_threshold(self.threshold);
                self.computed = Some(computed);
                self.computed_for = Some(options);
                self.error = None;
                self.pinned.clear();
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Draws the view. `names` gives customers' names for the lists under the charts.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        journal_path: &Path,
        names: &dyn Fn(CustomerId) -> Option<String>,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        self.poll(actions);
        if self.from.trim().is_empty() {
            self.from = format_date(InsightOptions::last_weeks(today).from);
        }
        ui.horizontal(|ui| {
            ui.heading("Insights");
            ui.weak("Is our honesty working?");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Back to the timeline").clicked() {
                    actions.push(Action::ShowInsights(false));
                }
            });
        });
        let mut options_changed = false;
        ui.horizontal_wrapped(|ui| {
            options_changed |=
                date_field_ui(ui, "From", &mut self.from, today, "insights_from").changed();
            options_changed |=
                date_field_ui(ui, "To", &mut self.to, today, "insights_to").changed();
            let label = ui.label("Show").id;
            egui::ComboBox::from_id_salt("insights_per")
                .selected_text(self.granularity.label())
                .show_ui(ui, |ui| {
                    for choice in Granularity::ALL {
                        options_changed |= ui
                            .selectable_value(&mut self.granularity, *choice, choice.label())
                            .changed();
                    }
                })
                .response
                .labelled_by(label);
            let label = ui.label("Warn me above").id;
            ui.add(
                egui::DragValue::new(&mut self.threshold)
                    .range(0..=1_000_000)
                    .suffix(" customers at risk"),
            )
            .labelled_by(label);
            if !self.reps.is_empty() {
                let label = ui.label("Rep").id;
                let selected = self
                    .rep
                    .as_deref()
                    .and_then(|login| self.reps.iter().find(|(l, _)| l == login))
                    .map_or("All reps", |(_, name)| name.as_str())
                    .to_owned();
                egui::ComboBox::from_id_salt("insights_rep")
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        options_changed |= ui
                            .selectable_value(&mut self.rep, None, "All reps")
                            .changed();
                        for (login, name) in &self.reps {
                            options_changed |= ui
                                .selectable_value(&mut self.rep, Some(login.clone()), name)
                                .changed();
                        }
                    })
                    .response
                    .labelled_by(label);
            }
        });
        let _ = options_changed;
        self.report_row_ui(ui, journal_path, names, today);

        let wanted = self.options(today);
        match &wanted {
            Ok(options) => {
                let differs = self.computed_for.is_none_or(|done| {
                    (done.from, done.to, done.granularity, done.today)
                        != (options.from, options.to, options.granularity, options.today)
                }) || self.computed_rep != self.rep;
                let pending_differs = self.pending.as_ref().is_none_or(|p| {
                    (p.options.from, p.options.to, p.options.granularity)
                        != (options.from, options.to, options.granularity)
                        || p.rep != self.rep
                });
                if (differs || self.stale) && pending_differs && self.pending.is_none() {
                    self.start(ui.ctx(), journal_path, *options);
                }
            }
            Err(error) => {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        }
        if let Some(computed) = self.computed.as_mut() {
            computed.set_threshold(self.threshold);
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {error}"));
        }
        if self.pending.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Computing the insights…");
            });
        } else if let Some(computed) = &self.computed {
            let whose = self
                .computed_rep
                .as_deref()
                .and_then(|login| self.reps.iter().find(|(l, _)| l == login))
                .map(|(_, name)| format!("{name}'s customers, "))
                .unwrap_or_default();
            ui.weak(format!(
                "{whose}{} to {}, as of {} (computed in {} ms). Hover a point for its numbers; click it to list the customers behind it.",
                format_date(computed.insights.from),
                format_date(computed.insights.to),
                format_date(computed.insights.today),
                self.took_ms
            ));
        }
        ui.separator();
        let Some(computed) = self.computed.as_ref() else {
            return;
        };
        let pinned = &mut self.pinned;
        let money = self.money;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for chart in &computed.charts {
                    chart_ui(ui, chart, computed, pinned, names, money, actions);
                    if chart.chart == Chart::DaysLate {
                        histogram_ui(ui, &computed.insights);
                    }
                    if chart.chart == Chart::DaysToResolve {
                        root_causes_ui(ui, &computed.insights);
                    }
                    ui.add_space(12.0);
                }
            });
    }
}

impl InsightsView {
    /// "HTML report [path] [Choose…] [Save report]": the charts on screen as one page a
    /// manager can open offline, written readable by its owner only.
    fn report_row_ui(
        &mut self,
        ui: &mut egui::Ui,
        journal_path: &Path,
        names: &dyn Fn(CustomerId) -> Option<String>,
        today: NaiveDate,
    ) {
        if let Some(picked) = self.picker.poll() {
            self.report_path = picked.display().to_string();
        }
        if self.report_path.is_empty() {
            let folder = journal_path.parent().unwrap_or(Path::new(""));
            self.report_path = folder
                .join(format!("candor-insights-{}.html", format_date(today)))
                .display()
                .to_string();
        }
        ui.horizontal(|ui| {
            let label = ui.label("HTML report").id;
            ui.add(egui::TextEdit::singleline(&mut self.report_path).desired_width(360.0))
                .labelled_by(label);
            if ui
                .add_enabled(!self.picker.is_open(), egui::Button::new("Choose…"))
                .clicked()
            {
                let file_name = Path::new(&self.report_path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.picker.start(
                    PickKind::Save,
                    "Save the insights report",
                    &file_name,
                    &["html"],
                );
            }
            let ready = self.computed.is_some() && self.pending.is_none();
            if ui
                .add_enabled(ready, egui::Button::new("Save report"))
                .on_hover_text("One page with every chart, to mail; it opens without a network")
                .clicked()
            {
                self.report_said = Some(self.save_report(names));
            }
        });
        // On its own line: a long path must wrap, not widen the view.
        if let Some((is_error, text)) = &self.report_said {
            if *is_error {
                ui.colored_label(ui.visuals().error_fg_color, text);
            } else {
                ui.label(text);
            }
        }
    }

    fn save_report(&self, names: &dyn Fn(CustomerId) -> Option<String>) -> (bool, String) {
        use crate::io::insights_report::{Names, html_report, write_private_file};
        let Some(computed) = self.computed.as_ref() else {
            return (true, "Nothing to save yet: wait for the charts.".to_owned());
        };
        let path = PathBuf::from(self.report_path.trim());
        if self.report_path.trim().is_empty() {
            return (
                true,
                "Type where to save the report, or choose a file.".to_owned(),
            );
        }
        // The report shows the line as set now, not as it was when the numbers came.
        let mut insights = computed.insights.clone();
        insights.threshold = self.threshold;
        insights.days_over_threshold = insights
            .measure("at_risk_customers")
            .map(|m| days_over(m, self.threshold))
            .unwrap_or_default();
        let mut who: Names = Names::new();
        if let Some(measure) = insights.measure("at_risk_customers") {
            for point in &measure.series {
                for id in &point.customers {
                    if !who.contains_key(id)
                        && let Some(name) = names(*id)
                    {
                        who.insert(*id, name);
                    }
                }
            }
        }
        match write_private_file(&path, html_report(&insights, &who, self.money).as_bytes()) {
            Ok(()) => (false, format!("Saved the report to {}.", path.display())),
            Err(e) => (
                true,
                format!(
                    "The report could not be saved to {}: {}; choose another file or folder.",
                    path.display(),
                    crate::store::write_problem(&path, &e)
                ),
            ),
        }
    }
}

fn format_value(unit: Unit, value: Option<f64>, money: crate::domain::MoneyFormat) -> String {
    match (unit, value) {
        (_, None) => "no value".to_owned(),
        (Unit::Share, Some(v)) => format!("{:.0}%", v * 100.0),
        // Sums of whole cents, so rounding to cents loses nothing.
        (Unit::Money, Some(v)) => money.format(crate::domain::Cents((v * 100.0).round() as i64)),
        (Unit::Days, Some(v)) if v.fract() != 0.0 => format!("{v:.1} days"),
        (Unit::Days, Some(v)) => format!("{v:.0} days"),
        (Unit::Count, Some(v)) => format!("{v:.0}"),
    }
}

/// One chart with its hover and click: hovering shows every measure's exact value at the
/// nearest period and the first customers behind it; clicking lists them all under the
/// chart, each a link that opens the customer.
fn chart_ui(
    ui: &mut egui::Ui,
    chart: &ChartData,
    computed: &Computed,
    pinned: &mut HashMap<Chart, usize>,
    names: &dyn Fn(CustomerId) -> Option<String>,
    money: crate::domain::MoneyFormat,
    actions: &mut Vec<Action>,
) {
    ui.strong(chart.chart.title());
    let periods = &chart.periods;
    let count = periods.len();
    // One unit per chart: the first measure's; others are shown on hover only.
    let unit = chart.series.first().map(|s| s.unit);
    let share = unit == Some(Unit::Share);
    let threshold = computed.over_threshold;
    let mut plot = Plot::new(("insights_chart", chart.chart as usize))
        .height(180.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .include_y(0.0)
        // The same x range in every chart, whichever periods have a value.
        .include_x(-0.5)
        .include_x(count as f64 - 0.5)
        .label_formatter(|_| None)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            periods.get(i as usize).cloned().unwrap_or_default()
        });
    if share {
        plot = plot
            .include_y(1.0)
            .y_axis_formatter(|mark, _| format!("{:.0}%", mark.value * 100.0));
    }
    if chart.chart == Chart::Threshold {
        plot = plot.include_y(f64::from(threshold) + 1.0);
    }
    let response = plot.show(ui, |plot_ui| {
        for series in chart.series.iter().filter(|s| Some(s.unit) == unit) {
            for segment in &series.segments {
                plot_ui
                    .line(Line::new(series.label, PlotPoints::from(segment.as_slice())).width(2.0));
            }
            if count <= 60 {
                plot_ui.points(
                    Points::new(series.label, PlotPoints::from(series.points.as_slice()))
                        .radius(2.5),
                );
            }
        }
        if chart.chart == Chart::Threshold {
            plot_ui.hline(
                HLine::new(format!("Line: {threshold}"), f64::from(threshold))
                    .style(LineStyle::dashed_loose())
                    .color(egui::Color32::from_rgb(0xc0, 0x39, 0x2b)),
            );
            plot_ui.points(
                Points::new("Over the line", PlotPoints::from(computed.over.as_slice()))
                    .radius(4.0)
                    .color(egui::Color32::from_rgb(0xc0, 0x39, 0x2b)),
            );
        }
        plot_ui.pointer_coordinate()
    });
    let nearest = response
        .inner
        .filter(|_| count > 0)
        .map(|at| (at.x.round().max(0.0) as usize).min(count - 1));
    if response.response.clicked()
        && let Some(i) = nearest
    {
        pinned.insert(chart.chart, i);
    }
    if let Some(i) = nearest {
        response.response.on_hover_ui_at_pointer(|ui| {
            ui.strong(&chart.periods[i]);
            for (series, value) in chart.series.iter().zip(&chart.values[i]) {
                ui.label(format!(
                    "{}: {}",
                    series.label,
                    format_value(series.unit, *value, money)
                ));
            }
            let who = &chart.customers[i];
            if !who.is_empty() {
                let mut shown: Vec<String> =
                    who.iter().take(8).filter_map(|id| names(*id)).collect();
                if who.len() > shown.len() {
                    shown.push(format!("and {} more", who.len() - shown.len()));
                }
                ui.weak(shown.join(", "));
                ui.weak("Click to list them.");
            }
        });
    }
    if let Some(&i) = pinned.get(&chart.chart)
        && i < count
    {
        let who = &chart.customers[i];
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{}: {} customers", chart.periods[i], who.len()));
            for id in who.iter().take(200) {
                let name = names(*id).unwrap_or_else(|| format!("Customer {}", id.0));
                if ui.link(name).on_hover_text("Open this customer").clicked() {
                    actions.push(Action::ShowInsights(false));
                    actions.push(Action::SelectCustomer(*id));
                }
            }
            if who.len() > 200 {
                ui.weak(format!("and {} more", who.len() - 200));
            }
        });
    }
}

fn histogram_ui(ui: &mut egui::Ui, insights: &Insights) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Slipped promises by days late:");
        for bucket in &insights.days_late_histogram {
            ui.label(format!("{} {}", bucket.label, bucket.count));
            ui.separator();
        }
    });
}

fn root_causes_ui(ui: &mut egui::Ui, insights: &Insights) {
    ui.label("Root causes of the problems resolved, most frequent first:");
    if insights.root_causes.is_empty() {
        ui.weak("No problem was resolved in the period.");
        return;
    }
    egui::Grid::new("insights_root_causes")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("Cause");
            ui.strong("Problems");
            ui.strong("Cumulative");
            ui.strong("Prevention noted");
            ui.end_row();
            for cause in &insights.root_causes {
                ui.label(cause.cause.label());
                ui.label(cause.count.to_string());
                ui.label(format!("{:.0}%", cause.cumulative_share * 100.0));
                ui.label(cause.preventions.join("; "));
                ui.end_row();
            }
        });
}
