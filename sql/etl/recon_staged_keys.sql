-- A table read whole into its staging table: the staged keys are the source's key set, and every
-- key range holding a staged key or a target row is reconciled (a target row in a range the
-- source no longer has is a delete).
INSERT INTO {keys} (id) SELECT {pk} FROM {staging};
INSERT INTO {recon} (bucket)
SELECT id >> {bucket_bits} FROM {keys}
UNION
SELECT {pk} >> {bucket_bits} FROM {schema}.{target};
