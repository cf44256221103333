import { test as base, expect, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// Every browser test fails on an uncaught page error: a release build whose WASM dies at
// start-up still shows a correct server-rendered page, and only this catches it.
export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Refused requests (401/403/422/429) are answers the page shows, not failures of the page.
      const expectedRefusal = /Failed to load resource: the server responded with a status of 4(01|03|22|29)\b/;
      if (message.type() === 'error' && !expectedRefusal.test(message.text())) {
        errors.push(`console.error: ${message.text()}`);
      }
    });
    await use(page);
    expect(errors, 'uncaught errors on the page').toEqual([]);
  },
});

export { expect };

/** Waits until the WASM has hydrated the page (the app marks <body data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export const DEMO_PASSWORD = 'salus-demo-2026';

/**
 * Signs in through the forms and waits for the portal to hydrate. Staff give a code from their
 * authenticator (set up the first time, from the secret the enrolment page shows).
 */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/signin');
  const step = new URL(page.url()).pathname;
  if (step === '/signin/enrol') {
    await enrolFromPage(page, email);
    await page.getByRole('link', { name: 'I have saved them: continue' }).click();
  } else if (step === '/signin/code') {
    await page.getByLabel('Code', { exact: true }).fill(await nextCode(email));
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect(page).not.toHaveURL(/\/(signin|security\/recovery-codes)/);
  await hydrated(page);
}

// The authenticator app of each account set up in this run: its secret and the last time step
// it gave a code for. Kept in a file beside the run's database (both start fresh each run), so
// every test file and a restarted worker see the same apps.
const authenticators = '../target/e2e/authenticators.json';
type Authenticator = { secret: string; lastStep: number };

function readAuthenticators(): Record<string, Authenticator> {
  return existsSync(authenticators) ? JSON.parse(readFileSync(authenticators, 'utf8')) : {};
}

function base32Bytes(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

/** RFC 6238 with the app defaults (SHA-1, 6 digits, 30 s), as a phone computes it. */
export function totpCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Bytes(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

/**
 * A code for a time step no code was given for yet: now's, or the next one (the server accepts
 * a step either side), or else the code of the step after, once it has begun.
 */
export async function nextCode(email: string): Promise<string> {
  const all = readAuthenticators();
  const app = all[email];
  if (!app) throw new Error(`no authenticator was set up for ${email}`);
  let now = Math.floor(Date.now() / 30_000);
  if (app.lastStep >= now + 1) {
    await new Promise((done) => setTimeout(done, (app.lastStep * 30_000) - Date.now() + 200));
    now = Math.floor(Date.now() / 30_000);
  }
  const step = Math.max(now, app.lastStep + 1);
  all[email] = { ...app, lastStep: step };
  writeFileSync(authenticators, JSON.stringify(all));
  return totpCode(app.secret, step);
}

/** On the enrolment page: reads the secret shown, gives the app's first code, keeps the app. */
export async function enrolFromPage(page: Page, email: string) {
  const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
  const all = readAuthenticators();
  all[email] = { secret, lastStep: -1 };
  writeFileSync(authenticators, JSON.stringify(all));
  await page.getByLabel('Code', { exact: true }).fill(await nextCode(email));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page).toHaveURL(/\/security\/recovery-codes/);
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}

/** The first link of the newest mail whose text contains `subject`, from the dev mailbox. */
export async function openMailedLink(page: Page, subject: string, link: RegExp) {
  await expect(async () => {
    await page.goto('/dev/mailbox');
    await expect(page.getByTestId('mail').first()).toContainText(subject, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(page);
  await page.getByTestId('mail').first().getByRole('link', { name: link }).click();
}
