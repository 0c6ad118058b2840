-- The install flow's completion step: a sign-in Microsoft answered waits,
-- with its authorization code sealed, until the SDK that started it
-- finishes it with the user's token. Also the indexes that bound and purge
-- pending sign-ins and install sessions.

ALTER TABLE oauth_states ADD COLUMN code TEXT; -- sealed; NULL until Microsoft answered
CREATE INDEX oauth_states_user ON oauth_states (project_id, user_id, expires_at);
CREATE INDEX install_sessions_expiry ON install_sessions (expires_at);
CREATE INDEX install_sessions_user ON install_sessions (project_id, user_id, expires_at);
