"""Pipeline stages: ``run(params, paths) -> Result`` functions, one module per stage."""
