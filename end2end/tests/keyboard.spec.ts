import { Page } from '@playwright/test';
import { test, expect, hydrated, signIn } from './fixtures';

// Tab reaches every link, button and field on the page, in order, and each one shows where
// the focus is (an outline or a ring, not the page's default "none").
async function tabThrough(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  const interactive = await page
    .locator('a[href], button:not([disabled]), input:not([type=hidden]), select, textarea')
    .filter({ visible: true })
    .count();
  const reached = new Set<string>();
  const unmarked: string[] = [];
  // Date and time fields take a Tab per part (day, month, year), so allow several per element.
  for (let i = 0; i < interactive * 4 + 5 && reached.size < interactive; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const marked =
        (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      const all = Array.from(
        document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea'),
      );
      return { key: `${all.indexOf(el)}`, name: `${el.tagName.toLowerCase()} "${(el.textContent || (el as HTMLInputElement).name || '').trim().slice(0, 40)}"`, marked };
    });
    if (!focused) continue;
    reached.add(focused.key);
    if (!focused.marked) unmarked.push(focused.name);
  }
  expect(unmarked, `${path}: focus not visible on`).toEqual([]);
  expect(reached.size, `${path}: elements reached by Tab`).toBeGreaterThanOrEqual(interactive);
}

test('a visitor reaches everything by keyboard, and sees where the focus is', async ({ page }) => {
  for (const path of ['/', '/signin', '/register', '/forgot-password']) {
    await tabThrough(page, path);
  }
});

test('a patient and a provider reach everything by keyboard', async ({ page }) => {
  await signIn(page, 'emma@example.com');
  for (const path of ['/patient', '/patient/goals', '/patient/profile', '/patient/my-data', '/security']) {
    await tabThrough(page, path);
  }
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await signIn(page, 'sarah.chen@example.com');
  await tabThrough(page, '/provider');
});
