"""Business rules as pure functions: the board, the Gantt, the CLI and the workers share them."""
