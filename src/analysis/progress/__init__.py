"""Facts and measures from the store, the progress engine, its views and sentences."""
