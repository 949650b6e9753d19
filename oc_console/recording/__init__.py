"""Recordings: the versioned file format a session is kept in, headless (no UI, no sources)."""
