"""Operating the program at a site: backups of the embedded database, retention jobs, GDPR
anonymisation, and the database side of the first-run wizard."""
