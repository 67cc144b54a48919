"""champbot: the application around the pure flows engine."""
