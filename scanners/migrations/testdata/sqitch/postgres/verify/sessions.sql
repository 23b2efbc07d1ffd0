SELECT id FROM sessions WHERE false;
