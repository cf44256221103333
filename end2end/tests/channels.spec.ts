import { test, expect, signIn, signOut } from './fixtures';
import type { Browser, Page } from '@playwright/test';

// The clinic sends texts as well as email; Noah gives his mobile number and takes texts. The
// server's SMS gateway address (playwright.config.ts) answers nothing, so his text waits to be
// tried again; he turns texts off on his profile, and the clinic's reminders page shows the text
// cancelled and his email sent (or waiting, inside New York's quiet hours).

/** Whether it is New York's quiet hours now (21:00 to 08:00), the demo patients' time zone. */
function quietInNewYork(): boolean {
  const hour = Number(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
  );
  return hour >= 21 || hour < 8;
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

/** Noah's row on the clinic's reminders page for `channel`, once it shows `status`. */
async function expectRow(admin: Page, channel: 'email' | 'sms', status: string, reason?: string) {
  await expect(async () => {
    await admin.goto(`/clinic/reminders?channel=${channel}`);
    let row = admin.getByTestId('reminder-row').filter({ hasText: 'Noah Patel' }).filter({ hasText: 'Care overdue' }).filter({ hasText: status });
    if (reason) row = row.filter({ hasText: reason });
    await expect(row.first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

async function saveTexts(noah: Page, on: boolean) {
  await noah.goto('/patient/profile');
  await noah.getByLabel('Mobile number, with country code').fill('+1 555 010 0103');
  await noah.getByLabel('Text me reminders').setChecked(on);
  await noah.getByRole('button', { name: 'Save profile' }).click();
  await expect(noah.getByRole('status').filter({ hasText: 'Your profile is saved.' })).toBeVisible();
}

test('a patient who turns texts off on the profile has the waiting text cancelled and the email still sent', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await signIn(page, 'maria.lopez@example.com');
  await page.goto('/clinic/settings');
  await page.getByLabel('Send reminders by text message (SMS)').check();
  await page.getByRole('button', { name: 'Save reminder settings' }).click();
  await expect(page.getByText('Reminder settings are saved.')).toBeVisible();

  const noah = await signedIn(browser, 'noah@example.com');
  await saveTexts(noah, true);
  // The worker plans at once: his text is tried, and waits to be tried again (or waits for
  // his morning).
  await expectRow(page, 'sms', quietInNewYork() ? 'Waiting' : 'Retrying');

  await saveTexts(noah, false);
  await expectRow(page, 'sms', 'Cancelled', 'the patient turned off text reminders');
  await expectRow(page, 'email', quietInNewYork() ? 'Waiting' : 'Sent');
  await signOut(noah);

  // As the demo has it, for the tests that follow.
  await page.goto('/clinic/settings');
  await page.getByLabel('Send reminders by text message (SMS)').uncheck();
  await page.getByRole('button', { name: 'Save reminder settings' }).click();
  await expect(page.getByText('Reminder settings are saved.')).toBeVisible();
});
