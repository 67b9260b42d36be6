-- A reload that loads the app under a changed load plan (the data-model page's "Load again")
-- keeps that plan (engine JSON) until it runs; empty: the app's own plan. The plan becomes the
-- app's only when the reload succeeds.
ALTER TABLE reloads ADD COLUMN plan TEXT NOT NULL DEFAULT '';
