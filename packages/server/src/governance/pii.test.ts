import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { textLines } from "./pii-scan.js";
import { findPii, luhnValid, maskPii, redactLine } from "./pii.js";

const kinds = (line: string) => findPii(line).map((m) => [m.kind, m.text]);

describe("personal data in text", () => {
  it("checks Luhn on the published test numbers and refuses a changed digit", () => {
    // test card numbers the card networks publish for integration tests
    for (const n of ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]) expect(luhnValid(n)).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("79927398713")).toBe(true); // the classic worked example
    expect(luhnValid("79927398710")).toBe(false);
    expect(luhnValid("12a4")).toBe(false);
  });

  it("finds e-mail addresses, card numbers (with and without separators) and phone numbers", () => {
    expect(kinds("mail jane.doe+imdb@example.co.uk now")).toEqual([["email", "jane.doe+imdb@example.co.uk"]]);
    expect(kinds("card 4111 1111 1111 1111 ok")).toEqual([["card", "4111 1111 1111 1111"]]);
    expect(kinds("card 4111-1111-1111-1111.")).toEqual([["card", "4111-1111-1111-1111"]]);
    expect(kinds("amex 3782 822463 10005")).toEqual([["card", "3782 822463 10005"]]);
    expect(kinds("mc 2221 0000 0000 0009")).toEqual([["card", "2221 0000 0000 0009"]]); // a 2-series Mastercard
    expect(kinds("card 5555555555554444")).toEqual([["card", "5555555555554444"]]);
    expect(kinds("call (415) 555-0132 or 415-555-0199")).toEqual([
      ["phone", "(415) 555-0132"],
      ["phone", "415-555-0199"],
    ]);
    expect(kinds("ring +44 20 7946 0958 today")).toEqual([["phone", "+44 20 7946 0958"]]);
  });

  it("does not take prose numbers for personal data", () => {
    const prose = [
      "I saw it in 1999 and again in 2004; 10/10, 8.5 out of 10.",
      "It grossed $1,000,000 in 3 days with 250 screens.",
      "Order id 4111111111111112 failed Luhn.", // one digit off a valid card number
      "Runtime 120 min, rated PG-13, episode 3-4.",
      "somebody just tossed $175 000 000 overboard", // an amount, not a phone number
      "http://video.google.com/videoplay?docid=211772166650071408&hl=en", // Luhn-valid by chance, but an id in a URL
      "ISBN 978-3-16-148410-0 and serial 2345 6789 0123 4567", // a 16-digit run of no issuer's prefix
      "no at sign here user.example.com",
    ];
    for (const line of prose) expect(findPii(line)).toEqual([]);
  });

  it("redacts every match and masks values in reports", () => {
    const line = "Write to a.b@example.org, pay with 4111 1111 1111 1111, call 415-555-0132.";
    const found = findPii(line);
    expect(redactLine(line, found)).toBe("Write to [EMAIL], pay with [CARD], call [PHONE].");
    expect(found.map(maskPii)).toEqual(["a***@example.org", "****1111", "***32"]);
  });
});

describe("text lines of a dataset", () => {
  const lines = async (chunks: (string | Buffer)[]) => {
    const out: string[] = [];
    for await (const l of textLines(Readable.from(chunks))) out.push(l);
    return out;
  };

  it("splits across chunks, drops \\r\\n and \\n, keeps a last line without newline and UTF-8 split mid-character", async () => {
    const euro = Buffer.from("€"); // three bytes
    expect(await lines(["a\r\nb", "c\nd"])).toEqual(["a", "bc", "d"]);
    expect(
      await lines([Buffer.concat([Buffer.from("x"), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from("\n")])]),
    ).toEqual(["x€"]);
    expect(await lines(["\n\n"])).toEqual(["", ""]);
  });

  it("refuses a line longer than 4 MiB characters without reading the rest", async () => {
    let served = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        served++;
        yield Buffer.alloc(1 << 20, 0x61);
      }
    }
    const drain = async (): Promise<void> => {
      for await (const _ of textLines(endless())) void _;
    };
    await expect(drain()).rejects.toMatchObject({ code: "NOT_TEXT" });
    expect(served).toBeLessThanOrEqual(6);
  });
});
