"""The flows themselves: each module defines one or a few related flows as data."""
