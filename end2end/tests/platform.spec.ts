import { test, expect, hydrated, openMailedLink, signIn, signOut } from './fixtures';

// The platform's first clinic: a super admin adds it, its admin joins from the emailed
// invitation, and once the clinic is suspended its staff are refused with the reason why.
// Staff sign-ins wait for a fresh authenticator code, so this runs long.
const INES = 'ines.duarte@example.org';
const INES_PASSWORD = 'copper kettle harbour lantern';

test('a super admin adds a clinic, its admin joins, and a suspension keeps its staff out', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, 'admin@example.com');
  await expect(page).toHaveURL(/\/platform$/);
  await page.getByRole('navigation', { name: 'Platform administration' }).getByRole('link', { name: 'Clinics' }).click();
  await expect(page).toHaveURL(/\/platform\/clinics$/);
  await expect(page.getByTestId('clinic-row').filter({ hasText: 'Sunrise Wellness Clinic' })).toContainText('Standard');
  await page.getByLabel('Clinic name').fill('Riverside Family Practice');
  await page.getByLabel('Clinic code').fill('RIVERSIDE');
  await page.getByLabel('Time zone').fill('America/Chicago');
  await page.getByLabel('Plan', { exact: true }).selectOption('starter');
  await page.getByLabel('Email of its first admin').fill(INES);
  await page.getByRole('button', { name: 'Add the clinic and invite its admin' }).click();
  await expect(page).toHaveURL(/\/platform\/clinics\/\d+\?done=created$/);
  await expect(page.getByRole('status').filter({ hasText: 'Clinic added.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Riverside Family Practice' })).toBeVisible();
  const clinicPage = page.url().replace(/\?.*$/, '');
  await signOut(page);

  await openMailedLink(page, 'You are invited to join Riverside Family Practice', /\/invitation\?token=/);
  await expect(page.getByText('Riverside Family Practice invites ines.duarte@example.org to join its staff as clinic admin.')).toBeVisible();
  await page.getByLabel('Your name').fill('Inês Duarte');
  await page.getByLabel('Choose a password').fill(INES_PASSWORD);
  await page.getByRole('button', { name: 'Join and set my password' }).click();
  await expect(page).toHaveURL(/\/signin\?joined=1$/);
  await signIn(page, INES, INES_PASSWORD);
  await expect(page).toHaveURL(/\/clinic$/);
  await expect(page.getByText('Riverside Family Practice').first()).toBeVisible();
  await signOut(page);

  await signIn(page, 'admin@example.com');
  await page.goto(clinicPage);
  await page.getByLabel('Reason', { exact: false }).fill('Contract under review');
  await page.getByRole('button', { name: 'Suspend the clinic' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Suspended.' })).toBeVisible();
  await expect(page.getByTestId('status-changed')).toContainText('Contract under review');
  await signOut(page);

  await page.goto('/signin');
  await page.getByLabel('Email').fill(INES);
  await page.getByLabel('Password').fill(INES_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText("Riverside Family Practice's Salus portal is suspended")).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
});

// A health topic goes from a draft, previewed as it will look, to the public home page's
// Latest Health Information, first in the place it was given, with its Read More page.
test('a super admin publishes a health topic and it leads the home page', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'admin@example.com');
  await page.getByRole('navigation', { name: 'Platform administration' }).getByRole('link', { name: 'Health topics' }).click();
  await expect(page).toHaveURL(/\/platform\/topics$/);
  await page.getByLabel('Title').fill('Winter Walking');
  await page.getByLabel('Summary').fill('Keep moving safely when the days are short.');
  await page.getByLabel('Body').fill('Wear **bright layers** after dark.\n\n- good boots\n- a torch\n\n<script>document.title = "owned"</script>');
  await page.getByLabel('Tags').fill('activity, winter');
  await page.getByLabel('Place on the home page').fill('1');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(/\/platform\/topics\/\d+\?done=created$/);
  const preview = page.getByTestId('topic-preview');
  await expect(preview.locator('strong')).toHaveText('bright layers');
  await expect(preview.getByRole('listitem').filter({ hasText: 'a torch' })).toBeVisible();
  await expect(preview.locator('script')).toHaveCount(0);

  // Not public while a draft: the home page and the topic's address do not show it.
  expect(await (await page.request.get('/')).text()).not.toContain('Winter Walking');
  expect((await page.request.get('/topics/winter-walking')).status()).toBe(404);

  await page.getByLabel('Status').selectOption('published');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await signOut(page);

  await page.goto('/');
  await hydrated(page);
  const latest = page.getByRole('region', { name: 'Latest Health Information' }).getByRole('article');
  await expect(latest.first()).toContainText('Winter Walking');
  await latest.first().getByRole('link', { name: /Read More/ }).click();
  await expect(page).toHaveURL(/\/topics\/winter-walking$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Winter Walking' })).toBeVisible();
  await expect(page.locator('strong').filter({ hasText: 'bright layers' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Tags' })).toContainText('winter');
  expect(await page.title()).not.toContain('owned');
});
