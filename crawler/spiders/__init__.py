"""Spiders navigate only: portals, mirrors, verify. Extraction happens in page objects."""
