/**
 * The host's own product: a (made-up, deterministic) weather forecast for a
 * handful of cities. No network; the same city and day give the same answer.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** A city the demo knows. */
export interface City {
  name: string;
  country: string;
  /** Typical temperature in °C, around which the forecast varies. */
  climateC: number;
}

/** One day of forecast. */
export interface DayForecast {
  date: string;
  summary: string;
  highC: number;
  lowC: number;
  precipitationChance: number;
}

/** What `GET /api/weather?city=` answers. */
export interface Forecast {
  city: string;
  country: string;
  days: DayForecast[];
}

/** The cities the demo knows. */
export const CITIES: readonly City[] = [
  { name: 'Amsterdam', country: 'NL', climateC: 11 },
  { name: 'Berlin', country: 'DE', climateC: 10 },
  { name: 'Lagos', country: 'NG', climateC: 27 },
  { name: 'London', country: 'GB', climateC: 11 },
  { name: 'Mumbai', country: 'IN', climateC: 28 },
  { name: 'New York', country: 'US', climateC: 13 },
  { name: 'Paris', country: 'FR', climateC: 12 },
  { name: 'Reykjavik', country: 'IS', climateC: 5 },
  { name: 'São Paulo', country: 'BR', climateC: 20 },
  { name: 'Sydney', country: 'AU', climateC: 18 },
  { name: 'Tokyo', country: 'JP', climateC: 16 },
];

const SUMMARIES = ['Sunny', 'Partly cloudy', 'Cloudy', 'Light rain', 'Showers', 'Windy', 'Fog'];

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

/** The city a query names (case and accents ignored), or undefined. */
export function findCity(query: string): City | undefined {
  const wanted = fold(query);
  return CITIES.find((c) => fold(c.name) === wanted);
}

/** A three-day forecast for `city` starting on `today` (UTC). */
export function forecast(city: City, today: Date = new Date()): Forecast {
  const days: DayForecast[] = [];
  for (let i = 0; i < 3; i++) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + i)).toISOString().slice(0, 10);
    const bytes = createHash('sha256').update(`${city.name}|${date}`).digest();
    const high = city.climateC + (bytes[0]! % 9) - 2;
    days.push({
      date,
      summary: SUMMARIES[bytes[1]! % SUMMARIES.length]!,
      highC: high,
      lowC: high - 4 - (bytes[2]! % 6),
      precipitationChance: (bytes[3]! % 11) * 10,
    });
  }
  return { city: city.name, country: city.country, days };
}
