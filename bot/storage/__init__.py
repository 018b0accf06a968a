"""Storage adapters: per-server settings, mistake reports and anonymous question counts."""
