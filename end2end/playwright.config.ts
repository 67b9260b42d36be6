import { defineConfig } from '@playwright/test';

// A fresh data directory for every run: the server starts on an empty SQLite database and
// loads the demo tenant. The browser is Debian's Chromium: Playwright cannot download its own.
const port = Number(process.env.SIGHTLINE_E2E_PORT ?? 3117);
const dataDir = process.env.SIGHTLINE_E2E_DATA ?? `/tmp/sightline-e2e-${process.pid}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && target/debug/sightline serve --demo`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      SIGHTLINE_DATA_DIR: dataDir,
      SIGHTLINE_LISTEN: `127.0.0.1:${port}`,
      SIGHTLINE_LOG: 'warn',
      // Stopped with SIGTERM when the run ends: nothing to drain for.
      SIGHTLINE_SHUTDOWN_DRAIN_SECONDS: '0',
    },
  },
});
