-- relgate:irreversible the old values are not kept
UPDATE users SET email = lower(email) WHERE email <> lower(email);
