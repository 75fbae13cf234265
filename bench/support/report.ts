import os from 'node:os';

/** The p-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const mb = (bytes: number | undefined): number =>
  bytes === undefined ? NaN : round(bytes / 1024 / 1024, 1);

/** A plain text table: the first row is the header. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) =>
    r.map((c) => (typeof c === 'number' ? (Number.isFinite(c) ? String(c) : '–') : c)),
  );
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const [head, ...body] = cells;
  return [line(head!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** What the numbers were measured on (they depend on it). */
export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    loadAverage1m: round(os.loadavg()[0] ?? NaN, 2),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export function targetTable(targets: Target[]): string {
  return table([
    ['target', 'wanted', 'measured', 'met'],
    ...targets.map((t) => [t.name, t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
  ]);
}

export interface Series {
  label: string;
  colour: string;
  points: Array<[number, number]>;
}

/**
 * A line chart as a standalone SVG (no libraries): x in seconds, each panel its own y axis.
 */
export function svgChart(title: string, panels: Array<{ yLabel: string; series: Series[] }>): string {
  const width = 760;
  const panelHeight = 220;
  const margin = { left: 70, right: 20, top: 40, bottom: 40 };
  const height = margin.top + panels.length * (panelHeight + margin.bottom) + 10;
  const plotWidth = width - margin.left - margin.right;
  const xs = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)));
  const xMax = Math.max(1, ...xs);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = margin.top + i * (panelHeight + margin.bottom);
    const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
    const yMax = niceMax(Math.max(1, ...ys));
    const px = (x: number) => margin.left + (x / xMax) * plotWidth;
    const py = (y: number) => top + panelHeight - (y / yMax) * panelHeight;
    out.push(
      `<rect x="${margin.left}" y="${top}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`,
    );
    for (let k = 0; k <= 4; k++) {
      const y = (yMax * k) / 4;
      out.push(
        `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`,
      );
      out.push(`<text x="${margin.left - 6}" y="${py(y) + 4}" text-anchor="end">${round(y, 1)}</text>`);
    }
    for (let k = 0; k <= 5; k++) {
      const x = (xMax * k) / 5;
      out.push(
        `<text x="${px(x)}" y="${top + panelHeight + 14}" text-anchor="middle">${Math.round(x)} s</text>`,
      );
    }
    out.push(
      `<text x="14" y="${top + panelHeight / 2}" transform="rotate(-90 14 ${top + panelHeight / 2})" text-anchor="middle">${esc(panel.yLabel)}</text>`,
    );
    panel.series.forEach((s, j) => {
      const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (pts.length)
        out.push(
          `<polyline fill="none" stroke="${s.colour}" stroke-width="1.8" points="${pts.map(([x, y]) => `${round(px(x), 1)},${round(py(y), 1)}`).join(' ')}"/>`,
        );
      out.push(
        `<rect x="${margin.left + 10 + j * 190}" y="${top + 8}" width="10" height="10" fill="${s.colour}"/>`,
      );
      out.push(`<text x="${margin.left + 24 + j * 190}" y="${top + 17}">${esc(s.label)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}
