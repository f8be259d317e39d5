import t from 'tap';
import { detectPii, ibanValid, MAX_SCAN_CHARS, type PiiType } from '../../lib/policy/pii.js';

function typesIn(text: string): Partial<Record<PiiType, number>> {
  return Object.fromEntries(detectPii(text).map((d) => [d.type, d.count]));
}

function expectOnly(t: Tap.Test, text: string, expected: Partial<Record<PiiType, number>>) {
  t.same(typesIn(text), expected, JSON.stringify(text.slice(0, 60)));
}

t.test('nothing in ordinary homework prompts', async (t) => {
  const negatives = [
    'Explain photosynthesis in simple words for a 10 year old.',
    'What happened in 1989 in Berlin? Give me 3 bullet points.',
    'Solve 12345 * 6789 and show the steps.',
    'My order number is 4000123412341235 wait no', // not Luhn-valid
    'Meet me at 21:00 on 2024-05-17, version 1.2.3 is out.',
    'The price went from 1,299.00 to 999.99 euros.',
    'ISBN 978-3-16-148410-0 is the book.',
    'Call the function foo(123, 456, 7890).',
    'DE00 is not an IBAN and neither is GB12ABCD',
    'The SSN format is like 000-12-3456 which is never issued.',
    'a@b is not an email, neither is user@localhost',
    'pin the tweet',
    '',
  ];
  for (const text of negatives) expectOnly(t, text, {});
  t.same(detectPii(null), []);
  t.same(detectPii(undefined), []);
});

t.test('e-mail addresses', async (t) => {
  expectOnly(t, 'write to alice.smith+school@example.co.uk and bob@mail.example.org', { email: 2 });
});

t.test('payment cards are Luhn-checked and issuer-checked', async (t) => {
  expectOnly(t, 'my card is 4111 1111 1111 1111 exp 12/29', { payment_card: 1 });
  expectOnly(t, 'cards: 5555-5555-5555-4444 and 378282246310005', { payment_card: 2 });
  expectOnly(t, 'not a card: 4111 1111 1111 1112', {});
  // Luhn-valid but no known issuer prefix: an account or parcel number, not a card.
  expectOnly(t, 'parcel 0000000000000000', {});
});

t.test('IBANs are checksum-checked', async (t) => {
  t.ok(ibanValid('DE89370400440532013000'));
  t.ok(ibanValid('GB82 WEST 1234 5698 7654 32'));
  t.notOk(ibanValid('DE89370400440532013001'));
  t.notOk(ibanValid('XX89370400440532013000'));
  t.notOk(ibanValid('DE8937040044053201300'));
  expectOnly(t, 'Überweise an DE89 3704 0044 0532 0130 00 bitte', { iban: 1 });
  expectOnly(t, 'IBAN GB82WEST12345698765432.', { iban: 1 });
  expectOnly(t, 'fake DE89 3704 0044 0532 0130 01', {});
});

t.test('US social security numbers', async (t) => {
  expectOnly(t, 'my SSN is 123-45-6789', { us_ssn: 1 });
  expectOnly(t, 'invalid 666-45-6789, 900-12-3456, 123-00-4567, 123-45-0000', {});
});

t.test('phone numbers in international and national formats', async (t) => {
  expectOnly(t, 'ruf an: +49 30 1234567', { phone: 1 });
  expectOnly(t, 'call +1 (555) 123-4567 or +44 20 7946 0958', { phone: 2 });
  expectOnly(t, 'dial 0044 20 7946 0958', { phone: 1 });
  expectOnly(t, 'US number (555) 123-4567 and 555-123-4567 and 555.123.4567', { phone: 3 });
  expectOnly(t, 'Festnetz 030 12345678', { phone: 1 });
  expectOnly(t, 'just +1 2', {});
});

t.test('street addresses in reliable shapes', async (t) => {
  expectOnly(t, 'I live at 742 Evergreen Terrace, Springfield', { street_address: 1 });
  expectOnly(t, 'ship to 1600 Pennsylvania Avenue NW', { street_address: 1 });
  expectOnly(t, 'Wir wohnen in der Hauptstraße 12 in Berlin', { street_address: 1 });
  expectOnly(t, 'Bahnhofstr. 5a, 2. Stock', { street_address: 1 });
  expectOnly(t, 'the street was long and the avenue was wide', {});
});

t.test('secrets and passwords', async (t) => {
  expectOnly(t, 'use key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD', { secret: 1 });
  expectOnly(t, 'AKIAIOSFODNN7EXAMPLE is my aws key', { secret: 1 });
  expectOnly(t, 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789', { secret: 1 });
  expectOnly(t, 'my password: hunter22 and Passwort = geheim123', { password: 2 });
  expectOnly(t, 'the password is tr0ub4dor', { password: 1 });
  expectOnly(t, 'what is a good password policy?', {});
});

t.test('several types at once, counts per type, stable order', async (t) => {
  const text = 'Mail me at a@example.com or b@example.com, card 4111111111111111, IBAN DE89370400440532013000';
  t.same(detectPii(text), [
    { type: 'email', count: 2 },
    { type: 'payment_card', count: 1 },
    { type: 'iban', count: 1 },
  ]);
});

t.test('detections never carry the matched text', async (t) => {
  const d = detectPii('card 4111 1111 1111 1111 mail x@example.com');
  t.notMatch(JSON.stringify(d), /4111|example/);
});

t.test('scanning is bounded', async (t) => {
  const far = 'x'.repeat(MAX_SCAN_CHARS) + ' a@example.com';
  t.same(detectPii(far), []);
  t.same(typesIn('a@example.com ' + 'x'.repeat(MAX_SCAN_CHARS)), { email: 1 });
});
