"""Server-side SVG charts: the same chart on screen, in print and in PDFs.

Every function returns a complete ``<svg>`` string: a fixed viewBox (it scales with the
page and prints at any size), ``role="img"`` (``role="group"`` when it holds links) with an
``aria-label`` and a ``<title>``,
Thai labels first (English when the page is in English), no JavaScript, no external
fonts or files. Numbers a user may follow are ``<a href>`` links inside the SVG, which
browsers follow without JavaScript. No ``style`` attribute either: the
Content-Security-Policy refuses inline styles, so colours and fonts are SVG presentation
attributes and the stylesheets scale ``svg.chart`` to its container.

Charts:
- `quarter_chart_svg`: planned cumulative target against result, by quarter (the KPI
  page, its print page and PDF).
- `status_bars_svg`: KPIs by status.
- `stacked_bars_svg`: KPIs by strategy area, split by status.
- `mini_stacked_svg`: one row's bar split by status, inside a table (KPIs by agency).
- `ranked_bars_svg`: agencies ranked by weighted score.
- `heatmap_svg`: submission timeliness per agency and quarter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from citykpi.lib.i18n import tr
from citykpi.lib.thai import format_number

FONT = "Sarabun, 'Noto Sans Thai', sans-serif"
STATUS_COLORS = {
    "on_track": "#2e7d32",
    "at_risk": "#e0a100",
    "off_track": "#c62828",
    "no_data": "#9e9e9e",
}
PLAN_COLOR = "#1f4e79"
RESULT_COLOR = "#4f9bd9"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: Decimal | float | int | None) -> str:
    return format_number(value) if value is not None else "–"


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(width: int, height: int, title: str, desc: str = "") -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{_e(title)}" '
        f'class="chart" font-family="{_e(FONT)}" font-size="13">',
        f"<title>{_e(title)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{_e(desc)}</desc>")
    return parts


def _nice_max(value: Decimal) -> Decimal:
    """A round top for an axis: 87 -> 100, 4.2 -> 5, 1407 -> 1500."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    unit = Decimal(10) ** exponent
    for step in (1, 2, 2.5, 5, 10):
        top = Decimal(str(step)) * unit
        if top >= value:
            return top
    return Decimal(10) * unit  # pragma: no cover - the loop always returns


def _dec(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quarter_chart_svg(planned: list, results: list, unit: str, title: str) -> str:
    """Planned cumulative target (a line with points) against the result (bars), Q1-Q4.

    `planned` and `results` are four values each (None where there is none); shorter
    lists are padded. Values are printed above the bars so the chart reads in black and
    white too.
    """
    planned_v = [_dec(v) for v in (list(planned) + [None] * 4)[:4]]
    results_v = [_dec(v) for v in (list(results) + [None] * 4)[:4]]
    known = [v for v in planned_v + results_v if v is not None]
    top = _nice_max(max(known + [Decimal(0)])) if known else Decimal(1)
    bottom = min(known + [Decimal(0)]) if known else Decimal(0)
    width, height = 520, 300
    left, right, top_pad, bottom_pad = 56, 16, 40, 62
    plot_w, plot_h = width - left - right, height - top_pad - bottom_pad
    span = top - bottom or Decimal(1)

    def y(value: Decimal) -> float:
        return round(top_pad + plot_h - float((value - bottom) / span) * plot_h, 1)

    plan_label = tr("เป้าหมายสะสม", "Planned (cumulative)")
    result_label = tr("ผลงาน", "Result")
    quarter_label = tr("ไตรมาส", "Q")
    desc = "; ".join(
        f"{quarter_label} {i + 1}: {plan_label} {_num(planned_v[i])}, {result_label} {_num(results_v[i])}"
        for i in range(4)
    )
    parts = _open(width, height, title, desc)
    parts.append(f'<text x="{left}" y="22" font-size="15" font-weight="bold">{_e(_short(title, 56))}</text>')
    # y axis with five ticks
    for i in range(5):
        value = bottom + span * i / 4
        yy = y(value)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy}" y2="{yy}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4}" text-anchor="end" fill="#444">{_e(_num(value))}</text>'
        )
    parts.append(
        f'<text x="14" y="{top_pad + plot_h / 2}" transform="rotate(-90 14 {top_pad + plot_h / 2})" '
        f'text-anchor="middle" fill="#444">{_e(unit)}</text>'
    )
    slot = plot_w / 4
    points = []
    for i in range(4):
        cx = left + slot * i + slot / 2
        result = results_v[i]
        if result is not None:
            y0, y1 = (
                y(max(result, Decimal(0)) if bottom >= 0 else result),
                y(Decimal(0) if bottom <= 0 else bottom),
            )
            top_y, bar_h = min(y0, y1), abs(y1 - y0)
            parts.append(
                f'<rect x="{cx - slot * 0.3:.1f}" y="{top_y}" width="{slot * 0.6:.1f}" height="{max(bar_h, 1)}" '
                f'fill="{RESULT_COLOR}"><title>{_e(f"{quarter_label} {i + 1} {result_label} {_num(result)}")}</title></rect>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top_y - 5}" text-anchor="middle" font-weight="bold">{_e(_num(result))}</text>'
            )
        else:
            parts.append(
                f'<text x="{cx:.1f}" y="{y(bottom) - 6}" text-anchor="middle" fill="#6b6b6b">'
                f"{_e(tr('ไม่มีผลงาน', 'no result'))}</text>"
            )
        plan_value = planned_v[i]
        if plan_value is not None:
            points.append((cx, y(plan_value), plan_value))
        parts.append(
            f'<text x="{cx:.1f}" y="{height - bottom_pad + 18}" text-anchor="middle">{_e(f"{quarter_label} {i + 1}")}</text>'
        )
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{yy}" for x, yy, _ in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{PLAN_COLOR}" stroke-width="2.5" stroke-dasharray="6 3"/>'
        )
    for x, yy, value in points:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{yy}" r="5" fill="#fff" stroke="{PLAN_COLOR}" stroke-width="2.5">'
            f"<title>{_e(f'{plan_label} {_num(value)}')}</title></circle>"
        )
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(bottom)}" y2="{y(bottom)}" stroke="#333"/>')
    # legend
    ly = height - 14
    parts.append(f'<rect x="{left}" y="{ly - 10}" width="14" height="12" fill="{RESULT_COLOR}"/>')
    parts.append(f'<text x="{left + 20}" y="{ly}">{_e(result_label)}</text>')
    parts.append(
        f'<line x1="{left + 150}" x2="{left + 180}" y1="{ly - 4}" y2="{ly - 4}" stroke="{PLAN_COLOR}" '
        f'stroke-width="2.5" stroke-dasharray="6 3"/><circle cx="{left + 165}" cy="{ly - 4}" r="4" fill="#fff" '
        f'stroke="{PLAN_COLOR}" stroke-width="2"/>'
    )
    parts.append(f'<text x="{left + 188}" y="{ly}">{_e(plan_label)}</text>')
    return _close(parts)


@dataclass
class Bar:
    """One labelled value, with an optional link to the list behind it."""

    label: str
    value: Decimal | int | None
    href: str = ""
    color: str = RESULT_COLOR
    note: str = ""


def _close(parts: list[str]) -> str:
    """The finished SVG. A chart whose numbers are links is a group of links
    (``role="group"``), not an image: an image's content is hidden from assistive
    technology, so links inside it would be interactive controls nested in a control
    (WCAG 4.1.2; axe-core's nested-interactive)."""
    parts.append("</svg>")
    svg = "".join(parts)
    if "<a href" in svg:
        svg = svg.replace('role="img"', 'role="group"', 1)
    return svg


def _link(href: str, inner: str, label: str = "") -> str:
    if not href:
        return inner
    aria = f' aria-label="{_e(label)}"' if label else ""
    return f'<a href="{_e(href)}"{aria}>{inner}</a>'


def status_bars_svg(bars: Sequence[Bar], title: str) -> str:
    """Vertical bars, one per status, each count linked to its KPI list."""
    width, height = 560, 260
    left, bottom_pad, top_pad = 20, 44, 62
    plot_h = height - top_pad - bottom_pad
    top = max([Decimal(b.value or 0) for b in bars] + [Decimal(1)])
    slot = (width - 2 * left) / max(len(bars), 1)
    desc = "; ".join(f"{b.label}: {_num(b.value)}" for b in bars)
    parts = _open(width, height, title, desc)
    parts.append(f'<text x="{left}" y="22" font-size="15" font-weight="bold">{_e(title)}</text>')
    base = top_pad + plot_h
    for i, bar in enumerate(bars):
        value = Decimal(bar.value or 0)
        h = float(value / top) * plot_h
        x = left + slot * i
        inner = (
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{max(h, 1):.1f}" '
            f'fill="{_e(bar.color)}"/>'
            f'<text x="{x + slot / 2:.1f}" y="{base - h - 6:.1f}" text-anchor="middle" font-size="16" '
            f'font-weight="bold">{_e(_num(bar.value))}</text>'
        )
        parts.append(_link(bar.href, inner, f"{bar.label}: {_num(bar.value)}"))
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{base + 20}" text-anchor="middle">{_e(_short(bar.label, 22))}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{width - left}" y1="{base}" y2="{base}" stroke="#333"/>')
    return _close(parts)


@dataclass
class Segment:
    key: str
    label: str
    count: int
    href: str = ""


@dataclass
class StackedRow:
    label: str
    segments: list[Segment] = field(default_factory=list)
    href: str = ""

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)


def stacked_bars_svg(rows: Sequence[StackedRow], title: str, label_width: int = 230) -> str:
    """Horizontal bars (agencies, strategy areas) split by status; each part is a link."""
    row_h, top_pad = 28, 58
    width = 720
    height = top_pad + row_h * max(len(rows), 1) + 16
    plot_w = width - label_width - 60
    top = max([r.total for r in rows] + [1])
    desc = "; ".join(
        f"{r.label}: " + ", ".join(f"{s.label} {s.count}" for s in r.segments if s.count) for r in rows
    )
    parts = _open(width, height, title, desc)
    parts.append(f'<text x="8" y="22" font-size="15" font-weight="bold">{_e(title)}</text>')
    # legend from the first row's segment keys
    legend_keys: dict[str, str] = {}
    for row in rows:
        for s in row.segments:
            legend_keys.setdefault(s.key, s.label)
    lx = 8
    for key, label in legend_keys.items():
        parts.append(
            f'<rect x="{lx}" y="32" width="12" height="12" fill="{STATUS_COLORS.get(key, RESULT_COLOR)}"/>'
        )
        parts.append(f'<text x="{lx + 16}" y="43">{_e(label)}</text>')
        lx += 26 + len(label) * 8
    if not rows:
        parts.append(f'<text x="8" y="{top_pad + 18}" fill="#6b6b6b">{_e(tr("ไม่มีข้อมูล", "No data"))}</text>')
    for i, row in enumerate(rows):
        y = top_pad + i * row_h
        label = _short(row.label, label_width // 8)
        parts.append(
            _link(
                row.href,
                # Named by its <title> (the full label, also the tooltip), not by an
                # aria-label that the shortened visible text would not match (WCAG 2.5.3).
                f'<title>{_e(row.label)}</title><text x="8" y="{y + 18}">{_e(label)}</text>',
            )
        )
        x = float(label_width)
        for s in row.segments:
            if not s.count:
                continue
            w = s.count / top * plot_w
            inner = (
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{STATUS_COLORS.get(s.key, RESULT_COLOR)}"><title>{_e(f"{row.label}: {s.label} {s.count}")}</title></rect>'
            )
            if w >= 18:
                fill = "#000" if s.key == "at_risk" else "#fff"
                inner += f'<text x="{x + w / 2:.1f}" y="{y + 19}" text-anchor="middle" fill="{fill}">{s.count}</text>'
            parts.append(_link(s.href, inner, f"{row.label}: {s.label} {s.count}"))
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 19}" fill="#333">{row.total}</text>')
    return _close(parts)


def ranked_bars_svg(
    bars: Sequence[Bar], title: str, maximum: Decimal = Decimal(100), label_width: int = 260
) -> str:
    """Horizontal bars in the order given (rank first), value printed at the end of each."""
    row_h, top_pad = 26, 36
    width = 720
    height = top_pad + row_h * max(len(bars), 1) + 12
    plot_w = width - label_width - 70
    desc = "; ".join(f"{i + 1}. {b.label}: {_num(b.value)}" for i, b in enumerate(bars))
    parts = _open(width, height, title, desc)
    parts.append(f'<text x="8" y="22" font-size="15" font-weight="bold">{_e(title)}</text>')
    if not bars:
        parts.append(f'<text x="8" y="{top_pad + 18}" fill="#6b6b6b">{_e(tr("ไม่มีข้อมูล", "No data"))}</text>')
    for i, bar in enumerate(bars):
        y = top_pad + i * row_h
        label = _short(f"{i + 1}. {bar.label}", label_width // 8)
        value = Decimal(bar.value) if bar.value is not None else None
        w = float(max(min(value, maximum), Decimal(0)) / maximum) * plot_w if value is not None else 0
        inner = (
            f'<title>{_e(f"{i + 1}. {bar.label}: {_num(value)}")}</title><text x="8" y="{y + 17}">{_e(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}" fill="{_e(bar.color)}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 17}" font-weight="bold">{_e(_num(value))}</text>'
        )
        # Named by its <title>: the label may be shortened on screen (WCAG 2.5.3).
        parts.append(_link(bar.href, inner))
    return _close(parts)


@dataclass
class Cell:
    """A heat-map cell: `level` picks the colour ("early", "on_time", "late", "missing", "future")."""

    level: str
    text: str
    title: str = ""
    href: str = ""


HEAT_COLORS = {
    "on_time": ("#2e7d32", "#fff"),
    "late": ("#e0a100", "#000"),
    "very_late": ("#c62828", "#fff"),
    "missing": ("#f2d0d0", "#7a0000"),
    "future": ("#eeeeee", "#666"),
}
HEAT_LABELS = {
    "on_time": ("ตรงเวลา", "On time"),
    "late": ("ช้าไม่เกิน 7 วัน", "Up to 7 days late"),
    "very_late": ("ช้าเกิน 7 วัน", "More than 7 days late"),
    "missing": ("ยังไม่ส่ง (เลยกำหนด)", "Not submitted (overdue)"),
    "future": ("ยังไม่ถึงกำหนด", "Not due yet"),
}


def heatmap_svg(
    rows: Sequence[tuple[str, Sequence[Cell]]], columns: Sequence[str], title: str, label_width: int = 230
) -> str:
    """A grid of agencies × quarters; colour and text both carry the value."""
    cell_w, cell_h, top_pad = 110, 30, 78
    width = label_width + cell_w * len(columns) + 10
    height = top_pad + cell_h * max(len(rows), 1) + 10
    parts = _open(width, height, title)
    parts.append(f'<text x="8" y="22" font-size="15" font-weight="bold">{_e(title)}</text>')
    lx = 8
    for key, (bg, _fg) in HEAT_COLORS.items():
        label = tr(*HEAT_LABELS[key])
        parts.append(
            f'<rect x="{lx}" y="32" width="12" height="12" fill="{bg}" stroke="#999" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{lx + 16}" y="43" font-size="12">{_e(label)}</text>')
        lx += 30 + len(label) * 7
    for j, col in enumerate(columns):
        parts.append(
            f'<text x="{label_width + cell_w * j + cell_w / 2}" y="{top_pad - 8}" text-anchor="middle" '
            f'font-weight="bold">{_e(col)}</text>'
        )
    for i, (label, cells) in enumerate(rows):
        y = top_pad + i * cell_h
        parts.append(
            f'<text x="8" y="{y + 20}"><title>{_e(label)}</title>{_e(_short(label, label_width // 8))}</text>'
        )
        for j, cell in enumerate(cells):
            bg, fg = HEAT_COLORS.get(cell.level, HEAT_COLORS["future"])
            x = label_width + cell_w * j
            inner = (
                f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" fill="{bg}">'
                f"<title>{_e(cell.title or cell.text)}</title></rect>"
                f'<text x="{x + cell_w / 2}" y="{y + 20}" text-anchor="middle" fill="{fg}">{_e(cell.text)}</text>'
            )
            # The name starts with what the cell shows ("3/3"), then says it in words (WCAG 2.5.3).
            name = f"{cell.text}: {cell.title}" if cell.title and cell.text not in cell.title else cell.title
            parts.append(_link(cell.href, inner, name or cell.text))
    return _close(parts)


def mini_stacked_svg(
    segments: Sequence[Segment], title: str, top: int, width: int = 160, height: int = 14
) -> str:
    """One small horizontal bar split by status, for a row of a table (an agency among
    eighty): the same colours as `stacked_bars_svg`, its length against `top`, the
    largest total of the table. The numbers are in the table's cells, linked there."""
    total = sum(s.count for s in segments)
    desc = ", ".join(f"{s.label} {s.count}" for s in segments if s.count)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(f"{title}: {desc}")}" class="chart mini">',
        f"<title>{_e(f'{title}: {desc}' if desc else title)}</title>",
    ]
    x = 0.0
    for s in segments:
        if not s.count:
            continue
        w = s.count / max(top, total, 1) * width
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{STATUS_COLORS.get(s.key, RESULT_COLOR)}"/>'
        )
        x += w
    return _close(parts)
