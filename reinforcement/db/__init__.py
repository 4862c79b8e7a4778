"""SQL plumbing shared by services and selectors: portable functions and the
batched, guarded write of the answer path."""
