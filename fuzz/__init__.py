"""Coverage-guided fuzz targets (atheris); see the README's "Fuzzing" section."""
