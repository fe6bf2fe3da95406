import { Canvas, type Rgb } from './png.js';

export interface Bar {
  label: string;
  value: number;
  /** Text after the bar, e.g. "1234 rps  3.10x". */
  note: string;
  color: Rgb;
}

/** A group of bars sharing one scale. */
export interface Panel {
  heading: string;
  bars: Bar[];
}

export interface BarChart {
  title: string;
  subtitle: string;
  panels: Panel[];
}

const SCALE = 2;
const CHAR_W = 6 * SCALE;
const LINE_H = 8 * SCALE;
const PAD = 20;
const ROW_H = 36;
const BAR_H = 24;
const HEADING_H = 36;
const PLOT_W = 480;

interface Row {
  y: number;
  kind: 'heading' | 'bar';
  text: string;
  bar?: Bar;
  max: number;
}

interface Layout {
  width: number;
  height: number;
  plotX: number;
  rows: Row[];
}

function layout(chart: BarChart): Layout {
  const bars = chart.panels.flatMap((p) => p.bars);
  const labelW = Math.max(...bars.map((b) => b.label.length), 10) * CHAR_W + 16;
  const noteW = Math.max(...bars.map((b) => b.note.length), 10) * CHAR_W + 16;
  const titleW =
    Math.max(chart.title.length, chart.subtitle.length, ...chart.panels.map((p) => p.heading.length)) *
    CHAR_W;
  const rows: Row[] = [];
  let y = PAD + LINE_H * 2 + 16;
  for (const panel of chart.panels) {
    const max = Math.max(...panel.bars.map((b) => b.value), 1);
    rows.push({ y: y + 12, kind: 'heading', text: panel.heading, max });
    y += HEADING_H;
    for (const bar of panel.bars) {
      rows.push({ y, kind: 'bar', text: bar.label, bar, max });
      y += ROW_H;
    }
  }
  return {
    width: Math.max(PAD * 2 + labelW + PLOT_W + noteW, PAD * 2 + titleW),
    height: y + PAD,
    plotX: PAD + labelW,
    rows,
  };
}

const barWidth = (row: Row) => Math.max(1, (row.bar!.value / row.max) * PLOT_W);
const hex = ([r, g, b]: Rgb) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bar chart, one scale per panel, as PNG (bitmap font, no image library needed). */
export function barChartPng(chart: BarChart): Buffer {
  const l = layout(chart);
  const canvas = new Canvas(l.width, l.height);
  canvas.text(PAD, PAD, chart.title, [20, 20, 20], SCALE);
  canvas.text(PAD, PAD + LINE_H + 8, chart.subtitle, [110, 110, 110], SCALE);
  for (const row of l.rows) {
    if (row.kind === 'heading') {
      canvas.text(PAD, row.y, row.text, [20, 20, 20], SCALE);
      canvas.fillRect(PAD, row.y + LINE_H + 2, l.width - 2 * PAD, 1, [200, 200, 200]);
      continue;
    }
    const textY = row.y + (BAR_H - 7 * SCALE) / 2;
    canvas.text(PAD, textY, row.text, [40, 40, 40], SCALE);
    canvas.fillRect(l.plotX, row.y, barWidth(row), BAR_H, row.bar!.color);
    canvas.text(l.plotX + barWidth(row) + 8, textY, row.bar!.note, [40, 40, 40], SCALE);
  }
  return canvas.toPng();
}

/** The same chart as SVG, for browsers and diffs. */
export function barChartSvg(chart: BarChart): string {
  const l = layout(chart);
  const text = (x: number, y: number, content: string, fill: string, weight = 'normal') =>
    `<text x="${x}" y="${y}" fill="${fill}" font-family="monospace" font-size="15" font-weight="${weight}" dominant-baseline="hanging">${escape(content)}</text>`;
  const rows = l.rows.map((row) => {
    if (row.kind === 'heading') {
      return `${text(PAD, row.y, row.text, '#141414', 'bold')}\n  <rect x="${PAD}" y="${row.y + LINE_H + 2}" width="${l.width - 2 * PAD}" height="1" fill="#c8c8c8"/>`;
    }
    const w = barWidth(row);
    return [
      text(PAD, row.y + 5, row.text, '#282828'),
      `<rect x="${l.plotX}" y="${row.y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${hex(row.bar!.color)}"/>`,
      text(l.plotX + w + 8, row.y + 5, row.bar!.note, '#282828'),
    ].join('\n  ');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}">`,
    '  <rect width="100%" height="100%" fill="#ffffff"/>',
    `  ${text(PAD, PAD, chart.title, '#141414', 'bold')}`,
    `  ${text(PAD, PAD + LINE_H + 8, chart.subtitle, '#6e6e6e')}`,
    `  ${rows.join('\n  ')}`,
    '</svg>',
    '',
  ].join('\n');
}
