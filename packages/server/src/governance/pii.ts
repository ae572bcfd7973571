/*
 * Personal data in text: e-mail addresses, phone numbers and payment card numbers. Pure functions
 * over one line of text at a time (the scanner in pii-scan.ts streams a dataset through them).
 *
 * - E-mail: local part of letters, digits and . _ % + - ; a domain of labels with a letter TLD (2+).
 * - Card numbers: 13–19 digits, written together or in groups split by single spaces or dashes,
 *   that pass the Luhn check (ISO/IEC 7812-1, annex B) and start like a card (2–6: the major
 *   networks' IIN ranges). Luhn alone accepts one random digit string in ten; the prefix and the
 *   length bound cut what is left of false alarms in prose (years, counts, ids rarely reach 13 digits).
 * - Phone numbers: international (+ and 8–15 digits, E.164's maximum length, ITU-T E.164 §6) or
 *   national written in the usual groupings — (415) 555-0132, 415-555-0132, 415.555.0132,
 *   020 7946 0958 — i.e. 9–12 digits in 3+ groups. A bare run of digits is not taken for a phone
 *   (it is more often a count or an id), and card numbers are found first so a card is not a phone.
 */

export const PII_KINDS = ["email", "card", "phone"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiMatch {
  readonly kind: PiiKind;
  /** Offset in the line (UTF-16 units) and length. */
  readonly index: number;
  readonly length: number;
  readonly text: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d])/g;
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\d)/g;
const PHONE_NATIONAL = /(?<![\w(])(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\d])/g;

/** The Luhn check of a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Digits written as one run or in groups split by one consistent separator (as on a card: 4-4-4-4, 4-6-5). */
function cardShaped(text: string): boolean {
  const seps = new Set(text.replace(/\d/g, ""));
  if (seps.size > 1) return false;
  if (seps.size === 0) return true;
  return text.split(/[ -]/).every((g) => g.length >= 4 && g.length <= 6);
}

function overlaps(taken: readonly PiiMatch[], index: number, length: number): boolean {
  return taken.some((m) => index < m.index + m.length && m.index < index + length);
}

/** Every e-mail, card and phone number in a line, ordered by position, never overlapping. */
export function findPii(line: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  for (const m of line.matchAll(EMAIL)) out.push({ kind: "email", index: m.index, length: m[0].length, text: m[0] });
  for (const m of line.matchAll(CARD)) {
    const digits = m[0].replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19 || !/^[2-6]/.test(digits) || !cardShaped(m[0]) || !luhnValid(digits)) continue;
    if (!overlaps(out, m.index, m[0].length)) out.push({ kind: "card", index: m.index, length: m[0].length, text: m[0] });
  }
  for (const re of [PHONE_INTL, PHONE_NATIONAL]) {
    for (const m of line.matchAll(re)) {
      const digits = m[0].replace(/\D/g, "");
      const ok = re === PHONE_INTL ? digits.length >= 8 && digits.length <= 15 : digits.length >= 9 && digits.length <= 12;
      if (ok && !overlaps(out, m.index, m[0].length)) out.push({ kind: "phone", index: m.index, length: m[0].length, text: m[0] });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The placeholder a redacted copy carries instead of the value. */
export const REDACTED: Readonly<Record<PiiKind, string>> = { email: "[EMAIL]", card: "[CARD]", phone: "[PHONE]" };

/** The line with every match replaced by its placeholder. */
export function redactLine(line: string, matches: readonly PiiMatch[]): string {
  let out = "";
  let at = 0;
  for (const m of matches) {
    out += line.slice(at, m.index) + REDACTED[m.kind];
    at = m.index + m.length;
  }
  return out + line.slice(at);
}

/**
 * A value shown in a report without disclosing it: the e-mail's first character and domain, a card's
 * last four digits, a phone's last two. A report must not become a second copy of the personal data.
 */
export function maskPii(m: PiiMatch): string {
  if (m.kind === "email") {
    const [local = "", domain = ""] = m.text.split("@");
    return `${local.slice(0, 1)}***@${domain}`;
  }
  const digits = m.text.replace(/\D/g, "");
  return m.kind === "card" ? `****${digits.slice(-4)}` : `***${digits.slice(-2)}`;
}
