/**
 * Usage charts (requests per day, error rate). This module pulls in
 * chart.js and is only loaded with `import()` when a key's details open, so
 * the main bundle stays small.
 *
 * @module
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { UsageDay } from './types.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Filler);

/** Colours taken from the element's theme. */
export interface ChartColors {
  primary: string;
  danger: string;
  /** Translucent fill under the error-rate line. */
  dangerFill: string;
  text: string;
  grid: string;
}

/** The two charts of a key's usage. */
export interface UsageCharts {
  requests: Chart;
  errorRate: Chart;
  destroy(): void;
}

/** Error rate in percent, one decimal; 0 on days without requests. */
export function errorRates(days: readonly UsageDay[]): number[] {
  return days.map((d) => (d.requests > 0 ? Math.round((d.errors / d.requests) * 1000) / 10 : 0));
}

/** Axes of the day charts: days along x (`MM-DD`), counts from zero up y. */
function dayScales(colors: ChartColors, autoSkipPadding: number) {
  return {
    x: { ticks: { color: colors.text, maxRotation: 0, autoSkipPadding }, grid: { display: false } },
    y: { beginAtZero: true, ticks: { color: colors.text, precision: 0 }, grid: { color: colors.grid } },
  };
}

/** Options every chart shares: sized by its box, drawn at once, tooltips without a legend. Fresh each call: chart.js may write to them. */
const baseOptions = () => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false as const,
  plugins: { legend: { display: false }, tooltip: { enabled: true } },
});

/** The daily error rate in percent as a filled line, its axis up to at least 10 %. */
function errorRateChart(
  canvas: HTMLCanvasElement,
  days: readonly UsageDay[],
  label: string,
  colors: ChartColors,
  options: { scales: ReturnType<typeof dayScales> } & Record<string, unknown>,
  pointRadius: number,
): Chart {
  const { scales } = options;
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: days.map((d) => d.day.slice(5)),
      datasets: [
        {
          label,
          data: errorRates(days),
          borderColor: colors.danger,
          backgroundColor: colors.dangerFill,
          fill: true,
          tension: 0.25,
          pointRadius,
        },
      ],
    },
    options: { ...options, scales: { ...scales, y: { ...scales.y, suggestedMax: 10, ticks: { ...scales.y.ticks, precision: 1 } } } },
  });
}

/** Draws both charts into the given canvases. Call `destroy()` before the canvases go away. */
export function renderUsageCharts(
  requestsCanvas: HTMLCanvasElement,
  errorCanvas: HTMLCanvasElement,
  days: readonly UsageDay[],
  labels: { requests: string; errorRate: string },
  colors: ChartColors,
): UsageCharts {
  const options = { ...baseOptions(), scales: dayScales(colors, 8) };
  const requests = new Chart(requestsCanvas, {
    type: 'bar',
    data: {
      labels: days.map((d) => d.day.slice(5)),
      datasets: [{ label: labels.requests, data: days.map((d) => d.requests), backgroundColor: colors.primary, borderRadius: 3 }],
    },
    options,
  });
  const errorRate = errorRateChart(errorCanvas, days, labels.errorRate, colors, options, 2);
  return {
    requests,
    errorRate,
    destroy() {
      requests.destroy();
      errorRate.destroy();
    },
  };
}

/** The two charts of `<api-key-usage-dashboard>`. */
export interface DashboardCharts {
  traffic: Chart;
  errorRate: Chart;
  destroy(): void;
}

/**
 * Draws the dashboard's charts: requests and errors per day as overlapping
 * bars (errors are a part of requests, so the red bar sits inside the blue
 * one), and the daily error rate as a line. Call `destroy()` before the
 * canvases go away.
 */
export function renderDashboardCharts(
  trafficCanvas: HTMLCanvasElement,
  errorCanvas: HTMLCanvasElement,
  days: readonly UsageDay[],
  labels: { requests: string; errors: string; errorRate: string },
  colors: ChartColors,
): DashboardCharts {
  const options = { ...baseOptions(), interaction: { mode: 'index' as const, intersect: false }, scales: dayScales(colors, 10) };
  const traffic = new Chart(trafficCanvas, {
    type: 'bar',
    data: {
      labels: days.map((d) => d.day.slice(5)),
      // The first dataset is drawn on top: errors in front of requests.
      datasets: [
        { label: labels.errors, data: days.map((d) => d.errors), backgroundColor: colors.danger, borderRadius: 2, grouped: false },
        { label: labels.requests, data: days.map((d) => d.requests), backgroundColor: colors.primary, borderRadius: 2, grouped: false },
      ],
    },
    options,
  });
  const errorRate = errorRateChart(errorCanvas, days, labels.errorRate, colors, options, days.length > 31 ? 0 : 2);
  return {
    traffic,
    errorRate,
    destroy() {
      traffic.destroy();
      errorRate.destroy();
    },
  };
}
