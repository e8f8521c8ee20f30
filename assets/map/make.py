#!/usr/bin/env python3
"""Extracts the map's land and borders from Natural Earth (as packaged in world-atlas) into
corridor_map.txt, once; the build and the tests read only the committed output.

Usage: python3 make.py WORLD_ATLAS_DIR > corridor_map.txt   (make.sh fetches the package)

Input: land-50m.json and countries-50m.json of the npm package world-atlas (TopoJSON, Natural
Earth 1:50m, public domain). Output: the land polygons and the land borders between countries,
clipped to BOX, simplified (Douglas-Peucker, TOLERANCE degrees), in hundredths of a degree.
"""
import json
import sys

# lon_min, lat_min, lon_max, lat_max: the corridor from the Rhine to western China, with room
# for a view of 16:9 around it.
BOX = (-15.0, 15.0, 110.0, 72.0)
TOLERANCE = 0.015


def decode(topology):
    """The arcs of `topology` as lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indices):
    out = []
    for i in indices:
        points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(points if not out else points[1:])
    return unwrap(out)


def unwrap(points):
    """Longitudes made continuous: a ring cut at the antimeridian (Chukotka) jumps by 360
    degrees, which clipping would turn into a band across the whole box."""
    out = []
    shift = 0.0
    for k, (x, y) in enumerate(points):
        if k:
            step = x + shift - out[-1][0]
            if step > 180:
                shift -= 360
            elif step < -180:
                shift += 360
        out.append((x + shift, y))
    # Back into -180..180 for the bulk of the ring (it may start east of the antimeridian).
    middle = sorted(x for x, _ in out)[len(out) // 2]
    turn = 360 * round(middle / 360)
    return [(x - turn, y) for x, y in out]


def clip(points, box):
    """Sutherland-Hodgman: the ring `points` clipped to the rectangle `box`."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda p, q: cut_x(p, q, x0)),
        (lambda p: p[0] <= x1, lambda p, q: cut_x(p, q, x1)),
        (lambda p: p[1] >= y0, lambda p, q: cut_y(p, q, y0)),
        (lambda p: p[1] <= y1, lambda p, q: cut_y(p, q, y1)),
    ]
    for inside, cut in edges:
        if not points:
            break
        out = []
        prev = points[-1]
        for p in points:
            if inside(p):
                if not inside(prev):
                    out.append(cut(prev, p))
                out.append(p)
            elif inside(prev):
                out.append(cut(prev, p))
            prev = p
        points = out
    return points


def cut_x(p, q, x):
    t = (x - p[0]) / (q[0] - p[0])
    return (x, p[1] + t * (q[1] - p[1]))


def cut_y(p, q, y):
    t = (y - p[1]) / (q[1] - p[1])
    return (p[0] + t * (q[0] - p[0]), y)


def simplify(points, tolerance):
    """Douglas-Peucker, iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = -1.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep) if k]


def area(points):
    return 0.5 * abs(sum(p[0] * q[1] - q[0] * p[1] for p, q in zip(points, points[1:] + points[:1])))


def line(tag, points):
    coords = " ".join(f"{round(x * 100)} {round(y * 100)}" for x, y in points)
    return f"{tag} {coords}"


def inside_box(p, margin=0.0):
    x0, y0, x1, y1 = BOX
    return x0 - margin <= p[0] <= x1 + margin and y0 - margin <= p[1] <= y1 + margin


def main(package):
    land = json.load(open(f"{package}/land-50m.json"))
    arcs = decode(land)
    polygons = []
    for geometry in land["objects"]["land"]["geometries"]:
        shapes = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for shape in shapes:
            rings = [simplify(clip(ring(arcs, r), BOX), TOLERANCE) for r in shape]
            rings = [r for r in rings if len(r) >= 3]
            if rings and area(rings[0]) >= 0.02:
                polygons.append([rings[0]] + [r for r in rings[1:] if area(r) >= 0.02])
    # Largest first: a smaller island is drawn over a larger polygon's holes.
    polygons.sort(key=lambda p: -area(p[0]))

    countries = json.load(open(f"{package}/countries-50m.json"))
    carcs = decode(countries)
    users = {}
    for k, geometry in enumerate(countries["objects"]["countries"]["geometries"]):
        shapes = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            shapes = [shapes]
        for shape in shapes:
            for r in shape:
                for i in r:
                    users.setdefault(i if i >= 0 else ~i, set()).add(k)
    borders = []
    for i, who in sorted(users.items()):
        if len(who) < 2:
            continue
        # Runs of points inside the box (with a degree of margin; the chart clips exactly).
        run = []
        for p in carcs[i]:
            if inside_box(p, 1.0):
                run.append(p)
            else:
                if len(run) >= 2:
                    borders.append(simplify(run, TOLERANCE))
                run = []
        if len(run) >= 2:
            borders.append(simplify(run, TOLERANCE))

    print("# Land and country borders for Corridor's map, made by assets/map/make.py from")
    print("# Natural Earth 1:50m (public domain) as packaged in the npm package world-atlas 2.0.2")
    print("# (land-50m.json, countries-50m.json). See assets/map/README.md.")
    print(f"# Box lon {BOX[0]}..{BOX[2]}, lat {BOX[1]}..{BOX[3]}; Douglas-Peucker {TOLERANCE} deg.")
    print("# A line: L (outer ring of a land polygon), H (a hole of the polygon above: sea or lake)")
    print("# or B (a land border between countries), then lon lat pairs in hundredths of a degree;")
    print("# X: the box the land was clipped to (west south east north), whose edges are no coast.")
    print(line("X", [(BOX[0], BOX[1]), (BOX[2], BOX[3])]))
    for rings in polygons:
        print(line("L", rings[0]))
        for hole in rings[1:]:
            print(line("H", hole))
    for b in borders:
        print(line("B", b))


if __name__ == "__main__":
    main(sys.argv[1])
