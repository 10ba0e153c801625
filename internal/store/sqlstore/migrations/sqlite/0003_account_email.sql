-- vneid schema v3: an optional email address on the account, for result
-- notices by email.
ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT '';
