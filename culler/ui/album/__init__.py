"""One open album as the window sees it: the background loader, the analysis worker thread and the
list model the views share."""
