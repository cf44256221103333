import { test, expect, hydrated, DEMO_PASSWORD } from './fixtures';

// On a slow phone the page is readable long before its islands are alive, and a patient may
// sign in meanwhile: the form then posts as plain HTML. JavaScript off is the same case, held.
test('signing in works before the page is alive, with the same outcome', async ({ browser, page }) => {
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();

  await plain.goto('/signin?next=/patient');
  await plain.getByLabel('Email').fill('emma@example.com');
  await plain.getByLabel('Password').fill('not her password');
  await plain.getByRole('button', { name: 'Sign in' }).click();
  // Back on the form, which says why; never a raw response.
  await expect(plain).toHaveURL(/\/signin\?/);
  await expect(plain.getByText('That email and password do not match an account.')).toBeVisible();
  const refusedAt = plain.url();

  // Someone else opening that address (a link in a message, say) sees the form without the
  // error: a page shows an error from its address only to the session it was given to.
  await page.goto(refusedAt);
  await expect(page).toHaveURL(/\/signin\?next=(%2F|\/)patient$/);
  await hydrated(page);
  await expect(page.getByText('That email and password do not match an account.')).toHaveCount(0);

  // The same browser session, its islands alive this time: the island takes the form over
  // showing the same message, without a page error.
  await page.context().addCookies(await noScript.cookies());
  await page.goto(refusedAt);
  await hydrated(page);
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
  await page.getByLabel('Email').fill('emma@example.com');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/patient$/);

  // And without JavaScript, the form's second try signs in.
  await plain.getByLabel('Email').fill('emma@example.com');
  await plain.getByLabel('Password').fill(DEMO_PASSWORD);
  await plain.getByRole('button', { name: 'Sign in' }).click();
  await expect(plain).toHaveURL(/\/patient$/);
  await expect(plain.getByRole('heading', { name: 'Welcome, Emma' })).toBeVisible();
  await noScript.close();
});

// The rest of a patient's first visit on a page whose islands never come alive: every form is a
// plain HTML post, and each lands where its island would have taken it, or back on its page
// with the result or the refusal, and what was typed (never a password) still in the fields.
test('registering, logging a goal, saving the profile and signing out work without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = `plain-${Date.now()}@example.org`;

  await page.goto('/register');
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Clinic code').fill('SUNRISE');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/register\?/);
  await expect(page.getByText('You must agree to the privacy policy to create an account.')).toBeVisible();
  await expect(page.getByLabel('Full name')).toHaveValue('Grace Hopper');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Clinic code')).toHaveValue('SUNRISE');
  await expect(page.getByLabel('Password')).toHaveValue('');

  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signin\?registered=1$/);
  await expect(page.getByText('Your account is ready. Sign in to continue.')).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/patient$/);
  const steps = page.getByTestId('goal-steps-summary');
  await expect(steps).toHaveText('Steps: 0 / 6000 – 0%');

  await page.getByLabel('Goal', { exact: true }).selectOption('steps');
  await page.getByLabel(/^Value/).fill('3000');
  await page.getByRole('button', { name: 'Log', exact: true }).click();
  await expect(page).toHaveURL(/\/patient$/);
  await expect(steps).toHaveText('Steps: 3000 / 6000 – 50%');

  await page.goto('/patient/profile');
  await page.getByLabel('Mobile number, with country code').fill('12');
  await page.getByLabel('Full name').fill('Grace B. Hopper');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Enter your mobile number with its country code')).toBeVisible();
  await expect(page.getByLabel('Mobile number, with country code')).toHaveValue('12');
  await expect(page.getByLabel('Full name')).toHaveValue('Grace B. Hopper');
  await page.getByLabel('Mobile number, with country code').fill('+1 555 010 0142');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page).toHaveURL(/\/patient\/profile\?saved=1$/);
  await expect(page.getByText('Your profile is saved.')).toBeVisible();
  await expect(page.getByLabel('Full name')).toHaveValue('Grace B. Hopper');
  // Kept in E.164, as the SMS gateway takes it.
  await expect(page.getByLabel('Mobile number, with country code')).toHaveValue('+15550100142');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/patient');
  await expect(page).toHaveURL(/\/signin\?next=\/patient$/);
  await context.close();
});

test('asking for a reset link works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/forgot-password');
  await page.getByLabel('Email').fill('not an email');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByLabel('Email')).toHaveValue('not an email');
  // An address with no account gets the same answer as one with an account.
  await page.getByLabel('Email').fill('nobody-here@example.com');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page).toHaveURL(/\/forgot-password\?sent=1$/);
  await expect(page.getByText('If an account exists for that email')).toBeVisible();
  await context.close();
});
