-- A sequence number per stored hash, for the in-memory reuse index (backends/src/reuse):
-- it loads an organisation's indexed hashes in pages by `seq`, then before each search
-- reads only the rows added since the highest `seq` it holds.
--
-- SQLite cannot add a column with a non-constant default, so existing rows are numbered
-- by rowid (their insertion order) and a trigger numbers new ones: one past the org's
-- highest. Writers are serialised, so numbers are never handed out of commit order.

ALTER TABLE photo_hashes ADD COLUMN seq INTEGER;

UPDATE photo_hashes SET seq = rowid;

CREATE INDEX photo_hashes_seq ON photo_hashes (org_id, seq);

CREATE TRIGGER photo_hashes_seq AFTER INSERT ON photo_hashes WHEN NEW.seq IS NULL
BEGIN
    UPDATE photo_hashes SET seq = (
        SELECT coalesce(max(seq), 0) + 1 FROM photo_hashes WHERE org_id = NEW.org_id
    )
    WHERE org_id = NEW.org_id AND photo_id = NEW.photo_id;
END;
