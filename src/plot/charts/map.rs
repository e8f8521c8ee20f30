//! The corridor on a map: the nodes at their coordinates (`lat`/`lon` of `[[node]]`, recorded in
//! `summary.json` as `scenario.coordinates`), sized by the TEU they handle and coloured by their
//! mean wait (for a server, for space downstream and for a vehicle), the routes' TEU between places as lines, over the land and borders of Natural
//! Earth 1:50m (`assets/map/corridor_map.txt`, public domain, embedded in the binary).
//!
//! The projection is equirectangular with the east-west scale multiplied by the cosine of the
//! view's middle latitude ([`Projection`]), so shapes near that latitude keep their proportions.
//! Nodes at the same coordinates (a border's gauge change and its clearance, a port's rail
//! tracks and yard) are one place on the map: one circle, with the nodes listed beside it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{format_number, nice_max};
use crate::plot::data::ResultSet;
use crate::plot::render::{Chart, ChartResult};
use crate::plot::theme::{FONT, INK, Theme};
use crate::stats::kpi::Scope;

/// The land and borders, as `assets/map/make.py` wrote them.
const MAP_DATA: &str = include_str!("../../../assets/map/corridor_map.txt");

/// The corridor map.
pub(super) struct Map;

/// Land and sea colours.
const LAND: RGBColor = RGBColor(236, 232, 222);
const SEA: RGBColor = RGBColor(214, 230, 242);
const COAST: RGBColor = RGBColor(150, 160, 170);
const BORDER: RGBColor = RGBColor(175, 165, 160);
const LEG: RGBColor = RGBColor(60, 90, 140);

impl Chart for Map {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "corridor_map".to_string()
    }

    fn title(&self, _data: &ResultSet) -> String {
        "The corridor on the map: TEU handled and waits by place".to_string()
    }

    fn caption(&self) -> &str {
        "Each place is drawn at its coordinates; nodes at one place share a circle and are listed \
         beside it. Circle area: the TEU arriving at the busiest node of the place; colour: the \
         longest mean wait among its nodes (for a server, for space at the next node and for a \
         vehicle to leave: the time at the node that is not handling); lines: the TEU delivered \
         by the routes that run between two places (both directions). Means over replications \
         in the statistics window. Land and borders: Natural Earth 1:50m (public domain)."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        missing_coordinates(data).is_none()
    }

    fn skipped(&self, data: &ResultSet) -> Option<String> {
        missing_coordinates(data)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        data: &ResultSet,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let sites = sites(data);
        let links = links(data, &sites);
        let (width, _) = area.dim_in_pixel();
        let (map_area, key_area) = area.split_horizontally(width * 4 / 5);
        let (w, h) = map_area.dim_in_pixel();
        let projection = Projection::fit(&sites, w, h);
        map_area.fill(&SEA)?;
        draw_land(&map_area, &projection, theme)?;

        let max_teu = sites.iter().map(|s| s.teu).fold(0.0, f64::max);
        let max_link = links.iter().map(|l| l.2).fold(0.0, f64::max);
        let max_wait = nice_max(sites.iter().map(|s| s.wait_h).fold(0.0, f64::max));
        let radius = |teu: f64| circle_radius(teu, max_teu, theme);
        let link_width = |teu: f64| {
            if max_link > 0.0 {
                (f64::from(theme.px(16.0)) * teu / max_link)
                    .round()
                    .max(1.0) as u32
            } else {
                1
            }
        };
        for (a, b, teu) in &links {
            let (pa, pb) = (
                projection.pixel(sites[*a].place),
                projection.pixel(sites[*b].place),
            );
            map_area.draw(&PathElement::new(
                vec![pa, pb],
                LEG.mix(0.55).stroke_width(link_width(*teu)),
            ))?;
        }
        // Biggest first, so a small circle is never hidden under a big one.
        let mut order: Vec<usize> = (0..sites.len()).collect();
        order.sort_by(|&a, &b| sites[b].teu.total_cmp(&sites[a].teu).then(a.cmp(&b)));
        for &i in &order {
            let site = &sites[i];
            let center = projection.pixel(site.place);
            let r = radius(site.teu);
            map_area.draw(&Circle::new(
                center,
                r,
                wait_color(site.wait_h, max_wait).filled(),
            ))?;
            map_area.draw(&Circle::new(center, r, INK.stroke_width(theme.px(1.5))))?;
        }
        let circles: Vec<Rect> = sites
            .iter()
            .map(|s| {
                let (x, y) = projection.pixel(s.place);
                let r = radius(s.teu) as i32;
                Rect::new(x - r, y - r, x + r, y + r)
            })
            .collect();
        draw_labels(&map_area, &projection, &sites, &circles, radius, theme)?;
        draw_key(&key_area, max_teu, max_wait, max_link, theme)?;
        Ok(())
    }
}

/// Why the map cannot be drawn for `data`: no node has coordinates, or some have none (named).
fn missing_coordinates(data: &ResultSet) -> Option<String> {
    let placed = &data.report.scenario.coordinates;
    let nodes = &data.report.summary.nodes;
    if placed.is_empty() {
        return Some(
            "The map was skipped: the scenario gives no coordinates (lat and lon on [[node]])."
                .to_string(),
        );
    }
    let without: Vec<&str> = nodes
        .iter()
        .filter(|n| !placed.iter().any(|p| p.node == n.id))
        .map(|n| n.id.as_str())
        .collect();
    if without.is_empty() {
        None
    } else {
        Some(format!(
            "The map was skipped: {} of the {} nodes have no coordinates (lat and lon on \
             [[node]]): {}.",
            without.len(),
            nodes.len(),
            without.join(", ")
        ))
    }
}

/// A point on the map, degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LonLat {
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
}

/// One place on the map: the nodes at the same coordinates.
struct Site {
    place: LonLat,
    /// Node ids, in scenario order.
    nodes: Vec<String>,
    /// TEU arriving at the busiest of them.
    teu: f64,
    /// The longest mean wait among them (for a server, for space downstream and for a vehicle),
    /// hours.
    wait_h: f64,
}

/// The places of `data`'s nodes, in the order of their first node.
fn sites(data: &ResultSet) -> Vec<Site> {
    let summary = &data.report.summary;
    let mut sites: Vec<Site> = Vec::new();
    for c in &data.report.scenario.coordinates {
        let place = LonLat {
            lon: c.lon,
            lat: c.lat,
        };
        let kpi = |name: &str| {
            summary
                .estimate(Scope::Node, &c.node, name)
                .map_or(0.0, |e| e.mean)
        };
        // Waiting of every kind: for a server, for space at the next node, for a vehicle.
        let wait_h = kpi("wait_mean_h") + kpi("blocked_mean_h") + kpi("dispatch_mean_h");
        let teu = kpi("arrived_teu");
        match sites.iter_mut().find(|s| s.place == place) {
            Some(site) => {
                site.nodes.push(c.node.clone());
                site.teu = site.teu.max(teu);
                site.wait_h = site.wait_h.max(wait_h);
            }
            None => sites.push(Site {
                place,
                nodes: vec![c.node.clone()],
                teu,
                wait_h,
            }),
        }
    }
    sites
}

/// The lines between places: `(site, site, TEU)`, each unordered pair once (the lower index
/// first), with the mean TEU delivered by every route that passes from one to the other directly.
fn links(data: &ResultSet, sites: &[Site]) -> Vec<(usize, usize, f64)> {
    let site_of = |node: &str| sites.iter().position(|s| s.nodes.iter().any(|n| n == node));
    let summary = &data.report.summary;
    let mut teu: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for route in &summary.routes {
        let delivered = summary
            .estimate(Scope::Route, &route.id, "delivered_teu")
            .map_or(0.0, |e| e.mean);
        let path: Vec<usize> = route.nodes.iter().filter_map(|n| site_of(n)).collect();
        for pair in path.windows(2) {
            if pair[0] != pair[1] {
                let key = (pair[0].min(pair[1]), pair[0].max(pair[1]));
                *teu.entry(key).or_insert(0.0) += delivered;
            }
        }
    }
    teu.into_iter().map(|((a, b), t)| (a, b, t)).collect()
}

/// Circle radius for `teu`, pixels: area proportional to TEU, the busiest place at the largest
/// size; a place that handled nothing still shows as a small circle.
fn circle_radius(teu: f64, max_teu: f64, theme: &Theme) -> u32 {
    let largest = f64::from(theme.px(36.0));
    let smallest = f64::from(theme.px(5.0));
    if max_teu <= 0.0 {
        return smallest as u32;
    }
    (largest * (teu / max_teu).sqrt()).max(smallest).round() as u32
}

/// Colour for a mean wait of `wait_h` hours on a scale to `max_h`: pale yellow to dark red
/// (ColorBrewer YlOrRd's ends and middle).
fn wait_color(wait_h: f64, max_h: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 3] = [
        (255.0, 237.0, 160.0),
        (253.0, 141.0, 60.0),
        (189.0, 0.0, 38.0),
    ];
    let t = if max_h > 0.0 {
        (wait_h / max_h).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (a, b, u) = if t < 0.5 {
        (STOPS[0], STOPS[1], t * 2.0)
    } else {
        (STOPS[1], STOPS[2], t * 2.0 - 1.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The map's projection onto a `width` x `height` pixel area: equirectangular, east-west
/// distances multiplied by the cosine of the view's middle latitude, the view fitted to the area
/// (the scale is the same on both axes, so the view grows in one direction to fill it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Projection {
    /// West, south, east and north edges of the view, degrees.
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
    /// Pixels per degree of latitude.
    pub scale: f64,
    /// Cosine of the middle latitude of the places.
    pub k: f64,
}

impl Projection {
    /// The view of the places of `sites` with a margin, fitted to `width` x `height` pixels.
    fn fit(sites: &[Site], width: u32, height: u32) -> Projection {
        let places: Vec<LonLat> = sites.iter().map(|s| s.place).collect();
        Projection::around(&places, width, height)
    }

    /// The view of `places` (at least one) with a margin of a sixth of their extent (at least
    /// 1.5 degrees) on every side, fitted to `width` x `height` pixels.
    pub(crate) fn around(places: &[LonLat], width: u32, height: u32) -> Projection {
        let fold = |f: fn(&LonLat) -> f64, pick: fn(f64, f64) -> f64, init: f64| {
            places.iter().map(f).fold(init, pick)
        };
        let (west, east) = (
            fold(|p| p.lon, f64::min, f64::INFINITY),
            fold(|p| p.lon, f64::max, f64::NEG_INFINITY),
        );
        let (south, north) = (
            fold(|p| p.lat, f64::min, f64::INFINITY),
            fold(|p| p.lat, f64::max, f64::NEG_INFINITY),
        );
        let k = ((south + north) / 2.0).to_radians().cos().max(0.05);
        let margin_x = ((east - west) / 6.0).max(1.5);
        let margin_y = ((north - south) / 6.0).max(1.5);
        let (west, east) = (west - margin_x, east + margin_x);
        let (south, north) = ((south - margin_y).max(-89.0), (north + margin_y).min(89.0));
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let scale = (w / ((east - west) * k)).min(h / (north - south));
        // Grow the view around its middle to fill the area.
        let (mid_lon, mid_lat) = ((west + east) / 2.0, (south + north) / 2.0);
        let half_lon = w / (scale * k) / 2.0;
        let half_lat = h / scale / 2.0;
        Projection {
            west: mid_lon - half_lon,
            east: mid_lon + half_lon,
            south: mid_lat - half_lat,
            north: mid_lat + half_lat,
            scale,
            k,
        }
    }

    /// The pixel of `p`, relative to the area's top left corner.
    pub(crate) fn pixel(&self, p: LonLat) -> (i32, i32) {
        let (x, y) = self.point(p);
        (x.round() as i32, y.round() as i32)
    }

    /// The exact position of `p`, pixels from the area's top left corner.
    pub(crate) fn point(&self, p: LonLat) -> (f64, f64) {
        (
            (p.lon - self.west) * self.k * self.scale,
            (self.north - p.lat) * self.scale,
        )
    }
}

/// One shape of the map data.
enum Shape {
    /// The box the land was clipped to: its edges are no coast.
    Box([f64; 4]),
    /// A land polygon's outer ring and its holes (seas and lakes).
    Land(Vec<LonLat>, Vec<Vec<LonLat>>),
    /// A land border between two countries.
    Border(Vec<LonLat>),
}

/// The map data, parsed once.
fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| parse_map(MAP_DATA))
}

/// Parses the format of `assets/map/make.py`: `L`, `H` or `B` and pairs of integers
/// (hundredths of a degree), one shape a line; `#` lines are comments. The file is a build
/// asset, checked by a unit test; a malformed line is skipped.
fn parse_map(text: &str) -> Vec<Shape> {
    let mut shapes = Vec::new();
    for line in text.lines() {
        let mut words = line.split_ascii_whitespace();
        let Some(tag) = words.next() else { continue };
        let numbers: Vec<f64> = words
            .filter_map(|w| w.parse::<i32>().ok())
            .map(|v| f64::from(v) / 100.0)
            .collect();
        let points: Vec<LonLat> = numbers
            .chunks_exact(2)
            .map(|c| LonLat {
                lon: c[0],
                lat: c[1],
            })
            .collect();
        match tag {
            "L" => shapes.push(Shape::Land(points, Vec::new())),
            "H" => {
                if let Some(Shape::Land(_, holes)) = shapes.last_mut() {
                    holes.push(points);
                }
            }
            "B" => shapes.push(Shape::Border(points)),
            "X" if points.len() == 2 => shapes.push(Shape::Box([
                points[0].lon,
                points[0].lat,
                points[1].lon,
                points[1].lat,
            ])),
            _ => {}
        }
    }
    shapes
}

/// Draws the land (holes in the sea colour) and the borders, clipped to the view.
fn draw_land<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    projection: &Projection,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let view = [
        projection.west,
        projection.south,
        projection.east,
        projection.north,
    ];
    let coast = COAST.stroke_width(theme.px(1.5));
    let data_box = shapes().iter().find_map(|s| match s {
        Shape::Box(b) => Some(*b),
        _ => None,
    });
    // A coast line, without the stretches along the box the data were clipped to.
    let draw_coast = |ring: &[LonLat]| -> ChartResult {
        let on_box_edge = |p: LonLat, q: LonLat| {
            data_box.is_some_and(|[w, s, e, n]| {
                (p.lon == q.lon && (p.lon == w || p.lon == e))
                    || (p.lat == q.lat && (p.lat == s || p.lat == n))
            })
        };
        let mut runs: Vec<Vec<LonLat>> = vec![Vec::new()];
        for pair in closed(ring).windows(2) {
            if on_box_edge(pair[0], pair[1]) {
                runs.push(Vec::new());
                continue;
            }
            let run = runs.last_mut().expect("at least one");
            if run.is_empty() {
                run.push(pair[0]);
            }
            run.push(pair[1]);
        }
        for part in runs.iter().filter(|r| r.len() >= 2) {
            for run in clip_line(part, view) {
                let pixels: Vec<(i32, i32)> =
                    run.into_iter().map(|p| projection.pixel(p)).collect();
                area.draw(&PathElement::new(pixels, coast))?;
            }
        }
        Ok(())
    };
    let ring = |points: &[LonLat]| -> Vec<(i32, i32)> {
        clip_ring(points, view)
            .into_iter()
            .map(|p| projection.pixel(p))
            .collect()
    };
    for shape in shapes() {
        let Shape::Land(outer_points, holes) = shape else {
            continue;
        };
        let outer = ring(outer_points);
        if outer.len() >= 3 {
            area.draw(&Polygon::new(outer, LAND.filled()))?;
        }
        draw_coast(outer_points)?;
        for hole in holes {
            let filled = ring(hole);
            if filled.len() >= 3 {
                area.draw(&Polygon::new(filled, SEA.filled()))?;
                draw_coast(hole)?;
            }
        }
    }
    let border = BORDER.stroke_width(theme.px(1.5));
    for shape in shapes() {
        if let Shape::Border(points) = shape {
            for run in clip_line(points, view) {
                let pixels: Vec<(i32, i32)> =
                    run.into_iter().map(|p| projection.pixel(p)).collect();
                area.draw(&PathElement::new(pixels, border))?;
            }
        }
    }
    Ok(())
}

/// `ring` with its first point again at the end.
fn closed(ring: &[LonLat]) -> Vec<LonLat> {
    let mut points = ring.to_vec();
    points.extend(ring.first().copied());
    points
}

/// The ring `points` clipped to the rectangle `[west, south, east, north]` (Sutherland-Hodgman:
/// exact for a rectangle, with edges along the rectangle where the ring leaves it).
fn clip_ring(points: &[LonLat], [west, south, east, north]: [f64; 4]) -> Vec<LonLat> {
    let mut ring: Vec<LonLat> = points.to_vec();
    // Per edge: the coordinate it limits, the limit, and whether inside is at or above it.
    type Edge = (fn(LonLat) -> f64, f64, bool);
    let edges: [Edge; 4] = [
        (|p| p.lon, west, true),
        (|p| p.lon, east, false),
        (|p| p.lat, south, true),
        (|p| p.lat, north, false),
    ];
    for (coordinate, limit, above) in edges {
        let inside = |p: LonLat| {
            let v = coordinate(p);
            if above { v >= limit } else { v <= limit }
        };
        let cut = |p: LonLat, q: LonLat| {
            let (a, b) = (coordinate(p), coordinate(q));
            let t = (limit - a) / (b - a);
            LonLat {
                lon: p.lon + t * (q.lon - p.lon),
                lat: p.lat + t * (q.lat - p.lat),
            }
        };
        let Some(&last) = ring.last() else {
            return ring;
        };
        let mut out = Vec::with_capacity(ring.len() + 4);
        let mut prev = last;
        for &p in &ring {
            match (inside(prev), inside(p)) {
                (true, true) => out.push(p),
                (false, true) => {
                    out.push(cut(prev, p));
                    out.push(p);
                }
                (true, false) => out.push(cut(prev, p)),
                (false, false) => {}
            }
            prev = p;
        }
        ring = out;
    }
    ring
}

/// The parts of the polyline `points` inside the rectangle `[west, south, east, north]`
/// (Liang-Barsky per segment, joined where consecutive segments meet).
fn clip_line(points: &[LonLat], [west, south, east, north]: [f64; 4]) -> Vec<Vec<LonLat>> {
    let mut runs: Vec<Vec<LonLat>> = Vec::new();
    let mut current: Vec<LonLat> = Vec::new();
    for pair in points.windows(2) {
        let (p, q) = (pair[0], pair[1]);
        let (dx, dy) = (q.lon - p.lon, q.lat - p.lat);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        let mut visible = true;
        for (num, den) in [
            (p.lon - west, -dx),
            (east - p.lon, dx),
            (p.lat - south, -dy),
            (north - p.lat, dy),
        ] {
            if den == 0.0 {
                if num < 0.0 {
                    visible = false;
                }
            } else {
                let t = num / den;
                if den < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        if !visible || t0 > t1 {
            if current.len() >= 2 {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let at = |t: f64| LonLat {
            lon: p.lon + t * dx,
            lat: p.lat + t * dy,
        };
        if current.is_empty() || t0 > 0.0 {
            if current.len() >= 2 {
                runs.push(std::mem::take(&mut current));
            }
            current = vec![at(t0)];
        }
        current.push(at(t1));
        if t1 < 1.0 {
            runs.push(std::mem::take(&mut current));
        }
    }
    if current.len() >= 2 {
        runs.push(current);
    }
    runs
}

/// A pixel rectangle, left, top, right, bottom.
#[derive(Clone, Copy, Debug)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

impl Rect {
    fn new(left: i32, top: i32, right: i32, bottom: i32) -> Rect {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    /// The area shared with `other`, square pixels.
    fn overlap(&self, other: &Rect) -> i64 {
        let w = (self.right.min(other.right) - self.left.max(other.left)).max(0);
        let h = (self.bottom.min(other.bottom) - self.top.max(other.top)).max(0);
        i64::from(w) * i64::from(h)
    }
}

/// Labels every place with its nodes, one a line, on a pale box: beside its circle on the side
/// where it covers the fewest labels already placed and circles (right, left, below, above,
/// then the corners), inside the map.
fn draw_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    projection: &Projection,
    sites: &[Site],
    circles: &[Rect],
    radius: impl Fn(f64) -> u32,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let font = (FONT, theme.label()).into_font().color(&INK);
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let line_h = (theme.label() * 1.2).round() as i32;
    let pad = theme.px(4.0) as i32;
    let gap = theme.px(6.0) as i32;
    let mut placed: Vec<Rect> = Vec::new();
    // The busiest places are labelled first and get the best positions.
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| sites[b].teu.total_cmp(&sites[a].teu).then(a.cmp(&b)));
    for i in order {
        let site = &sites[i];
        let (x, y) = projection.pixel(site.place);
        let r = radius(site.teu) as i32;
        let text_w = site
            .nodes
            .iter()
            .map(|n| area.estimate_text_size(n, &font).map(|(w, _)| w as i32))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let (w, h) = (text_w + 2 * pad, line_h * site.nodes.len() as i32 + 2 * pad);
        let d = r + gap;
        let candidates = [
            (x + d, y - h / 2),
            (x - d - w, y - h / 2),
            (x - w / 2, y + d),
            (x - w / 2, y - d - h),
            (x + d, y + d / 2),
            (x + d, y - d / 2 - h),
            (x - d - w, y + d / 2),
            (x - d - w, y - d / 2 - h),
        ];
        let cost = |&(left, top): &(i32, i32)| {
            let rect = Rect::new(left, top, left + w, top + h);
            let outside = i64::from((-left).max(0) + (left + w - width).max(0))
                + i64::from((-top).max(0) + (top + h - height).max(0));
            let covered: i64 = placed
                .iter()
                .chain(
                    circles
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, c)| c),
                )
                .map(|other| rect.overlap(other))
                .sum();
            covered + outside * i64::from(h.max(w)) * 4
        };
        let (left, top) = candidates
            .iter()
            .copied()
            .min_by_key(|c| cost(c))
            .expect("eight candidates");
        let (left, top) = (
            left.clamp(0, (width - w).max(0)),
            top.clamp(0, (height - h).max(0)),
        );
        let rect = Rect::new(left, top, left + w, top + h);
        // A leader from the circle's edge to the label, so that a label pushed aside still
        // points at its place.
        let (nx, ny) = (
            x.clamp(rect.left, rect.right),
            y.clamp(rect.top, rect.bottom),
        );
        let (dx, dy) = (f64::from(nx - x), f64::from(ny - y));
        let distance = dx.hypot(dy);
        if distance > f64::from(r + gap) {
            let edge = (
                x + (dx * f64::from(r) / distance).round() as i32,
                y + (dy * f64::from(r) / distance).round() as i32,
            );
            area.draw(&PathElement::new(
                vec![edge, (nx, ny)],
                INK.mix(0.6).stroke_width(theme.px(1.5)),
            ))?;
        }
        area.draw(&Rectangle::new(
            [(rect.left, rect.top), (rect.right, rect.bottom)],
            WHITE.mix(0.8).filled(),
        ))?;
        for (k, node) in site.nodes.iter().enumerate() {
            area.draw(&Text::new(
                node.clone(),
                (left + pad, top + pad + line_h * k as i32 + line_h / 2),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        placed.push(rect);
    }
    Ok(())
}

/// The key beside the map: the colour bar of mean waits, the circle sizes and the line widths.
fn draw_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    max_teu: f64,
    max_wait: f64,
    max_link: f64,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let font = (FONT, theme.label()).into_font().color(&INK);
    let left = font.clone().pos(Pos::new(HPos::Left, VPos::Center));
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let x0 = theme.px(16.0) as i32;
    let line_h = (theme.label() * 1.3).round() as i32;
    let mut y = theme.px(10.0) as i32;
    let heading = |area: &DrawingArea<DB, Shift>, text: &str, y: i32| {
        area.draw(&Text::new(text.to_string(), (x0, y), left.clone()))
    };

    // Colour bar: top = the longest wait.
    heading(area, "Mean wait at the", y)?;
    y += line_h;
    heading(area, "place, hours", y)?;
    y += line_h;
    let bar_w = theme.px(26.0) as i32;
    let bar_h = (height / 3).max(40);
    for k in 0..bar_h {
        let t = 1.0 - f64::from(k) / f64::from(bar_h - 1).max(1.0);
        area.draw(&Rectangle::new(
            [(x0, y + k), (x0 + bar_w, y + k + 1)],
            wait_color(t * max_wait, max_wait).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(x0, y), (x0 + bar_w, y + bar_h)],
        INK.stroke_width(1),
    ))?;
    for step in 0..=4 {
        let v = max_wait * f64::from(4 - step) / 4.0;
        let ty = y + (f64::from(bar_h) * f64::from(step) / 4.0).round() as i32;
        area.draw(&Text::new(
            format_number(v),
            (x0 + bar_w + theme.px(8.0) as i32, ty),
            left.clone(),
        ))?;
    }
    y += bar_h + line_h;

    // Circle sizes.
    heading(area, "TEU arrived", y)?;
    y += line_h;
    let r = circle_radius(max_teu, max_teu, theme) as i32;
    let cx = x0 + r;
    area.draw(&Circle::new(
        (cx, y + r),
        r as u32,
        INK.stroke_width(theme.px(1.5)),
    ))?;
    let half = circle_radius(max_teu / 4.0, max_teu, theme) as i32;
    area.draw(&Circle::new(
        (cx, y + 2 * r - half),
        half as u32,
        INK.stroke_width(theme.px(1.5)),
    ))?;
    let label_x = (cx + r + theme.px(8.0) as i32).min(width - 1);
    area.draw(&Text::new(
        format_number(max_teu),
        (label_x, y + theme.px(6.0) as i32),
        left.clone(),
    ))?;
    area.draw(&Text::new(
        format_number(max_teu / 4.0),
        (label_x, y + 2 * r - half),
        left.clone(),
    ))?;
    y += 2 * r + line_h;

    // Line widths.
    heading(area, "TEU delivered", y)?;
    y += line_h;
    let len = theme.px(50.0) as i32;
    for fraction in [1.0, 0.25] {
        let w = (f64::from(theme.px(16.0)) * fraction).round().max(1.0) as u32;
        area.draw(&PathElement::new(
            vec![(x0, y), (x0 + len, y)],
            LEG.mix(0.55).stroke_width(w),
        ))?;
        area.draw(&Text::new(
            format_number(max_link * fraction),
            (x0 + len + theme.px(8.0) as i32, y),
            left.clone(),
        ))?;
        y += line_h;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_puts_a_known_place_at_its_exact_pixel() {
        // Two places 10 degrees apart in longitude at 60 N (cos = 0.5) and 6 degrees apart in
        // latitude: with margins of 1.67 degrees (a sixth of 10) east and west and 1.5 degrees
        // (the least) north and south, the view is 10 + 2 * 1.667 = 13.33 degrees wide, 6.67
        // degrees of latitude's length, and 9 degrees high.
        let places = [
            LonLat {
                lon: 20.0,
                lat: 57.0,
            },
            LonLat {
                lon: 30.0,
                lat: 63.0,
            },
        ];
        let p = Projection::around(&places, 1000, 900);
        // Middle latitude 60: k = cos 60 = 0.5 (to rounding).
        assert!((p.k - 0.5).abs() < 1e-12, "{p:?}");
        // Scale: min(1000 / (13.333 * 0.5), 900 / 9) = min(150, 100) = 100 px per degree.
        assert!((p.scale - 100.0).abs() < 1e-9, "{p:?}");
        // The view is centred on (25 E, 60 N): 1000 px = 20 degrees of longitude, 900 px = 9
        // degrees of latitude.
        assert!(
            (p.west - 15.0).abs() < 1e-9 && (p.east - 35.0).abs() < 1e-9,
            "{p:?}"
        );
        assert!(
            (p.south - 55.5).abs() < 1e-9 && (p.north - 64.5).abs() < 1e-9,
            "{p:?}"
        );
        // So the middle is at the middle pixel, and the first place at
        // x = (20 - 15) * 0.5 * 100 = 250, y = (64.5 - 57) * 100 = 750.
        assert_eq!(
            p.pixel(LonLat {
                lon: 25.0,
                lat: 60.0
            }),
            (500, 450)
        );
        assert_eq!(p.pixel(places[0]), (250, 750));
        assert_eq!(p.pixel(places[1]), (750, 150));
        // One degree east is half a degree north's length in pixels at 60 N.
        let (x0, y0) = p.point(LonLat {
            lon: 25.0,
            lat: 60.0,
        });
        let (x1, _) = p.point(LonLat {
            lon: 26.0,
            lat: 60.0,
        });
        let (_, y1) = p.point(LonLat {
            lon: 25.0,
            lat: 61.0,
        });
        assert!(((x1 - x0) - (y0 - y1) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_map_data_parse_and_hold_the_caspian_as_a_hole() {
        let shapes = shapes();
        let land = shapes
            .iter()
            .filter(|s| matches!(s, Shape::Land(..)))
            .count();
        let borders = shapes
            .iter()
            .filter(|s| matches!(s, Shape::Border(_)))
            .count();
        assert!(land > 10 && borders > 50, "{land} land, {borders} borders");
        // The Caspian: a hole whose points lie around 47-54 E, 36.5-47.2 N.
        let caspian = shapes.iter().any(|s| match s {
            Shape::Land(_, holes) => holes.iter().any(|h| {
                h.len() > 50
                    && h.iter()
                        .all(|p| (46.0..56.0).contains(&p.lon) && (36.0..48.0).contains(&p.lat))
            }),
            Shape::Border(_) | Shape::Box(_) => false,
        });
        assert!(caspian, "no hole for the Caspian Sea");
        // Every number of every line parsed (pairs, within the extracted box).
        for line in MAP_DATA.lines().filter(|l| !l.starts_with('#')) {
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            assert!(["L", "H", "B", "X"].contains(&words[0]), "{line:.40}");
            assert_eq!(words.len() % 2, 1, "{line:.40}");
            assert!(
                words[1..].iter().all(|w| w.parse::<i32>().is_ok()),
                "{line:.40}"
            );
        }
    }

    #[test]
    fn clipping_keeps_what_is_inside_the_view() {
        let view = [0.0, 0.0, 10.0, 10.0];
        let square = |a: f64, b: f64| {
            vec![
                LonLat { lon: a, lat: a },
                LonLat { lon: b, lat: a },
                LonLat { lon: b, lat: b },
                LonLat { lon: a, lat: b },
            ]
        };
        // A ring reaching beyond two sides is cut to the view's corner square.
        let ring = clip_ring(&square(5.0, 15.0), view);
        let area: f64 = ring
            .iter()
            .zip(ring.iter().cycle().skip(1))
            .map(|(p, q)| p.lon * q.lat - q.lon * p.lat)
            .sum::<f64>()
            / 2.0;
        assert!((area.abs() - 25.0).abs() < 1e-9, "{ring:?}");
        assert!(clip_ring(&square(20.0, 30.0), view).is_empty());
        // A line crossing the view is cut at its edges; one outside vanishes.
        let line = [
            LonLat {
                lon: -5.0,
                lat: 5.0,
            },
            LonLat {
                lon: 15.0,
                lat: 5.0,
            },
        ];
        assert_eq!(
            clip_line(&line, view),
            vec![vec![
                LonLat { lon: 0.0, lat: 5.0 },
                LonLat {
                    lon: 10.0,
                    lat: 5.0
                }
            ]]
        );
        let outside = [
            LonLat {
                lon: -5.0,
                lat: -5.0,
            },
            LonLat {
                lon: -1.0,
                lat: 20.0,
            },
        ];
        assert!(clip_line(&outside, view).is_empty());
    }

    #[test]
    fn waits_run_from_pale_yellow_to_dark_red() {
        assert_eq!(wait_color(0.0, 10.0), RGBColor(255, 237, 160));
        assert_eq!(wait_color(10.0, 10.0), RGBColor(189, 0, 38));
        assert_eq!(wait_color(5.0, 10.0), RGBColor(253, 141, 60));
        assert_eq!(wait_color(3.0, 0.0), RGBColor(255, 237, 160));
    }
}
