"""`codelab demo`: the real graph on a sample project, with a scripted model."""
