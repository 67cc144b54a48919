"""The pure conversation core: no channel, no database, no clock of its own."""
