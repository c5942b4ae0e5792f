"""Pixels for the views: the decode pool, grid thumbnails, loupe previews, frame images for compare
and survey, histograms."""
