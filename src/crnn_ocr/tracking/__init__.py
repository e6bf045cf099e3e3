"""MLflow set-up (one store, one place), run tags linking runs to data and code versions."""
