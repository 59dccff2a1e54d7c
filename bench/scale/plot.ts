// The scale curve as an SVG written by hand from the figures (no plotting dependency): devices
// on x, CPU % of one core on the left axis and RSS on the right, each with its goal dashed, and
// the scan jitter p99 written beside each point.
import type { ScaleStats } from './gateway-process';

export interface ScaleStep extends ScaleStats {
  devices: number;
  tags: number;
  /** seconds from fork to the flows running */
  startS: number;
  /** the host's 1-minute load average when the window opened */
  load: number;
}

const W = 720;
const H = 420;
const M = { left: 64, right: 72, top: 48, bottom: 56 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** A round axis top at or above v. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function scaleCurveSvg(steps: readonly ScaleStep[], goals: { cpuPercent: number; rssMb: number; jitterP99Ms: number }): string {
  const xMax = niceMax(Math.max(...steps.map((s) => s.devices)));
  const cpuMax = niceMax(Math.max(goals.cpuPercent, ...steps.map((s) => s.cpuPercent)) * 1.1);
  const rssMax = niceMax(Math.max(goals.rssMb, ...steps.map((s) => s.rssMb)) * 1.1);
  const x = (d: number) => M.left + (d / xMax) * PW;
  const yCpu = (v: number) => M.top + PH - (v / cpuMax) * PH;
  const yRss = (v: number) => M.top + PH - (v / rssMax) * PH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">edge-gateway scale curve: devices of 100 tags, polled every second</text>`);
  // grid and axes
  for (let i = 0; i <= 5; i++) {
    const yy = M.top + (PH * i) / 5;
    out.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + PW}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${yy + 4}" text-anchor="end" fill="#1f77b4">${fmt(cpuMax * (1 - i / 5))}</text>`);
    out.push(`<text x="${M.left + PW + 8}" y="${yy + 4}" fill="#d62728">${fmt(rssMax * (1 - i / 5))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const d = (xMax * i) / 5;
    out.push(`<text x="${x(d)}" y="${M.top + PH + 18}" text-anchor="middle">${fmt(d)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + PW / 2}" y="${H - 14}" text-anchor="middle">devices (each its own TCP connection)</text>`);
  out.push(`<text transform="translate(18 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">CPU, % of one core</text>`);
  out.push(`<text transform="translate(${W - 14} ${M.top + PH / 2}) rotate(90)" text-anchor="middle" fill="#d62728">RSS, MB</text>`);
  // goals
  out.push(`<line x1="${M.left}" y1="${yCpu(goals.cpuPercent)}" x2="${M.left + PW}" y2="${yCpu(goals.cpuPercent)}" stroke="#1f77b4" stroke-dasharray="6 4" opacity="0.6"/>`);
  out.push(`<text x="${M.left + 6}" y="${yCpu(goals.cpuPercent) - 4}" fill="#1f77b4">goal: CPU &lt; ${goals.cpuPercent}%</text>`);
  out.push(`<line x1="${M.left}" y1="${yRss(goals.rssMb)}" x2="${M.left + PW}" y2="${yRss(goals.rssMb)}" stroke="#d62728" stroke-dasharray="6 4" opacity="0.6"/>`);
  out.push(`<text x="${M.left + PW - 6}" y="${yRss(goals.rssMb) - 4}" text-anchor="end" fill="#d62728">goal: RSS &lt; ${goals.rssMb} MB</text>`);
  // curves
  const path = (y: (v: number) => number, key: 'cpuPercent' | 'rssMb') => steps.map((s, i) => `${i ? 'L' : 'M'}${x(s.devices).toFixed(1)} ${y(s[key]).toFixed(1)}`).join(' ');
  out.push(`<path d="${path(yCpu, 'cpuPercent')}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  out.push(`<path d="${path(yRss, 'rssMb')}" fill="none" stroke="#d62728" stroke-width="2"/>`);
  for (const s of steps) {
    out.push(`<circle cx="${x(s.devices)}" cy="${yCpu(s.cpuPercent)}" r="4" fill="#1f77b4"><title>${esc(`${s.devices} devices: CPU ${s.cpuPercent.toFixed(1)}%`)}</title></circle>`);
    out.push(`<circle cx="${x(s.devices)}" cy="${yRss(s.rssMb)}" r="4" fill="#d62728"><title>${esc(`${s.devices} devices: RSS ${s.rssMb.toFixed(0)} MB`)}</title></circle>`);
    out.push(`<text x="${x(s.devices)}" y="${Math.min(yCpu(s.cpuPercent), yRss(s.rssMb)) - 10}" text-anchor="middle" font-size="10" fill="#444">jitter p99 ${fmt(s.jitterP99Ms)} ms</text>`);
  }
  out.push(
    `<text x="${M.left}" y="${M.top - 8}" font-size="11" fill="#444">blue: CPU % (left); red: RSS MB (right); dashed: goals; jitter p99 above each step (goal &lt; ${goals.jitterP99Ms} ms)</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '-';
}
