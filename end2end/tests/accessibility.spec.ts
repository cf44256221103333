import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { test, expect, hydrated, signIn } from './fixtures';

// Every page of every portal, as the role that uses it: no WCAG 2.1 A or AA violation that
// axe-core can find, and nothing wider than the window on a small phone (360 px) or a laptop
// (1280 px). Checked once the page's islands are alive, so what they render counts too.
const WIDTHS = [360, 1280];

async function check(page: Page, path: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(path);
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} at ${width} px spills sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(results.passes.length, `axe checked ${path}`).toBeGreaterThan(0);
    const found = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect(found, `${path} at ${width} px`).toEqual([]);
  }
}

test('public pages and the account forms', async ({ page }) => {
  for (const path of [
    '/',
    '/topics',
    '/topics/covid-19-updates',
    '/services',
    '/contact',
    '/privacy',
    '/privacy/2026-11-01',
    '/signin',
    '/register',
    '/forgot-password',
    '/reset-password?token=not-a-real-token',
    '/invitation?token=1-not-a-real-token',
  ]) {
    await check(page, path);
  }
});

test('the patient portal', async ({ page }) => {
  await signIn(page, 'emma@example.com');
  for (const path of ['/patient', '/patient/goals', '/patient/profile', '/patient/my-data', '/patient/clinics', '/security']) {
    await check(page, path);
  }
});

test('the provider portal', async ({ page }) => {
  await signIn(page, 'sarah.chen@example.com');
  await check(page, '/provider');
  await page.getByRole('link', { name: 'Emma Wilson' }).click();
  await expect(page).toHaveURL(/\/provider\/patients\/\d+$/);
  await check(page, new URL(page.url()).pathname);
});

test('the clinic portal', async ({ page }) => {
  await signIn(page, 'maria.lopez@example.com');
  for (const path of ['/clinic', '/clinic/staff', '/clinic/roles', '/clinic/patients', '/clinic/patients/enrol', '/clinic/reminders', '/clinic/protocols', '/clinic/audit', '/clinic/settings']) {
    await check(page, path);
  }
});

test('the platform portal', async ({ page }) => {
  await signIn(page, 'admin@example.com');
  for (const path of ['/platform', '/platform/clinics', '/platform/clinics/1', '/platform/plans', '/platform/plans/standard', '/platform/protocols', '/platform/topics', '/platform/topics/1', '/platform/tips', '/platform/policy', '/platform/audit', '/platform/admins']) {
    await check(page, path);
  }
});
