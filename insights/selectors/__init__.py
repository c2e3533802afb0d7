"""What the insights pages, their CSV files and the API read (the daily figures only):
``store`` for one store's page, ``staff`` for the site's staff."""
