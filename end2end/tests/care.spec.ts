import { test, expect, hydrated, signIn, signOut } from './fixtures';

test('a patient logs steps and the provider sees the status change', async ({ page }) => {
  await signIn(page, 'sarah.chen@example.com');
  await expect(page).toHaveURL(/\/provider$/);
  const emma = page.getByTestId('patient-row').filter({ hasText: 'Emma Wilson' });
  await expect(emma).toContainText('Goals missed');
  await expect(emma).toContainText('All goals met on 4 of the last 7 days');
  await signOut(page);

  await signIn(page, 'emma@example.com');
  await page.getByLabel('Goal', { exact: true }).selectOption('steps');
  await page.getByLabel(/^Value/).fill('6500');
  await page.getByRole('button', { name: 'Log', exact: true }).click();
  await expect(page.getByTestId('goal-steps-summary')).toHaveText('Steps: 6500 / 6000 – 108%');
  await signOut(page);

  await signIn(page, 'sarah.chen@example.com');
  await expect(emma).toContainText('Goal met');
  await expect(emma).toContainText('All goals met on 5 of the last 7 days');
  // The list filters by status.
  await page.getByLabel('Status').selectOption('goal_met');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/status=goal_met/);
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
});

test('a recorded blood test clears the reminder and shows in who viewed the record', async ({ page }) => {
  await signIn(page, 'david@example.com');
  await expect(page.getByTestId('reminders')).toContainText('Upcoming: Annual blood test on');
  await signOut(page);

  await signIn(page, 'sarah.chen@example.com');
  await page.getByRole('link', { name: 'David Miller' }).click();
  await expect(page).toHaveURL(/\/provider\/patients\/\d+$/);
  await hydrated(page);
  const blood = page.getByTestId('care-item').filter({ hasText: 'Annual blood test' });
  await expect(blood).toContainText('Due soon');
  await blood.getByRole('button', { name: 'Record completion' }).click();
  await expect(blood).toContainText('Completed');
  await expect(blood).toContainText('last done');
  await signOut(page);

  await signIn(page, 'david@example.com');
  await expect(page.getByText('You are up to date with your preventive care.')).toBeVisible();
  await page.getByRole('link', { name: 'My data' }).click();
  await expect(page).toHaveURL(/\/patient\/my-data$/);
  const view = page.getByTestId('record-access').filter({ hasText: 'Viewed your record' }).first();
  await expect(view).toContainText('Dr. Sarah Chen (Provider)');
  await expect(view).toContainText('Sunrise Wellness Clinic');
});

test('the dashboard fits a phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, 'emma@example.com');
  await expect(page.getByRole('heading', { name: 'Welcome, Emma' })).toBeVisible();
  await page.screenshot({ path: 'test-results/dashboard-phone.png', fullPage: true });

  // Nothing spills sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // The four goal cards stack in one column, each nearly the width of the screen.
  const cards = page.locator('article[id^="goal-"]');
  await expect(cards).toHaveCount(4);
  const boxes = await cards.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
  for (let i = 0; i < boxes.length; i++) {
    expect(boxes[i].width).toBeGreaterThan(300);
    expect(boxes[i].right).toBeLessThanOrEqual(375);
    if (i > 0) {
      expect(Math.abs(boxes[i].x - boxes[0].x)).toBeLessThan(1);
      expect(boxes[i].y).toBeGreaterThanOrEqual(boxes[i - 1].bottom);
    }
  }
  // The tracker's fields are full-width and tall enough to tap.
  for (const label of ['Goal', 'Day']) {
    const box = await page.getByLabel(label, { exact: true }).boundingBox();
    expect(box!.width).toBeGreaterThan(280);
    expect(box!.height).toBeGreaterThanOrEqual(36);
  }
  // The sleep chart scales down to the screen.
  const chart = await page.getByTestId('sleep-week').boundingBox();
  expect(chart!.width).toBeLessThanOrEqual(375);
  expect(chart!.width).toBeGreaterThan(250);
});
