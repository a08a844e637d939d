-- Reuse search scores its candidates from the chunk index itself.
--
-- Each chunk row carries a copy of its photo's PDQ, INCLUDEd in the primary key, so a
-- radius search reads probes and candidate hashes in one index-only scan. Before this,
-- every candidate (~33 k per radius-31 lookup at 1 M photos) cost a heap fetch from
-- photo_hashes, ~80 % of the lookup's time (docs/benchmarks.md, "Reuse search"). The
-- price is ~37 bytes more per chunk row in the heap and in the index.

ALTER TABLE pdq_chunks ADD COLUMN pdq bit(256);

UPDATE pdq_chunks c SET pdq = h.pdq
FROM photo_hashes h
WHERE h.org_id = c.org_id AND h.photo_id = c.photo_id;

-- The copy is filled in by the database when a writer leaves it out, so it always is
-- the photo's own hash (photo_hashes is written first: the foreign key requires it).
CREATE FUNCTION pdq_chunks_copy_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pdq IS NULL THEN
        NEW.pdq := (SELECT h.pdq FROM photo_hashes h
                    WHERE h.org_id = NEW.org_id AND h.photo_id = NEW.photo_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER pdq_chunks_copy_hash BEFORE INSERT ON pdq_chunks
    FOR EACH ROW EXECUTE FUNCTION pdq_chunks_copy_hash();

ALTER TABLE pdq_chunks ALTER COLUMN pdq SET NOT NULL;

ALTER TABLE pdq_chunks DROP CONSTRAINT pdq_chunks_pkey;
ALTER TABLE pdq_chunks ADD PRIMARY KEY (org_id, chunk_no, chunk_value, photo_id) INCLUDE (pdq);
