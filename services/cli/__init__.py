"""The ``takt`` command line. Feature packages register their subcommands here."""
