"""Find and tag by words: the search field and the people filter in the filter bar, and keyword
suggestions under the loupe's photo (culler.core.search, culler.core.keywords)."""
