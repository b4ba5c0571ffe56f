"""Plane geometry for checking pictures: does a drawn line cross a box?"""

import re

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Point = tuple[float, float]


def path_points(d: str) -> list[Point]:
    """The vertices of an SVG path made of moves and straight lines only (`M x y L x y …`)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def crosses(a: Point, b: Point, box: Box, pad: float = 0) -> bool:
    """Whether segment a-b passes through the box grown by `pad` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def crossings(lines: dict[str, list[Point]], boxes: list[Box], pad: float) -> list:
    """(line, box) pairs where some segment of the line passes through the box."""
    return [
        (line_id, box)
        for line_id, points in lines.items()
        for box in boxes
        if any(crosses(a, b, box, pad) for a, b in zip(points, points[1:], strict=False))
    ]
