"""The run: its settings, the paced and masking HTTP client, what a check works with, the results it
produces, and the events consumers listen to. Nothing here prints."""
