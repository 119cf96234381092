"""Strategy 2025 tracking for La Mednum's board: content file, storage, status, auth, report."""
