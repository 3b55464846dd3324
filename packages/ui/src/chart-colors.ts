/**
 * The chart colours of an element's theme. Kept apart from `charts.ts`
 * (which pulls in chart.js) so that reading them costs the main bundle
 * nothing.
 *
 * @module
 */

import type { ChartColors } from './charts.js';

/** The colours of the element's computed `--_*` theme properties, with the light theme's as fallbacks. */
export function themeChartColors(el: Element): ChartColors {
  const style = getComputedStyle(el);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    primary: v('--_primary', '#2557d6'),
    danger: v('--_danger', '#c42b2b'),
    dangerFill: v('--_chart-fill', 'rgba(196,43,43,0.15)'),
    text: v('--_muted', '#566070'),
    grid: v('--_border', '#d5dae1'),
  };
}
