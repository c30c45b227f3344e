"""Routes of previews: comment slots and main previews (slots.py), batch comments (batch.py),
listings (listings.py), media upload and delivery (media.py), frames and tile sheets made on
demand (extraction.py), the preview-file records (records.py); lookups.py finds the preview a
route acts on through the access entry point."""
