//! `report.html`: one self-contained page (inline CSS, charts inline as SVG, no script, no
//! network) with the scenario, the KPI tables with 95% confidence intervals, the conservation
//! check and every chart.

use std::fmt::Write as _;

use super::charts::format_number;
use super::data::ResultSet;
use super::render::Rendered;
use crate::base::Estimate;
use crate::report::Headline;
use crate::report::headline::{
    COST_COLUMNS, COST_NOTE, NODE_NOTE, RELIABILITY_NOTE, costed_routes, promised_routes,
    route_notes,
};
use crate::stats::kpi::Scope;

const STYLE: &str = "
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;margin:0 auto;max-width:1200px;padding:1.5em;line-height:1.4}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #0072b2;padding-bottom:.2em}
p.lead{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f3f6f9}
table.meta td{text-align:left;white-space:normal}
.ok{color:#007a4d;font-weight:bold}.bad{color:#b00020;font-weight:bold}
figure{margin:1.2em 0 2em 0}figure svg{width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.92em;margin-top:.4em}
.ci{color:#777;font-size:.85em}
p.note{color:#555;font-size:.9em;margin-top:0}
ul.headline{font-size:1.05em}
";

/// The whole page, with `charts` (the rendered run charts, in report order) inline, preceded by
/// a note for each chart that was `skipped` (its stem and why).
pub(crate) fn report(
    data: &ResultSet,
    charts: &[Rendered],
    skipped: &[(String, String)],
) -> String {
    let run = &data.report;
    let summary = &run.summary;
    let mut page = String::with_capacity(1 << 20);
    let title = format!("Corridor report: {}", run.scenario.name);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(page, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        page,
        "<p class=\"lead\">{}</p>",
        escape(&run.scenario.description)
    );

    // The headline a planner can quote.
    let headline = Headline::of(run);
    let _ = writeln!(
        page,
        "<h2>Headline</h2>\n<p>{}</p>\n<ul class=\"headline\">",
        escape(&headline.title)
    );
    let mut open_item = false;
    for point in &headline.points {
        match point.strip_prefix("  ") {
            // An indented point belongs to the list the previous point opened.
            Some(rest) => {
                if !open_item {
                    page.push_str("<li><ul>\n");
                    open_item = true;
                }
                let _ = writeln!(page, "<li>{}</li>", escape(rest));
            }
            None => {
                if open_item {
                    page.push_str("</ul></li>\n");
                    open_item = false;
                }
                let _ = writeln!(page, "<li>{}</li>", escape(point));
            }
        }
    }
    if open_item {
        page.push_str("</ul></li>\n");
    }
    page.push_str("</ul>\n");

    // Scenario and provenance.
    page.push_str("<table class=\"meta\">\n");
    let rows = [
        ("Scenario file", run.provenance.scenario_file.clone()),
        ("Scenario SHA-256", run.provenance.scenario_sha256.clone()),
        (
            "Replications",
            format!(
                "{} (seed {}), {} events",
                summary.replications, run.provenance.seed, summary.events
            ),
        ),
        (
            "Run length",
            format!(
                "{} days, of which {} days warm-up; statistics over {} days",
                run.scenario.horizon_days, run.scenario.warmup_days, summary.window_days
            ),
        ),
        ("Command", run.provenance.command_line.join(" ")),
        (
            "Produced by",
            format!(
                "corridor {} in {:.2} s of simulation",
                run.provenance.corridor_version,
                run.provenance.wall_time_s.unwrap_or(0.0)
            ),
        ),
    ];
    for (key, value) in rows {
        let _ = writeln!(
            page,
            "<tr><td><b>{}</b></td><td>{}</td></tr>",
            escape(key),
            escape(&value)
        );
    }
    page.push_str("</table>\n");
    page.push_str(
        "<p>Every figure is the mean over replications; <span class=\"ci\">± is the half-width \
         of its 95% confidence interval</span> (Student t over replications).</p>\n",
    );

    // Conservation.
    let c = &summary.conservation;
    let _ = writeln!(
        page,
        "<h2>Conservation check</h2>\n<p>{} Generated {} TEU = delivered {} + still in the \
         system {} (of which {} aboard vehicles) + refused {}, summed over all replications and \
         whole runs.</p>",
        if c.holds_in_every_replication {
            "<span class=\"ok\">Holds in every replication.</span>".to_string()
        } else {
            format!(
                "<span class=\"bad\">FAILS in replications {:?}.</span>",
                c.failed_replications
            )
        },
        format_number(c.generated_teu as f64),
        format_number(c.delivered_teu as f64),
        format_number(c.in_system_teu as f64),
        format_number(c.aboard_teu as f64),
        format_number(c.refused_teu as f64)
    );

    // Routes.
    page.push_str("<h2>Routes</h2>\n");
    table(
        &mut page,
        &[
            "Route",
            "TEU per year",
            "TEU per day",
            "Transit mean (days)",
            "p50 (days)",
            "p95 (days)",
        ],
        summary.routes.iter().map(|r| {
            vec![
                escape(&r.id),
                estimate(r.throughput_teu_per_year, 1.0, 0),
                estimate(
                    summary.estimate(Scope::Route, &r.id, "throughput_teu_per_day"),
                    1.0,
                    1,
                ),
                estimate(
                    summary.estimate(Scope::Route, &r.id, "transit_mean_h"),
                    1.0 / 24.0,
                    2,
                ),
                estimate(
                    summary.estimate(Scope::Route, &r.id, "transit_p50_h"),
                    1.0 / 24.0,
                    2,
                ),
                estimate(
                    summary.estimate(Scope::Route, &r.id, "transit_p95_h"),
                    1.0 / 24.0,
                    2,
                ),
            ]
        }),
    );
    let promised: Vec<_> = promised_routes(summary).collect();
    if !promised.is_empty() {
        page.push_str("<h3>Reliability</h3>\n");
        table(
            &mut page,
            &[
                "Route",
                "Promise (days)",
                "On time (%)",
                "On time, pooled (%)",
                "Buffer index",
            ],
            promised.iter().map(|r| {
                vec![
                    escape(&r.id),
                    r.promise_h
                        .map_or("–".to_string(), |h| format!("{:.1}", h / 24.0)),
                    estimate(
                        summary.estimate(Scope::Route, &r.id, "on_time_share"),
                        100.0,
                        1,
                    ),
                    r.on_time_share_pooled
                        .map_or("–".to_string(), |share| format!("{:.1}", share * 100.0)),
                    estimate(
                        summary.estimate(Scope::Route, &r.id, "buffer_index"),
                        1.0,
                        2,
                    ),
                ]
            }),
        );
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(RELIABILITY_NOTE));
    }
    let costed: Vec<_> = costed_routes(summary).collect();
    if !costed.is_empty() {
        page.push_str("<h3>Cost and emissions per TEU</h3>\n");
        let mut header = vec!["Route"];
        header.extend(COST_COLUMNS.iter().map(|(h, _)| *h));
        table(
            &mut page,
            &header,
            costed.iter().map(|r| {
                let mut row = vec![escape(&r.id)];
                for (_, kpi) in COST_COLUMNS {
                    row.push(estimate(summary.estimate(Scope::Cost, &r.id, kpi), 1.0, 1));
                }
                row
            }),
        );
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(COST_NOTE));
    }
    let refused: Vec<_> = summary
        .flows
        .iter()
        .filter(|f| {
            summary
                .estimate(Scope::Flow, &f.id, "refused_teu")
                .is_some_and(|e| e.mean > 0.0)
        })
        .collect();
    if !refused.is_empty() {
        page.push_str("<p>Flows that lost cargo at entry (yard full):</p>\n");
        table(
            &mut page,
            &["Flow", "TEU generated", "TEU refused"],
            refused.iter().map(|f| {
                vec![
                    escape(&f.id),
                    estimate(
                        summary.estimate(Scope::Flow, &f.id, "generated_teu"),
                        1.0,
                        0,
                    ),
                    estimate(summary.estimate(Scope::Flow, &f.id, "refused_teu"), 1.0, 0),
                ]
            }),
        );
    }

    for note in route_notes(summary) {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(&note));
    }

    // Nodes.
    page.push_str("<h2>Nodes</h2>\n");
    table(
        &mut page,
        &[
            "Node",
            "Kind",
            "Servers",
            "Utilization (%)",
            "Wait mean (h)",
            "Wait p95 (h)",
            "Queue (consignments)",
            "TEU at node",
        ],
        summary.nodes.iter().map(|n| {
            vec![
                escape(&n.id),
                escape(&format!("{:?}", n.kind).to_lowercase()),
                n.servers.map_or("unlimited".to_string(), |s| s.to_string()),
                estimate(
                    summary.estimate(Scope::Node, &n.id, "utilization"),
                    100.0,
                    1,
                ),
                estimate(summary.estimate(Scope::Node, &n.id, "wait_mean_h"), 1.0, 2),
                estimate(summary.estimate(Scope::Node, &n.id, "wait_p95_h"), 1.0, 1),
                estimate(summary.estimate(Scope::Node, &n.id, "queue_mean"), 1.0, 2),
                estimate(
                    summary.estimate(Scope::Node, &n.id, "yard_mean_teu"),
                    1.0,
                    0,
                ),
            ]
        }),
    );

    let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(NODE_NOTE));

    // Fleets.
    if !summary.fleets.is_empty() {
        page.push_str("<h2>Fleets</h2>\n");
        table(
            &mut page,
            &[
                "Fleet",
                "Vehicles",
                "Capacity (TEU)",
                "Departures",
                "TEU per year",
                "Load factor (%)",
                "Away from home (%)",
                "Cargo wait (h)",
                "Berth wait (h)",
            ],
            summary.fleets.iter().map(|f| {
                vec![
                    escape(&f.id),
                    format!(
                        "{} {:?}{}",
                        f.vehicles,
                        f.kind,
                        if f.vehicles == 1 { "" } else { "s" }
                    )
                    .to_lowercase(),
                    f.capacity_teu.to_string(),
                    estimate(summary.estimate(Scope::Fleet, &f.id, "departures"), 1.0, 0),
                    estimate(
                        summary.estimate(Scope::Fleet, &f.id, "teu_per_year"),
                        1.0,
                        0,
                    ),
                    estimate(
                        summary.estimate(Scope::Fleet, &f.id, "achieved_load_factor"),
                        100.0,
                        1,
                    ),
                    estimate(
                        summary.estimate(Scope::Fleet, &f.id, "utilization"),
                        100.0,
                        1,
                    ),
                    estimate(
                        summary.estimate(Scope::Fleet, &f.id, "cargo_wait_mean_h"),
                        1.0,
                        1,
                    ),
                    estimate(
                        summary.estimate(Scope::Fleet, &f.id, "berth_wait_mean_h"),
                        1.0,
                        1,
                    ),
                ]
            }),
        );
    }

    // Disruptions.
    if !summary.targets.is_empty() || !summary.disruptions.is_empty() {
        page.push_str("<h2>Disruptions</h2>\n");
        table(
            &mut page,
            &["Target", "Kind", "Days closed", "Days slowed"],
            summary.targets.iter().map(|t| {
                vec![
                    escape(&t.id),
                    escape(&t.kind),
                    estimate(
                        summary.estimate(Scope::Target, &t.id, "closed_h"),
                        1.0 / 24.0,
                        1,
                    ),
                    estimate(
                        summary.estimate(Scope::Target, &t.id, "slowed_h"),
                        1.0 / 24.0,
                        1,
                    ),
                ]
            }),
        );
        if !summary.disruptions.is_empty() {
            table(
                &mut page,
                &["Disruption", "Episodes per run", "Mean episode (days)"],
                summary.disruptions.iter().map(|d| {
                    vec![
                        escape(&d.id),
                        estimate(
                            summary.estimate(Scope::Disruption, &d.id, "episodes"),
                            1.0,
                            1,
                        ),
                        estimate(
                            summary.estimate(Scope::Disruption, &d.id, "duration_mean_h"),
                            1.0 / 24.0,
                            2,
                        ),
                    ]
                }),
            );
        }
    }

    // Nominal capacity (the last period of the run).
    if let Some(period) = summary.capacity.last()
        && !period.resources.is_empty()
    {
        page.push_str("<h2>Nominal capacity</h2>\n");
        let _ = writeln!(
            page,
            "<p>From the scenario alone{}: servers or vehicles over the mean service time or \
             round trip, less closures and breakdowns; an approximation from means (docs/scenario.md, \
             \"Nominal capacity\"). <code>corridor capacity</code> finds the sustainable demand by \
             simulation.</p>",
            if summary.capacity.len() > 1 {
                format!(
                    ", days {:.0}-{:.0} (the last period of the run; capacity.csv has every period)",
                    period.from_day, period.to_day
                )
            } else {
                String::new()
            }
        );
        let or_dash = |v: Option<f64>, k: f64, digits: usize| {
            v.map_or_else(|| "-".to_string(), |v| format!("{:.*}", digits, v * k))
        };
        table(
            &mut page,
            &[
                "Resource",
                "Capacity TEU/yr",
                "Demand TEU/yr",
                "Utilization %",
                "Saturates at demand ×",
                "Binds first on",
            ],
            period.resources.iter().map(|r| {
                let routes: Vec<&str> = period
                    .routes
                    .iter()
                    .filter(|b| {
                        b.binding
                            .as_ref()
                            .is_some_and(|(kind, id)| *kind == r.kind && *id == r.id)
                    })
                    .map(|b| b.route.as_str())
                    .collect();
                vec![
                    format!("{} ({})", escape(&r.id), escape(&r.kind)),
                    format!("{:.0}", r.capacity_teu_per_year),
                    format!("{:.0}", r.demand_teu_per_year),
                    or_dash(r.utilization, 100.0, 0),
                    or_dash(r.saturates_at_demand_x, 1.0, 2),
                    escape(&routes.join(", ")),
                ]
            }),
        );
    }

    // Charts.
    page.push_str("<h2>Charts</h2>\n");
    for (stem, note) in skipped {
        let _ = writeln!(
            page,
            "<p class=\"skipped\" id=\"{}-skipped\">{}</p>",
            escape(stem),
            escape(note)
        );
    }
    for chart in charts {
        let _ = write!(
            page,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            chart.stem,
            inline_svg(&chart.svg, &chart.title),
            escape(&chart.caption)
        );
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// An SVG document as an element inside HTML: without an XML declaration, scalable (the fixed
/// width and height give way to the viewBox), and without the namespace attribute, which the
/// HTML parser supplies.
fn inline_svg(svg: &str, title: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let head_end = body.find('>').unwrap_or(body.len());
    // `rest` starts with the tag's closing `>`.
    let (head, rest) = body.split_at(head_end);
    let head: String = head
        .split(' ')
        .filter(|attr| {
            !(attr.starts_with("width=")
                || attr.starts_with("height=")
                || attr.starts_with("xmlns="))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let head = head.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(title)),
        1,
    );
    format!("{head}{rest}")
}

/// A table with a header row.
fn table(page: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    page.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(page, "<th>{}</th>", escape(h));
    }
    page.push_str("</tr>\n");
    for row in rows {
        page.push_str("<tr>");
        for cell in row {
            let _ = write!(page, "<td>{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
}

/// `mean ± half-width`, scaled, with `digits` decimals; `–` when there is no estimate.
fn estimate(e: Option<Estimate>, scale: f64, digits: usize) -> String {
    match e {
        None => "–".to_string(),
        Some(e) => {
            let mean = format!("{:.*}", digits, e.mean * scale);
            match e.half_width {
                Some(h) if h.is_finite() => format!(
                    "{mean} <span class=\"ci\">± {:.*}</span>",
                    digits,
                    h * scale
                ),
                _ => mean,
            }
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let text = crate::report::visible_controls(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_svg_scales_and_drops_the_namespace() {
        let svg = "<svg width=\"800\" height=\"450\" viewBox=\"0 0 800 450\" \
                   xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let inline = inline_svg(svg, "A & B");
        assert_eq!(
            inline,
            "<svg role=\"img\" aria-label=\"A &amp; B\" viewBox=\"0 0 800 450\">\n<rect/></svg>"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        // Control characters never reach the page raw.
        assert_eq!(escape("a\u{1b}[31mb\0"), "a\\u{1b}[31mb\\u{0}");
    }

    #[test]
    fn estimates_show_their_interval() {
        let e = Estimate {
            n: 10,
            mean: 2.0,
            sd: 1.0,
            half_width: Some(0.5),
        };
        assert_eq!(
            estimate(Some(e), 24.0, 1),
            "48.0 <span class=\"ci\">± 12.0</span>"
        );
        assert_eq!(estimate(None, 1.0, 1), "–");
    }
}
