"""Page objects: take a page (URL, bytes, headers) and return fields; no crawler needed."""
