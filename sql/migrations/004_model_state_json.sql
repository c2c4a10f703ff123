-- 004: DCC/ADCC filter state as versioned JSON instead of a serialized Python object.
-- Stored states cannot be converted (reading them would mean executing them): they become null
-- and the next run refits those models, saying so in the dcc step's message.
alter table results.model_fits drop column state;
alter table results.model_fits add column state json;  -- the fit and its filter state (Q_T, z_T, GARCH variances), JSON with "version"
