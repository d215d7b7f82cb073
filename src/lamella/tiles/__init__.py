"""Tiles: DZI descriptors, tiles, regions, thumbnails and slide information, over HTTP."""
