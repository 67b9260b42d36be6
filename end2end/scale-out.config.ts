import { defineConfig } from '@playwright/test';

// The scale-out run (scripts/scale-out.sh): three Sightline processes behind nginx, which the
// script starts; the browser talks to nginx only. Debian's Chromium, as in the other tests.
export default defineConfig({
  testDir: './scale-out',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: './test-results-scale-out',
  use: {
    baseURL: process.env.SIGHTLINE_SCALE_BASE ?? 'http://127.0.0.1:3250',
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
});
