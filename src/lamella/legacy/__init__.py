"""EXACT's pre-REST routes that SlideRunner and exact-sync's ``ExactManager`` still call."""
