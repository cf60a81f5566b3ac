"""Repository root on sys.path so tests import ml, ui and bench as the app does."""
