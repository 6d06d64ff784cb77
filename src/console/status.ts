/**
 * `est()`'s status block: uptime, memory (heap used and total, RSS and how much of it lies outside the
 * JS heap, external and ArrayBuffer memory) and live tracked objects per class, aligned, so that
 * "leaks without leaks" (RSS high, few live objects) can be told from real leaks at a glance.
 * Reads only; must never keep a tracked object (counts come from formatLiveRefs).
 */
import { formatLiveRefs } from '../live-refs';

const LABEL_WIDTH = 24;
const VALUE_WIDTH = 12;

/** 1536 → '1.5 KiB', in the largest unit that keeps the number at least 1. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 3725 → '1h 2m 5s'. */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const parts: string[] = [];
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) parts.push(`${days}d`);
  if (days > 0 || hours > 0) parts.push(`${hours}h`);
  if (days > 0 || hours > 0 || minutes > 0) parts.push(`${minutes}m`);
  parts.push(`${s % 60}s`);
  return parts.join(' ');
}

export interface StatusExtras {
  /** Console sessions logged in right now. */
  sessions: number;
}

/** The status block `est()` prints. */
export function formatStatus(extras: StatusExtras): string {
  const memory = process.memoryUsage();
  const live = formatLiveRefs()
    .split('\n')
    .slice(2)
    .filter((line) => line !== '');
  const liveTotal = live.reduce((sum, line) => sum + Number(/\s(\d+)\s+oldest:/.exec(line)?.[1] ?? 0), 0);
  const row = (label: string, value: string): string => `${label.padEnd(LABEL_WIDTH)}${value.padStart(VALUE_WIDTH)}`;
  return [
    `trackref status (pid ${process.pid}, node ${process.version})`,
    '',
    row('uptime', formatDuration(process.uptime())),
    row('heap used', formatBytes(memory.heapUsed)),
    row('heap total', formatBytes(memory.heapTotal)),
    row('RSS', formatBytes(memory.rss)),
    row('  outside the JS heap', formatBytes(Math.max(0, memory.rss - memory.heapTotal))),
    row('external', formatBytes(memory.external)),
    row('array buffers', formatBytes(memory.arrayBuffers)),
    row('console sessions', String(extras.sessions)),
    row('live tracked objects', String(liveTotal)),
    ...live.map((line) => `  ${line}`),
    '',
  ].join('\n');
}
