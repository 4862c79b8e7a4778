"""Code every app may import: it imports none of them."""
