"""Domain lists: the built-in category lists and the subscriptions the person chose (fetched, read, kept)."""
