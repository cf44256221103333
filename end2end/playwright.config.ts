import { defineConfig } from '@playwright/test';

// Runs ../target/debug/salus (the tests' build) serving ../target/site (the release bundle), on a fresh
// SQLite database seeded with the demo data. Build first (the README's test command does).
const port = Number(process.env.SALUS_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  // A hung page fails a test, a slow one does not: the server is the debug build (the tests'),
  // on which the longest portal's accessibility check took 37 s.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // Two-step sign-in first: the provider meets enrolment there, and every later file signs in
  // with the authenticator it set up (fixtures.ts).
  projects: [
    { name: 'two-step', testMatch: /two-step\.spec\.ts/ },
    { name: 'portals', testIgnore: /two-step\.spec\.ts/, dependencies: ['two-step'] },
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: 'rm -rf ../target/e2e && mkdir -p ../target/e2e && exec ../target/debug/salus serve',
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      DATABASE_URL: 'sqlite://../target/e2e/salus.db?mode=rwc',
      SALUS_ADDR: `127.0.0.1:${port}`,
      SALUS_MAILBOX_DIR: '../target/e2e/mailbox',
      SALUS_AUDIT_KEY_FILE: '../target/e2e/audit.key',
      SALUS_SECRET_KEYS_FILE: '../target/e2e/secret-keys.json',
      LEPTOS_SITE_ROOT: '../target/site',
      // The journeys sign in as the demo accounts and read reset links in the dev mailbox.
      SALUS_SEED_DEMO: 'true',
      // An SMS gateway address where nothing answers: texts are tried and wait to be tried
      // again (channels.spec.ts).
      SALUS_SMS_URL: 'http://127.0.0.1:9/2010-04-01/Accounts/ACe2e',
      SALUS_SMS_ACCOUNT: 'ACe2e',
      SALUS_SMS_TOKEN: 'e2e-token',
      SALUS_SMS_FROM: '+15550100000',
      SALUS_DEV_PAGES: 'true',
      SALUS_LOG: 'warn',
    },
  },
});
