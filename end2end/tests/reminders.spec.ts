import { test, expect, signIn } from './fixtures';

/** Whether it is New York's quiet hours now (21:00 to 08:00), the demo patients' time zone. */
function quietInNewYork(): boolean {
  const hour = Number(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
  );
  return hour >= 21 || hour < 8;
}

// The server's embedded worker plans at start-up: Noah's overdue flu vaccination is owed an
// email. Outside his quiet hours it leaves at once, into the local mailbox; inside them it waits
// for his morning. Either way the clinic's reminders page says so. (Noah's own data page is
// checked by the API tests: another browser test changes his password.)
test("a patient whose care is overdue is reminded by email, as the clinic's reminders page shows", async ({ page }) => {
  test.setTimeout(120_000);
  const expected = quietInNewYork() ? 'Waiting' : 'Sent';
  await signIn(page, 'maria.lopez@example.com');
  await page.getByRole('navigation', { name: 'Clinic administration' }).getByRole('link', { name: 'Reminders' }).click();
  await expect(page).toHaveURL(/\/clinic\/reminders$/);
  await expect(async () => {
    await page.goto('/clinic/reminders?channel=email');
    await expect(
      page.getByTestId('reminder-row').filter({ hasText: 'Noah Patel' }).filter({ hasText: 'Care overdue' }).filter({ hasText: expected }).first(),
    ).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  if (expected === 'Sent') {
    await page.goto('/dev/mailbox');
    const mail = page.getByTestId('mail').filter({ hasText: 'noah@example.com' }).filter({ hasText: 'a reminder is waiting in your patient portal' });
    await expect(mail.first()).toBeVisible();
    await expect(mail.first()).toContainText('Sunrise Wellness Clinic');
    await expect(mail.first()).not.toContainText('flu');
  }
});
