-- Whether the browser SDK may read a connected user's access token
-- (getIntegrationAccount with includeAccountAuth, which the OneDrive File
-- Picker needs). Off unless the operator turns it on.

ALTER TABLE integrations ADD COLUMN allow_account_auth boolean NOT NULL DEFAULT false;
