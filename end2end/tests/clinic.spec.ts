import { Page } from '@playwright/test';
import { test, expect, openMailedLink, signIn } from './fixtures';

// The clinic-admin portal's first day: a provider joins from an emailed invitation, and is
// given a patient. Staff sign-ins wait for a fresh authenticator code, so this runs long.
const LENA = 'lena.fischer@example.org';
const LENA_PASSWORD = 'copper kettle harbour lantern';

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

test('an invited provider joins, and sees the patient the admin assigns them', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, 'maria.lopez@example.com');
  await page.getByRole('navigation', { name: 'Clinic administration' }).getByRole('link', { name: 'Staff' }).click();
  await expect(page).toHaveURL(/\/clinic\/staff$/);
  await page.getByLabel('Email', { exact: true }).fill(LENA);
  await page.getByLabel('Role', { exact: true }).selectOption('provider');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Invitation sent.' })).toBeVisible();
  await expect(page.getByTestId('invitation').filter({ hasText: LENA })).toBeVisible();
  await signOut(page);

  await openMailedLink(page, 'You are invited to join Sunrise Wellness Clinic', /\/invitation\?token=/);
  await expect(page).toHaveURL(/\/invitation\?token=/);
  await expect(page.getByText('Sunrise Wellness Clinic invites lena.fischer@example.org to join its staff as provider.')).toBeVisible();
  await page.getByLabel('Your name').fill('Lena Fischer');
  await page.getByLabel('Choose a password').fill(LENA_PASSWORD);
  await page.getByRole('button', { name: 'Join and set my password' }).click();
  await expect(page).toHaveURL(/\/signin\?joined=1$/);
  await expect(page.getByText("You joined your clinic's staff.")).toBeVisible();

  // Her first sign-in sets up two-step sign-in, then her list is empty.
  await signIn(page, LENA, LENA_PASSWORD);
  await expect(page).toHaveURL(/\/provider$/);
  await expect(page.getByText('0 patients')).toBeVisible();
  await signOut(page);

  await signIn(page, 'maria.lopez@example.com');
  await page.goto('/clinic/patients');
  await page.getByLabel('Select Emma Wilson').check();
  await page.getByLabel('Assign to provider').selectOption({ label: 'Lena Fischer' });
  await page.getByRole('button', { name: 'Assign selected patients' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Assigned.' })).toBeVisible();
  await expect(page.getByTestId('roster-row').filter({ hasText: 'Emma Wilson' })).toContainText('Lena Fischer');
  // The audit log has the assignment, and its chain verifies.
  await page.getByRole('navigation', { name: 'Clinic administration' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').selectOption('assignment.added');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('audit-row').first()).toContainText('Emma Wilson');
  await page.getByRole('button', { name: 'Verify the chain now' }).click();
  await expect(page.getByTestId('chain-status')).toContainText('none altered, missing or cut off');
  await signOut(page);

  await signIn(page, LENA, LENA_PASSWORD);
  await expect(page).toHaveURL(/\/provider$/);
  await expect(page.getByRole('link', { name: 'Emma Wilson' })).toBeVisible();
});

test('a refused invitation says why beside the field', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'maria.lopez@example.com');
  await page.goto('/clinic/staff');
  await page.getByLabel('Email', { exact: true }).fill('sarah.chen@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('provider');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('They are on your staff as provider already.')).toBeVisible();
  // The staff list is as it was.
  await expect(page.getByTestId('staff-member').filter({ hasText: 'sarah.chen@example.com' })).toContainText('Active');
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The month of "Overdue: Seasonal flu vaccination since 1 Oct 2026", counted from year 0. */
function monthOf(reminder: string): number {
  const found = reminder.match(/(\d+) (\w{3}) (\d{4})/);
  expect(found, reminder).not.toBeNull();
  return MONTHS.indexOf(found![2]) + 12 * Number(found![3]);
}

/** Noah's flu-vaccination reminder as his dashboard shows it: his last one was 14 months ago. */
async function fluReminder(page: Page): Promise<string> {
  await signIn(page, 'noah@example.com');
  await expect(page).toHaveURL(/\/patient$/);
  const text = (await page.getByTestId('reminders').getByText(/Seasonal flu vaccination/).textContent()) ?? '';
  await signOut(page);
  return text;
}

async function setFluInterval(page: Page, months: string) {
  await signIn(page, 'maria.lopez@example.com');
  await page.getByRole('navigation', { name: 'Clinic administration' }).getByRole('link', { name: 'Protocols' }).click();
  await expect(page).toHaveURL(/\/clinic\/protocols$/);
  await page.getByRole('link', { name: 'Change Seasonal flu vaccination' }).click();
  await page.getByLabel('Every (months)').fill(months);
  await page.getByRole('button', { name: 'Save protocol' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The protocol is saved.' })).toBeVisible();
  await expect(page.getByTestId('resyncs').getByText(/Seasonal flu vaccination/).first()).toContainText('applied to');
  await signOut(page);
}

test("a protocol's new interval moves the patient's reminder date", async ({ page }) => {
  test.setTimeout(240_000);
  const before = await fluReminder(page);
  await setFluInterval(page, '13');
  // One month more between vaccinations: the one he missed fell due a month later.
  const after = await fluReminder(page);
  expect(monthOf(after) - monthOf(before)).toBe(1);
  // Back as the demo has it, for the tests that follow.
  await setFluInterval(page, '12');
  expect(await fluReminder(page)).toBe(before);
});

/** A CSV of two patients; Jonas's date of birth as given. */
function patientsCsv(jonasBorn: string): Buffer {
  return Buffer.from(
    'name,email,date_of_birth\n' +
      'Rosa Parks,rosa.parks@example.org,1953-02-04\n' +
      `Jonas Salk,jonas.salk@example.org,${jonasBorn}\n`,
  );
}

test('a CSV import with a bad row invites no one until the row is fixed', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, 'maria.lopez@example.com');
  await page.goto('/clinic/patients');
  await page.getByRole('link', { name: 'Enrol patients' }).click();
  await expect(page).toHaveURL(/\/clinic\/patients\/enrol$/);

  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'patients.csv', mimeType: 'text/csv', buffer: patientsCsv('1914-10-32') });
  await page.getByRole('button', { name: 'Import patients' }).click();
  await expect(page.getByTestId('import-outcome')).toContainText('Nothing was imported: 1 problem to fix');
  await expect(page.getByTestId('import-problem')).toHaveCount(1);
  await expect(page.getByTestId('import-problem')).toContainText('3');
  await expect(page.getByTestId('import-problem')).toContainText('date_of_birth');
  await expect(page.getByTestId('import-problem')).toContainText('Enter a date, like 1980-03-14.');
  await page.goto('/clinic/patients?search=rosa');
  await expect(page.getByTestId('roster-row')).toHaveCount(0);
  await expect(page.getByTestId('invited-row')).toHaveCount(0);

  await page.goto('/clinic/patients/enrol');
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'patients.csv', mimeType: 'text/csv', buffer: patientsCsv('1914-10-28') });
  await page.getByRole('button', { name: 'Import patients' }).click();
  await expect(page.getByTestId('import-outcome')).toContainText('Imported 2 rows');
  await expect(page.getByTestId('import-outcome')).toContainText('2 patients invited');
  // Invited, not joined: the clinic reaches nothing of theirs until they accept their link.
  await page.goto('/clinic/patients?search=rosa');
  await expect(page.getByTestId('roster-row')).toHaveCount(0);
  await expect(page.getByTestId('invited-row').filter({ hasText: 'Rosa Parks' })).toContainText('not joined');
});

test("an admin makes a role of the clinic's own from the permissions, and offers it to staff", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'maria.lopez@example.com');
  await page.getByRole('navigation', { name: 'Clinic administration' }).getByRole('link', { name: 'Roles' }).click();
  await expect(page).toHaveURL(/\/clinic\/roles$/);
  const add = page.getByRole('region', { name: 'Add a role' });
  await add.getByLabel('Name').fill('Care coordinator');
  await add.getByLabel('Enrol, discharge and assign patients').check();
  await add.getByLabel("Read and export the clinic's audit log").check();
  await add.getByRole('button', { name: 'Add role' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The role is added.' })).toBeVisible();
  const role = page.getByTestId('role').filter({ hasText: 'Care coordinator' });
  await expect(role).toContainText('Enrol, discharge and assign patients');
  await expect(role).toContainText('No one holds it');

  // The staff page offers it; a role with nothing ticked is refused beside the boxes.
  await page.goto('/clinic/staff');
  await expect(page.getByLabel('Role', { exact: true }).locator('option', { hasText: 'Care coordinator' })).toHaveCount(1);
  await page.goto('/clinic/roles');
  await page.getByRole('link', { name: 'Change the role Care coordinator' }).click();
  await page.getByLabel('Enrol, discharge and assign patients').uncheck();
  await page.getByLabel("Read and export the clinic's audit log").uncheck();
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByText('Tick at least one permission.')).toBeVisible();
  await page.getByRole('link', { name: 'All roles' }).click();
  await page.getByRole('link', { name: 'Change the role Care coordinator' }).click();
  await page.getByRole('button', { name: 'Delete the role Care coordinator' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The role is deleted.' })).toBeVisible();
});
