-- Reuse search scores its candidates from the chunk rows themselves.
--
-- Each chunk row carries a copy of its photo's PDQ. pdq_chunks is WITHOUT ROWID, so the
-- copy sits in the primary key's b-tree leaves: one range scan per probe yields the
-- candidates with their hashes, and photo_hashes is no longer read per candidate.

ALTER TABLE pdq_chunks ADD COLUMN pdq BLOB CHECK (pdq IS NULL OR length(pdq) = 32);

UPDATE pdq_chunks SET pdq = (
    SELECT h.pdq FROM photo_hashes h
    WHERE h.org_id = pdq_chunks.org_id AND h.photo_id = pdq_chunks.photo_id
);

-- The copy is filled in by the database when a writer leaves it out, so it always is
-- the photo's own hash (photo_hashes is written first: the foreign key requires it).
CREATE TRIGGER pdq_chunks_copy_hash AFTER INSERT ON pdq_chunks WHEN NEW.pdq IS NULL
BEGIN
    UPDATE pdq_chunks SET pdq = (
        SELECT h.pdq FROM photo_hashes h
        WHERE h.org_id = NEW.org_id AND h.photo_id = NEW.photo_id
    )
    WHERE org_id = NEW.org_id AND chunk_no = NEW.chunk_no AND chunk_value = NEW.chunk_value
      AND photo_id = NEW.photo_id;
END;
