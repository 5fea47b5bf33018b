-- A settlement is reconciled in bounded runs (large files take several): its row is
-- written when the file arrives, as `processing`, and becomes `reconciled` once every line
-- is applied and reported. Rows written before this step were reconciled in one go.
ALTER TABLE settlement ADD COLUMN status TEXT NOT NULL DEFAULT 'reconciled';
