"""The pure core: content, matching and answers. Nothing here imports discord."""
