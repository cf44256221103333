import { test as base, expect, Page } from '@playwright/test';

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

/** Signs in through the form and waits for the portal to hydrate. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/signin/);
  await hydrated(page);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}
