// Amounts as the API sends them: decimal strings. Arithmetic is done in whole cents, never in floats.

const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;

/** An amount typed by a person ("12", "12.5", "12.50") in cents, or null when it is not one. */
export function toCents(text: string): number | null {
  const trimmed = text.trim();
  if (!AMOUNT.test(trimmed)) return null;
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Cents as the API's Decimal: "12.50". */
export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** "€12.50" in the reader's locale; the float is only for display. */
export function formatMoney(amount: string, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(Number(amount));
}
