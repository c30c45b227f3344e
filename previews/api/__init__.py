"""Routes of previews: comment slots and batch comments (slots.py), media upload and
delivery (media.py), and the preview-file records (records.py)."""
